//! Parameter sets: proptest strategies of valid ones, derived from each parameter's schema, and
//! of invalid ones (one breach of the same schemas each), plus their query-text form.
//!
//! Every value, bound, enum and default comes from [`crate::ops`]; nothing here may name an
//! operation or a parameter.

use std::{collections::BTreeMap, fmt};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{
    ops::{Operation, ParamKind},
    target::Anchor,
};

/// The `YYYY-MM-DD HH:MM:SS` form the spec's `cake-date-time` format stands for (the spec's
/// `CakeDateTime` description and pattern); the request validator checks the spec's own
/// pattern, so a drift here shows up as a failing validation, not a silent pass.
pub const CAKE_DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// One typed parameter value.
#[derive(Clone, PartialEq)]
pub enum ParamValue {
    /// An integer.
    Integer(i64),
    /// An exact decimal amount.
    Decimal(Decimal),
    /// A boolean.
    Boolean(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// A date and time without zone.
    DateTime(NaiveDateTime),
    /// Text (also an enum's value).
    Text(String),
}

impl ParamValue {
    /// How the spec writes it in a query string.
    pub fn query_text(&self) -> String {
        match self {
            ParamValue::Integer(n) => n.to_string(),
            ParamValue::Decimal(d) => d.to_string(),
            ParamValue::Boolean(b) => b.to_string(),
            ParamValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            ParamValue::DateTime(t) => t.format(CAKE_DATE_TIME).to_string(),
            ParamValue::Text(s) => s.clone(),
        }
    }

    /// Reads query text as a value of `kind`; `None` when it does not parse as that type and
    /// format (bounds and enums are the JSON Schema validator's job).
    pub fn parse(kind: &ParamKind, text: &str) -> Option<ParamValue> {
        Some(match kind {
            ParamKind::Integer { .. } => ParamValue::Integer(strict_integer(text)?),
            ParamKind::Decimal { .. } => ParamValue::Decimal(strict_decimal(text)?),
            ParamKind::Boolean => ParamValue::Boolean(match text {
                "true" => true,
                "false" => false,
                _ => return None,
            }),
            ParamKind::Date => {
                let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
                (ParamValue::Date(d).query_text() == text).then_some(ParamValue::Date(d))?
            }
            ParamKind::DateTime => {
                let t = NaiveDateTime::parse_from_str(text, CAKE_DATE_TIME).ok()?;
                (ParamValue::DateTime(t).query_text() == text).then_some(ParamValue::DateTime(t))?
            }
            ParamKind::Enum(_) | ParamKind::Text { .. } => ParamValue::Text(text.to_string()),
        })
    }

    /// The value as JSON, for validation against the parameter's schema.
    pub fn to_json(&self) -> Value {
        match self {
            ParamValue::Integer(n) => Value::from(*n),
            ParamValue::Decimal(d) => serde_json::from_str(&d.to_string()).unwrap_or(Value::Null),
            ParamValue::Boolean(b) => Value::Bool(*b),
            other => Value::String(other.query_text()),
        }
    }
}

fn strict_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn strict_decimal(text: &str) -> Option<Decimal> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (body.contains('.') && frac.is_empty()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.query_text())
    }
}

/// A set of query parameters for one operation (the api_key is not among them).
#[derive(Clone, PartialEq, Default)]
pub struct ParamSet(pub BTreeMap<String, ParamValue>);

impl ParamSet {
    /// The value of `name`, when set.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// The set as `name=value&...` (unencoded, for messages).
    pub fn query_text(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={}", v.query_text()))
            .collect::<Vec<_>>()
            .join("&")
    }
}

impl fmt::Debug for ParamSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.query_text())
    }
}

fn date_strategy() -> BoxedStrategy<NaiveDate> {
    // 2000-01-01 .. about 2040: the span where reports are asked for.
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a real date");
    (0i64..15_000)
        .prop_map(move |d| base + Duration::days(d))
        .boxed()
}

fn text_strategy(min: usize, max: usize) -> BoxedStrategy<String> {
    // Letters and digits, and the characters a query string must encode.
    let chars = prop_oneof![
        8 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('0', '9'),
        1 => proptest::sample::select(vec![' ', '&', '=', '+', '%', '#', '?', '/', '-', '_', '.', 'é', '✓']),
    ];
    proptest::collection::vec(chars, min..=max)
        .prop_map(|cs| cs.into_iter().collect())
        .boxed()
}

