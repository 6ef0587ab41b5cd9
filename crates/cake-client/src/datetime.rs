//! `CakeDateTime`: CAKE's `YYYY-MM-DD HH:MM:SS` date-time (the spec's `cake-date-time` format).
//!
//! CAKE writes `click_date` and `conversion_date` as `2026-01-15 09:42:11`: no `T`, no zone, so
//! neither RFC 3339 nor chrono's default serde form. This type parses exactly that form, prints
//! exactly that form, and rejects anything else with an error that says what was expected.

use std::{fmt, str::FromStr};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The one textual form CAKE uses, as a chrono format string.
pub const CAKE_DATE_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A date and time as CAKE writes it, `YYYY-MM-DD HH:MM:SS`, with no time zone (CAKE reports in
/// the instance's configured zone).
///
/// ```
/// use cake_client::CakeDateTime;
/// let t: CakeDateTime = "2026-01-15 09:42:11".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-01-15 09:42:11");
/// assert!("2026-01-15T09:42:11Z".parse::<CakeDateTime>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CakeDateTime(NaiveDateTime);

impl CakeDateTime {
    /// Wraps a chrono date-time (sub-second precision is dropped: CAKE's form has none).
    pub fn new(value: NaiveDateTime) -> Self {
        use chrono::Timelike;
        Self(value.with_nanosecond(0).unwrap_or(value))
    }

    /// Builds one from its parts; `None` when they do not form a valid date and time.
    pub fn from_ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        let date = NaiveDate::from_ymd_opt(y, mo, d)?;
        let time = NaiveTime::from_hms_opt(h, mi, s)?;
        Some(Self(NaiveDateTime::new(date, time)))
    }

    /// The chrono value.
    pub fn naive(&self) -> NaiveDateTime {
        self.0
    }

    /// The calendar date part.
    pub fn date(&self) -> NaiveDate {
        self.0.date()
    }
}

impl From<NaiveDateTime> for CakeDateTime {
    fn from(value: NaiveDateTime) -> Self {
        Self::new(value)
    }
}

impl From<CakeDateTime> for NaiveDateTime {
    fn from(value: CakeDateTime) -> Self {
        value.0
    }
}

/// Why a string is not a CAKE date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CAKE date-time {input:?}: {reason}; expected YYYY-MM-DD HH:MM:SS, e.g. 2026-01-15 09:42:11")]
pub struct CakeDateTimeError {
    input: String,
    reason: String,
}

impl CakeDateTimeError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        // Bound what an error carries: the input may be anything a server sent.
        let input: String = input.chars().take(64).collect();
        Self {
            input,
            reason: reason.into(),
        }
    }
}

const SHAPE: &[u8; 19] = b"dddd-dd-dd dd:dd:dd";

impl FromStr for CakeDateTime {
    type Err = CakeDateTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(CakeDateTimeError::new(s, "it is empty"));
        }
        let bytes = s.as_bytes();
        for (i, expected) in SHAPE.iter().enumerate() {
            let Some(&found) = bytes.get(i) else {
                return Err(CakeDateTimeError::new(
                    s,
                    format!("it ends after {i} characters"),
                ));
            };
            let ok = match expected {
                b'd' => found.is_ascii_digit(),
                sep => found == *sep,
            };
            if !ok {
                let want = match expected {
                    b'd' => "a digit".to_string(),
                    b' ' => "a space".to_string(),
                    sep => format!("'{}'", *sep as char),
                };
                let found = s[i..].chars().next().unwrap_or('?');
                return Err(CakeDateTimeError::new(
                    s,
                    format!("found {found:?} at position {} where {want} belongs", i + 1),
                ));
            }
        }
        if bytes.len() > SHAPE.len() {
            return Err(CakeDateTimeError::new(
                s,
                format!("unexpected {:?} after the seconds", &s[SHAPE.len()..]),
            ));
        }
        // The shape is checked above, so every field is ASCII digits at a known place; reading
        // them directly is much cheaper than chrono's format-string parser, and this runs for
        // every row of every page.
        let n = |from: usize, to: usize| {
            bytes[from..to]
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let date = NaiveDate::from_ymd_opt(n(0, 4) as i32, n(5, 7), n(8, 10));
        let time = NaiveTime::from_hms_opt(n(11, 13), n(14, 16), n(17, 19));
        match (date, time) {
            (Some(date), Some(time)) => Ok(Self(NaiveDateTime::new(date, time))),
            (None, _) => Err(CakeDateTimeError::new(
                s,
                "not a real date (month 01-12, day within the month)",
            )),
            (_, None) => Err(CakeDateTimeError::new(
                s,
                "not a real time (hour 00-23, minute and second 00-59)",
            )),
        }
    }
}

