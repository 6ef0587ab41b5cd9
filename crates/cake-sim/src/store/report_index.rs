//! Report aggregates, kept up to date as clicks and counted conversions are added, so that a
//! report sums a few blocks per row instead of scanning every click in its range.
//!
//! This is a cache of the store's clicks and conversions, never a source of truth: it must always
//! give exactly the figures a scan of the store gives (the `report_index` property test compares
//! them), it never does I/O or panics, and money stays `Decimal`.
//!
//! What it holds ([`Calendar`]s, so a year range is one block):
//! - per offer, the summable figures per day, month and year: every query without an affiliate
//!   or country in it (the advertiser and the vertical are properties of the offer);
//! - per affiliate, the same: the Affiliate Report without offer-derived or country filters;
//! - per (affiliate, offer), per (country, offer) and per (country, affiliate), the same per
//!   month and year only: queries with an affiliate filter, a country filter, or an Affiliate
//!   Report filtered by offer. The days of such a range's partial months are read from the
//!   clicks and conversions of those days (`Store::tally`): these cells per day would cost about
//!   as much memory as the clicks themselves.
//!
//! A country filter together with an affiliate filter, or with an offer-derived filter on the
//! Affiliate Report, scans the whole range.
//!
//! Unique clicks (distinct IPs over a date range) do not sum across days. They are counted
//! exactly with "previous day" bookkeeping: every (offer, IP, day) the IP clicked the offer is an
//! entry carrying the IP's previous click day on that offer. An IP clicked the offer in `[s, e]`
//! exactly once "for the first time since before `s`", so the distinct IPs in `[s, e]` are the
//! entries of days `s..=e` whose previous day is before `s`: per block, a binary search in its
//! sorted list of previous days. The lists are rebuilt per offer from the click table (one sort)
//! when clicks were added: an offer whose lists are out of date answers `None`, and the store
//! counts by scanning until [`ReportIndex::rebuild_unique`] runs (the store runs it after every
//! batch of clicks).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::{day_key, Calendar, Level};
use super::clicks::ClickTable;

/// "No earlier click": sorts before every day.
const NO_DAY: i32 = i32::MIN;

/// The summable figures of a set of clicks and counted conversions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    pub clicks: u64,
    pub conversions: u64,
    pub payout: Decimal,
    pub revenue: Decimal,
}

impl Cell {
    /// Adds another cell's figures.
    pub fn add(&mut self, other: &Cell) {
        self.clicks += other.clicks;
        self.conversions += other.conversions;
        self.add_money(other.payout, other.revenue);
    }

    /// Counts one conversion of these amounts.
    pub fn add_conversion(&mut self, payout: Decimal, revenue: Decimal) {
        self.conversions += 1;
        self.add_money(payout, revenue);
    }

    fn add_money(&mut self, payout: Decimal, revenue: Decimal) {
        // Bounded by the store's checked totals (see `Store::total_payout`), so never `None`.
        self.payout = self.payout.checked_add(payout).unwrap_or(self.payout);
        self.revenue = self.revenue.checked_add(revenue).unwrap_or(self.revenue);
    }
}

/// Where a click, or a conversion (its click's), counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dimensions {
    pub offer_id: u32,
    pub affiliate_id: u32,
    /// The click's country code, as the click table interns it.
    pub country: u16,
}

/// One block's unique-click entries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entries {
    /// Each entry's previous click day, sorted.
    previous: Vec<i32>,
    /// The block's first day.
    start: i32,
    /// How many entries have no click before the block's first day: the answer for a range
    /// that starts with this block (a year, a month), without searching.
    new_at_start: u64,
}

impl Entries {
    /// How many entries have their previous click day before `first`.
    fn before(&self, first: i32) -> u64 {
        if first == self.start {
            self.new_at_start
        } else {
            self.previous.partition_point(|&p| p < first) as u64
        }
    }
}

/// The aggregates. Fields are read by `Store`'s query planner (`Store::tally`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportIndex {
    /// offer → its figures per day, month and year.
    pub by_offer: BTreeMap<u32, Calendar<Cell>>,
    /// affiliate → its figures per day, month and year.
    pub by_affiliate: BTreeMap<u32, Calendar<Cell>>,
    /// affiliate → offer → figures per month and year (nested: two small searches per update
    /// are quicker than one in ten thousand pairs).
    pub by_affiliate_offer: BTreeMap<u32, BTreeMap<u32, Calendar<Cell>>>,
    /// (country, offer) → figures per month and year (the country as the click table interns it).
    pub by_country_offer: BTreeMap<(u16, u32), Calendar<Cell>>,
    /// (country, affiliate) → figures per month and year.
    pub by_country_affiliate: BTreeMap<(u16, u32), Calendar<Cell>>,
    /// offer → per day, month and year, its entries' previous click days (see the header).
    previous_days: BTreeMap<u32, Calendar<Entries>>,
    /// Offers with clicks added since their `previous_days` were built.
    stale: BTreeSet<u32>,
}

