//! How rows leave the `cake` command: an aligned table for people, or CSV, JSON or NDJSON for
//! programs.
//!
//! Only stdout carries rows; progress and notices go to stderr. Machine formats (CSV, JSON,
//! NDJSON) keep money's exact digits as CAKE sent them; only the table rounds, to 2 decimals for
//! money and 3 for EPC (the precision the API defines it with). Nothing here ever sees the
//! api_key.

use std::io::{self, Write};

use cake_client::types;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people (money with 2 decimals).
    Table,
    /// Comma-separated values with a header line, exact values.
    Csv,
    /// One JSON array of rows.
    Json,
    /// One JSON object per line.
    Ndjson,
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

fn count(n: impl ToString) -> Cell {
    let s = n.to_string();
    Cell {
        people: s.clone(),
        exact: s,
        numeric: true,
    }
}

fn rounded(d: Decimal, decimals: u32) -> String {
    let mut r = d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(decimals);
    r.to_string()
}

fn money(d: Decimal) -> Cell {
    Cell {
        people: rounded(d, 2),
        exact: d.to_string(),
        numeric: true,
    }
}

fn epc(d: Decimal) -> Cell {
    Cell {
        people: rounded(d, 3),
        exact: d.to_string(),
        numeric: true,
    }
}

fn rate(r: f64) -> Cell {
    Cell {
        people: format!("{r:.2}"),
        exact: r.to_string(),
        numeric: true,
    }
}

fn opt(s: Option<impl ToString>) -> Cell {
    text(&s.map(|v| v.to_string()).unwrap_or_default())
}

/// A row type the command prints.
pub trait Row: Serialize {
    /// The column names (also the CSV header).
    const HEADERS: &'static [&'static str];
    /// The row's cells, in header order.
    fn cells(&self) -> Vec<Cell>;
}

impl Row for types::OfferReportRow {
    const HEADERS: &'static [&'static str] = &[
        "offer_id",
        "offer_name",
        "clicks",
        "unique_clicks",
        "conversions",
        "conversion_rate",
        "payout",
        "revenue",
        "profit",
        "epc",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            count(self.offer_id),
            text(&self.offer_name),
            count(self.clicks),
            count(self.unique_clicks),
            count(self.conversions),
            rate(self.conversion_rate),
            money(self.payout),
            money(self.revenue),
            money(self.profit),
            epc(self.epc),
        ]
    }
}

impl Row for types::AffiliateReportRow {
    const HEADERS: &'static [&'static str] = &[
        "affiliate_id",
        "affiliate_name",
        "clicks",
        "conversions",
        "conversion_rate",
        "payout",
        "epc",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            count(self.affiliate_id),
            text(&self.affiliate_name),
            count(self.clicks),
            count(self.conversions),
            rate(self.conversion_rate),
            money(self.payout),
            epc(self.epc),
        ]
    }
}

impl Row for types::AdvertiserReportRow {
    const HEADERS: &'static [&'static str] = &[
        "advertiser_id",
        "advertiser_name",
        "clicks",
        "conversions",
        "revenue",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            count(self.advertiser_id),
            text(&self.advertiser_name),
            count(self.clicks),
            count(self.conversions),
            money(self.revenue),
        ]
    }
}

impl Row for types::Click {
    const HEADERS: &'static [&'static str] = &[
        "click_id",
        "click_date",
        "offer_id",
        "affiliate_id",
        "sub_id_1",
        "ip_address",
        "country",
        "converted",
        "conversion_id",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            text(&self.click_id),
            text(&self.click_date.to_string()),
            count(self.offer_id),
            count(self.affiliate_id),
            opt(self.sub_id_1.as_deref()),
            text(&self.ip_address),
            text(&self.country),
            text(if self.converted { "true" } else { "false" }),
            opt(self.conversion_id),
        ]
    }
}

impl Row for types::Conversion {
    const HEADERS: &'static [&'static str] = &[
        "conversion_id",
        "conversion_date",
        "offer_id",
        "offer_name",
        "affiliate_id",
        "affiliate_name",
        "payout",
        "revenue",
        "conversion_status",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            count(self.conversion_id),
            text(&self.conversion_date.to_string()),
            count(self.offer.offer_id),
            text(&self.offer.offer_name),
            count(self.affiliate.affiliate_id),
            text(&self.affiliate.affiliate_name),
            money(self.payout),
            money(self.revenue),
            text(&self.conversion_status.to_string()),
        ]
    }
}

impl Row for types::RecordedConversion {
    const HEADERS: &'static [&'static str] = &[
        "conversion_id",
        "offer_id",
        "affiliate_id",
        "click_id",
        "payout",
        "revenue",
        "unique_id",
        "conversion_date",
        "conversion_status",
    ];
    fn cells(&self) -> Vec<Cell> {
        vec![
            count(self.conversion_id),
            count(self.offer_id),
            count(self.affiliate_id),
            text(&self.click_id),
            money(self.payout),
            money(self.revenue),
            opt(self.unique_id.as_deref()),
            text(&self.conversion_date.to_string()),
            text(&self.conversion_status.to_string()),
        ]
    }
}

/// The Offer Report's totals as a table footer.
pub fn offer_totals_cells(t: &types::OfferReportTotals) -> Vec<Cell> {
    vec![
        text("total"),
        text(""),
        count(t.clicks),
        text(""),
        count(t.conversions),
        text(""),
        money(t.payout),
        money(t.revenue),
        text(""),
        text(""),
    ]
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
                    writeln!(self.out, "{}", R::HEADERS.join(","))?;
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
        }
    }

    /// Writes what is held, with an optional table footer.
    pub fn finish(mut self, footer: Option<Vec<Cell>>) -> io::Result<()> {
        match self.format {
            Format::Csv if !self.started => writeln!(self.out, "{}", R::HEADERS.join(","))?,
            Format::Csv | Format::Ndjson => {}
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, &self.held)
                    .map_err(io::Error::other)?;
                writeln!(self.out)?;
            }
            Format::Table => {
                let mut lines: Vec<Vec<Cell>> = self.held.iter().map(Row::cells).collect();
                lines.extend(footer);
                write_table(&mut self.out, R::HEADERS, &lines)?;
            }
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
    fn table_money_has_two_decimals_and_epc_three() {
        assert_eq!(rounded(Decimal::new(56160, 1), 2), "5616.00");
        assert_eq!(rounded(Decimal::new(6665, 4), 3), "0.667");
        assert_eq!(rounded(Decimal::new(5, 3), 2), "0.01");
    }
}