impl fmt::Display for CakeDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let (d, t) = (self.0.date(), self.0.time());
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

impl fmt::Debug for CakeDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CakeDateTime({self})")
    }
}

impl Serialize for CakeDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CakeDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CakeDateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date-time string YYYY-MM-DD HH:MM:SS")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CakeDateTime, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl schemars::JsonSchema for CakeDateTime {
    fn schema_name() -> String {
        "CakeDateTime".into()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("cake-date-time".into()),
            string: Some(Box::new(schemars::schema::StringValidation {
                pattern: Some(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$".into()),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_time_gives_its_parts_prints_and_describes_itself() {
        let t: CakeDateTime = "2026-01-15 09:42:11".parse().unwrap();
        assert_eq!(t.date(), NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        let naive: NaiveDateTime = t.into();
        assert_eq!(naive, t.naive());
        assert_eq!(naive.to_string(), "2026-01-15 09:42:11");
        assert_eq!(format!("{t:?}"), "CakeDateTime(2026-01-15 09:42:11)");
        let e = serde_json::from_str::<CakeDateTime>("5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("a date-time string YYYY-MM-DD HH:MM:SS"), "{e}");
        let schema = serde_json::to_value(schemars::schema_for!(CakeDateTime)).unwrap();
        assert_eq!(schema["title"], "CakeDateTime");
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["format"], "cake-date-time");
        assert_eq!(schema["pattern"], r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$");
    }

    #[test]
    fn prints_what_chrono_prints_for_years_and_padding() {
        let t = CakeDateTime::from_ymd_hms(9, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(
            t.to_string(),
            t.naive().format(CAKE_DATE_TIME_FORMAT).to_string()
        );
        assert_eq!(t.to_string(), "0009-03-04 05:06:07");
    }

    #[test]
    fn round_trips_the_documented_sample() {
        let t: CakeDateTime = "2026-01-15 09:42:11".parse().unwrap();
        assert_eq!(
            t,
            CakeDateTime::from_ymd_hms(2026, 1, 15, 9, 42, 11).unwrap()
        );
        assert_eq!(t.to_string(), "2026-01-15 09:42:11");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-01-15 09:42:11\"");
        assert_eq!(serde_json::from_str::<CakeDateTime>(&json).unwrap(), t);
    }

    #[test]
    fn rejects_rfc3339_naming_the_t() {
        let e = "2026-01-15T09:42:11Z"
            .parse::<CakeDateTime>()
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'T'") && e.contains("position 11") && e.contains("YYYY-MM-DD HH:MM:SS"),
            "{e}"
        );
    }

    #[test]
    fn rejects_month_13_as_not_a_real_date() {
        let e = "2026-13-01 00:00:00"
            .parse::<CakeDateTime>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a real date"), "{e}");
    }

    #[test]
    fn rejects_the_empty_string() {
        let e = "".parse::<CakeDateTime>().unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn rejects_short_long_and_sloppy_forms() {
        for bad in [
            "2026-1-15 09:42:11",
            "2026-01-15 09:42",
            "2026-01-15 09:42:11.5",
            "2026-01-15 9:42:11 ",
        ] {
            assert!(bad.parse::<CakeDateTime>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_json_number_is_a_decode_error_not_a_panic() {
        assert!(serde_json::from_str::<CakeDateTime>("20260115").is_err());
    }
}
