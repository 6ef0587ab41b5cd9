//! The spec's `x-cake-` extensions on an operation, read in one place: `x-cake-paging` (how a
//! list operation pages), `x-cake-date-range` (its start and end parameters),
//! `x-cake-creates-data` (sending it records something) and `x-cake-idempotency-key` (the
//! parameter that makes a repeat safe). The spec's `info.description` says what each means.
//!
//! The SDK's generator, the simulator, the `cake` command, the contract suite and `cargo xtask
//! spec` read the extensions by these rules, through [`crate::document`]. It depends on
//! `serde_json` only.

use serde_json::Value;

/// `x-cake-paging`: how a list operation pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// The parameter that gives a page's first row.
    pub offset: String,
    /// The offset of the first row of all (the offset parameter's `minimum`).
    pub first_row: u64,
    /// The parameter that gives a page's size.
    pub limit: String,
    /// The JSON pointer, in the 200 body, of the page's array of rows.
    pub rows: String,
    /// The JSON pointer of the count of matching rows over every page, when the body has one.
    pub total: Option<String>,
    /// When each element of `rows` wraps its row: the row's pointer within the element.
    pub row_item: Option<String>,
}

/// `x-cake-date-range`: an operation's start and end date parameters (start on or before end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRange {
    /// The first day's parameter.
    pub start: String,
    /// The last day's parameter.
    pub end: String,
}

/// The extension's name for paging.
pub const PAGING: &str = "x-cake-paging";
/// The extension's name for the date range.
pub const DATE_RANGE: &str = "x-cake-date-range";
/// The extension's name for an operation that creates data.
pub const CREATES_DATA: &str = "x-cake-creates-data";
/// The extension's name for the parameter that makes a repeat of such an operation safe.
pub const IDEMPOTENCY_KEY: &str = "x-cake-idempotency-key";

/// The extension that dates a deprecated operation, parameter or field's removal.
pub const SUNSET: &str = "x-sunset";

/// Every `x-cake-` extension an operation may carry.
pub const OPERATION_EXTENSIONS: &[&str] = &[PAGING, DATE_RANGE, CREATES_DATA, IDEMPOTENCY_KEY];

fn text(object: &Value, key: &str, extension: &str) -> Result<String, String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{extension}: `{key}` must be a string"))
}

fn pointer(object: &Value, key: &str, extension: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(p)) if p.starts_with('/') => Ok(Some(p.clone())),
        Some(other) => Err(format!(
            "{extension}: `{key}` must be a JSON pointer (`/response/rows`), got {other}"
        )),
    }
}

fn only_keys(object: &Value, keys: &[&str], extension: &str) -> Result<(), String> {
    let Some(map) = object.as_object() else {
        return Err(format!("{extension}: must be an object"));
    };
    match map.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(unknown) => Err(format!(
            "{extension}: unknown key `{unknown}`; it takes {}",
            keys.join(", ")
        )),
        None => Ok(()),
    }
}

/// Reads `x-cake-paging` from the extension's value (`None` when the operation has none).
pub fn paging(value: Option<&Value>) -> Result<Option<Paging>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let keys = ["offset", "firstRow", "limit", "rows", "total", "rowItem"];
    only_keys(value, &keys, PAGING)?;
    Ok(Some(Paging {
        offset: text(value, "offset", PAGING)?,
        first_row: value
            .get("firstRow")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{PAGING}: `firstRow` must be a whole number"))?,
        limit: text(value, "limit", PAGING)?,
        rows: pointer(value, "rows", PAGING)?
            .ok_or_else(|| format!("{PAGING}: `rows` (a JSON pointer) is required"))?,
        total: pointer(value, "total", PAGING)?,
        row_item: pointer(value, "rowItem", PAGING)?,
    }))
}

/// Reads `x-cake-date-range` from the extension's value (`None` when the operation has none).
pub fn date_range(value: Option<&Value>) -> Result<Option<DateRange>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    only_keys(value, &["start", "end"], DATE_RANGE)?;
    Ok(Some(DateRange {
        start: text(value, "start", DATE_RANGE)?,
        end: text(value, "end", DATE_RANGE)?,
    }))
}

/// Reads `x-cake-creates-data` (absent: `false`).
pub fn creates_data(value: Option<&Value>) -> Result<bool, String> {
    match value {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!(
            "{CREATES_DATA}: must be true or false, got {other}"
        )),
    }
}

