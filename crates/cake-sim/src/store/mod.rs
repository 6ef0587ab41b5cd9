//! The simulator's in-memory CAKE: advertisers, affiliates, offers, clicks and conversions, and
//! every figure the API reports, computed from what is held.
//!
//! This module is pure data and arithmetic: it never does I/O, never panics on any input, and
//! never uses binary floating point for money (only `conversion_rate`, a ratio, is an `f64`).
//! It returns rows and figures; `wire` shapes them into the SDK's generated types for the HTTP
//! layer, so the wire form is the spec's and the store holds none of it.
//!
//! Decisions where CAKE's documentation is silent, made once here:
//! - Clicks count on their `click_date`, conversions on their `conversion_date` (CAKE's
//!   event-date reporting): a January click converted in June counts as a January click and a
//!   June conversion.
//! - Reports count conversions whose status is `approved` or `pending`; `rejected` and `reversed`
//!   conversions are not payable, so they count nowhere in the reports (Get Conversions lists
//!   them).
//! - Unique clicks are the distinct IP addresses among a report row's clicks.
//! - A report lists the rows that have at least one click or conversion in the range. Without a
//!   `sort_field` rows come in id order; ties of a sort figure are broken by id, ascending.
//! - A click may convert more than once (different or no `unique_id`); it keeps the
//!   `conversion_id` of its first conversion.
//! - `unique_id` is unique across the whole store: a repeat returns the original conversion,
//!   whatever else the repeat says.
//!
//! The module is split by job: `model` (what is held: entities, click and conversion records,
//! and the errors of putting them in), `seed` (adding entities, clicks and conversions as
//! given), `record` (Record Conversion), `filter` (the one filter every report and list applies,
//! with its one `matches`), `figures` (every report figure, from the report index or, through
//! `scan`, the clicks themselves), `rates` (the conversion rate and EPC, exactly) and `query`
//! (the reports' and lists' rows: sorting, windows). Under them, the store's internals: `clicks`
//! (the packed click table), `calendar` (values per day, month and year), `report_index` (the
//! roll-ups that keep reports from scanning clicks) and `unique` (the unique-click lists, which
//! also hold the clicks of a country or an affiliate per offer in day order). `Store` itself,
//! its fields and its plain accessors are here; no module under it imports from a module above
//! the store.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

mod calendar;
mod clicks;
mod figures;
mod filter;
mod model;
mod query;
mod rates;
mod record;
mod report_index;
mod scan;
mod seed;
mod unique;

use clicks::ClickTable;
use report_index::ReportIndex;

pub use figures::Figures;
pub use filter::ReportFilter;
pub use model::*;
pub use query::{ClickQuery, ConversionQuery, ReportRow, Sort, Totals, Window};
pub use rates::{conversion_rate, earnings_per_click};

/// The simulator's whole state. Every mutation keeps its indexes and running totals consistent.
#[derive(Debug, Clone, Default)]
pub struct Store {
    advertisers: BTreeMap<u32, Advertiser>,
    affiliates: BTreeMap<u32, Affiliate>,
    offers: BTreeMap<u32, Offer>,
    countries: BTreeMap<u32, Country>,
    /// Every click, packed (see `clicks`).
    clicks: ClickTable,
    /// Row numbers of the clicks of each day, in the order added.
    clicks_by_day: BTreeMap<NaiveDate, Vec<u32>>,
    /// Report figures kept up to date by every insert, so reports need not scan clicks.
    report_index: ReportIndex,
    conversions: Vec<ConversionRecord>,
    /// Each conversion's click, by row number.
    conversion_clicks: Vec<u32>,
    conversion_by_id: HashMap<u32, usize>,
    conversion_by_unique_id: HashMap<String, usize>,
    conversions_by_day: BTreeMap<NaiveDate, Vec<u32>>,
    /// Each affiliate's conversions, in the order added: reports filtered by affiliate.
    conversions_by_affiliate: BTreeMap<u32, Vec<u32>>,
    /// Running sums of every payout and revenue held: since amounts are never negative, every
    /// report sum is at most these, so checking them on the way in means no sum can overflow.
    total_payout: Decimal,
    total_revenue: Decimal,
    largest_conversion_id: u32,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The advertisers, by id.
    pub fn advertisers(&self) -> impl Iterator<Item = &Advertiser> {
        self.advertisers.values()
    }

    /// The affiliates, by id.
    pub fn affiliates(&self) -> impl Iterator<Item = &Affiliate> {
        self.affiliates.values()
    }

    /// The offers, by id.
    pub fn offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.values()
    }

    /// The countries, by id.
    pub fn countries(&self) -> impl Iterator<Item = &Country> {
        self.countries.values()
    }

    /// The clicks, in the order they were added (each unpacked as it comes).
    pub fn clicks(&self) -> impl Iterator<Item = ClickRecord> + '_ {
        (0..self.clicks.len() as u32).filter_map(|i| self.clicks.record(i))
    }

    /// How many clicks the store holds.
    pub fn click_count(&self) -> usize {
        self.clicks.len()
    }

    /// The conversions, in the order they were added.
    pub fn conversions(&self) -> &[ConversionRecord] {
        &self.conversions
    }

    /// One advertiser.
    pub fn advertiser(&self, advertiser_id: u32) -> Option<&Advertiser> {
        self.advertisers.get(&advertiser_id)
    }

    /// One affiliate.
    pub fn affiliate(&self, affiliate_id: u32) -> Option<&Affiliate> {
        self.affiliates.get(&affiliate_id)
    }

    /// One offer.
    pub fn offer(&self, offer_id: u32) -> Option<&Offer> {
        self.offers.get(&offer_id)
    }

    /// One click.
    pub fn click(&self, click_id: &str) -> Option<ClickRecord> {
        self.clicks
            .find(click_id)
            .and_then(|i| self.clicks.record(i))
    }

    /// One conversion.
    pub fn conversion(&self, conversion_id: u32) -> Option<&ConversionRecord> {
        self.conversion_by_id
            .get(&conversion_id)
            .map(|&i| &self.conversions[i])
    }

    /// The conversion recorded with this `unique_id`.
    pub fn conversion_by_unique_id(&self, unique_id: &str) -> Option<&ConversionRecord> {
        self.conversion_by_unique_id
            .get(unique_id)
            .map(|&i| &self.conversions[i])
    }
}
