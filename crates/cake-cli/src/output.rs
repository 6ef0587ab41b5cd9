//! How rows leave the `cake` command: an aligned table for people, or CSV, JSON or NDJSON for
//! programs.
//!
//! Only stdout carries rows; progress and notices go to stderr. Machine formats (CSV, JSON,
//! NDJSON) keep money's exact digits as CAKE sent them; only the table rounds, to 2 decimals for
//! money, or 3 where the amount has them (EPC, as the API defines it). The columns are the
//! response types' own (`cake_client::columns`, generated from the spec, in its property
//! order): no header list is written here. Nothing here ever sees the
//! api_key.

use std::io::{self, Write};

use cake_client::columns::{ColumnValue, Columns};
use cake_client::types;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// Why rows are not written as Parquet to stdout: only `cake export` writes Parquet, as files.
const PARQUET_ROWS: &str = "--format parquet is for `cake export`";

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (money with 2 decimals, 3 where it has them).
    Table,
    /// Comma-separated values with a header line, exact values.
    Csv,
    /// One JSON array of rows.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet files (`cake export` only).
    Parquet,
}

/// A cell of a row: its text for people, its exact text for CSV, and whether it is a number
/// (right-aligned in the table).
pub struct Cell {
    people: String,
    exact: String,
    numeric: bool,
}

fn text(s: &str) -> Cell {
    Cell {
        people: s.to_string(),
        exact: s.to_string(),
        numeric: false,
    }
}

/// Money for people: two decimals, or three where the figure has them (EPC), rounded half away
/// from zero; the exact digits for programs.
fn money(d: Decimal) -> Cell {
    let decimals = d.scale().clamp(2, 3);
    Cell {
        people: rounded(d, decimals),
        exact: d.to_string(),
        numeric: true,
    }
}

fn rounded(d: Decimal, decimals: u32) -> String {
    let mut r = d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(decimals);
    r.to_string()
}

/// A column's value as a cell, by the kind the spec gives it.
fn cell(value: ColumnValue<'_>) -> Cell {
    match value {
        ColumnValue::Integer(n) => Cell {
            people: n.to_string(),
            exact: n.to_string(),
            numeric: true,
        },
        ColumnValue::Money(d) => money(d),
        // The conversion rate: two decimals for people, as the API defines it.
        ColumnValue::Number(r) => Cell {
            people: format!("{r:.2}"),
            exact: r.to_string(),
            numeric: true,
        },
        ColumnValue::Text(t) => text(&t),
        ColumnValue::Bool(b) => text(if b { "true" } else { "false" }),
        ColumnValue::Missing => text(""),
        // A kind this command does not know yet: its debug form rather than nothing.
        other => text(&format!("{other:?}")),
    }
}

/// A row type the command prints: any response type with columns (`cake_client::columns`,
/// generated from the spec), so its columns are the spec's properties, in the spec's order.
pub trait Row: Serialize {
    /// The column names (also the CSV header).
    fn headers() -> &'static [&'static str];
    /// The row's cells, in header order.
    fn cells(&self) -> Vec<Cell>;
}

impl<T: Columns + Serialize> Row for T {
    fn headers() -> &'static [&'static str] {
        T::COLUMNS
    }

    fn cells(&self) -> Vec<Cell> {
        self.column_values().into_iter().map(cell).collect()
    }
}

/// The Offer Report's totals as a table footer: each total under the row column of its name,
/// `total` in the first.
pub fn offer_totals_cells(t: &types::OfferReportTotals) -> Vec<Cell> {
    let totals: Vec<(&str, ColumnValue<'_>)> = <types::OfferReportTotals as Columns>::COLUMNS
        .iter()
        .copied()
        .zip(t.column_values())
        .collect();
    <types::OfferReportRow as Columns>::COLUMNS
        .iter()
        .enumerate()
        .map(
            |(i, column)| match totals.iter().find(|(name, _)| name == column) {
                Some((_, value)) => cell(value.clone()),
                None if i == 0 => text("total"),
                None => text(""),
            },
        )
        .collect()
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes rows one at a time where the format allows (CSV, NDJSON), so that `--all` over many
/// pages needs no memory for rows already written; the table and JSON collect them.
pub struct RowWriter<W: Write, R: Row> {
    out: W,
    format: Format,
    held: Vec<R>,
    started: bool,
}

impl<W: Write, R: Row> RowWriter<W, R> {
    /// A writer of `format` to `out`.
    pub fn new(out: W, format: Format) -> Self {
        Self {
            out,
            format,
            held: Vec::new(),
            started: false,
        }
    }

    /// Takes one row.
    pub fn push(&mut self, row: R) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                if !self.started {
                    writeln!(self.out, "{}", R::headers().join(","))?;
                    self.started = true;
                }
                let line: Vec<String> = row.cells().iter().map(|c| csv_field(&c.exact)).collect();
                writeln!(self.out, "{}", line.join(","))
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut self.out, &row).map_err(io::Error::other)?;
                writeln!(self.out)
            }
            Format::Table | Format::Json => {
                self.held.push(row);
                Ok(())
            }
            // Refused before anything is sent (`dispatch::run`); never written as rows.
            Format::Parquet => Err(io::Error::other(PARQUET_ROWS)),
        }
    }

    /// Writes what is held, with an optional table footer.
    pub fn finish(mut self, footer: Option<Vec<Cell>>) -> io::Result<()> {
        match self.format {
            Format::Csv if !self.started => writeln!(self.out, "{}", R::headers().join(","))?,
            Format::Csv | Format::Ndjson => {}
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, &self.held)
                    .map_err(io::Error::other)?;
                writeln!(self.out)?;
            }
            Format::Table => {
                let mut lines: Vec<Vec<Cell>> = self.held.iter().map(Row::cells).collect();
                lines.extend(footer);
                write_table(&mut self.out, R::headers(), &lines)?;
            }
            Format::Parquet => return Err(io::Error::other(PARQUET_ROWS)),
        }
        self.out.flush()
    }
}

fn write_table(out: &mut impl Write, headers: &[&str], rows: &[Vec<Cell>]) -> io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.people.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            rows.first()
                .and_then(|r| r.get(i))
                .is_some_and(|c| c.numeric)
        })
        .collect();
    let line = |cells: Vec<(&str, bool)>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|((s, right), w)| {
                if *right {
                    format!("{s:>w$}")
                } else {
                    format!("{s:<w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(
        out,
        "{}",
        line(
            headers
                .iter()
                .zip(&numeric)
                .map(|(h, n)| (*h, *n))
                .collect()
        )
    )?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("  "))?;
    for row in rows {
        writeln!(
            out,
            "{}",
            line(row.iter().map(|c| (c.people.as_str(), c.numeric)).collect())
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "(no rows)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_fields_that_need_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn table_money_has_two_decimals_or_three_and_programs_get_every_digit() {
        let people = |d: Decimal| money(d).people;
        assert_eq!(people(Decimal::new(56160, 1)), "5616.00");
        assert_eq!(people(Decimal::new(667, 3)), "0.667");
        assert_eq!(people(Decimal::new(6665, 4)), "0.667");
        assert_eq!(people(Decimal::new(151001, 4)), "15.100");
        assert_eq!(people(Decimal::new(5, 0)), "5.00");
        assert_eq!(money(Decimal::new(151001, 4)).exact, "15.1001");
    }
}
