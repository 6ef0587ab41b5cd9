//! The simulator's in-memory CAKE: advertisers, affiliates, offers, clicks and conversions, and
//! every figure the API reports, computed from what is held.
//!
//! This module is pure data and arithmetic: it never does I/O, never panics on any input, and
//! never uses binary floating point for money (only `conversion_rate`, a ratio, is an `f64`).
//! The HTTP layer (`server`) serializes what it returns with the SDK's generated types, so the
//! wire form is the spec's.
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

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::calendar::{cover, Level};
use crate::clicks::{self, ClickTable};
use crate::report_index::{Cell, Dimensions, ReportIndex};

use cake_client::{types, CakeDateTime};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// An advertiser (owns offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertiser {
    /// Its CAKE id.
    pub advertiser_id: u32,
    /// Its name.
    pub advertiser_name: String,
}

/// An affiliate (sends clicks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affiliate {
    /// Its CAKE id.
    pub affiliate_id: u32,
    /// Its name.
    pub affiliate_name: String,
}

/// A country, so that the Offer Report's `country_id` can filter clicks by their country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// The id the Offer Report's `country_id` filter takes.
    pub country_id: u32,
    /// The code clicks carry in `country` (e.g. `US`).
    pub country_code: String,
}

/// An offer and its payout rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Its CAKE id.
    pub offer_id: u32,
    /// Its name.
    pub offer_name: String,
    /// The advertiser it belongs to.
    pub advertiser_id: u32,
    /// Its vertical, when it has one (the Offer Report's `vertical_id` filter).
    pub vertical_id: Option<u32>,
    /// The affiliate payout of a conversion, unless an affiliate rule or the request says otherwise.
    pub payout: Decimal,
    /// The advertiser revenue of a conversion, unless the request says otherwise.
    pub revenue: Decimal,
    /// Payouts for particular affiliates, in place of `payout`.
    pub affiliate_payouts: BTreeMap<u32, Decimal>,
}

impl Offer {
    /// The payout rule for a conversion from `affiliate_id`.
    pub fn payout_for(&self, affiliate_id: u32) -> Decimal {
        self.affiliate_payouts
            .get(&affiliate_id)
            .copied()
            .unwrap_or(self.payout)
    }
}

/// A click as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickRecord {
    /// CAKE's click id (reqsessid).
    pub click_id: String,
    /// When it happened.
    pub click_date: CakeDateTime,
    /// The offer clicked.
    pub offer_id: u32,
    /// The affiliate that sent it.
    pub affiliate_id: u32,
    /// The affiliate's sub id, when it carried one.
    pub sub_id_1: Option<String>,
    /// The visitor's IP address.
    pub ip_address: String,
    /// The visitor's country code.
    pub country: String,
    /// Its first conversion, once it converted.
    pub conversion_id: Option<u32>,
}

impl ClickRecord {
    /// The click as Get Click returns it.
    pub fn to_wire(&self) -> types::Click {
        types::Click {
            click_id: self.click_id.clone(),
            click_date: self.click_date,
            offer_id: self.offer_id,
            affiliate_id: self.affiliate_id,
            sub_id_1: self.sub_id_1.clone(),
            ip_address: self.ip_address.clone(),
            country: self.country.clone(),
            converted: self.conversion_id.is_some(),
            conversion_id: self.conversion_id,
        }
    }
}

/// A conversion as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRecord {
    /// Its CAKE id.
    pub conversion_id: u32,
    /// The click it converted.
    pub click_id: String,
    /// The click's offer.
    pub offer_id: u32,
    /// The click's affiliate.
    pub affiliate_id: u32,
    /// The affiliate payout.
    pub payout: Decimal,
    /// The advertiser revenue.
    pub revenue: Decimal,
    /// When it happened.
    pub conversion_date: CakeDateTime,
    /// Its status.
    pub conversion_status: types::ConversionStatus,
    /// The caller's deduplication id.
    pub unique_id: Option<String>,
    /// The advertiser's order reference.
    pub order_id: Option<String>,
    /// The custom advertiser fields adv1 to adv5.
    pub adv: [Option<String>; 5],
}

impl ConversionRecord {
    /// The conversion as Record Conversion returns it.
    pub fn to_recorded(&self) -> types::RecordedConversion {
        types::RecordedConversion {
            conversion_id: self.conversion_id,
            offer_id: self.offer_id,
            affiliate_id: self.affiliate_id,
            click_id: self.click_id.clone(),
            payout: self.payout,
            revenue: self.revenue,
            unique_id: self.unique_id.clone(),
            conversion_date: self.conversion_date,
            conversion_status: self.conversion_status.clone(),
        }
    }

    /// Whether the reports count it (see the module's decisions).
    pub fn counts_in_reports(&self) -> bool {
        matches!(
            self.conversion_status,
            types::ConversionStatus::Approved | types::ConversionStatus::Pending
        )
    }
}

/// Why something could not be put into the store; `field` names what was at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The field at fault (e.g. `offer_id`).
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SeedError {}

fn seed_err(field: &str, message: impl Into<String>) -> SeedError {
    SeedError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// A Record Conversion request, its parameters parsed. (Serializable so that `--state` can keep
/// it: recording it again on the same state gives the same conversion.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConversionRequest {
    /// The click to convert.
    pub click_id: String,
    /// The offer the caller says the click belongs to (ids beyond `u32` match no click).
    pub offer_id: u64,
    /// A payout in place of the offer's rule.
    pub payout: Option<Decimal>,
    /// A revenue in place of the offer's rule.
    pub revenue: Option<Decimal>,
    /// When it happened; the simulator's clock when absent.
    pub conversion_date: Option<CakeDateTime>,
    /// The caller's deduplication id.
    pub unique_id: Option<String>,
    /// The advertiser's order reference.
    pub order_id: Option<String>,
    /// adv1 to adv5.
    pub adv: [Option<String>; 5],
}