impl ReportIndex {
    /// Counts a click on its day. Its offer's unique-click lists are out of date until
    /// [`ReportIndex::rebuild_unique`].
    pub fn add_click(&mut self, day: NaiveDate, at: Dimensions) {
        self.update(day, at, |cell| cell.clicks += 1);
        self.stale.insert(at.offer_id);
    }

    fn update(&mut self, day: NaiveDate, at: Dimensions, mut change: impl FnMut(&mut Cell)) {
        for calendar in [
            self.by_offer.entry(at.offer_id).or_default(),
            self.by_affiliate.entry(at.affiliate_id).or_default(),
        ] {
            calendar.update(day, &mut change);
        }
        for calendar in [
            self.by_affiliate_offer
                .entry(at.affiliate_id)
                .or_default()
                .entry(at.offer_id)
                .or_default(),
            self.by_country_offer
                .entry((at.country, at.offer_id))
                .or_default(),
            self.by_country_affiliate
                .entry((at.country, at.affiliate_id))
                .or_default(),
        ] {
            calendar.update_coarse(day, &mut change);
        }
    }

    /// Counts a conversion the reports count, on its conversion day, in its click's offer,
    /// affiliate and country.
    pub fn add_conversion(
        &mut self,
        day: NaiveDate,
        at: Dimensions,
        payout: Decimal,
        revenue: Decimal,
    ) {
        self.update(day, at, |cell| cell.add_conversion(payout, revenue));
    }

    /// Rebuilds the unique-click lists of every offer with clicks added since, in one pass
    /// over the clicks and one sort.
    pub fn rebuild_unique(&mut self, clicks: &ClickTable) {
        if self.stale.is_empty() {
            return;
        }
        // (offer, IP, day) of the stale offers' clicks, sorted: each (offer, IP)'s days in order.
        let mut entries: Vec<(u32, u64, i32)> = clicks
            .rows()
            .iter()
            .filter(|row| self.stale.contains(&row.offer_id))
            .map(|row| (row.offer_id, row.ip, day_key(row.day())))
            .collect();
        entries.sort_unstable();
        entries.dedup();
        for offer_id in &self.stale {
            self.previous_days.remove(offer_id);
        }
        let mut previous: Option<(u32, u64, i32)> = None;
        for &(offer_id, ip, day) in &entries {
            let previous_day = match previous {
                Some((o, i, d)) if o == offer_id && i == ip => d,
                _ => NO_DAY,
            };
            previous = Some((offer_id, ip, day));
            let date = NaiveDate::from_num_days_from_ce_opt(day).unwrap_or_default();
            let calendar = self.previous_days.entry(offer_id).or_default();
            calendar.update_with_start(date, |block, start| {
                block.start = start;
                block.previous.push(previous_day);
            });
        }
        drop(entries);
        for offer_id in std::mem::take(&mut self.stale) {
            if let Some(calendar) = self.previous_days.get_mut(&offer_id) {
                calendar.for_each_mut(|block| {
                    block.previous.sort_unstable();
                    block.previous.shrink_to_fit();
                    let start = block.start;
                    block.new_at_start = block.previous.partition_point(|&p| p < start) as u64;
                });
            }
        }
    }

    /// Distinct IPs among the offer's clicks from `start` to the range's end, inclusive; `None`
    /// when the offer's lists are out of date (the caller counts by scanning).
    /// `cover` is the range's [`super::calendar::cover`].
    pub fn unique_ips(
        &self,
        offer_id: u32,
        start: NaiveDate,
        cover: &[(Level, i32, i32)],
    ) -> Option<u64> {
        if self.stale.contains(&offer_id) {
            return None;
        }
        let first = day_key(start);
        let mut count = 0u64;
        if let Some(calendar) = self.previous_days.get(&offer_id) {
            calendar.for_cover(cover, |block| count += block.before(first));
        }
        Some(count)
    }
}
