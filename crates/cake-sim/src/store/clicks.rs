//! The store's clicks, packed: a fixed 40-byte row per click, its id's text in one shared
//! buffer, and one hash table of row numbers to find a click by id. This is what lets the
//! simulator hold millions of clicks in little memory (BENCHMARKS.md, "Simulator at scale").
//!
//! How each field is kept:
//! - the click id: its bytes in `text`, the row keeps where (4 + 2 bytes); the id table holds
//!   only row numbers (4 bytes and a control byte per slot) and hashes the text to find them;
//! - the date: seconds since 1970 (CAKE's date-times have no sub-second part);
//! - the IP address: a canonical IPv4 address (`10.0.0.1`, as CAKE sends them) is its 32-bit
//!   value; any other text is interned and kept as a number above 2^32, so two clicks have
//!   the same key exactly when they have the same text;
//! - `sub_id_1` and the country code: interned (affiliates reuse a few values);
//! - the first conversion's id: 0 while the click has none (conversion ids start at 1).
//!
//! A row always turns back into exactly the [`ClickRecord`] it was made from. Nothing here
//! panics: every size limit (an id longer than 65,535 bytes, more than 4 GiB of ids, more than
//! 65,535 country codes) is a [`SeedError`] naming the field.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::Ipv4Addr;

use cake_client::CakeDateTime;
use chrono::{DateTime, NaiveDate};
use hashbrown::HashTable;

use super::model::{field, ClickRecord, SeedError};

/// One click, packed (40 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    id_start: u32,
    id_len: u16,
    /// The interned country code.
    pub country: u16,
    pub offer_id: u32,
    pub affiliate_id: u32,
    /// The interned `sub_id_1` plus one; 0 when the click has none.
    sub_id: u32,
    /// The first conversion's id; 0 while there is none.
    conversion_id: u32,
    /// Seconds since 1970-01-01 00:00:00.
    at: i64,
    /// The IP address's key (see the module's header).
    pub ip: u64,
}

impl Row {
    /// The click's day.
    pub fn day(&self) -> NaiveDate {
        self.date_time().date()
    }

    /// The click's day as a [`super::calendar::day_key`] (days since the common era), without
    /// making a date.
    pub fn day_key(&self) -> i32 {
        // 1970-01-01 is day 719,163 of the common era; `at` comes from a chrono date, so the
        // quotient fits.
        (self.at.div_euclid(86_400) + 719_163) as i32
    }

    /// When it happened, as seconds since 1970 (orders clicks by time).
    pub fn at(&self) -> i64 {
        self.at
    }

    fn date_time(&self) -> CakeDateTime {
        // Made from a CakeDateTime, so always in chrono's range.
        let naive = DateTime::from_timestamp(self.at, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default();
        CakeDateTime::new(naive)
    }
}

/// Texts kept once each, numbered in the order first seen.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.ids.insert(text.into(), id);
        self.texts.push(text.into());
        id
    }

    fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", |t| t)
    }

    fn len(&self) -> usize {
        self.texts.len()
    }
}

/// Every click, in the order added.
#[derive(Clone, Default)]
pub(crate) struct ClickTable {
    rows: Vec<Row>,
    /// Every click id's bytes, one after the other.
    text: String,
    /// Row numbers, found by their click id's hash.
    by_id: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    sub_ids: Interner,
    /// IP addresses that are not canonical IPv4.
    other_ips: Interner,
    countries: Interner,
}

impl std::fmt::Debug for ClickTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickTable")
            .field("clicks", &self.rows.len())
            .finish_non_exhaustive()
    }
}

fn err(field: &str, message: impl Into<String>) -> SeedError {
    SeedError {
        field: field.to_string(),
        message: message.into(),
    }
}

