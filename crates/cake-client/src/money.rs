//! Money, exact.
//!
//! Every amount in a response is a [`Money`]: a `rust_decimal::Decimal` whose wire form is its
//! own. In JSON bodies it is a number whose digits are exact in both directions, as sent: `0.667`
//! reads as exactly 0.667, `18.00` keeps its two decimals, and it is written as the number
//! `18.00`, never a string and never through `f64`. [`json`] does this through serde_json's
//! `raw_value` (it reads the number's own text), so that nothing here changes how any other
//! crate in a consumer's build parses JSON: serde_json's `arbitrary_precision` and
//! rust_decimal's `serde-float` / `serde-arbitrary-precision` stay off (`cargo xtask ci` checks
//! the SDK's dependency graph). Query parameters are text, so the money parameters of Record
//! Conversion use [`MoneyParam`], which writes the same digits as text (`payout=18.00`).
//!
//! The spec decides which values are money: every schema it writes `type: number, format:
//! decimal` is one (the generator maps the format, not a name), so no amount is ever an `f64`.

use std::{
    fmt,
    iter::Sum,
    ops::{Add, AddAssign, Deref, Neg, Sub, SubAssign},
    str::FromStr,
};

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money: a `Decimal`, exact, that is an exact JSON number on the wire.
///
/// It derefs to its [`Decimal`] (`payout.round_dp(2)`, `payout.is_zero()`), converts to and from
/// one (`Decimal::from(payout)`, `Money::from(dec!(18.00))`, [`Money::amount`]), compares with
/// one, adds and subtracts (also with a `Decimal`), sums (`rows.map(|r| r.payout).sum::<Money>()`
/// or `.sum::<Decimal>()`), and prints as its digits (`18.00`).
///
/// ```
/// use cake_client::{Decimal, Money};
/// let row: serde_json::Value = serde_json::json!({"payout": 0.1});
/// let payouts: Vec<Money> = serde_json::from_str("[0.1, 0.2, 18.00]").unwrap();
/// let total: Money = payouts.iter().copied().sum();
/// assert_eq!(total.to_string(), "18.30");
/// assert_eq!(total, Decimal::new(1830, 2));
/// assert_eq!(serde_json::to_string(&total).unwrap(), "18.30");
/// # let _ = row;
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// The amount `value`.
    pub const fn new(value: Decimal) -> Self {
        Self(value)
    }

    /// The amount, as a `Decimal`.
    pub const fn amount(self) -> Decimal {
        self.0
    }
}

impl Deref for Money {
    type Target = Decimal;

    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Self(value)
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Self {
        value.0
    }
}

impl PartialEq<Decimal> for Money {
    fn eq(&self, other: &Decimal) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Money> for Decimal {
    fn eq(&self, other: &Money) -> bool {
        *self == other.0
    }
}

impl PartialOrd<Decimal> for Money {
    fn partial_cmp(&self, other: &Decimal) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl PartialOrd<Money> for Decimal {
    fn partial_cmp(&self, other: &Money) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&other.0)
    }
}

macro_rules! arithmetic {
    ($($trait:ident $method:ident $assign:ident $assign_method:ident),*) => {$(
        impl $trait for Money {
            type Output = Money;
            fn $method(self, other: Money) -> Money {
                Money(self.0.$method(other.0))
            }
        }
        impl $trait<Decimal> for Money {
            type Output = Money;
            fn $method(self, other: Decimal) -> Money {
                Money(self.0.$method(other))
            }
        }
        impl $trait<Money> for Decimal {
            type Output = Decimal;
            fn $method(self, other: Money) -> Decimal {
                self.$method(other.0)
            }
        }
        impl $assign for Money {
            fn $assign_method(&mut self, other: Money) {
                self.0.$assign_method(other.0)
            }
        }
        impl $assign<Decimal> for Money {
            fn $assign_method(&mut self, other: Decimal) {
                self.0.$assign_method(other)
            }
        }
        impl $assign<Money> for Decimal {
            fn $assign_method(&mut self, other: Money) {
                self.$assign_method(other.0)
            }
        }
    )*};
}
arithmetic!(Add add AddAssign add_assign, Sub sub SubAssign sub_assign);

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl Sum<Money> for Decimal {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Decimal {
        iter.map(|m| m.0).sum()
    }
}

impl<'a> Sum<&'a Money> for Decimal {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Decimal {
        iter.map(|m| m.0).sum()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;

