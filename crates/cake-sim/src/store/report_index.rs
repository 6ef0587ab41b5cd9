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
//!   month and year only: queries with an affiliate or a country filter, or an Affiliate Report
//!   filtered by offer. These cells per day would cost about as much memory as the clicks
//!   themselves; the days of a range's partial months are counted instead (`Store::tally`): the
//!   clicks of a country or an affiliate per offer from the unique-click lists (which hold every
//!   click of those scopes in day order), and conversions from the conversions of those days
//!   (or of the affiliate).
//! - the unique-click lists (`super::unique`).
//!
//! A country filter together with an affiliate filter is counted from the unique-click lists
//! and the affiliate's conversions; a country with an offer-derived filter on the Affiliate
//! Report (which the API does not take) scans the whole range.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calendar::Calendar;
use super::unique::UniqueIndex;

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
    /// The unique-click lists.
    pub unique: UniqueIndex,
}

impl ReportIndex {
    /// Counts a click on its day. Its offer's unique-click lists are out of date until
    /// [`UniqueIndex::rebuild`].
    pub fn add_click(&mut self, day: NaiveDate, at: Dimensions) {
        self.update(day, at, |cell| cell.clicks += 1);
        self.unique.touch(at.offer_id);
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
}