impl ClickTable {
    /// How many clicks it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Room for `additional` more clicks whose ids take `id_bytes` bytes in all, so that a
    /// large load grows nothing (no copy, and no freed block left behind) as it goes.
    pub fn reserve(&mut self, additional: usize, id_bytes: usize) {
        self.rows.reserve_exact(additional);
        self.text.reserve_exact(id_bytes);
        let (text, rows, hasher) = (&self.text, &self.rows, &self.hasher);
        self.by_id.reserve(additional, |&i| {
            let row = &rows[i as usize];
            let start = row.id_start as usize;
            hasher.hash_one(&text[start..start + usize::from(row.id_len)])
        });
    }

    /// The row at `index` (as returned by [`ClickTable::insert`] or [`ClickTable::find`]).
    pub fn row(&self, index: u32) -> Option<&Row> {
        self.rows.get(index as usize)
    }

    /// Every row, in the order added.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    fn id_of(&self, row: &Row) -> &str {
        let start = row.id_start as usize;
        self.text
            .get(start..start + usize::from(row.id_len))
            .unwrap_or("")
    }

    /// The click id of the row at `index`.
    pub fn id(&self, index: u32) -> &str {
        self.row(index).map_or("", |row| self.id_of(row))
    }

    /// The row number of the click with this id.
    pub fn find(&self, click_id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(click_id);
        self.by_id.find(hash, |&i| self.id(i) == click_id).copied()
    }

    /// The interned number of a country code, when some click has it.
    pub fn country(&self, code: &str) -> Option<u16> {
        self.countries.get(code).map(|id| id as u16)
    }

    /// Adds a click (its `conversion_id` is ignored: see [`ClickTable::set_conversion`]) and
    /// returns its row number. The id must be new.
    pub fn insert(&mut self, click: &ClickRecord) -> Result<u32, SeedError> {
        let id = click.click_id.as_str();
        if self.find(id).is_some() {
            return Err(err(
                field!(click.click_id),
                format!("click {id:?} already exists"),
            ));
        }
        let index = u32::try_from(self.rows.len())
            .ok()
            .filter(|&i| i < u32::MAX)
            .ok_or_else(|| {
                err(
                    field!(click.click_id),
                    "the store holds as many clicks as it can",
                )
            })?;
        let id_len = u16::try_from(id.len()).map_err(|_| {
            err(
                field!(click.click_id),
                format!("expected at most 65535 bytes, got {}", id.len()),
            )
        })?;
        let id_start = u32::try_from(self.text.len())
            .ok()
            .filter(|start| start.checked_add(u32::from(id_len)).is_some())
            .ok_or_else(|| {
                err(
                    field!(click.click_id),
                    "the store holds as many click ids as it can",
                )
            })?;
        let country = match self.countries.get(&click.country) {
            Some(c) => c,
            None if self.countries.len() > usize::from(u16::MAX) => {
                return Err(err(
                    "country",
                    "expected at most 65536 distinct country codes",
                ))
            }
            None => self.countries.intern(&click.country),
        };
        let sub_id = match &click.sub_id_1 {
            None => 0,
            Some(s) => self.sub_ids.intern(s).saturating_add(1),
        };
        let ip = ip_key(&click.ip_address, &mut self.other_ips);
        self.text.push_str(id);
        self.rows.push(Row {
            id_start,
            id_len,
            country: country as u16,
            offer_id: click.offer_id,
            affiliate_id: click.affiliate_id,
            sub_id,
            conversion_id: 0,
            at: click.click_date.naive().and_utc().timestamp(),
            ip,
        });
        let hash = self.hasher.hash_one(id);
        let (text, rows, hasher) = (&self.text, &self.rows, &self.hasher);
        self.by_id.insert_unique(hash, index, |&i| {
            let row = &rows[i as usize];
            let start = row.id_start as usize;
            hasher.hash_one(&text[start..start + usize::from(row.id_len)])
        });
        Ok(index)
    }

    /// Marks the click at `index` converted, unless it already was (it keeps its first).
    pub fn set_conversion(&mut self, index: u32, conversion_id: u32) {
        if let Some(row) = self.rows.get_mut(index as usize) {
            if row.conversion_id == 0 {
                row.conversion_id = conversion_id;
            }
        }
    }

    /// The click at `index` as it was added (with its first conversion, if any).
    pub fn record(&self, index: u32) -> Option<ClickRecord> {
        let row = self.row(index)?;
        Some(ClickRecord {
            click_id: self.id_of(row).to_string(),
            click_date: row.date_time(),
            offer_id: row.offer_id,
            affiliate_id: row.affiliate_id,
            sub_id_1: row
                .sub_id
                .checked_sub(1)
                .map(|s| self.sub_ids.text(s).to_string()),
            ip_address: match u32::try_from(row.ip) {
                Ok(v4) => Ipv4Addr::from(v4).to_string(),
                Err(_) => self.other_ips.text((row.ip >> 32) as u32 - 1).to_string(),
            },
            country: self.countries.text(u32::from(row.country)).to_string(),
            conversion_id: (row.conversion_id != 0).then_some(row.conversion_id),
        })
    }
}

