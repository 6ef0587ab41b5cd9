//! The reports' and lists' rows: the queries (filters, sort, window) and the rows they select,
//! in order.

use cake_client::types;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::figures::{Figures, Group};
use super::{is, ConversionRecord, Store};

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

impl Store {
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
