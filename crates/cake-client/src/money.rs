//! Money on the wire.
//!
//! Amounts are `rust_decimal::Decimal` everywhere in the public API. In JSON bodies they are
//! numbers whose digits are exact in both directions, as sent: `0.667` reads as exactly 0.667,
//! `18.00` keeps its two decimals, and a Decimal is written as the number `18.00`, never a string
//! and never through `f64`. [`json`] does this through serde_json's `raw_value` (it reads the
//! number's own text), so that nothing here changes how any other crate in a consumer's build
//! parses JSON: serde_json's `arbitrary_precision` and rust_decimal's `serde-float` /
//! `serde-arbitrary-precision` stay off (`cargo xtask ci` checks the SDK's dependency graph).
//! Query parameters are text, so the money parameters of Record Conversion use [`MoneyParam`],
//! which writes the same digits as text (`payout=18.00`).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Money as an exact JSON number: `#[serde(with = "cake_client::money::json")]` on a `Decimal`
/// field (`build.rs` puts it on every money field of the generated types).
///
/// - Reading takes a JSON number only, keeping its digits (`18.00` stays `18.00`, 28 significant
///   digits at most); a string such as `"18.00"` is refused, as the spec says money is a number.
/// - Writing produces the Decimal's digits as a JSON number.
///
/// Both go through serde_json's `RawValue`, so they work with serde_json (`from_slice`,
/// `from_str`, `from_reader`, `from_value`, `to_string`, `to_value`); other serde formats are
/// not supported for money fields.
pub mod json {
    use rust_decimal::Decimal;
    use serde::{de, ser, Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::value::RawValue;

    /// Writes `value` as a JSON number with exactly its digits.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = [0u8; DIGITS_MAX];
        let text = write_digits(value, &mut buffer);
        // Plain digits, never an exponent: valid JSON number text (checked, without allocating).
        let raw: &RawValue = serde_json::from_str(text).map_err(ser::Error::custom)?;
        raw.serialize(serializer)
    }

    /// A sign, 29 digits, a point and a leading zero fit with room to spare.
    const DIGITS_MAX: usize = 40;

    /// The Decimal's digits as its `Display` writes them (`-12.50`, `0.007`, `18`), into
    /// `buffer`, without allocating: a report page writes thousands of amounts.
    pub(crate) fn write_digits<'b>(value: &Decimal, buffer: &'b mut [u8; DIGITS_MAX]) -> &'b str {
        let mut integer = itoa::Buffer::new();
        let digits = integer.format(value.mantissa().unsigned_abs()).as_bytes();
        let scale = value.scale() as usize;
        let mut at = 0;
        let mut put = |bytes: &[u8], buffer: &mut [u8; DIGITS_MAX]| {
            buffer[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        if value.is_sign_negative() && !value.is_zero() {
            put(b"-", buffer);
        }
        if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            put(whole, buffer);
            if scale > 0 {
                put(b".", buffer);
                put(fraction, buffer);
            }
        } else {
            // 0.00ddd: as many zeros after the point as the digits are short of the scale.
            put(b"0.", buffer);
            for _ in digits.len()..scale {
                put(b"0", buffer);
            }
            put(digits, buffer);
        }
        // Only ASCII digits, '-' and '.' were written.
        std::str::from_utf8(&buffer[..at]).unwrap_or("0")
    }

    /// Reads a JSON number with its exact digits; anything else is an error naming what came.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        parse_number(raw.get()).map_err(de::Error::custom)
    }

    /// The exact value of a JSON number's text (`18.00`, `-0.5`, `1e2`, `1.5E-3`).
    pub(crate) fn parse_number(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        let what = match text.as_bytes().first() {
            Some(b'-' | b'0'..=b'9') => None,
            Some(b'"') => Some("a string"),
            Some(b't' | b'f') => Some("a boolean"),
            Some(b'n') => Some("null"),
            Some(b'{') => Some("an object"),
            Some(b'[') => Some("an array"),
            _ => Some("nothing"),
        };
        if let Some(what) = what {
            let shown: String = text.chars().take(40).collect();
            return Err(format!(
                "invalid type: {what} {shown}, expected money as a JSON number (e.g. 18.00)"
            ));
        }
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text.replace("e+", "e").replace("E+", "E"))
        } else {
            Decimal::from_str_exact(text)
        };
        parsed.map_err(|e| format!("money {text} does not fit an exact decimal: {e}"))
    }
}

/// An amount of money sent as a query parameter (`payout`, `revenue` on Record Conversion): the
/// exact decimal digits of a [`Decimal`]. Builders accept a `Decimal` directly.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MoneyParam(pub Decimal);

impl From<Decimal> for MoneyParam {
    fn from(value: Decimal) -> Self {
        Self(value)
    }
}

