//! Per-day report aggregates, kept up to date as clicks and counted conversions are added, so
//! that a report sums a few cells per day instead of scanning every click in its range.
//!
//! This is a cache of the store's clicks and conversions, never a source of truth: it must always
//! give exactly the figures a scan of the store would (the `report_index` property test compares
//! them), it never does I/O or panics, and money stays `Decimal`.
//!
//! Why several roll-ups: a report groups by offer, affiliate or advertiser and filters by offer,
//! affiliate, advertiser, vertical and country. Advertiser and vertical are properties of the
//! offer, so (day, offer) answers every query without an affiliate or country in it; the finer
//! cells exist only for the queries that need them, each keyed so the query visits only its part.
//!
//! Unique clicks (distinct IPs over a date range) do not sum across days, so they are counted
//! exactly with "previous day" bookkeeping: for every (offer, IP) the days it clicked are kept,
//! and for every (offer, day) the sorted list of each distinct IP's previous click day on that
//! offer. An IP clicked the offer in `[s, e]` exactly once "for the first time since before `s`",
//! so the distinct IPs in `[s, e]` are the entries of days `s..=e` whose previous day is before
//! `s`: a binary search per day. This covers the Offer Report without an affiliate or country
//! filter; with one of those the store scans the matching clicks (see `Store::unique_ips_by_scan`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

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
    fn add_conversion(&mut self, payout: Decimal, revenue: Decimal) {
        self.conversions += 1;
        // Bounded by the store's checked totals (see `Store::total_payout`), so never `None`.
        self.payout = self.payout.checked_add(payout).unwrap_or(self.payout);
        self.revenue = self.revenue.checked_add(revenue).unwrap_or(self.revenue);
    }
}

/// The days one IP clicked one offer, ascending. Most IPs click an offer on one day only, so
/// that case takes no allocation (this map has an entry per (offer, IP): about one per click).
#[derive(Debug, Clone)]
enum IpDays {
    One(i32),
    Many(Vec<i32>),
}

/// Where a click or conversion sits in every roll-up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dimensions {
    pub day: NaiveDate,
    pub offer_id: u32,
    pub affiliate_id: u32,
    /// The click's country code, interned by [`ReportIndex::country`].
    pub country: u32,
}

/// The aggregates. Fields are read by `Store`'s query planner (`Store::tally`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportIndex {
    /// day → offer → figures: every query without an affiliate or country in it.
    pub by_offer: BTreeMap<NaiveDate, BTreeMap<u32, Cell>>,
    /// day → affiliate → figures: the Affiliate Report without offer-derived filters.
    pub by_affiliate: BTreeMap<NaiveDate, BTreeMap<u32, Cell>>,
    /// day → offer → affiliate → figures: an affiliate filter, or the Affiliate Report with an
    /// offer, advertiser or vertical filter.
    pub by_offer_affiliate: BTreeMap<NaiveDate, BTreeMap<u32, BTreeMap<u32, Cell>>>,
    /// (country, day) → (offer, affiliate) → figures: a country filter.
    pub by_country: BTreeMap<(u32, NaiveDate), BTreeMap<(u32, u32), Cell>>,
    /// Click country codes, interned (a filter naming a code no click has matches nothing).
    pub country_ids: HashMap<String, u32>,
    /// (offer, IP) → the days it clicked.
    ip_days: HashMap<(u32, u32), IpDays>,
    /// offer → day → each distinct IP's previous click day on the offer, sorted.
    previous_days: HashMap<u32, BTreeMap<i32, Vec<i32>>>,
}

fn day_number(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

fn insert_sorted(values: &mut Vec<i32>, value: i32) {
    let at = values.partition_point(|&v| v < value);
    values.insert(at, value);
}

impl ReportIndex {
    /// The interned id of a click's country code, adding it when new.
    pub fn country(&mut self, code: &str) -> u32 {
        if let Some(&id) = self.country_ids.get(code) {
            return id;
        }
        let id = self.country_ids.len() as u32;
        self.country_ids.insert(code.to_string(), id);
        id
    }

    fn cells(&mut self, at: Dimensions) -> [&mut Cell; 4] {
        [
            self.by_offer
                .entry(at.day)
                .or_default()
                .entry(at.offer_id)
                .or_default(),
            self.by_affiliate
                .entry(at.day)
                .or_default()
                .entry(at.affiliate_id)
                .or_default(),
            self.by_offer_affiliate
                .entry(at.day)
                .or_default()
                .entry(at.offer_id)
                .or_default()
                .entry(at.affiliate_id)
                .or_default(),
            self.by_country
                .entry((at.country, at.day))
                .or_default()
                .entry((at.offer_id, at.affiliate_id))
                .or_default(),
        ]
    }

    /// Counts a click (on its click day) from the IP interned as `ip`.
    pub fn add_click(&mut self, at: Dimensions, ip: u32) {
        for cell in self.cells(at) {
            cell.clicks += 1;
        }
        self.add_ip_day(at.offer_id, ip, day_number(at.day));
    }

    /// Counts a conversion the reports count, on its conversion day, with its click's
    /// dimensions.
    pub fn add_conversion(&mut self, at: Dimensions, payout: Decimal, revenue: Decimal) {
        for cell in self.cells(at) {
            cell.add_conversion(payout, revenue);
        }
    }

    fn add_ip_day(&mut self, offer_id: u32, ip: u32, day: i32) {
        // Find the IP's click days around this one; a day it already clicked changes nothing.
        let (previous, next) = match self.ip_days.get_mut(&(offer_id, ip)) {
            None => {
                self.ip_days.insert((offer_id, ip), IpDays::One(day));
                (NO_DAY, None)
            }
            Some(entry) => {
                if let IpDays::One(d) = *entry {
                    if d == day {
                        return;
                    }
                    *entry = IpDays::Many(vec![d]);
                }
                let IpDays::Many(days) = entry else { return };
                match days.binary_search(&day) {
                    Ok(_) => return,
                    Err(at) => {
                        let previous = if at > 0 { days[at - 1] } else { NO_DAY };
                        let next = days.get(at).copied();
                        days.insert(at, day);
                        (previous, next)
                    }
                }
            }
        };
        let by_day = self.previous_days.entry(offer_id).or_default();
        insert_sorted(by_day.entry(day).or_default(), previous);
        if let Some(next) = next {
            // The next click day's entry for this IP pointed at `previous`; it now points here.
            let entries = by_day.entry(next).or_default();
            if let Ok(at) = entries.binary_search(&previous) {
                entries.remove(at);
            }
            insert_sorted(entries, day);
        }
    }

    /// Distinct IPs among the offer's clicks from `start` to `end`, inclusive.
    pub fn unique_ips(&self, offer_id: u32, start: NaiveDate, end: NaiveDate) -> u64 {
        let (start, end) = (day_number(start), day_number(end));
        if start > end {
            return 0;
        }
        self.previous_days.get(&offer_id).map_or(0, |by_day| {
            by_day
                .range(start..=end)
                .map(|(_, previous)| previous.partition_point(|&p| p < start) as u64)
                .sum()
        })
    }
}
