//! Unique clicks (distinct IPs over a date range) of the Offer Report, counted exactly without
//! reading clicks, per offer, per (country, offer) and per (affiliate, offer): the report's
//! rows unfiltered, filtered by country, filtered by affiliate. The same lists count a country's
//! or an affiliate's clicks per offer on the days of a range's partial months, which the report
//! index's cells by country and by affiliate hold per month and year only.
//!
//! Distinct IPs do not sum across days. They are counted with "previous day" bookkeeping: every
//! (IP, day) on which the IP clicked the scope (the offer, or the offer in that country, or
//! through that affiliate) is an entry carrying the IP's previous click day in the same scope.
//! An IP clicked the scope in `[s, e]` exactly once "for the first time since before `s`", so
//! the distinct IPs in `[s, e]` are the entries of days `s..=e` whose previous day is before `s`.
//!
//! Two layouts (in `lists`):
//! - `Entries`, per calendar block (a day, a month, a year): the sorted gaps between the
//!   block's first day and each entry's previous day, so that a block answers with a binary
//!   search (a block the range starts with, by a count kept aside). Per offer, every day, month
//!   and year; per (country, offer), months and years.
//! - `Flat`, one list of (day, gap to the previous click day) with an item per click in day
//!   order, read from a range's first day to its last: 4 bytes a click, in memory order. Per
//!   (country, offer), for the days of partial months. A click on a day its IP already clicked
//!   the scope has gap 0: it counts as a click, never as a unique one.
//! - `Segmented`, the same per (affiliate, offer) for whole ranges (a scope small enough to
//!   read), its clicks grouped by country, each with a second gap, to the IP's previous click
//!   in the scope and the country: 6 bytes a click, and an affiliate's clicks from one country
//!   (an Offer Report filtered by both) are read as those of all.
//!
//! Gaps are `u16`: one too long to hold (an IP back after 179 years), a range too long to compare
//! against one, or an offer whose clicks span more days than a `u16` counts, makes the answer
//! `None` and the store counts by scanning, so the count is exact whatever the dates. The lists
//! are rebuilt per offer from the click table (one sort) when clicks were added: an offer whose
//! lists are out of date answers `None` too, until [`UniqueIndex::rebuild`] runs (the store runs
//! it after every batch of clicks). This is a cache of the clicks, never a source of truth: the
//! `report_index` property test holds every count to a scan.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::calendar::{day_key, Calendar, Level};
use super::clicks::ClickTable;

mod lists;

use lists::{gap, Click, Entries, Flat, Segmented, NONE};

/// The unique-click lists of every offer.
#[derive(Debug, Clone, Default)]
pub(crate) struct UniqueIndex {
    by_offer: BTreeMap<u32, Calendar<Entries>>,
    /// (country as the click table interns it, offer): months and years.
    by_country_offer: BTreeMap<(u16, u32), Calendar<Entries>>,
    /// (country, offer): every click.
    country_clicks: BTreeMap<(u16, u32), Flat>,
    /// (affiliate, offer): every click, by country.
    affiliate_clicks: BTreeMap<(u32, u32), Segmented>,
    /// Offers whose clicks span more days than a `u16` counts: no flat lists.
    too_long: BTreeSet<u32>,
    /// Offers with clicks added since their lists were built.
    stale: BTreeSet<u32>,
}

/// What a click adds to one scope's entries.
#[derive(Clone, Copy)]
enum Entry {
    /// Nothing: the IP clicked the scope that day already.
    SameDay,
    /// An entry, with the IP's previous click day in the scope when there is one.
    New(Option<i32>),
}

impl Entry {
    /// The click's gap in a [`Flat`] list.
    fn gap(self, day: i32) -> u16 {
        match self {
            Entry::SameDay => 0,
            Entry::New(None) => NONE,
            Entry::New(Some(p)) => gap(day, p),
        }
    }
}

impl UniqueIndex {
    /// Marks the offer's lists out of date (a click was added).
    pub fn touch(&mut self, offer_id: u32) {
        self.stale.insert(offer_id);
    }