/// Decimals with 0 to 4 fractional digits within `min..=max` (money-like).
fn decimal_strategy(min: Option<Decimal>, max: Option<Decimal>) -> BoxedStrategy<Decimal> {
    let lo = min.unwrap_or(Decimal::from(-1_000_000_000i64));
    let hi = max.unwrap_or(lo + Decimal::from(2_000_000_000i64));
    let span_cents = ((hi - lo) * Decimal::from(10_000)).trunc();
    let span: i64 = span_cents.try_into().unwrap_or(i64::MAX);
    let in_range = (0..=span.max(0), 0u32..=4).prop_map(move |(n, scale)| {
        let mut d = lo + Decimal::new(n, 4);
        d = d.round_dp(scale);
        if d < lo {
            d = lo;
        }
        if d > hi {
            d = hi;
        }
        d.rescale(scale.max(d.scale()).min(4));
        d
    });
    prop_oneof![1 => Just(lo), 6 => in_range].boxed()
}

/// A valid value of a parameter of this kind (the default is favoured, as real callers do).
pub fn value_strategy(kind: &ParamKind, default: Option<&Value>) -> BoxedStrategy<ParamValue> {
    let values: BoxedStrategy<ParamValue> = match kind.clone() {
        ParamKind::Integer { min, max } => {
            let near_min = min..=min.saturating_add(100).min(max);
            prop_oneof![
                1 => Just(min),
                1 => Just(max),
                3 => near_min,
                3 => min..=max,
            ]
            .prop_map(ParamValue::Integer)
            .boxed()
        }
        ParamKind::Decimal { min, max } => decimal_strategy(min, max)
            .prop_map(ParamValue::Decimal)
            .boxed(),
        ParamKind::Boolean => any::<bool>().prop_map(ParamValue::Boolean).boxed(),
        ParamKind::Date => date_strategy().prop_map(ParamValue::Date).boxed(),
        ParamKind::DateTime => (date_strategy(), 0u32..86_400)
            .prop_map(|(d, s)| {
                let t =
                    chrono::NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap_or_default();
                ParamValue::DateTime(d.and_time(t))
            })
            .boxed(),
        ParamKind::Enum(values) => proptest::sample::select(values)
            .prop_map(ParamValue::Text)
            .boxed(),
        ParamKind::Text {
            min_length,
            max_length,
        } => {
            let max = max_length.unwrap_or(min_length + 24).max(min_length);
            text_strategy(min_length, max)
                .prop_map(ParamValue::Text)
                .boxed()
        }
    };
    match default.and_then(|d| default_value(kind, d)) {
        Some(d) => prop_oneof![1 => Just(d), 3 => values].boxed(),
        None => values,
    }
}