/// Reads `x-cake-idempotency-key`: the name of a parameter (`None` when absent).
pub fn idempotency_key(value: Option<&Value>) -> Result<Option<String>, String> {
    match value {
        None => Ok(None),
        Some(Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => Err(format!(
            "{IDEMPOTENCY_KEY}: must name a parameter, got {other}"
        )),
    }
}

/// Whether `item` (an operation, a parameter, a property) is deprecated, and the day of its
/// removal (`x-sunset`, `YYYY-MM-DD`) when it has one; an `x-sunset` that is not such a date,
/// or that dates something not deprecated, is an error.
pub fn deprecation(item: &Value) -> Result<Option<Option<String>>, String> {
    let deprecated = item.get("deprecated") == Some(&Value::Bool(true));
    let sunset = match item.get(SUNSET) {
        None => None,
        Some(Value::String(day)) if is_day(day) => Some(day.clone()),
        Some(other) => return Err(format!("{SUNSET}: must be a day YYYY-MM-DD, got {other}")),
    };
    match (deprecated, sunset) {
        (false, Some(day)) => Err(format!(
            "{SUNSET} {day} on something not deprecated (`deprecated: true` goes with it)"
        )),
        (false, None) => Ok(None),
        (true, sunset) => Ok(Some(sunset)),
    }
}

/// `YYYY-MM-DD`, a real day (years 0000-9999, the Gregorian calendar).
fn is_day(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// A JSON pointer's segments (see [`crate::refs::segments`]).
pub use crate::refs::segments;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paging_reads_every_field_and_names_what_is_wrong() {
        let v = json!({"offset": "start_at_row", "firstRow": 1, "limit": "row_limit",
                       "rows": "/conversions", "total": "/total_rows", "rowItem": "/conversion"});
        let p = paging(Some(&v)).unwrap().unwrap();
        assert_eq!(p.offset, "start_at_row");
        assert_eq!(p.first_row, 1);
        assert_eq!(p.row_item.as_deref(), Some("/conversion"));
        assert_eq!(paging(None).unwrap(), None);
        let e = paging(Some(&json!({"offset": "a", "firstRow": 1, "limit": "b"}))).unwrap_err();
        assert!(e.contains("rows"), "{e}");
        let e = paging(Some(
            &json!({"offset": "a", "firstRow": 1, "limit": "b", "rows": "x"}),
        ))
        .unwrap_err();
        assert!(e.contains("JSON pointer"), "{e}");
        let e = paging(Some(
            &json!({"offset": "a", "firstRow": 1, "limit": "b", "rows": "/r", "size": 3}),
        ))
        .unwrap_err();
        assert!(e.contains("unknown key `size`"), "{e}");
    }

    #[test]
    fn date_range_and_segments() {
        let r = date_range(Some(&json!({"start": "from", "end": "to"})))
            .unwrap()
            .unwrap();
        assert_eq!((r.start.as_str(), r.end.as_str()), ("from", "to"));
        assert!(date_range(Some(&json!({"start": "from"}))).is_err());
        assert_eq!(
            segments("/response/data/offers"),
            ["response", "data", "offers"]
        );
        assert_eq!(segments("/a~1b/c~0d"), ["a/b", "c~d"]);
    }

    #[test]
    fn creates_data_and_idempotency_key() {
        assert_eq!(creates_data(None), Ok(false));
        assert_eq!(creates_data(Some(&json!(true))), Ok(true));
        assert!(creates_data(Some(&json!("yes"))).is_err());
        assert_eq!(idempotency_key(None), Ok(None));
        assert_eq!(
            idempotency_key(Some(&json!("unique_id"))),
            Ok(Some("unique_id".into()))
        );
        assert!(idempotency_key(Some(&json!(1))).is_err());
    }

    #[test]
    fn a_sunset_dates_only_what_is_deprecated_and_is_a_real_day() {
        assert_eq!(deprecation(&json!({})), Ok(None));
        assert_eq!(deprecation(&json!({"deprecated": true})), Ok(Some(None)));
        assert_eq!(
            deprecation(&json!({"deprecated": true, "x-sunset": "2028-02-29"})),
            Ok(Some(Some("2028-02-29".into())))
        );
        for bad in [
            json!({"deprecated": true, "x-sunset": "2027-02-29"}),
            json!({"deprecated": true, "x-sunset": "2027-6-30"}),
            json!({"deprecated": true, "x-sunset": 20270630}),
            json!({"x-sunset": "2027-06-30"}),
        ] {
            assert!(deprecation(&bad).is_err(), "{bad}");
        }
    }
}
