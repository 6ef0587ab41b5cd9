//! The one hand-written piece of the suite: from a generated parameter set to the typed SDK call
//! of its operation.
//!
//! It must stay a plain translation: no validation, no defaults, no bounds. Every parameter of
//! the set goes to its builder setter as given (as a wider type where the setter accepts one, so
//! that the SDK's own conversions are what rejects a bad value), and a set that holds a
//! parameter or an operation this dispatch does not know is a [`DispatchError`], so that a spec
//! change the dispatch lacks fails the suite instead of being skipped.

use std::collections::BTreeMap;

use cake_client::{query::Operation, CakeDateTime, Client, Error};
use rust_decimal::Decimal;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::params::{ParamSet, ParamValue};

/// What the SDK made of a call.
pub struct Dispatched {
    /// The decoded body re-encoded as JSON, or the SDK's error.
    pub result: Result<Value, Error>,
    /// Where a body fails to decode as this operation's response type (a JSON path and serde's
    /// reason), for messages; `None` when it decodes.
    pub locate: fn(&[u8]) -> Option<String>,
    /// The JSON Schema (schemars) of the operation's success type, as the SDK declares it.
    pub declared: fn() -> schemars::schema::RootSchema,
}

/// Why a parameter set could not be turned into an SDK call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchError {
    /// The name is no operation of the spec the SDK was generated from.
    UnknownOperation(String),
    /// The set holds parameters this dispatch does not pass on (the spec gained them).
    UnhandledParameters {
        /// The operation.
        operation: String,
        /// The parameters.
        params: Vec<String>,
    },
    /// The value cannot be expressed in the setter's Rust type at all (a negative number for
    /// a `u32`, text where a date belongs): the typed API rejects it before anything is sent.
    Unrepresentable {
        /// The parameter.
        param: String,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for DispatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DispatchError::UnknownOperation(op) => write!(
                f,
                "the spec has operation {op} but tests/src/dispatch.rs does not call it: add an arm for it to `call`"
            ),
            DispatchError::UnhandledParameters { operation, params } => write!(
                f,
                "{operation}: tests/src/dispatch.rs does not pass parameter(s) {} to the SDK: add them to its arm",
                params.join(", ")
            ),
            DispatchError::Unrepresentable { param, reason } => {
                write!(f, "{param}: the typed SDK cannot express it ({reason})")
            }
        }
    }
}

/// The parameters not yet passed on.
struct Args(BTreeMap<String, ParamValue>);

impl Args {
    fn unrepresentable(param: &str, reason: impl Into<String>) -> DispatchError {
        DispatchError::Unrepresentable {
            param: param.to_string(),
            reason: reason.into(),
        }
    }

    fn int<T: TryFrom<i64>>(&mut self, name: &str) -> Result<Option<T>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::Integer(n)) => T::try_from(n).map(Some).map_err(|_| {
                Self::unrepresentable(
                    name,
                    format!("{n} does not fit {}", std::any::type_name::<T>()),
                )
            }),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not an integer"),
            )),
        }
    }

    fn text(&mut self, name: &str) -> Result<Option<String>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::Text(s)) => Ok(Some(s)),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not text"),
            )),
        }
    }

    fn boolean(&mut self, name: &str) -> Result<Option<bool>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::Boolean(b)) => Ok(Some(b)),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not a boolean"),
            )),
        }
    }

    fn date(&mut self, name: &str) -> Result<Option<chrono::NaiveDate>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::Date(d)) => Ok(Some(d)),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not a date"),
            )),
        }
    }

    /// Built from chrono's value, not parsed by the SDK: the SDK's printing is under test.
    fn date_time(&mut self, name: &str) -> Result<Option<CakeDateTime>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::DateTime(t)) => Ok(Some(CakeDateTime::new(t))),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not a date-time"),
            )),
        }
    }

    fn decimal(&mut self, name: &str) -> Result<Option<Decimal>, DispatchError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(ParamValue::Decimal(d)) => Ok(Some(d)),
            Some(other) => Err(Self::unrepresentable(
                name,
                format!("{other:?} is not a decimal"),
            )),
        }
    }
}

/// `set!(args, builder, name, getter)`: passes `name` to the setter of the same name when the
/// set holds it.
macro_rules! set {
    ($args:ident, $b:ident, $name:ident, $get:ident $(::<$t:ty>)?) => {
        if let Some(v) = $args.$get$(::<$t>)?(stringify!($name))? {
            $b = $b.$name(v);
        }
    };
}

