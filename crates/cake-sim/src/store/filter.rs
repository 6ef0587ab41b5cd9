//! The one filter every report and list applies: a [`ReportFilter`] (offer, affiliate,
//! advertiser, vertical, country), resolved once per query against the store into a
//! [`Matcher`], whose [`Matcher::matches`] is the single test of a click, or of a conversion by
//! its click. The report index answers the same filters by other means; the `report_index`
//! property test holds the two equal.
//!
//! Id filters are `u64` so that an id no entity can have (beyond CAKE's `u32`) matches nothing
//! instead of failing; so does a country the store does not know, or whose code no click has.

use chrono::NaiveDate;

use super::model::Offer;
use super::Store;

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

/// A filter resolved against the store.
pub(super) struct Matcher<'a> {
    store: &'a Store,
    filter: &'a ReportFilter,
    /// The country's code as the click table interns it.
    country: Option<u16>,
    /// The affiliate, when it fits CAKE's ids.
    affiliate: Option<u32>,
    /// Some filter names what nothing can have.
    nothing: bool,
}

/// Whether an id filter lets `actual` through (no filter lets everything through).
fn is(wanted: Option<u64>, actual: u32) -> bool {
    wanted.is_none_or(|w| w == u64::from(actual))
}

impl Store {
    /// The filter resolved against this store.
    pub(super) fn matcher<'a>(&'a self, filter: &'a ReportFilter) -> Matcher<'a> {
        let mut nothing = filter.start_date > filter.end_date;
        let country = filter.country_id.and_then(|id| {
            let code = u32::try_from(id)
                .ok()
                .and_then(|id| self.countries.get(&id))
                .map(|c| c.country_code.as_str());
            let interned = code.and_then(|c| self.clicks.country(c));
            nothing |= interned.is_none();
            interned
        });
        let affiliate = filter.affiliate_id.and_then(|id| {
            let fits = u32::try_from(id).ok();
            nothing |= fits.is_none();
            fits
        });
        Matcher {
            store: self,
            filter,
            country,
            affiliate,
            nothing,
        }
    }
}

impl<'a> Matcher<'a> {
    /// No click or conversion can match.
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }

    /// The country filter, interned.
    pub fn country(&self) -> Option<u16> {
        self.country
    }

    /// The affiliate filter.
    pub fn affiliate(&self) -> Option<u32> {
        self.affiliate
    }

    /// The days asked for.
    pub fn range(&self) -> std::ops::RangeInclusive<chrono::NaiveDate> {
        self.filter.start_date..=self.filter.end_date
    }

    /// Whether the filter names an offer, an advertiser or a vertical.
    pub fn filters_offers(&self) -> bool {
        let f = self.filter;
        f.offer_id.is_some() || f.advertiser_id.is_some() || f.vertical_id.is_some()
    }

    /// Whether every click of the days asked for matches: no filter but the days. (Every click's
    /// offer exists: [`Store::add_click`] refuses one whose offer does not, and offers are never
    /// removed.)
    pub fn lets_every_click_through(&self) -> bool {
        !self.nothing
            && self.country.is_none()
            && self.affiliate.is_none()
            && !self.filters_offers()
    }

    /// The offer, when it passes the offer-derived conditions (offer, advertiser, vertical).
    pub fn offer(&self, offer_id: u32) -> Option<&'a Offer> {
        let f = self.filter;
        // The id first: a report filtered by offer asks this of every offer's cells.
        if !is(f.offer_id, offer_id) {
            return None;
        }
        self.store.offers.get(&offer_id).filter(|offer| {
            is(f.advertiser_id, offer.advertiser_id)
                && f.vertical_id
                    .is_none_or(|w| offer.vertical_id.is_some_and(|v| u64::from(v) == w))
        })
    }

    /// Whether the affiliate passes.
    pub fn affiliate_passes(&self, affiliate_id: u32) -> bool {
        is(self.filter.affiliate_id, affiliate_id)
    }

    /// The one test of a click, or of a conversion by its click: its offer, affiliate and
    /// country. The offer comes back when it passes.
    pub fn matches(&self, offer_id: u32, affiliate_id: u32, country: u16) -> Option<&'a Offer> {
        if self.nothing
            || self.country.is_some_and(|c| c != country)
            || !self.affiliate_passes(affiliate_id)
        {
            return None;
        }
        self.offer(offer_id)
    }
}