    /// Rebuilds the lists of every offer with clicks added since, in one pass over the clicks
    /// and one sort.
    pub fn rebuild(&mut self, clicks: &ClickTable) {
        if self.stale.is_empty() {
            return;
        }
        // (offer, IP, day, country, affiliate) of the stale offers' clicks, sorted: each
        // (offer, IP)'s clicks in day order.
        let mut rows: Vec<(u32, u64, i32, u16, u32)> = clicks
            .rows()
            .iter()
            .filter(|row| self.stale.contains(&row.offer_id))
            .map(|row| {
                (
                    row.offer_id,
                    row.ip,
                    row.day_key(),
                    row.country,
                    row.affiliate_id,
                )
            })
            .collect();
        rows.sort_unstable();
        let stale = std::mem::take(&mut self.stale);
        self.by_offer.retain(|o, _| !stale.contains(o));
        self.by_country_offer.retain(|(_, o), _| !stale.contains(o));
        self.country_clicks.retain(|(_, o), _| !stale.contains(o));
        self.affiliate_clicks.retain(|(_, o), _| !stale.contains(o));
        self.too_long.retain(|o| !stale.contains(o));
        // Each offer's first and last click day: the flat lists count days from the first.
        let mut span: BTreeMap<u32, (i32, i32)> = BTreeMap::new();
        for &(offer, _, day, _, _) in &rows {
            let (first, last) = span.entry(offer).or_insert((day, day));
            (*first, *last) = ((*first).min(day), (*last).max(day));
        }
        for (&offer, &(first, last)) in &span {
            if last - first > i32::from(u16::MAX) {
                self.too_long.insert(offer);
            }
        }
        let mut country_clicks: BTreeMap<(u16, u32), Vec<(u16, u16)>> = BTreeMap::new();
        let mut affiliate_clicks: BTreeMap<(u32, u32), Vec<(u16, Click)>> = BTreeMap::new();
        for group in rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let offer = group[0].0;
            let first = span
                .get(&offer)
                .filter(|_| !self.too_long.contains(&offer))
                .map(|s| s.0);
            // The IP's last day so far, in all, per country and per affiliate (an IP clicks
            // from few of them).
            let mut last_all: Option<i32> = None;
            let mut last_country: Vec<(u16, i32)> = Vec::new();
            let mut last_affiliate: Vec<(u32, i32)> = Vec::new();
            let mut last_affiliate_country: Vec<((u32, u16), i32)> = Vec::new();
            for &(_, _, day, country, affiliate) in group {
                let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap_or_default();
                if last_all != Some(day) {
                    self.by_offer
                        .entry(offer)
                        .or_default()
                        .update_with_start(date, |block, start| block.push(start, last_all));
                }
                last_all = Some(day);
                let in_country = last_day(&mut last_country, country, day);
                if let Entry::New(previous) = in_country {
                    self.by_country_offer
                        .entry((country, offer))
                        .or_default()
                        .update_coarse_with_start(date, |block, start| block.push(start, previous));
                }
                let through_affiliate = last_day(&mut last_affiliate, affiliate, day);
                let through_affiliate_in_country =
                    last_day(&mut last_affiliate_country, (affiliate, country), day);
                if let Some(first) = first {
                    // Within the span checked above, so it fits.
                    let offset = (day - first) as u16;
                    country_clicks
                        .entry((country, offer))
                        .or_default()
                        .push((offset, in_country.gap(day)));
                    affiliate_clicks
                        .entry((affiliate, offer))
                        .or_default()
                        .push((
                            country,
                            Click {
                                day: offset,
                                gap: through_affiliate.gap(day),
                                gap_in_country: through_affiliate_in_country.gap(day),
                            },
                        ));
                }
            }
        }
        drop(rows);
        for offer in &stale {
            if let Some(calendar) = self.by_offer.get_mut(offer) {
                calendar.for_each_mut(Entries::finish);
            }
        }
        for ((_, offer), calendar) in self.by_country_offer.iter_mut() {
            if stale.contains(offer) {
                calendar.for_each_mut(Entries::finish);
            }
        }
        let base = |offer: u32| span.get(&offer).map_or(0, |s| s.0);
        for (key, entries) in country_clicks {
            self.country_clicks
                .insert(key, Flat::new(base(key.1), entries));
        }
        for (key, clicks) in affiliate_clicks {
            self.affiliate_clicks
                .insert(key, Segmented::new(base(key.1), clicks));
        }
    }

    /// Whether the offer's lists are up to date and its flat lists exist.
    fn flat_ready(&self, offer_id: u32) -> bool {
        !self.stale.contains(&offer_id) && !self.too_long.contains(&offer_id)
    }

    /// Distinct IPs among the offer's clicks from `start` to the range's end (`cover` is the
    /// range's [`super::calendar::cover`]); `None` when the offer's lists are out of date or
    /// cannot tell (the caller counts by scanning).
    pub fn offer(
        &self,
        offer_id: u32,
        start: NaiveDate,
        cover: &[(Level, i32, i32)],
    ) -> Option<u64> {
        if self.stale.contains(&offer_id) {
            return None;
        }
        let first = day_key(start);
        let mut count = Some(0u64);
        if let Some(calendar) = self.by_offer.get(&offer_id) {
            calendar.for_cover(cover, |block| {
                count = count.and_then(|c| Some(c + block.before(first)?));
            });
        }
        count
    }

    /// [`UniqueIndex::offer`] among the clicks from one country: months and years from the
    /// blocks, the days of partial months from the flat list.
    pub fn country_offer(
        &self,
        country: u16,
        offer_id: u32,
        start: NaiveDate,
        cover: &[(Level, i32, i32)],
    ) -> Option<u64> {
        if !self.flat_ready(offer_id) {
            return None;
        }
        let first = day_key(start);
        let mut count = Some(0u64);
        if let Some(calendar) = self.by_country_offer.get(&(country, offer_id)) {
            calendar.for_cover(cover, |block| {
                count = count.and_then(|c| Some(c + block.before(first)?));
            });
        }
        let flat = self.country_clicks.get(&(country, offer_id));
        for &(level, from, to) in cover {
            if let (Level::Day, Some(flat)) = (level, flat) {
                count = count.and_then(|c| Some(c + flat.unique(from, to, first)?));
            }
        }
        count
    }

    /// Distinct IPs among the offer's clicks through one affiliate in `start..=end`, from one
    /// country when one is given.
    pub fn affiliate_offer(
        &self,
        affiliate_id: u32,
        offer_id: u32,
        start: NaiveDate,
        end: NaiveDate,
        country: Option<u16>,
    ) -> Option<u64> {
        if !self.flat_ready(offer_id) {
            return None;
        }
        let (first, last) = (day_key(start), day_key(end));
        match self.affiliate_clicks.get(&(affiliate_id, offer_id)) {
            Some(list) => list.unique(first, last, first, country),
            None => Some(0),
        }
    }

    /// The offer's clicks from one country on the days `from..=to` (day keys); `None` when its
    /// lists are out of date.
    pub fn country_clicks(&self, country: u16, offer_id: u32, from: i32, to: i32) -> Option<u64> {
        self.flat_ready(offer_id).then(|| {
            self.country_clicks
                .get(&(country, offer_id))
                .map_or(0, |flat| flat.clicks(from, to))
        })
    }

    /// The offer's clicks through one affiliate on the days `from..=to` (day keys), from one
    /// country when one is given; `None` when its lists are out of date.
    pub fn affiliate_clicks(
        &self,
        affiliate_id: u32,
        offer_id: u32,
        from: i32,
        to: i32,
        country: Option<u16>,
    ) -> Option<u64> {
        self.flat_ready(offer_id).then(|| {
            self.affiliate_clicks
                .get(&(affiliate_id, offer_id))
                .map_or(0, |list| list.clicks(from, to, country))
        })
    }
}

/// The entry a click of `key` on `day` makes, from the last day of each key seen so far in
/// `last` (which it updates).
fn last_day<K: PartialEq + Copy>(last: &mut Vec<(K, i32)>, key: K, day: i32) -> Entry {
    match last.iter_mut().find(|(k, _)| *k == key) {
        Some((_, d)) if *d == day => Entry::SameDay,
        Some((_, d)) => Entry::New(Some(std::mem::replace(d, day))),
        None => {
            last.push((key, day));
            Entry::New(None)
        }
    }
}
