//! The columns of a list operation's rows, typed from the spec the SDK was built from, and their
//! Arrow schema. Nothing here names a column: the row schema is found where the operation's
//! `x-cake-paging` says its rows are (`rows`, then `rowItem`), and its properties are the
//! columns, in the spec's order, a required object's properties in its place: the same columns,
//! in the same order, as the SDK's generated `Columns` (checked by [`RowSchema::check_columns`]).
//!
//! Types: `integer` is Int32 (`format: int32`) or Int64; `number` with `format: decimal` (money)
//! is Decimal128 with the scale its `multipleOf` implies and the precision its bounds need, so a
//! value is never rounded; any other `number` is Float64 (a ratio); `string` is Date32 (`format:
//! date`), a timestamp without zone in microseconds (`format: cake-date-time`, CAKE's form) or text
//! (an enum too, so a value the spec does not list is kept); `boolean` is Boolean. A property that
//! is not required is nullable.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use cake_spec::{refs, Document};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnType {
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// An exact decimal: `precision` digits, `scale` of them after the point.
    Decimal {
        /// Digits in all.
        precision: u8,
        /// Digits after the point.
        scale: i8,
    },
    /// A binary floating-point number (never money).
    Float64,
    /// Text.
    Utf8,
    /// `true` or `false`.
    Boolean,
    /// A calendar day.
    Date,
    /// A date and time without zone (CAKE's are to the second; stored in microseconds, the unit
    /// Parquet readers all take).
    Timestamp,
}

impl ColumnType {
    /// The Arrow type.
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Decimal { precision, scale } => DataType::Decimal128(precision, scale),
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Utf8 => DataType::Utf8,
            ColumnType::Boolean => DataType::Boolean,
            ColumnType::Date => DataType::Date32,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        }
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Its name (the property's).
    pub name: String,
    /// Its type.
    #[serde(flatten)]
    pub ty: ColumnType,
    /// Whether a row may lack it.
    pub nullable: bool,
    /// The values the spec lists, for an enum (others are kept as they come).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
}

/// The rows of one list operation, as columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowSchema {
    /// The operationId.
    pub operation: String,
    /// The spec's `info.version`.
    pub spec_version: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
}

impl RowSchema {
    /// The rows of `operation_id` in `doc`.
    pub fn of(doc: &Document, operation_id: &str) -> Result<RowSchema, Error> {
        let op = doc
            .operation_by_id(operation_id)
            .ok_or_else(|| Error::new(format!("the spec has no operation {operation_id}")))?;
        let paging = op.paging.as_ref().ok_or_else(|| {
            Error::new(format!(
                "{operation_id} is not a list operation (no x-cake-paging)"
            ))
        })?;
        let body = op
            .success()
            .and_then(|r| r.schema_pointer.clone())
            .ok_or_else(|| Error::new(format!("{operation_id} documents no success body")))?;
        let mut at = follow(doc, body)?;
        for segment in refs::segments(&paging.rows) {
            at = follow(doc, format!("{at}/properties/{}", refs::escape(&segment)))?;
        }
        at = follow(doc, format!("{at}/items"))?;
        for segment in paging.row_item.iter().flat_map(|p| refs::segments(p)) {
            at = follow(doc, format!("{at}/properties/{}", refs::escape(&segment)))?;
        }
        let mut columns = Vec::new();
        flatten(doc, &at, false, operation_id, &mut columns, true)?;
        Ok(RowSchema {
            operation: operation_id.to_string(),
            spec_version: doc.version.clone(),
            columns,
        })
    }

    /// The Arrow schema, with the spec's version and the operation in its metadata.
    pub fn arrow(&self) -> Arc<Schema> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.ty.arrow(), c.nullable))
            .collect();
        Arc::new(
            Schema::new(fields).with_metadata(
                [
                    ("cake.operation".to_string(), self.operation.clone()),
                    ("cake.spec_version".to_string(), self.spec_version.clone()),
                ]
                .into(),
            ),
        )
    }

    /// Fails unless the SDK's columns of the row type (`Columns::COLUMNS`) are these, in order:
    /// the values the SDK gives are then the ones this schema types.
    pub fn check_columns(&self, sdk: &[&str]) -> Result<(), Error> {
        let mine: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        if mine == sdk {
            Ok(())
        } else {
            Err(Error::new(format!(
                "{}: the spec's row columns {mine:?} are not the SDK's {sdk:?} (rebuild the SDK from this spec)",
                self.operation
            )))
        }
    }

    /// As `_schema.json` shows it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The pointer of the schema at `pointer`, its `$ref`s followed.
fn follow(doc: &Document, mut pointer: String) -> Result<String, Error> {
    for _ in 0..64 {
        let schema = doc
            .json
            .pointer(&pointer)
            .ok_or_else(|| Error::new(format!("the spec has nothing at {pointer}")))?;
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => pointer = r.trim_start_matches('#').to_string(),
            None => return Ok(pointer),
        }
    }
    Err(Error::new(format!("$refs in a loop at {pointer}")))
}

