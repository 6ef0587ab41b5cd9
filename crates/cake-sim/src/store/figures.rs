//! Every report figure: per row, from the report index's cells for the query's dimensions, or
//! from the clicks and conversions themselves; both give the same figures (the `report_index`
//! property test). Money stays `Decimal`; only the conversion rate, a ratio, is an `f64`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::{cover, Calendar, Level};
use super::clicks;
use super::filter::{Matcher, ReportFilter};
use super::model::Offer;
use super::rates::{conversion_rate, earnings_per_click};
use super::report_index::Cell;
use super::Store;

/// One report row's figures, summed from the report index's cells.
#[derive(Debug, Clone, Default)]
pub(super) struct Tally {
    /// Clicks, counted conversions and their money.
    pub cell: Cell,
    unique_clicks: u64,
}

impl Tally {
    fn has_activity(&self) -> bool {
        self.cell.clicks > 0 || self.cell.conversions > 0
    }
}

/// What a report's rows are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    Offer,
    Affiliate,
    Advertiser,
}

impl Group {
    /// The row a click or conversion of this offer and affiliate counts in.
    fn key(self, offer: &Offer, affiliate_id: u32) -> u32 {
        match self {
            Group::Offer => offer.offer_id,
            Group::Affiliate => affiliate_id,
            Group::Advertiser => offer.advertiser_id,
        }
    }
}

/// Computed figures of one report row.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Clicks in range.
    pub clicks: u64,
    /// Distinct IP addresses among them.
    pub unique_clicks: u64,
    /// Counted conversions in range.
    pub conversions: u64,
    /// conversions / clicks x 100, 2 decimals (0 without clicks).
    pub conversion_rate: f64,
    /// Sum of payouts.
    pub payout: Decimal,
    /// Sum of revenues.
    pub revenue: Decimal,
    /// revenue - payout.
    pub profit: Decimal,
    /// payout / clicks, 3 decimals (0 without clicks).
    pub epc: Decimal,
}

impl Figures {
    pub(super) fn from_tally(t: &Tally) -> Self {
        Self {
            clicks: t.cell.clicks,
            unique_clicks: t.unique_clicks,
            conversions: t.cell.conversions,
            conversion_rate: conversion_rate(t.cell.conversions, t.cell.clicks),
            payout: t.cell.payout,
            revenue: t.cell.revenue,
            // Both sums are bounded by the store's totals, which are checked on the way in.
            profit: t
                .cell
                .revenue
                .checked_sub(t.cell.payout)
                .unwrap_or_default(),
            epc: earnings_per_click(t.cell.payout, t.cell.clicks),
        }
    }
}

impl Store {
    /// Each report row's figures, from the report index's cells for the query's dimensions
    /// (see `report_index`); the days of a range's partial months, when those cells are kept
    /// per month and year only, and the unique clicks of a filtered Offer Report, from the
    /// clicks and conversions themselves. Every path gives the figures a scan of the whole
    /// store gives (the `report_index` property test).
    pub(super) fn tally(&self, filter: &ReportFilter, group: Group) -> BTreeMap<u32, Tally> {
        let mut rows: BTreeMap<u32, Tally> = BTreeMap::new();
        let (start, end) = (filter.start_date, filter.end_date);
        let matcher = self.matcher(filter);
        if matcher.matches_nothing() {
            return rows;
        }
        let (country, affiliate) = (matcher.country(), matcher.affiliate());
        let offer_filtered = matcher.filters_offers();
        let runs = cover(start, end);
        let (day_runs, coarse_runs): (Vec<_>, Vec<_>) = runs
            .iter()
            .copied()
            .partition(|(level, _, _)| *level == Level::Day);
        let index = &self.report_index;
        let mut add = |key: u32, calendar: &Calendar<Cell>, runs: &[_]| {
            let row = rows.entry(key).or_default();
            calendar.for_cover(runs, |cell| row.cell.add(cell));
        };
        // Cells kept per day answer the whole range; cells per month and year leave the days.
        let per_day = match (country, affiliate, group) {
            (None, None, Group::Offer | Group::Advertiser) => {
                for (&offer_id, calendar) in &index.by_offer {
                    if let Some(offer) = matcher.offer(offer_id) {
                        add(group.key(offer, 0), calendar, &runs);
                    }
                }
                true
            }
            (None, _, Group::Affiliate) if !offer_filtered => {
                for (&affiliate_id, calendar) in &index.by_affiliate {
                    if affiliate.is_none_or(|a| a == affiliate_id) {
                        add(affiliate_id, calendar, &runs);
                    }
                }
                true
            }
            (None, _, _) => {
                let affiliates = match affiliate {
                    Some(a) => index.by_affiliate_offer.range(a..=a),
                    None => index.by_affiliate_offer.range(..),
                };
                let pairs = affiliates
                    .flat_map(|(&a, offers)| offers.iter().map(move |(&o, c)| ((a, o), c)));
                for ((affiliate_id, offer_id), calendar) in pairs {
                    if let Some(offer) = matcher.offer(offer_id) {
                        add(group.key(offer, affiliate_id), calendar, &coarse_runs);
                    }
                }
                false
            }
            (Some(c), None, Group::Offer | Group::Advertiser) => {
                for (&(_, offer_id), calendar) in
                    index.by_country_offer.range((c, 0)..=(c, u32::MAX))
                {
                    if let Some(offer) = matcher.offer(offer_id) {
                        add(group.key(offer, 0), calendar, &coarse_runs);
                    }
                }
                false
            }
            (Some(c), _, Group::Affiliate) if !offer_filtered => {
                for (&(_, affiliate_id), calendar) in
                    index.by_country_affiliate.range((c, 0)..=(c, u32::MAX))
                {
                    if affiliate.is_none_or(|a| a == affiliate_id) {
                        add(affiliate_id, calendar, &coarse_runs);
                    }
                }
                false
            }
            // A country with an affiliate, or the Affiliate Report with a country and an offer
            // filter: no cells hold both; the whole range is read.
            (Some(_), _, _) => {
                self.scan_days(&mut rows, &matcher, group, start, end);
                true
            }
        };
        if !per_day {
            for &(_, from, to) in &day_runs {
                let day = |key: i32| NaiveDate::from_num_days_from_ce_opt(key).unwrap_or_default();
                self.scan_days(&mut rows, &matcher, group, day(from), day(to));
            }
        }
        if group == Group::Offer {
            let indexed = country.is_none() && affiliate.is_none();
            let mut counted = true;
            if indexed {
                for (&offer_id, row) in rows.iter_mut() {
                    match index.unique_ips(offer_id, start, &runs) {
                        Some(unique) => row.unique_clicks = unique,
                        None => counted = false,
                    }
                }
            }
            if !indexed || !counted {
                // Filtered, or clicks added since the last `index_clicks`: count by scanning.
                for (offer_id, ips) in self.unique_ips_by_scan(&matcher) {
                    if let Some(row) = rows.get_mut(&offer_id) {
                        row.unique_clicks = ips.len() as u64;
                    }
                }
            }
        }
        // A row exists only with a click or conversion in range.
        rows.retain(|_, row| row.has_activity());
        rows
    }