/// What Record Conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// The conversion recorded, or the original one for a repeated `unique_id`.
    pub conversion: types::RecordedConversion,
    /// True when the `unique_id` was already recorded and nothing was created.
    pub deduplicated: bool,
}

/// Why Record Conversion refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// No click has this id (HTTP 404, parameter `click_id`).
    UnknownClick {
        /// The id asked for.
        click_id: String,
    },
    /// The click belongs to another offer (HTTP 409, parameter `offer_id`).
    WrongOffer {
        /// The click.
        click_id: String,
        /// Its offer.
        actual_offer_id: u32,
        /// The offer the request named.
        requested_offer_id: u64,
    },
    /// The amount would make the store's money sums exceed what a decimal holds (HTTP 400).
    AmountTooLarge {
        /// `payout` or `revenue`.
        parameter: &'static str,
    },
    /// The store holds as many conversions as ids exist (HTTP 409, no parameter).
    OutOfConversionIds,
}

impl RecordError {
    /// The parameter at fault, when there is one.
    pub fn parameter(&self) -> Option<&'static str> {
        match self {
            RecordError::UnknownClick { .. } => Some("click_id"),
            RecordError::WrongOffer { .. } => Some("offer_id"),
            RecordError::AmountTooLarge { parameter } => Some(parameter),
            RecordError::OutOfConversionIds => None,
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::UnknownClick { click_id } => {
                let shown: String = click_id.chars().take(64).collect();
                write!(f, "click_id: no click {shown:?} exists; record a conversion against a click that was tracked (look it up with Get Click)")
            }
            RecordError::WrongOffer {
                click_id,
                actual_offer_id,
                requested_offer_id,
            } => write!(
                f,
                "offer_id: click {click_id} belongs to offer {actual_offer_id}, not {requested_offer_id}"
            ),
            RecordError::AmountTooLarge { parameter } => write!(
                f,
                "{parameter}: too large; the sum of all {parameter}s would exceed what an exact decimal holds"
            ),
            RecordError::OutOfConversionIds => {
                f.write_str("no conversion id is left to give; the simulator's store is full")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Which rows of a list to return: `skip` rows, then at most `take`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Rows skipped (the offset from the operation's first row).
    pub skip: u64,
    /// Rows returned at most.
    pub take: u64,
}

impl Window {
    /// Every row.
    pub const ALL: Window = Window {
        skip: 0,
        take: u64::MAX,
    };

    fn apply<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.skip).unwrap_or(usize::MAX);
        let take = usize::try_from(self.take).unwrap_or(usize::MAX);
        rows.drain(..skip.min(rows.len()));
        rows.truncate(take);
        rows
    }
}

/// The filters the reports share. Id filters are `u64` so that an id no entity can have (it
/// does not fit CAKE's `u32`) matches nothing instead of failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    /// First day, inclusive.
    pub start_date: NaiveDate,
    /// Last day, inclusive.
    pub end_date: NaiveDate,
    /// Only this offer.
    pub offer_id: Option<u64>,
    /// Only this affiliate.
    pub affiliate_id: Option<u64>,
    /// Only this advertiser's offers.
    pub advertiser_id: Option<u64>,
    /// Only offers of this vertical.
    pub vertical_id: Option<u64>,
    /// Only clicks (and their conversions) from this country.
    pub country_id: Option<u64>,
}

impl ReportFilter {
    /// Everything between two days, inclusive.
    pub fn between(start_date: NaiveDate, end_date: NaiveDate) -> Self {
        Self {
            start_date,
            end_date,
            offer_id: None,
            affiliate_id: None,
            advertiser_id: None,
            vertical_id: None,
            country_id: None,
        }
    }
}

/// How to order rows: the figure, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    /// The figure; `None` orders by id.
    pub field: Option<F>,
    /// Largest first.
    pub descending: bool,
}

impl<F> Default for Sort<F> {
    fn default() -> Self {
        Self {
            field: None,
            descending: false,
        }
    }
}

/// Get Click's query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClickQuery {
    /// One click by id; takes priority over the dates.
    pub click_id: Option<String>,
    /// First day, inclusive.
    pub start_date: Option<NaiveDate>,
    /// Last day, inclusive.
    pub end_date: Option<NaiveDate>,
    /// Only this offer.
    pub offer_id: Option<u64>,
    /// Only this affiliate.
    pub affiliate_id: Option<u64>,
}

/// Get Conversions' query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionQuery {
    /// First day, inclusive.
    pub start_date: NaiveDate,
    /// Last day, inclusive.
    pub end_date: NaiveDate,
    /// Only this offer.
    pub offer_id: Option<u64>,
    /// Only this affiliate.
    pub affiliate_id: Option<u64>,
    /// Only this advertiser's offers.
    pub advertiser_id: Option<u64>,
    /// Only this status.
    pub conversion_status: Option<types::ConversionStatus>,
    /// Order.
    pub sort: Sort<types::ConversionSortField>,
}

/// One report row's figures, summed from the report index's cells.
#[derive(Debug, Clone, Default)]
struct Tally {
    clicks: u64,
    unique_clicks: u64,
    conversions: u64,
    payout: Decimal,
    revenue: Decimal,
}

impl Tally {
    fn add(&mut self, cell: &Cell) {
        self.clicks += cell.clicks;
        self.conversions += cell.conversions;
        // Bounded by the store's checked totals (see `total_payout`), so these cannot fail.
        self.payout = self.payout.checked_add(cell.payout).unwrap_or(self.payout);
        self.revenue = self
            .revenue
            .checked_add(cell.revenue)
            .unwrap_or(self.revenue);
    }