/// The columns of the object at `pointer`, in the spec's order, its required objects'
/// properties in their place (one level, as the SDK's `Columns`).
fn flatten(
    doc: &Document,
    pointer: &str,
    nullable: bool,
    operation: &str,
    out: &mut Vec<Column>,
    top: bool,
) -> Result<(), Error> {
    let schema = doc.json.pointer(pointer).unwrap_or(&Value::Null);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let names = doc.keys_in_order(&format!("{pointer}/properties"));
    if names.is_empty() {
        return Err(Error::new(format!(
            "{operation}: a row is not an object with properties"
        )));
    }
    for name in names {
        let at = follow(doc, format!("{pointer}/properties/{}", refs::escape(&name)))?;
        let p = doc.json.pointer(&at).unwrap_or(&Value::Null);
        let optional = nullable || !required.contains(&name.as_str());
        if p.get("type").and_then(Value::as_str) == Some("object") && top && !optional {
            flatten(doc, &at, optional, operation, out, false)?;
            continue;
        }
        out.push(Column {
            ty: column_type(p).map_err(|why| Error::new(format!("{operation}.{name}: {why}")))?,
            nullable: optional,
            enum_values: p
                .get("enum")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            name,
        });
    }
    Ok(())
}

/// A decimal written as JSON (`0.01`, `1e-12`).
fn decimal(v: &Value) -> Option<Decimal> {
    let text = v.to_string();
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

fn column_type(p: &Value) -> Result<ColumnType, String> {
    let format = p.get("format").and_then(Value::as_str);
    Ok(match (p.get("type").and_then(Value::as_str), format) {
        (Some("integer"), Some("int32")) => ColumnType::Int32,
        (Some("integer"), _) => ColumnType::Int64,
        (Some("number"), Some("decimal")) => {
            let step = p
                .get("multipleOf")
                .and_then(decimal)
                .ok_or("money (format: decimal) without a multipleOf: its scale is unknown")?;
            let scale = step.normalize().scale();
            let bound = [p.get("minimum"), p.get("maximum")]
                .into_iter()
                .flatten()
                .filter_map(decimal)
                .map(|d| d.abs().trunc())
                .max()
                .ok_or("money (format: decimal) without bounds: its precision is unknown")?;
            let digits = bound.to_string().trim_start_matches('-').len() as u32;
            let precision = digits + scale;
            if precision > 38 {
                return Err(format!(
                    "money needs {precision} digits, more than Decimal128's 38"
                ));
            }
            ColumnType::Decimal {
                precision: precision as u8,
                scale: scale as i8,
            }
        }
        (Some("number"), _) => ColumnType::Float64,
        (Some("string"), Some("date")) => ColumnType::Date,
        (Some("string"), Some("cake-date-time")) => ColumnType::Timestamp,
        (Some("string"), _) => ColumnType::Utf8,
        (Some("boolean"), _) => ColumnType::Boolean,
        (other, _) => return Err(format!("a {other:?} cannot be a column")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stream;

    fn schema(stream: Stream) -> RowSchema {
        let doc = Document::from_yaml(cake_client::spec::SPEC_YAML).unwrap();
        RowSchema::of(&doc, stream.operation_id()).unwrap()
    }

    fn column(s: &RowSchema, name: &str) -> Column {
        s.columns.iter().find(|c| c.name == name).cloned().unwrap()
    }

    #[test]
    fn every_stream_has_the_sdks_columns_typed_from_the_spec() {
        for stream in Stream::ALL {
            let s = schema(stream);
            s.check_columns(stream.sdk_columns()).unwrap();
            assert_eq!(s.arrow().fields().len(), s.columns.len());
        }
        let c = schema(Stream::Conversions);
        // Money: multipleOf 1e-12 is scale 12; bounds of 10^15 need 16 digits before the point.
        let money = ColumnType::Decimal {
            precision: 28,
            scale: 12,
        };
        assert_eq!(column(&c, "payout").ty, money);
        assert_eq!(column(&c, "conversion_date").ty, ColumnType::Timestamp);
        assert_eq!(column(&c, "conversion_id").ty, ColumnType::Int32);
        // The offer's properties in its place, as the SDK's columns.
        assert_eq!(column(&c, "offer_name").ty, ColumnType::Utf8);
        let status = column(&c, "conversion_status");
        assert_eq!(
            status.ty,
            ColumnType::Utf8,
            "an open enum keeps unlisted values"
        );
        assert!(status.enum_values.contains(&"approved".to_string()));
        let r = schema(Stream::OfferReport);
        assert_eq!(column(&r, "clicks").ty, ColumnType::Int64);
        assert_eq!(column(&r, "conversion_rate").ty, ColumnType::Float64);
        assert_eq!(column(&r, "epc").ty, money);
        let k = schema(Stream::Clicks);
        assert!(column(&k, "sub_id_1").nullable);
        assert!(!column(&k, "click_id").nullable);
        assert_eq!(column(&k, "converted").ty, ColumnType::Boolean);
    }

    #[test]
    fn columns_the_sdk_does_not_have_fail_with_both_lists() {
        let s = schema(Stream::Clicks);
        let e = s.check_columns(&["click_id"]).unwrap_err().to_string();
        assert!(
            e.contains("click_id") && e.contains("rebuild the SDK"),
            "{e}"
        );
    }

    #[test]
    fn money_without_a_scale_or_too_wide_is_refused() {
        let no_step = serde_json::json!({"type": "number", "format": "decimal", "maximum": 10});
        assert!(column_type(&no_step).unwrap_err().contains("multipleOf"));
        let wide = serde_json::json!({"type": "number", "format": "decimal", "multipleOf": 1e-20, "maximum": 1e20});
        assert!(column_type(&wide).unwrap_err().contains("38"));
        let cents = serde_json::json!({"type": "number", "format": "decimal", "multipleOf": 0.01, "minimum": -999.99, "maximum": 999.99});
        assert_eq!(
            column_type(&cents).unwrap(),
            ColumnType::Decimal {
                precision: 5,
                scale: 2
            }
        );
    }
}
