//! Every report figure: per row, from the report index's cells for the query's dimensions, or
//! from the clicks and conversions themselves; both give the same figures (the `report_index`
//! property test). Money stays `Decimal`; only the conversion rate, a ratio, is an `f64`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::calendar::{cover, day_key, Calendar, Level};
use super::filter::ReportFilter;
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
    pub(super) fn key(self, offer: &Offer, affiliate_id: u32) -> u32 {
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
            // A country with an affiliate: no cells hold both; the Offer and Advertiser Reports
            // count that affiliate's clicks from that country per offer from the unique-click
            // lists, and its conversions from its own.
            (Some(c), Some(a), Group::Offer | Group::Advertiser) => {
                let (first, last) = (day_key(start), day_key(end));
                let unique = &index.unique;
                let counted = self.count_clicks(&mut rows, &matcher, group, |offer_id| {
                    (unique.affiliate_clicks(a, offer_id, first, last, Some(c))).map(|n| (a, n))
                });
                if !counted {
                    self.scan_clicks(&mut rows, &matcher, group, start, end);
                }
                self.scan_conversions(&mut rows, &matcher, group, start, end);
                true
            }
            // The Affiliate Report with a country and an offer filter: the whole range is read.
            (Some(_), _, _) => {
                self.scan_days(&mut rows, &matcher, group, start, end);
                true
            }
        };
        if !per_day {
            for &(_, from, to) in &day_runs {
                self.partial_days(&mut rows, &matcher, group, from, to);
            }
        }
        if group == Group::Offer {
            // From the unique-click lists of the filter's scope; by scanning when they cannot
            // tell (lists out of date, gaps too long to compare).
            let unique = &index.unique;
            let counted = rows.iter_mut().all(|(&offer_id, row)| {
                let count = match (country, affiliate) {
                    (None, None) => unique.offer(offer_id, start, &runs),
                    (Some(c), None) => unique.country_offer(c, offer_id, start, &runs),
                    (None, Some(a)) => unique.affiliate_offer(a, offer_id, start, end, None),
                    (Some(c), Some(a)) => unique.affiliate_offer(a, offer_id, start, end, Some(c)),
                };
                count.map(|n| row.unique_clicks = n).is_some()
            });
            if !counted {
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