    fn add_conversion(&mut self, conversion: &ConversionRecord) {
        self.conversions += 1;
        self.payout = self
            .payout
            .checked_add(conversion.payout)
            .unwrap_or(self.payout);
        self.revenue = self
            .revenue
            .checked_add(conversion.revenue)
            .unwrap_or(self.revenue);
    }
}

/// What a report's rows are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Offer,
    Affiliate,
    Advertiser,
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
    fn from_tally(t: &Tally) -> Self {
        Self {
            clicks: t.clicks,
            unique_clicks: t.unique_clicks,
            conversions: t.conversions,
            conversion_rate: conversion_rate(t.conversions, t.clicks),
            payout: t.payout,
            revenue: t.revenue,
            // Both sums are bounded by the store's totals, which are checked on the way in.
            profit: t.revenue.checked_sub(t.payout).unwrap_or_default(),
            epc: earnings_per_click(t.payout, t.clicks),
        }
    }
}

/// conversions / clicks x 100, rounded half away from zero to 2 decimals; 0 without clicks.
/// Computed in decimal so that 312/8420 gives exactly 3.71, then handed out as the `f64` the
/// spec's `ConversionRate` is.
pub fn conversion_rate(conversions: u64, clicks: u64) -> f64 {
    if clicks == 0 {
        return 0.0;
    }
    // The rate in hundredths, rounded half up, in integers: exact for any counts.
    let hundredths =
        (u128::from(conversions) * 20_000 + u128::from(clicks)) / (2 * u128::from(clicks));
    if hundredths < 1 << 53 {
        // Exact as an f64, so the division is the correctly rounded nearest f64 to the two-decimal
        // value: the same f64 its digits parse to.
        return hundredths as f64 / 100.0;
    }
    // A rate above 90 trillion percent: let the digits say it.
    // (At most 2^64 x 10^4 hundredths: well within a Decimal's 96 bits.)
    Decimal::try_from_i128_with_scale(hundredths as i128, 2).map_or(f64::MAX, |rate| {
        rate.to_string().parse().unwrap_or(f64::MAX)
    })
}
/// payout / clicks, rounded half away from zero to 3 decimals; 0.000 without clicks.
pub fn earnings_per_click(payout: Decimal, clicks: u64) -> Decimal {
    if clicks == 0 {
        return Decimal::new(0, 3);
    }
    // In integers when they fit (a report row's payout usually does): thousandths of the
    // quotient, rounded half away from zero.
    let mantissa = payout.mantissa();
    let divisor = 10u128
        .checked_pow(payout.scale())
        .and_then(|p| p.checked_mul(u128::from(clicks)));
    if let (Some(divisor), Ok(numerator)) = (divisor, u128::try_from(mantissa)) {
        // |mantissa| < 2^96, so 2000 x mantissa cannot overflow.
        let thousandths = (numerator * 2000 + divisor) / (2 * divisor);
        if let Ok(epc) = Decimal::try_from_i128_with_scale(thousandths as i128, 3) {
            return epc;
        }
    }
    let mut epc = (payout / Decimal::from(clicks))
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    // Always three decimals on the wire (0.700, not 0.7), as the figure is defined.
    epc.rescale(3);
    epc
}
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
    /// Row numbers of each affiliate's clicks, in the order added: unique clicks of an Offer
    /// Report filtered by affiliate.
    clicks_by_affiliate: BTreeMap<u32, Vec<u32>>,
    /// Row numbers of each offer's clicks, in the order added: the partial-month days of a
    /// report filtered by offer.
    clicks_by_offer: BTreeMap<u32, Vec<u32>>,
    /// Report figures kept up to date by every insert, so reports need not scan clicks.
    report_index: ReportIndex,
    conversions: Vec<ConversionRecord>,
    /// Each conversion's click, by row number.
    conversion_clicks: Vec<u32>,
    conversion_by_id: HashMap<u32, usize>,
    conversion_by_unique_id: HashMap<String, usize>,
    conversions_by_day: BTreeMap<NaiveDate, Vec<u32>>,
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

    /// Adds an advertiser; its id must be new.
    pub fn add_advertiser(&mut self, advertiser: Advertiser) -> Result<(), SeedError> {
        if advertiser.advertiser_id == 0 {
            return Err(seed_err("advertiser_id", "expected a positive id, got 0"));
        }
        if self.advertisers.contains_key(&advertiser.advertiser_id) {
            return Err(seed_err(
                "advertiser_id",
                format!("advertiser {} already exists", advertiser.advertiser_id),
            ));
        }
        self.advertisers
            .insert(advertiser.advertiser_id, advertiser);
        Ok(())
    }

    /// Adds an affiliate; its id must be new.
    pub fn add_affiliate(&mut self, affiliate: Affiliate) -> Result<(), SeedError> {
        if affiliate.affiliate_id == 0 {
            return Err(seed_err("affiliate_id", "expected a positive id, got 0"));
        }
        if self.affiliates.contains_key(&affiliate.affiliate_id) {
            return Err(seed_err(
                "affiliate_id",
                format!("affiliate {} already exists", affiliate.affiliate_id),
            ));
        }
        self.affiliates.insert(affiliate.affiliate_id, affiliate);
        Ok(())
    }

    /// Adds a country; its id and code must be new.
    pub fn add_country(&mut self, country: Country) -> Result<(), SeedError> {
        if country.country_id == 0 {
            return Err(seed_err("country_id", "expected a positive id, got 0"));
        }
        if self.countries.contains_key(&country.country_id) {
            return Err(seed_err(
                "country_id",
                format!("country {} already exists", country.country_id),
            ));
        }
        if self
            .countries
            .values()
            .any(|c| c.country_code == country.country_code)
        {
            return Err(seed_err(
                "country_code",
                format!("country code {:?} already exists", country.country_code),
            ));
        }
        self.countries.insert(country.country_id, country);
        Ok(())
    }

    /// Adds an offer of a known advertiser; its id must be new and its amounts not negative.
    pub fn add_offer(&mut self, offer: Offer) -> Result<(), SeedError> {
        if offer.offer_id == 0 {
            return Err(seed_err("offer_id", "expected a positive id, got 0"));
        }
        if self.offers.contains_key(&offer.offer_id) {
            return Err(seed_err(
                "offer_id",
                format!("offer {} already exists", offer.offer_id),
            ));
        }
        if !self.advertisers.contains_key(&offer.advertiser_id) {
            return Err(seed_err(
                "advertiser_id",
                format!(
                    "no advertiser {} exists; add it before its offers",
                    offer.advertiser_id
                ),
            ));
        }
        for (field, amount) in [("payout", offer.payout), ("revenue", offer.revenue)] {
            if amount.is_sign_negative() {
                return Err(seed_err(
                    field,
                    format!("expected an amount of at least 0, got {amount}"),
                ));
            }
        }
        for (affiliate_id, payout) in &offer.affiliate_payouts {
            if !self.affiliates.contains_key(affiliate_id) {
                return Err(seed_err(
                    "affiliate_payouts",
                    format!("no affiliate {affiliate_id} exists"),
                ));
            }
            if payout.is_sign_negative() {
                return Err(seed_err(
                    "affiliate_payouts",
                    format!("expected an amount of at least 0, got {payout}"),
                ));
            }
        }
        self.offers.insert(offer.offer_id, offer);
        Ok(())
    }

    /// Adds a click of a known offer and affiliate; its id must be new. A click given with a
    /// `conversion_id` is rejected: conversions are added with [`Store::add_conversion`] or
    /// [`Store::record_conversion`], which mark their click.
    ///
    /// Reports stay exact after it, but count the offer's unique clicks by scanning until
    /// [`Store::index_clicks`] runs: call that after a batch of clicks (loading a dataset does).
    pub fn add_click(&mut self, click: ClickRecord) -> Result<(), SeedError> {
        if click.click_id.is_empty() {
            return Err(seed_err("click_id", "expected a non-empty id"));
        }
        if !self.offers.contains_key(&click.offer_id) {
            return Err(seed_err(
                "offer_id",
                format!("no offer {} exists", click.offer_id),
            ));
        }
        if !self.affiliates.contains_key(&click.affiliate_id) {
            return Err(seed_err(
                "affiliate_id",
                format!("no affiliate {} exists", click.affiliate_id),
            ));
        }
        if click.conversion_id.is_some() {
            return Err(seed_err(
                "conversion_id",
                "a click is marked converted by adding its conversion, not by this field",
            ));
        }
        let index = self.clicks.insert(&click)?;
        let day = click.click_date.date();
        let country = self.clicks.row(index).map_or(0, |row| row.country);
        self.report_index.add_click(
            day,
            Dimensions {
                offer_id: click.offer_id,
                affiliate_id: click.affiliate_id,
                country,
            },
        );
        self.clicks_by_day.entry(day).or_default().push(index);
        self.clicks_by_affiliate
            .entry(click.affiliate_id)
            .or_default()
            .push(index);
        self.clicks_by_offer
            .entry(click.offer_id)
            .or_default()
            .push(index);
        Ok(())
    }

    /// Room for `additional` more clicks whose ids take `id_bytes` bytes in all: call before a
    /// large batch of [`Store::add_click`] to load it without regrowing (it uses less memory).
    pub fn reserve_clicks(&mut self, additional: usize, id_bytes: usize) {
        self.clicks.reserve(additional, id_bytes);
    }

    /// Brings the unique-click bookkeeping up to date after clicks were added (one pass over
    /// the clicks and a sort), so that reports count unique clicks without scanning.
    pub fn index_clicks(&mut self) {
        self.report_index.rebuild_unique(&self.clicks);
    }

    /// Adds a conversion of a known click as given (id, amounts, status, date), for seeding.
    /// Its id and `unique_id` must be new; its offer and affiliate are the click's.
    pub fn add_conversion(&mut self, mut conversion: ConversionRecord) -> Result<(), SeedError> {
        if conversion.conversion_id == 0 {
            return Err(seed_err("conversion_id", "expected a positive id, got 0"));
        }
        if self
            .conversion_by_id
            .contains_key(&conversion.conversion_id)
        {
            return Err(seed_err(
                "conversion_id",
                format!("conversion {} already exists", conversion.conversion_id),
            ));
        }
        let Some(click_index) = self.clicks.find(&conversion.click_id) else {
            return Err(seed_err(
                "click_id",
                format!("no click {:?} exists", conversion.click_id),
            ));
        };
        if let Some(unique_id) = &conversion.unique_id {
            if self.conversion_by_unique_id.contains_key(unique_id) {
                return Err(seed_err(
                    "unique_id",
                    format!("unique_id {unique_id:?} is already recorded"),
                ));
            }
        }
        for (field, amount) in [
            ("payout", conversion.payout),
            ("revenue", conversion.revenue),
        ] {
            if amount.is_sign_negative() {
                return Err(seed_err(
                    field,
                    format!("expected an amount of at least 0, got {amount}"),
                ));
            }
        }
        let (Some(total_payout), Some(total_revenue)) = (
            self.total_payout.checked_add(conversion.payout),
            self.total_revenue.checked_add(conversion.revenue),
        ) else {
            return Err(seed_err(
                "payout",
                "too large: the store's sum of amounts would exceed what an exact decimal holds",
            ));
        };
        let Some(click) = self.clicks.row(click_index) else {
            return Err(seed_err("click_id", "the click's row is missing"));
        };
        conversion.offer_id = click.offer_id;
        conversion.affiliate_id = click.affiliate_id;
        self.total_payout = total_payout;
        self.total_revenue = total_revenue;
        self.insert_conversion(click_index, conversion);
        Ok(())
    }

    fn insert_conversion(&mut self, click_index: u32, conversion: ConversionRecord) {
        let index = self.conversions.len();
        self.largest_conversion_id = self.largest_conversion_id.max(conversion.conversion_id);
        self.conversion_by_id
            .insert(conversion.conversion_id, index);
        if let Some(unique_id) = &conversion.unique_id {
            self.conversion_by_unique_id
                .insert(unique_id.clone(), index);
        }
        self.conversions_by_day
            .entry(conversion.conversion_date.date())
            .or_default()
            .push(index as u32);
        if conversion.counts_in_reports() {
            // Counted on its own day, in its click's offer, affiliate and country.
            self.report_index.add_conversion(
                conversion.conversion_date.date(),
                Dimensions {
                    offer_id: conversion.offer_id,
                    affiliate_id: conversion.affiliate_id,
                    country: self.clicks.row(click_index).map_or(0, |row| row.country),
                },
                conversion.payout,
                conversion.revenue,
            );
        }
        self.clicks
            .set_conversion(click_index, conversion.conversion_id);
        self.conversion_clicks.push(click_index);
        self.conversions.push(conversion);
    }

    /// Records a conversion as the API does: a repeated `unique_id` returns the original
    /// unchanged; otherwise the click must exist and belong to the offer, the amounts come from
    /// the offer's rules unless given, and the date is `now` unless given. The caller holds the
    /// store exclusively, which is what makes the dedup check and the insert one atomic step.
    pub fn record_conversion(
        &mut self,
        request: ConversionRequest,
        now: CakeDateTime,
    ) -> Result<RecordOutcome, RecordError> {
        if let Some(unique_id) = &request.unique_id {
            if let Some(&index) = self.conversion_by_unique_id.get(unique_id) {
                return Ok(RecordOutcome {
                    conversion: self.conversions[index].to_recorded(),
                    deduplicated: true,
                });
            }
        }
        let Some((click_index, click)) = self
            .clicks
            .find(&request.click_id)
            .and_then(|i| Some((i, *self.clicks.row(i)?)))
        else {
            return Err(RecordError::UnknownClick {
                click_id: request.click_id,
            });
        };
        if u64::from(click.offer_id) != request.offer_id {
            return Err(RecordError::WrongOffer {
                click_id: request.click_id,
                actual_offer_id: click.offer_id,
                requested_offer_id: request.offer_id,
            });
        }
        // Every click's offer exists: add_click checks it and offers are never removed.
        let (rule_payout, rule_revenue) = self
            .offers
            .get(&click.offer_id)
            .map(|o| (o.payout_for(click.affiliate_id), o.revenue))
            .unwrap_or_default();
        let payout = request.payout.unwrap_or(rule_payout);
        let revenue = request.revenue.unwrap_or(rule_revenue);
        let total_payout =
            self.total_payout
                .checked_add(payout)
                .ok_or(RecordError::AmountTooLarge {
                    parameter: "payout",
                })?;
        let total_revenue =
            self.total_revenue
                .checked_add(revenue)
                .ok_or(RecordError::AmountTooLarge {
                    parameter: "revenue",
                })?;
        let conversion_id = self.next_conversion_id()?;
        let conversion = ConversionRecord {
            conversion_id,
            click_id: request.click_id,
            offer_id: click.offer_id,
            affiliate_id: click.affiliate_id,
            payout,
            revenue,
            conversion_date: request.conversion_date.unwrap_or(now),
            conversion_status: types::ConversionStatus::Approved,
            unique_id: request.unique_id,
            order_id: request.order_id,
            adv: request.adv,
        };
        let recorded = conversion.to_recorded();
        self.total_payout = total_payout;
        self.total_revenue = total_revenue;
        self.insert_conversion(click_index, conversion);
        Ok(RecordOutcome {
            conversion: recorded,
            deduplicated: false,
        })
    }

    /// One more than the largest conversion id held (ids stay increasing after seeding).
    fn next_conversion_id(&self) -> Result<u32, RecordError> {
        self.largest_conversion_id
            .checked_add(1)
            .ok_or(RecordError::OutOfConversionIds)
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

    fn country_code(&self, country_id: u64) -> Option<&str> {
        let id = u32::try_from(country_id).ok()?;
        self.countries.get(&id).map(|c| c.country_code.as_str())
    }

    /// The offer, when it passes the filter's offer-derived conditions.
    fn offer_passing(&self, filter: &ReportFilter, offer_id: u32) -> Option<&Offer> {
        self.offers.get(&offer_id).filter(|offer| {
            is(filter.offer_id, offer.offer_id)
                && is(filter.advertiser_id, offer.advertiser_id)
                && filter
                    .vertical_id
                    .is_none_or(|w| offer.vertical_id.is_some_and(|v| u64::from(v) == w))
        })
    }

    /// Each report row's figures, from the report index's cells for the query's dimensions
    /// (see `report_index`); the days of a range's partial months, when those cells are kept
    /// per month and year only, and the unique clicks of a filtered Offer Report, from the
    /// clicks and conversions themselves. Every path gives the figures a scan of the whole
    /// store gives (the `report_index` property test).
    fn tally(&self, filter: &ReportFilter, group: Group) -> BTreeMap<u32, Tally> {
        let mut rows: BTreeMap<u32, Tally> = BTreeMap::new();
        let (start, end) = (filter.start_date, filter.end_date);
        if start > end {
            return rows;
        }
        let country = match filter.country_id {
            None => None,
            // A country the store does not know, or whose code no click has, matches nothing.
            Some(id) => match self.country_code(id).and_then(|c| self.clicks.country(c)) {
                Some(interned) => Some(interned),
                None => return rows,
            },
        };
        let affiliate = match filter.affiliate_id.map(u32::try_from) {
            None => None,
            Some(Ok(a)) => Some(a),
            // An id beyond CAKE's u32 matches nothing.
            Some(Err(_)) => return rows,
        };
        let offer_filtered = filter.offer_id.is_some()
            || filter.advertiser_id.is_some()
            || filter.vertical_id.is_some();
        let runs = cover(start, end);
        let (day_runs, coarse_runs): (Vec<_>, Vec<_>) = runs
            .iter()
            .copied()
            .partition(|(level, _, _)| *level == Level::Day);
        let key = |offer: &Offer, affiliate_id: u32| match group {
            Group::Offer => offer.offer_id,
            Group::Affiliate => affiliate_id,
            Group::Advertiser => offer.advertiser_id,
        };
        let index = &self.report_index;
        let mut add = |key: u32, calendar: &crate::calendar::Calendar<Cell>, runs: &[_]| {
            let row = rows.entry(key).or_default();
            calendar.for_cover(runs, |cell| row.add(cell));
        };
        // Cells kept per day answer the whole range; cells per month and year leave the days.
        let per_day = match (country, affiliate, group) {
            (None, None, Group::Offer | Group::Advertiser) => {
                for (&offer_id, calendar) in &index.by_offer {
                    if let Some(offer) = self.offer_passing(filter, offer_id) {
                        add(key(offer, 0), calendar, &runs);
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
                    if let Some(offer) = self.offer_passing(filter, offer_id) {
                        add(key(offer, affiliate_id), calendar, &coarse_runs);
                    }
                }
                false
            }
            (Some(c), None, Group::Offer | Group::Advertiser) => {
                for (&(_, offer_id), calendar) in
                    index.by_country_offer.range((c, 0)..=(c, u32::MAX))
                {
                    if let Some(offer) = self.offer_passing(filter, offer_id) {
                        add(key(offer, 0), calendar, &coarse_runs);
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
                self.scan_days(&mut rows, filter, group, country, start, end);
                true
            }
        };
        if !per_day {
            for &(_, from, to) in &day_runs {
                let day = |key: i32| NaiveDate::from_num_days_from_ce_opt(key).unwrap_or_default();
                self.scan_days(&mut rows, filter, group, country, day(from), day(to));
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
                for (offer_id, ips) in self.unique_ips_by_scan(filter, country, affiliate) {
                    if let Some(row) = rows.get_mut(&offer_id) {
                        row.unique_clicks = ips.len() as u64;
                    }
                }
            }
        }
        // A row exists only with a click or conversion in range.
        rows.retain(|_, row| row.clicks > 0 || row.conversions > 0);
        rows
    }

    /// Adds the figures of the clicks and conversions of `from..=to` that pass the filter.
    fn scan_days(
        &self,
        rows: &mut BTreeMap<u32, Tally>,
        filter: &ReportFilter,
        group: Group,
        country: Option<u16>,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        let key = |offer: &Offer, affiliate_id: u32| match group {
            Group::Offer => offer.offer_id,
            Group::Affiliate => affiliate_id,
            Group::Advertiser => offer.advertiser_id,
        };
        let by_day = self.clicks_by_day.range(from..=to).flat_map(|(_, v)| v);
        let offer = filter.offer_id.and_then(|o| u32::try_from(o).ok());
        let offer_clicks = offer.map(|o| self.clicks_by_offer.get(&o).map_or(&[][..], |v| v));
        // The offer's clicks when they are fewer than the days' (they are checked for the day).
        let clicks: Box<dyn Iterator<Item = &u32>> = match offer_clicks {
            Some(list) if list.len() < by_day.clone().count() => Box::new(list.iter()),
            _ => Box::new(by_day),
        };
        for &index in clicks {
            let Some(click) = self.clicks.row(index) else {
                continue;
            };
            if country.is_some_and(|c| c != click.country)
                || !is(filter.affiliate_id, click.affiliate_id)
                || !(from..=to).contains(&click.day())
            {
                continue;
            }
            if let Some(offer) = self.offer_passing(filter, click.offer_id) {
                rows.entry(key(offer, click.affiliate_id))
                    .or_default()
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
            if !conversion.counts_in_reports()
                || country.is_some_and(|c| c != click.country)
                || !is(filter.affiliate_id, click.affiliate_id)
            {
                continue;
            }
            if let Some(offer) = self.offer_passing(filter, click.offer_id) {
                rows.entry(key(offer, click.affiliate_id))
                    .or_default()
                    .add_conversion(conversion);
            }
        }
    }

    /// The distinct IPs per offer among the range's clicks that pass the filter: from the
    /// affiliate's clicks when it names one, else from the range's.
    fn unique_ips_by_scan(
        &self,
        filter: &ReportFilter,
        country: Option<u16>,
        affiliate: Option<u32>,
    ) -> HashMap<u32, HashSet<u64>> {
        let mut ips: HashMap<u32, HashSet<u64>> = HashMap::new();
        let range = filter.start_date..=filter.end_date;
        let in_range: usize = self
            .clicks_by_day
            .range(range.clone())
            .map(|(_, v)| v.len())
            .sum();
        let clicks: Box<dyn Iterator<Item = &clicks::Row>> = match affiliate {
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
            if country.is_some_and(|c| c != click.country)
                || affiliate.is_some_and(|a| a != click.affiliate_id)
                || self.offer_passing(filter, click.offer_id).is_none()
                || !range.contains(&click.day())
            {
                continue;
            }
            ips.entry(click.offer_id).or_default().insert(click.ip);
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

    /// The Offer Report's data: the window of sorted rows, and totals over every matching row.
    pub fn offer_report(
        &self,
        filter: &ReportFilter,
        sort: Sort<types::OfferReportSortField>,
        window: Window,
    ) -> types::OfferReportData {
        use types::OfferReportSortField as F;
        let tallies = self.tally(filter, Group::Offer);
        let mut totals = types::OfferReportTotals {
            clicks: 0,
            conversions: 0,
            payout: Decimal::ZERO,
            revenue: Decimal::ZERO,
        };
        let mut rows: Vec<types::OfferReportRow> = Vec::with_capacity(tallies.len());
        for (offer_id, tally) in &tallies {
            let f = Figures::from_tally(tally);
            totals.clicks += f.clicks;
            totals.conversions += f.conversions;
            totals.payout = totals.payout.checked_add(f.payout).unwrap_or(totals.payout);
            totals.revenue = totals
                .revenue
                .checked_add(f.revenue)
                .unwrap_or(totals.revenue);
            rows.push(types::OfferReportRow {
                offer_id: *offer_id,
                offer_name: self
                    .offers
                    .get(offer_id)
                    .map(|o| o.offer_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                unique_clicks: f.unique_clicks,
                conversions: f.conversions,
                conversion_rate: f.conversion_rate,
                payout: f.payout,
                revenue: f.revenue,
                profit: f.profit,
                epc: f.epc,
            });
        }
        if totals.payout.scale() < 2 {
            totals.payout.rescale(2);
        }
        if totals.revenue.scale() < 2 {
            totals.revenue.rescale(2);
        }
        sort_rows(
            &mut rows,
            sort,
            |r| r.offer_id,
            |r, field| match field {
                F::Conversions => SortKey::Count(r.conversions),
                F::Clicks => SortKey::Count(r.clicks),
                F::Revenue => SortKey::Money(r.revenue),
                F::Epc => SortKey::Money(r.epc),
            },
        );
        types::OfferReportData {
            offers: window.apply(rows),
            totals,
        }
    }

    /// The Affiliate Report's data: the window of sorted rows.
    pub fn affiliate_report(
        &self,
        filter: &ReportFilter,
        sort: Sort<types::AffiliateReportSortField>,
        window: Window,
    ) -> types::AffiliateReportData {
        use types::AffiliateReportSortField as F;
        let mut rows: Vec<types::AffiliateReportRow> = self
            .affiliate_figures(filter)
            .into_iter()
            .map(|(affiliate_id, f)| types::AffiliateReportRow {
                affiliate_id,
                affiliate_name: self
                    .affiliates
                    .get(&affiliate_id)
                    .map(|a| a.affiliate_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                conversions: f.conversions,
                conversion_rate: f.conversion_rate,
                payout: f.payout,
                epc: f.epc,
            })
            .collect();
        sort_rows(
            &mut rows,
            sort,
            |r| r.affiliate_id,
            |r, field| match field {
                F::Clicks => SortKey::Count(r.clicks),
                F::Conversions => SortKey::Count(r.conversions),
                F::Payout => SortKey::Money(r.payout),
                F::Epc => SortKey::Money(r.epc),
            },
        );
        types::AffiliateReportData {
            affiliates: window.apply(rows),
        }
    }

    /// The Advertiser Report's data (no sort parameters: rows in id order).
    pub fn advertiser_report(
        &self,
        filter: &ReportFilter,
        window: Window,
    ) -> types::AdvertiserReportData {
        let rows: Vec<types::AdvertiserReportRow> = self
            .advertiser_figures(filter)
            .into_iter()
            .map(|(advertiser_id, f)| types::AdvertiserReportRow {
                advertiser_id,
                advertiser_name: self
                    .advertisers
                    .get(&advertiser_id)
                    .map(|a| a.advertiser_name.clone())
                    .unwrap_or_default(),
                clicks: f.clicks,
                conversions: f.conversions,
                revenue: f.revenue,
            })
            .collect();
        types::AdvertiserReportData {
            advertisers: window.apply(rows),
        }
    }

    /// Get Click's page: matching clicks in date order (then the order they were added), and
    /// how many match in all.
    pub fn click_page(&self, query: &ClickQuery, window: Window) -> types::ClickPage {
        let keep = |i: &u32| {
            self.clicks.row(*i).is_some_and(|c| {
                is(query.offer_id, c.offer_id) && is(query.affiliate_id, c.affiliate_id)
            })
        };
        let matching: Vec<u32> = if let Some(click_id) = &query.click_id {
            self.clicks
                .find(click_id)
                .filter(keep)
                .into_iter()
                .collect()
        } else {
            let from = query.start_date.unwrap_or(NaiveDate::MIN);
            let to = query.end_date.unwrap_or(NaiveDate::MAX);
            if from > to {
                Vec::new()
            } else {
                self.clicks_by_day
                    .range(from..=to)
                    .flat_map(|(_, v)| v)
                    .copied()
                    .filter(keep)
                    .collect::<Vec<_>>()
            }
        };
        let mut matching = matching;
        // Within a day the index holds clicks in the order added; order by time within it.
        matching.sort_by_key(|&i| self.clicks.row(i).map(|c| c.at()));
        let total_rows = matching.len() as u64;
        types::ClickPage {
            clicks: window
                .apply(matching)
                .into_iter()
                .filter_map(|i| self.clicks.record(i))
                .map(|c| c.to_wire())
                .collect(),
            total_rows,
        }
    }

    /// Get Conversions' page: matching conversions, sorted, and how many match in all.
    pub fn conversion_page(
        &self,
        query: &ConversionQuery,
        window: Window,
    ) -> (Vec<types::ConversionItem>, u64) {
        use types::ConversionSortField as F;
        if query.start_date > query.end_date {
            return (Vec::new(), 0);
        }
        let mut matching: Vec<&ConversionRecord> = self
            .conversions_by_day
            .range(query.start_date..=query.end_date)
            .flat_map(|(_, v)| v)
            .filter_map(|&i| self.conversions.get(i as usize))
            .filter(|c| {
                is(query.offer_id, c.offer_id)
                    && is(query.affiliate_id, c.affiliate_id)
                    && query
                        .conversion_status
                        .as_ref()
                        .is_none_or(|s| *s == c.conversion_status)
                    && (query.advertiser_id.is_none()
                        || self
                            .offers
                            .get(&c.offer_id)
                            .is_some_and(|o| is(query.advertiser_id, o.advertiser_id)))
            })
            .collect();
        let total_rows = matching.len() as u64;
        let field = query.sort.field.unwrap_or(F::ConversionId);
        matching.sort_by(|a, b| {
            let primary = match field {
                F::ConversionId => a.conversion_id.cmp(&b.conversion_id),
                F::ConversionDate => a.conversion_date.cmp(&b.conversion_date),
                F::Payout => a.payout.cmp(&b.payout),
                F::Revenue => a.revenue.cmp(&b.revenue),
            };
            let primary = if query.sort.descending {
                primary.reverse()
            } else {
                primary
            };
            primary.then(a.conversion_id.cmp(&b.conversion_id))
        });
        let items = window
            .apply(matching)
            .into_iter()
            .map(|c| types::ConversionItem {
                conversion: self.conversion_to_wire(c),
            })
            .collect();
        (items, total_rows)
    }

    /// A conversion as Get Conversions returns it.
    pub fn conversion_to_wire(&self, c: &ConversionRecord) -> types::Conversion {
        types::Conversion {
            conversion_id: c.conversion_id,
            offer: types::OfferRef {
                offer_id: c.offer_id,
                offer_name: self
                    .offers
                    .get(&c.offer_id)
                    .map(|o| o.offer_name.clone())
                    .unwrap_or_default(),
            },
            affiliate: types::AffiliateRef {
                affiliate_id: c.affiliate_id,
                affiliate_name: self
                    .affiliates
                    .get(&c.affiliate_id)
                    .map(|a| a.affiliate_name.clone())
                    .unwrap_or_default(),
            },
            payout: c.payout,
            revenue: c.revenue,
            conversion_status: c.conversion_status.clone(),
            conversion_date: c.conversion_date,
        }
    }
}

/// Whether an id filter lets `actual` through (no filter lets everything through).
fn is(wanted: Option<u64>, actual: u32) -> bool {
    wanted.is_none_or(|w| w == u64::from(actual))
}

/// A figure to sort by: counts and money compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Count(u64),
    Money(Decimal),
}

fn sort_rows<R, F: Copy>(
    rows: &mut [R],
    sort: Sort<F>,
    id: impl Fn(&R) -> u32,
    key: impl Fn(&R, F) -> SortKey,
) {
    rows.sort_by(|a, b| {
        let primary = match sort.field {
            Some(field) => key(a, field).cmp(&key(b, field)),
            None => id(a).cmp(&id(b)),
        };
        let primary = if sort.descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then(id(a).cmp(&id(b)))
    });
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn conversion_rate_rounds_to_two_decimals_half_up() {
        assert_eq!(conversion_rate(312, 8420), 3.71);
        assert_eq!(conversion_rate(142, 3210), 4.42);
        assert_eq!(conversion_rate(1, 8), 12.5);
        // 1/200 x 100 = 0.5 exactly; 1/3 x 100 = 33.333...
        assert_eq!(conversion_rate(1, 200), 0.5);
        assert_eq!(conversion_rate(1, 3), 33.33);
        assert_eq!(conversion_rate(5, 0), 0.0);
    }

    #[test]
    fn epc_rounds_to_three_decimals_and_keeps_them() {
        assert_eq!(earnings_per_click(dec!(5616.00), 8420), dec!(0.667));
        assert_eq!(earnings_per_click(dec!(2556.00), 3210), dec!(0.796));
        assert_eq!(earnings_per_click(dec!(7.00), 10).to_string(), "0.700");
        assert_eq!(earnings_per_click(dec!(0.0005), 1).to_string(), "0.001");
        assert_eq!(earnings_per_click(dec!(1), 0).to_string(), "0.000");
        // Past the integer path (a scale-28 payout): the same rule through Decimal division.
        assert_eq!(
            earnings_per_click(dec!(1.0000000000000000000000000005), 2).to_string(),
            "0.500"
        );
        assert_eq!(earnings_per_click(dec!(0.0015), 1).to_string(), "0.002");
    }

    #[test]
    fn the_integer_paths_agree_with_decimal_arithmetic() {
        for clicks in 1..300u64 {
            for conversions in [0, 1, 2, 3, 7, 49, 50, 51, 312, 8420, 100_000] {
                let rate =
                    Decimal::from(conversions) * Decimal::ONE_HUNDRED / Decimal::from(clicks);
                let rate = rate.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(
                    conversion_rate(conversions, clicks),
                    rate.to_string().parse::<f64>().unwrap(),
                    "{conversions}/{clicks}"
                );
            }
            for payout in [
                dec!(0.00),
                dec!(18.00),
                dec!(5616.00),
                dec!(0.0005),
                dec!(12.345),
            ] {
                let mut epc = (payout / Decimal::from(clicks))
                    .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
                epc.rescale(3);
                assert_eq!(
                    earnings_per_click(payout, clicks).to_string(),
                    epc.to_string()
                );
            }
        }
        assert_eq!(conversion_rate(u64::MAX, 1), 1.8446744073709552e21);
    }
}