fn declared<T: schemars::JsonSchema>() -> schemars::schema::RootSchema {
    schemars::schema_for!(T)
}

fn done<T: Serialize + DeserializeOwned + schemars::JsonSchema>(
    operation: &str,
    args: Args,
    result: Option<Result<T, Error>>,
) -> Result<Dispatched, DispatchError> {
    if !args.0.is_empty() {
        return Err(DispatchError::UnhandledParameters {
            operation: operation.to_string(),
            params: args.0.into_keys().collect(),
        });
    }
    let result = result.expect("the call is made once every parameter is passed");
    Ok(Dispatched {
        result: result.map(|body| {
            serde_json::to_value(&body)
                .unwrap_or_else(|e| Value::String(format!("not re-encodable: {e}")))
        }),
        locate: locate::<T>,
        declared: declared::<T>,
    })
}

fn locate<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => None,
        Err(e) => Some(format!("at {}: {}", e.path(), e.inner())),
    }
}

/// Sends `params` as operation `operation` through the typed SDK.
pub async fn call(
    client: &Client,
    operation: &str,
    params: &ParamSet,
) -> Result<Dispatched, DispatchError> {
    let mut a = Args(params.0.clone());
    // Exhaustive: an operation added to the spec does not compile here until it is dispatched.
    let Some(op) = Operation::from_id(operation) else {
        return Err(DispatchError::UnknownOperation(operation.to_string()));
    };
    match op {
        Operation::GetOfferReport => {
            let mut b = client.get_offer_report();
            set!(a, b, start_date, date);
            set!(a, b, end_date, date);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, affiliate_id, int::<i64>);
            set!(a, b, advertiser_id, int::<i64>);
            set!(a, b, vertical_id, int::<i64>);
            set!(a, b, country_id, int::<i64>);
            set!(a, b, start_at_row, int::<u32>);
            set!(a, b, row_limit, int::<u32>);
            set!(a, b, sort_field, text);
            set!(a, b, sort_descending, boolean);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
        Operation::GetAffiliateReport => {
            let mut b = client.get_affiliate_report();
            set!(a, b, start_date, date);
            set!(a, b, end_date, date);
            set!(a, b, affiliate_id, int::<i64>);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, start_at_row, int::<u32>);
            set!(a, b, row_limit, int::<u32>);
            set!(a, b, sort_field, text);
            set!(a, b, sort_descending, boolean);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
        Operation::GetAdvertiserReport => {
            let mut b = client.get_advertiser_report();
            set!(a, b, start_date, date);
            set!(a, b, end_date, date);
            set!(a, b, advertiser_id, int::<i64>);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, start_at_row, int::<u32>);
            set!(a, b, row_limit, int::<u32>);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
        Operation::GetClick => {
            let mut b = client.get_click();
            set!(a, b, click_id, text);
            set!(a, b, start_date, date);
            set!(a, b, end_date, date);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, affiliate_id, int::<i64>);
            set!(a, b, start_at_row, int::<i64>);
            set!(a, b, row_limit, int::<u32>);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
        Operation::RecordConversion => {
            let mut b = client.record_conversion();
            set!(a, b, click_id, text);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, payout, decimal);
            set!(a, b, revenue, decimal);
            set!(a, b, conversion_date, date_time);
            set!(a, b, unique_id, text);
            set!(a, b, order_id, text);
            set!(a, b, adv1, text);
            set!(a, b, adv2, text);
            set!(a, b, adv3, text);
            set!(a, b, adv4, text);
            set!(a, b, adv5, text);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
        Operation::GetConversions => {
            let mut b = client.get_conversions();
            set!(a, b, start_date, date);
            set!(a, b, end_date, date);
            set!(a, b, offer_id, int::<i64>);
            set!(a, b, affiliate_id, int::<i64>);
            set!(a, b, advertiser_id, int::<i64>);
            set!(a, b, conversion_status, text);
            set!(a, b, start_at_row, int::<u32>);
            set!(a, b, row_limit, int::<u32>);
            set!(a, b, sort_field, text);
            set!(a, b, sort_descending, boolean);
            let r = if a.0.is_empty() {
                Some(b.execute().await)
            } else {
                None
            };
            done(operation, a, r)
        }
    }
}
