//! Rows into Arrow record batches, exactly: each row's values (the SDK's generated `Columns`)
//! go into the builder of their column's type. Money goes in as the integer of its digits at the
//! column's scale, and an amount with more digits after the point than the scale is an error,
//! never rounded; an integer out of its column's range is an error too.

use arrow_array::{
    builder::{
        ArrayBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder,
        Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
    },
    RecordBatch,
};
use cake_client::columns::ColumnValue;
use chrono::{NaiveDate, NaiveDateTime};

use crate::{
    schema::{ColumnType, RowSchema},
    Error,
};

/// Rows gathered for one record batch.
pub struct RowBuffer {
    schema: RowSchema,
    builders: Vec<Box<dyn ArrayBuilder>>,
    rows: usize,
}

/// Days from 1970-01-01 (Arrow's Date32).
fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

impl RowBuffer {
    /// An empty buffer for rows of `schema`.
    pub fn new(schema: &RowSchema) -> RowBuffer {
        let builders = schema
            .columns
            .iter()
            .map(|c| -> Box<dyn ArrayBuilder> {
                match c.ty {
                    ColumnType::Int32 => Box::new(Int32Builder::new()),
                    ColumnType::Int64 => Box::new(Int64Builder::new()),
                    ColumnType::Decimal { precision, scale } => Box::new(
                        Decimal128Builder::new()
                            .with_precision_and_scale(precision, scale)
                            .unwrap_or_default(),
                    ),
                    ColumnType::Float64 => Box::new(Float64Builder::new()),
                    ColumnType::Utf8 => Box::new(StringBuilder::new()),
                    ColumnType::Boolean => Box::new(BooleanBuilder::new()),
                    ColumnType::Date => Box::new(Date32Builder::new()),
                    ColumnType::Timestamp => Box::new(TimestampMicrosecondBuilder::new()),
                }
            })
            .collect();
        RowBuffer {
            schema: schema.clone(),
            builders,
            rows: 0,
        }
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Adds a row; an error names the column and the value that does not fit it (the row is then
    /// not added: every column is checked before any is written).
    pub fn push(&mut self, values: &[ColumnValue<'_>]) -> Result<(), Error> {
        if values.len() != self.schema.columns.len() {
            return Err(Error::new(format!(
                "{}: a row of {} values for {} columns",
                self.schema.operation,
                values.len(),
                self.schema.columns.len()
            )));
        }
        let mut cells = Vec::with_capacity(values.len());
        for (c, v) in self.schema.columns.iter().zip(values) {
            let cell = cell(c.ty, v).map_err(|why| {
                Error::new(format!("{}.{}: {why}", self.schema.operation, c.name))
            })?;
            if matches!(cell, Cell::Null) && !c.nullable {
                return Err(Error::new(format!(
                    "{}.{}: missing, and the spec requires it",
                    self.schema.operation, c.name
                )));
            }
            cells.push(cell);
        }
        for (b, cell) in self.builders.iter_mut().zip(cells) {
            append(b.as_mut(), cell);
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows as a record batch; the buffer is empty after.
    pub fn finish(&mut self) -> Result<RecordBatch, Error> {
        let arrays = self.builders.iter_mut().map(|b| b.finish()).collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.arrow(), arrays)
            .map_err(|e| Error::new(format!("{}: {e}", self.schema.operation)))
    }
}

/// A value ready for its builder.
enum Cell {
    Null,
    I32(i32),
    I64(i64),
    I128(i128),
    F64(f64),
    Text(String),
    Bool(bool),
}

fn cell(ty: ColumnType, v: &ColumnValue<'_>) -> Result<Cell, String> {
    Ok(match (ty, v) {
        (_, ColumnValue::Missing) => Cell::Null,
        (ColumnType::Int32, ColumnValue::Integer(n)) => {
            Cell::I32(i32::try_from(*n).map_err(|_| format!("{n} does not fit a 32-bit integer"))?)
        }
        (ColumnType::Int64, ColumnValue::Integer(n)) => {
            Cell::I64(i64::try_from(*n).map_err(|_| format!("{n} does not fit a 64-bit integer"))?)
        }
        (ColumnType::Decimal { scale, .. }, ColumnValue::Money(d)) => {
            let scale = scale as u32;
            if d.scale() > scale && d.round_dp(scale) != *d {
                return Err(format!(
                    "{d} has more than {scale} digits after the point (never rounded)"
                ));
            }
            let mut exact = *d;
            exact.rescale(scale);
            if exact != *d {
                return Err(format!("{d} does not hold at scale {scale}"));
            }
            Cell::I128(exact.mantissa())
        }
        (ColumnType::Float64, ColumnValue::Number(f)) => Cell::F64(*f),
        (ColumnType::Utf8, ColumnValue::Text(t)) => Cell::Text(t.to_string()),
        (ColumnType::Boolean, ColumnValue::Bool(b)) => Cell::Bool(*b),
        (ColumnType::Date, ColumnValue::Text(t)) => Cell::I32(epoch_days(
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|e| format!("{t:?}: {e}"))?,
        )),
        (ColumnType::Timestamp, ColumnValue::Text(t)) => Cell::I64(
            NaiveDateTime::parse_from_str(t, cake_client::datetime::CAKE_DATE_TIME_FORMAT)
                .map_err(|e| format!("{t:?}: {e}"))?
                .and_utc()
                .timestamp_micros(),
        ),
        (ty, v) => return Err(format!("{v:?} is not a {ty:?}")),
    })
}

fn append(b: &mut dyn ArrayBuilder, cell: Cell) {
    let any = b.as_any_mut();
    macro_rules! put {
        ($t:ty, $v:expr) => {
            if let Some(b) = any.downcast_mut::<$t>() {
                b.append_option($v);
                return;
            }
        };
    }
    match cell {
        Cell::Null => {
            put!(Int32Builder, None);
            put!(Date32Builder, None);
            put!(Int64Builder, None);
            put!(TimestampMicrosecondBuilder, None);
            put!(Decimal128Builder, None);
            put!(Float64Builder, None);
            put!(StringBuilder, None::<String>);
            put!(BooleanBuilder, None);
        }
        Cell::I32(v) => {
            put!(Int32Builder, Some(v));
            put!(Date32Builder, Some(v));
        }
        Cell::I64(v) => {
            put!(Int64Builder, Some(v));
            put!(TimestampMicrosecondBuilder, Some(v));
        }
        Cell::I128(v) => put!(Decimal128Builder, Some(v)),
        Cell::F64(v) => put!(Float64Builder, Some(v)),
        Cell::Text(v) => put!(StringBuilder, Some(v)),
        Cell::Bool(v) => put!(BooleanBuilder, Some(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;
    use arrow_array::{cast::AsArray, types::Decimal128Type};
    use rust_decimal::Decimal;
    use std::borrow::Cow;

    fn schema() -> RowSchema {
        let col = |name: &str, ty, nullable| Column {
            name: name.into(),
            ty,
            nullable,
            enum_values: Vec::new(),
        };
        RowSchema {
            operation: "op".into(),
            spec_version: "1".into(),
            columns: vec![
                col(
                    "payout",
                    ColumnType::Decimal {
                        precision: 28,
                        scale: 12,
                    },
                    false,
                ),
                col("id", ColumnType::Int32, false),
                col("note", ColumnType::Utf8, true),
            ],
        }
    }

    fn money(s: &str) -> ColumnValue<'static> {
        ColumnValue::Money(s.parse::<Decimal>().unwrap())
    }

    #[test]
    fn money_goes_in_exactly_at_its_scale_and_is_never_rounded() {
        let mut b = RowBuffer::new(&schema());
        let text = ColumnValue::Text(Cow::Borrowed("x"));
        for m in [
            "0.000000000001",
            "999999999999999.999999999999",
            "-18.5",
            "0",
        ] {
            b.push(&[money(m), ColumnValue::Integer(1), text.clone()])
                .unwrap();
        }
        let batch = b.finish().unwrap();
        let col = batch.column(0).as_primitive::<Decimal128Type>();
        assert_eq!(col.value(0), 1);
        assert_eq!(col.value(1), 999_999_999_999_999_999_999_999_999);
        assert_eq!(col.value(2), -18_500_000_000_000);
        let e = b
            .push(&[money("0.0000000000001"), ColumnValue::Integer(1), text])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("op.payout") && e.contains("never rounded"),
            "{e}"
        );
        assert!(b.is_empty(), "a refused row is not added");
    }

    #[test]
    fn a_missing_required_value_an_out_of_range_integer_and_a_wrong_kind_are_errors() {
        let mut b = RowBuffer::new(&schema());
        let missing = b
            .push(&[
                ColumnValue::Missing,
                ColumnValue::Integer(1),
                ColumnValue::Missing,
            ])
            .unwrap_err();
        assert!(
            missing.to_string().contains("op.payout: missing"),
            "{missing}"
        );
        let big = b
            .push(&[
                money("1"),
                ColumnValue::Integer(1 << 40),
                ColumnValue::Missing,
            ])
            .unwrap_err();
        assert!(big.to_string().contains("op.id"), "{big}");
        let kind = b
            .push(&[
                ColumnValue::Bool(true),
                ColumnValue::Integer(1),
                ColumnValue::Missing,
            ])
            .unwrap_err();
        assert!(kind.to_string().contains("op.payout"), "{kind}");
        b.push(&[money("1"), ColumnValue::Integer(7), ColumnValue::Missing])
            .unwrap();
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 1);
        assert!(batch.column(2).is_null(0));
    }
}