    /// Adds the figures of the clicks and conversions of `from..=to` that pass the filter.
    fn scan_days(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        matcher: &Matcher,
        group: Group,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        let days = self.clicks_by_day.range(from..=to);
        let on_days: usize = days.clone().map(|(_, v)| v.len()).sum();
        let by_day = days.flat_map(|(_, v)| v);
        let offer_clicks = matcher
            .offer_id()
            .map(|o| self.clicks_by_offer.get(&o).map_or(&[][..], |v| v));
        // The offer's clicks when they are fewer than the days' (they are checked for the day).
        let clicks: Box<dyn Iterator<Item = &u32>> = match offer_clicks {
            Some(list) if list.len() < on_days => Box::new(list.iter()),
            _ => Box::new(by_day),
        };
        for click in clicks.filter_map(|&i| self.clicks.row(i)) {
            if !(from..=to).contains(&click.day()) {
                continue;
            }
            if let Some(offer) = matcher.matches(click.offer_id, click.affiliate_id, click.country)
            {
                rows.entry(group.key(offer, click.affiliate_id))
                    .or_default()
                    .cell
                    .clicks += 1;
            }
        }
        for &index in self
            .conversions_by_day
            .range(from..=to)
            .flat_map(|(_, v)| v)
        {
            let index = index as usize;
            let (Some(conversion), Some(click)) = (
                self.conversions.get(index),
                self.conversion_clicks
                    .get(index)
                    .and_then(|&c| self.clicks.row(c)),
            ) else {
                continue;
            };
            if !conversion.counts_in_reports() {
                continue;
            }
            if let Some(offer) = matcher.matches(click.offer_id, click.affiliate_id, click.country)
            {
                rows.entry(group.key(offer, click.affiliate_id))
                    .or_default()
                    .cell
                    .add_conversion(conversion.payout, conversion.revenue);
            }
        }
    }

    /// The distinct IPs per offer among the range's clicks that pass the filter: from the
    /// affiliate's clicks when it names one, else from the range's.
    fn unique_ips_by_scan(&self, matcher: &Matcher) -> HashMap<u32, HashSet<u64>> {
        let mut ips: HashMap<u32, HashSet<u64>> = HashMap::new();
        let range = matcher.range();
        let in_range: usize = self
            .clicks_by_day
            .range(range.clone())
            .map(|(_, v)| v.len())
            .sum();
        let clicks: Box<dyn Iterator<Item = &clicks::Row>> = match matcher.affiliate() {
            Some(a) => Box::new(
                (self.clicks_by_affiliate.get(&a).into_iter().flatten())
                    .filter_map(|&i| self.clicks.row(i)),
            ),
            // Most of the clicks: reading them in memory order beats jumping from day to day.
            None if in_range > self.clicks.len() / 4 => Box::new(self.clicks.rows().iter()),
            None => Box::new(
                (self.clicks_by_day.range(range.clone()).flat_map(|(_, v)| v))
                    .filter_map(|&i| self.clicks.row(i)),
            ),
        };
        for click in clicks {
            if range.contains(&click.day())
                && matcher
                    .matches(click.offer_id, click.affiliate_id, click.country)
                    .is_some()
            {
                ips.entry(click.offer_id).or_default().insert(click.ip);
            }
        }
        ips
    }

    /// Per-offer figures for the filter, by offer id (rows with activity only).
    pub fn offer_figures(&self, filter: &ReportFilter) -> BTreeMap<u32, Figures> {
        self.tally(filter, Group::Offer)
            .iter()
            .map(|(k, t)| (*k, Figures::from_tally(t)))
            .collect()
    }

    /// Per-affiliate figures for the filter, by affiliate id.
    pub fn affiliate_figures(&self, filter: &ReportFilter) -> BTreeMap<u32, Figures> {
        self.tally(filter, Group::Affiliate)
            .iter()
            .map(|(k, t)| (*k, Figures::from_tally(t)))
            .collect()
    }

    /// Per-advertiser figures for the filter, by advertiser id.
    pub fn advertiser_figures(&self, filter: &ReportFilter) -> BTreeMap<u32, Figures> {
        self.tally(filter, Group::Advertiser)
            .iter()
            .map(|(k, t)| (*k, Figures::from_tally(t)))
            .collect()
    }
}
