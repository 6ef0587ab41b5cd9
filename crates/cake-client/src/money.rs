//! Money on the wire.
//!
//! Amounts are `rust_decimal::Decimal` everywhere in the public API. In JSON bodies they are
//! numbers whose digits are exact in both directions: the workspace enables rust_decimal's
//! `serde-float` + `serde-arbitrary-precision` (and so serde_json's `arbitrary_precision`), so
//! `0.667` reads as exactly 0.667 and `18.00` is written as the number `18.00`, never a string and
//! never through `f64`. Query parameters are text, where that serializer would not fit, so the
//! money parameters of Record Conversion use [`MoneyParam`], which writes the same digits as text
//! (`payout=18.00`).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads money from a JSON number only, keeping its exact digits. rust_decimal's own
/// `Deserialize` also takes strings; a server that writes money as `"18.00"` breaks the spec and
/// gets a decode error instead. (`build.rs` puts this on every money field of the generated types.)
pub fn strict_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    // With `arbitrary_precision` a Number keeps the digits as they were written.
    let digits = number.as_str();
    digits
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(digits))
        .map_err(|e| {
            serde::de::Error::custom(format!("money {digits} does not fit a decimal: {e}"))
        })
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
    fn json_money_reads_exactly_and_writes_a_number() {
        let d: Decimal = serde_json::from_str("0.667").unwrap();
        assert_eq!(d, dec!(0.667));
        assert_eq!(d.to_string(), "0.667");
        let big: Decimal = serde_json::from_str("12345678901234.5678").unwrap();
        assert_eq!(big, dec!(12345678901234.5678));
        assert_eq!(serde_json::to_string(&dec!(18.00)).unwrap(), "18.00");
        assert_eq!(serde_json::to_string(&dec!(0.667)).unwrap(), "0.667");
    }

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "strict_decimal")]
        payout: Decimal,
    }

    #[test]
    fn strict_money_takes_exact_numbers_and_refuses_strings() {
        let row: Row = serde_json::from_str(r#"{"payout": 12345678901234.5678}"#).unwrap();
        assert_eq!(row.payout, dec!(12345678901234.5678));
        let row: Row = serde_json::from_str(r#"{"payout": 1e2}"#).unwrap();
        assert_eq!(row.payout, dec!(100));
        let e = serde_json::from_str::<Row>(r#"{"payout": "18.00"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("invalid type: string"), "{e}");
    }

    #[test]
    fn sums_are_exact() {
        let parts: Vec<Decimal> = serde_json::from_str("[0.1, 0.2, 0.3]").unwrap();
        assert_eq!(parts.iter().sum::<Decimal>(), dec!(0.6));
    }

    #[test]
    fn query_money_is_its_digits() {
        let q = serde_urlencoded_like(&MoneyParam(dec!(18.00)));
        assert_eq!(q, "18.00");
    }

    fn serde_urlencoded_like(v: &MoneyParam) -> String {
        // A Serialize to str: the query serializer writes exactly what `collect_str` produces.
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }
}