impl From<MoneyParam> for Decimal {
    fn from(value: MoneyParam) -> Self {
        value.0
    }
}

impl fmt::Display for MoneyParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for MoneyParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MoneyParam({})", self.0)
    }
}

impl Serialize for MoneyParam {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MoneyParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <Decimal as Deserialize>::deserialize(deserializer).map(Self)
    }
}

impl schemars::JsonSchema for MoneyParam {
    fn schema_name() -> String {
        "MoneyParam".into()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::Number.into()),
            format: Some("decimal".into()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn written_digits_are_the_decimals_display() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut values = vec![
            Decimal::ZERO,
            Decimal::MAX,
            Decimal::MIN,
            dec!(0.00),
            dec!(-0.00),
            Decimal::from_parts(0, 0, 0, true, 0),
            dec!(18.00),
            dec!(0.007),
            dec!(-12.5),
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
        ];
        for _ in 0..20_000 {
            let (lo, mid, hi) = (next() as u32, next() as u32, next() as u32);
            let hi = hi.checked_shr((next() % 33) as u32).unwrap_or(0);
            let mid = if next() % 3 == 0 { 0 } else { mid };
            let scale = (next() % 29) as u32;
            values.push(Decimal::from_parts(lo, mid, hi, next() % 2 == 0, scale));
            values.push(Decimal::new((next() % 100_000) as i64, scale.min(6)));
        }
        for value in values {
            let mut buffer = [0u8; 40];
            assert_eq!(
                json::write_digits(&value, &mut buffer),
                value.to_string(),
                "{value:?}"
            );
        }
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Row {
        #[serde(with = "json")]
        payout: Decimal,
    }

    fn read(body: &str) -> Result<Decimal, String> {
        serde_json::from_str::<Row>(body)
            .map(|r| r.payout)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn money_reads_with_the_digits_as_sent() {
        for (text, want, shown) in [
            ("0.667", dec!(0.667), "0.667"),
            ("18.00", dec!(18.00), "18.00"),
            (
                "12345678901234.5678",
                dec!(12345678901234.5678),
                "12345678901234.5678",
            ),
            ("-0.10", dec!(-0.10), "-0.10"),
            ("7", dec!(7), "7"),
            ("1e2", dec!(100), "100"),
            ("1.5E-3", dec!(0.0015), "0.0015"),
            ("2E+1", dec!(20), "20"),
        ] {
            let d = read(&format!(r#"{{"payout": {text}}}"#)).unwrap();
            assert_eq!(d, want, "{text}");
            assert_eq!(d.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn money_is_written_as_a_number_with_its_digits() {
        for d in [
            dec!(18.00),
            dec!(0.667),
            dec!(12345678901234.5678),
            dec!(-0.10),
            dec!(0),
        ] {
            let text = serde_json::to_string(&Row { payout: d }).unwrap();
            assert_eq!(text, format!(r#"{{"payout":{d}}}"#));
            assert_eq!(
                serde_json::from_str::<Row>(&text)
                    .unwrap()
                    .payout
                    .to_string(),
                d.to_string()
            );
        }
    }

    #[test]
    fn money_refuses_what_is_not_a_number() {
        for (body, what) in [
            (r#"{"payout": "18.00"}"#, "invalid type: a string"),
            (r#"{"payout": true}"#, "invalid type: a boolean"),
            (r#"{"payout": null}"#, "invalid type: null"),
            (r#"{"payout": {}}"#, "invalid type: an object"),
            (r#"{"payout": 1e400}"#, "does not fit"),
        ] {
            let e = read(body).unwrap_err();
            assert!(e.contains(what), "{body}: {e}");
        }
    }

    #[test]
    fn money_survives_a_trip_through_a_json_value() {
        let v = serde_json::to_value(Row { payout: dec!(18.5) }).unwrap();
        assert_eq!(serde_json::from_value::<Row>(v).unwrap().payout, dec!(18.5));
        let from_reader: Row = serde_json::from_reader(&br#"{"payout": 0.30}"#[..]).unwrap();
        assert_eq!(from_reader.payout.to_string(), "0.30");
    }

    #[test]
    fn sums_are_exact() {
        let parts: Vec<Row> =
            serde_json::from_str(r#"[{"payout":0.1},{"payout":0.2},{"payout":0.3}]"#).unwrap();
        assert_eq!(parts.iter().map(|r| r.payout).sum::<Decimal>(), dec!(0.6));
    }

    #[test]
    fn query_money_is_its_digits() {
        let v = serde_json::to_value(MoneyParam(dec!(18.00))).unwrap();
        assert_eq!(v.as_str(), Some("18.00"));
    }
}