/// The IP address's key: a canonical IPv4 address as its value, anything else interned above
/// 2^32 (`(n + 1) << 32`).
fn ip_key(text: &str, others: &mut Interner) -> u64 {
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        // Only the canonical form: `010.0.0.1` must stay a different text from `10.0.0.1`.
        let mut buffer = [0u8; 15];
        let mut cursor = std::io::Cursor::new(&mut buffer[..]);
        if std::io::Write::write_fmt(&mut cursor, format_args!("{v4}")).is_ok() {
            let len = cursor.position() as usize;
            if &buffer[..len] == text.as_bytes() {
                return u64::from(u32::from(v4));
            }
        }
    }
    (u64::from(others.intern(text)) + 1) << 32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(id: &str, ip: &str) -> ClickRecord {
        ClickRecord {
            click_id: id.into(),
            click_date: "2026-01-15 09:42:11".parse().unwrap(),
            offer_id: 12345,
            affiliate_id: 67890,
            sub_id_1: Some("sub-a".into()),
            ip_address: ip.into(),
            country: "US".into(),
            conversion_id: None,
        }
    }

    #[test]
    fn a_row_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<Row>(), 40);
    }

    #[test]
    fn every_click_comes_back_as_it_went_in() {
        let mut table = ClickTable::default();
        let mut clicks = vec![
            click("a", "10.1.2.3"),
            click("b", "010.1.2.3"),
            click("c", "2001:db8::1"),
            click("d", ""),
            click("é-ü", "10.1.2.3"),
        ];
        clicks[1].sub_id_1 = None;
        clicks[2].country = "GB".into();
        clicks[3].click_date = "0001-01-01 00:00:00".parse().unwrap();
        clicks[4].click_date = "9999-12-31 23:59:59".parse().unwrap();
        for c in &clicks {
            table.insert(c).unwrap();
        }
        table.set_conversion(2, 7);
        table.set_conversion(2, 8);
        clicks[2].conversion_id = Some(7);
        for (i, c) in clicks.iter().enumerate() {
            assert_eq!(table.find(&c.click_id), Some(i as u32));
            assert_eq!(table.record(i as u32).as_ref(), Some(c));
        }
        assert_eq!(table.find("zz"), None);
        // Same text, same key; a different text for the same address, a different key.
        let rows = table.rows();
        assert_eq!(rows[0].ip, rows[4].ip);
        assert_ne!(rows[0].ip, rows[1].ip);
    }

    #[test]
    fn limits_are_errors_that_name_the_field() {
        let mut table = ClickTable::default();
        table.insert(&click("a", "10.0.0.1")).unwrap();
        assert_eq!(
            table.insert(&click("a", "10.0.0.2")).unwrap_err().field,
            "click_id"
        );
        let long = "x".repeat(70_000);
        let e = table.insert(&click(&long, "10.0.0.1")).unwrap_err();
        assert_eq!(e.field, "click_id");
        assert!(e.message.contains("65535"), "{e}");
        assert_eq!(table.len(), 1);
    }
}