/// The spec's `default` as a value of this kind.
pub fn default_value(kind: &ParamKind, default: &Value) -> Option<ParamValue> {
    let text = match default {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ParamValue::parse(kind, &text)
}

/// Valid parameter sets of `op`: required ones always, optional ones about half the time,
/// date ranges ordered.
pub fn valid_params(op: &Operation) -> BoxedStrategy<ParamSet> {
    let per_param: Vec<BoxedStrategy<Option<(String, ParamValue)>>> = op
        .params
        .iter()
        .map(|p| {
            let name = p.name.clone();
            let value =
                value_strategy(&p.kind, p.default.as_ref()).prop_map(move |v| (name.clone(), v));
            if p.required {
                value.prop_map(Some).boxed()
            } else {
                proptest::option::of(value).boxed()
            }
        })
        .collect();
    let ranges = op.date_ranges();
    per_param
        .prop_map(move |pairs| {
            let mut set = ParamSet(pairs.into_iter().flatten().collect());
            for (start, end) in &ranges {
                if let (Some(ParamValue::Date(s)), Some(ParamValue::Date(e))) =
                    (set.get(start).cloned(), set.get(end).cloned())
                {
                    if s > e {
                        set.0.insert(start.clone(), ParamValue::Date(e));
                        set.0.insert(end.clone(), ParamValue::Date(s));
                    }
                }
            }
            set
        })
        .boxed()
}

/// Valid parameter sets of `op` of which about half name a record the target holds: each
/// parameter the anchor has a value for (and whose schema takes that value) is set to it, and
/// each date range is set to a few days around the anchor's day. Plain [`valid_params`] when
/// there are no anchors.
pub fn anchored_params(op: &Operation, anchors: Vec<Anchor>) -> BoxedStrategy<ParamSet> {
    if anchors.is_empty() {
        return valid_params(op);
    }
    let op_for_overlay = op.clone();
    let anchored = (
        valid_params(op),
        proptest::sample::select(anchors),
        0i64..=3,
        0i64..=3,
    )
        .prop_map(move |(mut set, anchor, before, after)| {
            anchor_onto(&op_for_overlay, &anchor, before, after, &mut set);
            set
        });
    prop_oneof![1 => valid_params(op), 1 => anchored].boxed()
}

/// Puts `anchor` into `set` (see [`anchored_params`]); the set stays valid.
fn anchor_onto(op: &Operation, anchor: &Anchor, before: i64, after: i64, set: &mut ParamSet) {
    for (name, text) in &anchor.values {
        let Some(p) = op.param(name) else { continue };
        let Some(value) = ParamValue::parse(&p.kind, text) else {
            continue;
        };
        // The schema's json is inlined, so no spec is needed to resolve it.
        if crate::schema::violations(&Value::Null, &p.schema, &value.to_json()).is_empty() {
            set.0.insert(name.clone(), value);
        }
    }
    for (start, end) in op.date_ranges() {
        set.0
            .insert(start, ParamValue::Date(anchor.day - Duration::days(before)));
        set.0
            .insert(end, ParamValue::Date(anchor.day + Duration::days(after)));
    }
}

/// One way a parameter set breaks its schemas.
#[derive(Debug, Clone, PartialEq)]
pub enum Breach {
    /// `param` set to a value its schema rejects (`why` says which rule).
    Value {
        /// The parameter.
        param: String,
        /// The value.
        value: ParamValue,
        /// The rule broken: "below minimum 1", "not in the enum", ...
        why: String,
    },
    /// A required parameter left out.
    Missing {
        /// The parameter.
        param: String,
    },
    /// A date range's start after its end.
    StartAfterEnd {
        /// The start parameter.
        start: String,
        /// The end parameter.
        end: String,
    },
}

impl Breach {
    /// The parameter the breach is about (a range's start).
    pub fn param(&self) -> &str {
        match self {
            Breach::Value { param, .. } | Breach::Missing { param } => param,
            Breach::StartAfterEnd { start, .. } => start,
        }
    }

    /// Parameters a correct rejection may name (a range may be blamed on either end).
    pub fn blamable(&self) -> Vec<&str> {
        match self {
            Breach::StartAfterEnd { start, end } => vec![start, end],
            other => vec![other.param()],
        }
    }

    fn apply(&self, set: &mut ParamSet) {
        match self {
            Breach::Value { param, value, .. } => {
                set.0.insert(param.clone(), value.clone());
            }
            Breach::Missing { param } => {
                set.0.remove(param);
            }
            Breach::StartAfterEnd { start, end } => {
                let s = match set.get(start) {
                    Some(ParamValue::Date(s)) => *s,
                    _ => NaiveDate::from_ymd_opt(2026, 1, 15).expect("a real date"),
                };
                set.0.insert(start.clone(), ParamValue::Date(s));
                set.0
                    .insert(end.clone(), ParamValue::Date(s - Duration::days(1)));
            }
        }
    }
}

/// Every breach the schemas of `op` allow to derive: each bound crossed by one and by a lot,
/// each enum left, each minLength undercut, each required parameter dropped, each date range
/// reversed.
pub fn breaches(op: &Operation) -> Vec<Breach> {
    let mut out = Vec::new();
    let value = |param: &str, value: ParamValue, why: String| Breach::Value {
        param: param.to_string(),
        value,
        why,
    };
    for p in &op.params {
        match &p.kind {
            ParamKind::Integer { min, max } => {
                let (fmt_min, fmt_max) = format_range(&p.schema);
                if *min > fmt_min {
                    out.push(value(
                        &p.name,
                        ParamValue::Integer(min - 1),
                        format!("below minimum {min}"),
                    ));
                    out.push(value(
                        &p.name,
                        ParamValue::Integer(min - 1000),
                        format!("far below minimum {min}"),
                    ));
                }
                if *max < fmt_max {
                    out.push(value(
                        &p.name,
                        ParamValue::Integer(max + 1),
                        format!("above maximum {max}"),
                    ));
                    out.push(value(
                        &p.name,
                        ParamValue::Integer(max.saturating_mul(2)),
                        format!("far above maximum {max}"),
                    ));
                }
            }
            ParamKind::Decimal { min, max } => {
                if let Some(min) = min {
                    out.push(value(
                        &p.name,
                        ParamValue::Decimal(min - Decimal::new(1, 2)),
                        format!("below minimum {min}"),
                    ));
                }
                if let Some(max) = max {
                    // A whole unit above: a large maximum's cent would vanish in a JSON number's
                    // binary form.
                    out.push(value(
                        &p.name,
                        ParamValue::Decimal(max + Decimal::ONE),
                        format!("above maximum {max}"),
                    ));
                }
            }
            ParamKind::Enum(values) => {
                let outside = format!("not_{}", values.join("_"));
                out.push(value(
                    &p.name,
                    ParamValue::Text(outside),
                    "not in the enum".into(),
                ));
            }
            ParamKind::Text { min_length, .. } if *min_length > 0 => {
                let short: String = "x".repeat(min_length - 1);
                out.push(value(
                    &p.name,
                    ParamValue::Text(short),
                    format!("shorter than minLength {min_length}"),
                ));
            }
            _ => {}
        }
        if p.required {
            out.push(Breach::Missing {
                param: p.name.clone(),
            });
        }
    }
    for (start, end) in op.date_ranges() {
        out.push(Breach::StartAfterEnd { start, end });
    }
    out
}

/// The range an integer's `format` allows (the type the SDK must represent).
fn format_range(schema: &Value) -> (i64, i64) {
    match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Invalid parameter sets of `op`: a valid set with one breach applied. `None` when the schemas
/// allow no breach.
pub fn invalid_params(op: &Operation) -> Option<BoxedStrategy<(ParamSet, Breach)>> {
    let all = breaches(op);
    if all.is_empty() {
        return None;
    }
    Some(
        (valid_params(op), proptest::sample::select(all))
            .prop_map(|(mut set, breach)| {
                breach.apply(&mut set);
                (set, breach)
            })
            .boxed(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Spec;
    use proptest::test_runner::TestRunner;

    #[test]
    fn valid_sets_hold_required_parameters_bounds_and_ordered_ranges() {
        let spec = Spec::load().unwrap();
        let mut runner = TestRunner::deterministic();
        for op in &spec.operations {
            let s = valid_params(op);
            for _ in 0..64 {
                let set = s.new_tree(&mut runner).unwrap().current();
                for p in &op.params {
                    match set.get(&p.name) {
                        None => assert!(!p.required, "{}: {} missing", op.id, p.name),
                        Some(v) => {
                            let problems =
                                crate::schema::violations(&spec.json, &p.schema, &v.to_json());
                            assert!(
                                problems.is_empty(),
                                "{}: {} = {v:?}: {problems:?}",
                                op.id,
                                p.name
                            );
                        }
                    }
                }
                for (start, end) in op.date_ranges() {
                    if let (Some(ParamValue::Date(s)), Some(ParamValue::Date(e))) =
                        (set.get(&start), set.get(&end))
                    {
                        assert!(s <= e, "{}: {set:?}", op.id);
                    }
                }
            }
        }
    }

    #[test]
    fn every_value_breach_breaks_its_schema() {
        let spec = Spec::load().unwrap();
        for op in &spec.operations {
            for b in breaches(op) {
                if let Breach::Value { param, value, why } = &b {
                    let p = op.param(param).unwrap();
                    let problems =
                        crate::schema::violations(&spec.json, &p.schema, &value.to_json());
                    assert!(
                        !problems.is_empty(),
                        "{}: {param} = {value:?} ({why}) passes its schema",
                        op.id
                    );
                }
            }
        }
    }

    #[test]
    fn query_text_parses_back_strictly() {
        let k = ParamKind::Integer { min: 0, max: 10 };
        assert_eq!(ParamValue::parse(&k, "7"), Some(ParamValue::Integer(7)));
        assert_eq!(ParamValue::parse(&k, "+7"), None);
        assert_eq!(ParamValue::parse(&k, "7.0"), None);
        let d = ParamKind::Decimal {
            min: None,
            max: None,
        };
        assert_eq!(
            ParamValue::parse(&d, "18.00").map(|v| v.query_text()),
            Some("18.00".into())
        );
        assert_eq!(ParamValue::parse(&d, "1e3"), None);
        assert_eq!(
            ParamValue::parse(&ParamKind::DateTime, "2026-01-15T09:42:11"),
            None
        );
        assert!(ParamValue::parse(&ParamKind::DateTime, "2026-01-15 09:42:11").is_some());
        assert_eq!(ParamValue::parse(&ParamKind::Date, "2026-1-15"), None);
    }
}

/// One generated invalid parameter set of one operation: which operation (its index in
/// `Spec::operations` and its id), the set, and what it breaches.
#[derive(Clone)]
pub struct InvalidCase {
    /// Index of the operation in `Spec::operations`.
    pub op: usize,
    /// Its operationId.
    pub id: String,
    /// The parameter set.
    pub params: ParamSet,
    /// The one breach in it.
    pub breach: Breach,
}

impl fmt::Debug for InvalidCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?} ({:?})", self.id, self.params, self.breach)
    }
}

/// Invalid parameter sets over every operation of the spec that allows one (see
/// [`invalid_params`]); `None` when no operation does.
pub fn invalid_cases(
    operations: &[Operation],
) -> Option<proptest::strategy::Union<BoxedStrategy<InvalidCase>>> {
    let options: Vec<BoxedStrategy<InvalidCase>> = operations
        .iter()
        .enumerate()
        .filter_map(|(index, op)| {
            let id = op.id.clone();
            invalid_params(op).map(|s| {
                s.prop_map(move |(params, breach)| InvalidCase {
                    op: index,
                    id: id.clone(),
                    params,
                    breach,
                })
                .boxed()
            })
        })
        .collect();
    (!options.is_empty()).then(|| proptest::strategy::Union::new(options))
}