    /// Exact digits (`18.00`); an amount with more digits than a Decimal holds is an error,
    /// never rounded.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(text).map(Money)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        json::deserialize(deserializer).map(Money)
    }
}

impl schemars::JsonSchema for Money {
    fn schema_name() -> String {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        decimal_schema()
    }
}

/// The JSON Schema of money: a number, `format: decimal` (as the spec writes it).
fn decimal_schema() -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::Number.into()),
        format: Some("decimal".into()),
        ..Default::default()
    }
    .into()
}

/// Money as an exact JSON number, for a `Decimal` field of your own:
/// `#[serde(with = "cake_client::money::json")]` ([`Money`] is read and written this way).
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
    pub(crate) const DIGITS_MAX: usize = 40;

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

impl From<Money> for MoneyParam {
    fn from(value: Money) -> Self {
        Self(value.0)
    }
}

impl FromStr for MoneyParam {
    type Err = rust_decimal::Error;

    /// Exact digits (`18.00`), never rounded.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Decimal::from_str_exact(text).map(MoneyParam)
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
        decimal_schema()
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
            (r#"{"payout": [1]}"#, "invalid type: an array"),
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
    fn money_reads_writes_sums_and_compares_as_its_decimal() {
        let rows: Vec<Money> = serde_json::from_str("[0.1, 0.2, 0.30]").unwrap();
        assert_eq!(rows[2].to_string(), "0.30");
        assert_eq!(serde_json::to_string(&rows).unwrap(), "[0.1,0.2,0.30]");
        let total: Money = rows.iter().sum();
        assert_eq!(total, dec!(0.60));
        assert_eq!(rows.iter().copied().sum::<Decimal>(), dec!(0.6));
        assert_eq!(
            total + dec!(1) - Money::from(dec!(0.6)),
            Money::new(dec!(1))
        );
        assert!(rows[0] < rows[1] && rows[1] > dec!(0.15));
        assert_eq!(-total, dec!(-0.60));
        assert_eq!(total.round_dp(1), dec!(0.6), "derefs to its Decimal");
        assert!(serde_json::from_str::<Money>(r#""18.00""#).is_err());
        assert_eq!("18.00".parse::<Money>().unwrap().to_string(), "18.00");
        assert!("0.1234567890123456789012345678901"
            .parse::<Money>()
            .is_err());
        assert_eq!(format!("{:?}", Money::from(dec!(2.50))), "2.50");
        // Both ways, against a Decimal: equal and not, ordered, converted, summed.
        let m = Money::from(dec!(18.00));
        assert_eq!(Decimal::from(m), dec!(18.00));
        assert!(m == dec!(18) && m != dec!(18.01));
        assert!(dec!(18) == m && dec!(18.01) != m);
        assert!(dec!(17.99) < m && dec!(18.01) > m);
        assert_eq!(rows.iter().sum::<Decimal>(), dec!(0.60));
    }

    #[test]
    fn query_money_converts_parses_and_prints_as_its_digits() {
        let p = MoneyParam::from(Money::from(dec!(18.50)));
        assert_eq!(Decimal::from(p), dec!(18.50));
        assert_eq!(
            "22.00".parse::<MoneyParam>().unwrap(),
            MoneyParam(dec!(22.00))
        );
        assert!("22,00".parse::<MoneyParam>().is_err());
        assert_eq!(p.to_string(), "18.50");
        assert_eq!(format!("{p:?}"), "MoneyParam(18.50)");
        assert_eq!(
            serde_json::from_str::<MoneyParam>("\"7.25\"").unwrap(),
            MoneyParam(dec!(7.25))
        );
    }

    #[test]
    fn money_says_in_json_schema_that_it_is_a_decimal_number() {
        for (schema, name) in [
            (schemars::schema_for!(Money), "Money"),
            (schemars::schema_for!(MoneyParam), "MoneyParam"),
        ] {
            let v = serde_json::to_value(&schema).unwrap();
            assert_eq!(v["type"], "number", "{name}: {v}");
            assert_eq!(v["format"], "decimal", "{name}: {v}");
            assert_eq!(v["title"], name, "{name}: {v}");
        }
    }

    #[test]
    fn query_money_is_its_digits() {
        let v = serde_json::to_value(MoneyParam(dec!(18.00))).unwrap();
        assert_eq!(v.as_str(), Some("18.00"));
    }
}
