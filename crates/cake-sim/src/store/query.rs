//! The reports' and lists' rows: the queries (filters, sort, window) and the rows they select,
//! in order.

use cake_client::types;
use rust_decimal::Decimal;

use super::figures::{Figures, Group};
use super::filter::ReportFilter;
use super::model::{ClickRecord, ConversionRecord};
use super::report_index::Cell;
use super::Store;

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

    /// The window of `rows` in the order of `cmp`, which must be total (no two rows equal): the
    /// rows before and after the window are only partitioned, not sorted, so a page costs a pass
    /// over the rows and a sort of the page's, however deep it is (a sort of every row first
    /// made a long range's paging quadratic).
    fn select<T>(&self, mut rows: Vec<T>, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
        let skip = usize::try_from(self.skip).unwrap_or(usize::MAX);
        if skip >= rows.len() {
            return Vec::new();
        }
        if skip > 0 {
            rows.select_nth_unstable_by(skip, &cmp);
            rows.drain(..skip);
        }
        let take = usize::try_from(self.take).unwrap_or(usize::MAX);
        if take < rows.len() {
            rows.select_nth_unstable_by(take, &cmp);
            rows.truncate(take);
        }
        rows.sort_unstable_by(&cmp);
        rows
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickQuery {
    /// One click by id; takes priority over the dates.
    pub click_id: Option<String>,
    /// The days (every day when Get Click was given none) and the filters.
    pub filter: ReportFilter,
}

/// Get Conversions' query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionQuery {
    /// The days and the filters.
    pub filter: ReportFilter,
    /// Only this status.
    pub conversion_status: Option<types::ConversionStatus>,
    /// Order.
    pub sort: Sort<types::ConversionSortField>,
}

/// One report row: its entity's id (offer, affiliate or advertiser) and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The offer's, affiliate's or advertiser's id.
    pub id: u32,
    /// Its figures over the range.
    pub figures: Figures,
}

/// The Offer Report's totals over every matching row (not only the window's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Clicks.
    pub clicks: u64,
    /// Counted conversions.
    pub conversions: u64,
    /// Sum of payouts.
    pub payout: Decimal,
    /// Sum of revenues.
    pub revenue: Decimal,
}

impl Store {
    /// The Offer Report's rows: the window of sorted rows, and the totals over every matching
    /// row.
    pub fn offer_rows(
        &self,
        filter: &ReportFilter,
        sort: Sort<types::OfferReportSortField>,
        window: Window,
    ) -> (Vec<ReportRow>, Totals) {
        use types::OfferReportSortField as F;
        let mut totals = Cell::default();
        let mut rows: Vec<ReportRow> = Vec::new();
        for (id, tally) in &self.tally(filter, Group::Offer) {
            totals.add(&tally.cell);
            rows.push(ReportRow {
                id: *id,
                figures: Figures::from_tally(tally),
            });
        }
        let totals = Totals {
            clicks: totals.clicks,
            conversions: totals.conversions,
            payout: totals.payout,
            revenue: totals.revenue,
        };
        sort_rows(&mut rows, sort, |f, field| match field {
            F::Conversions => SortKey::Count(f.conversions),
            F::Clicks => SortKey::Count(f.clicks),
            F::Revenue => SortKey::Money(f.revenue),
            F::Epc => SortKey::Money(f.epc),
        });
        (window.apply(rows), totals)
    }

    /// The Affiliate Report's rows: the window of sorted rows.
    pub fn affiliate_rows(
        &self,
        filter: &ReportFilter,
        sort: Sort<types::AffiliateReportSortField>,
        window: Window,
    ) -> Vec<ReportRow> {
        use types::AffiliateReportSortField as F;
        let mut rows = self.rows(filter, Group::Affiliate);
        sort_rows(&mut rows, sort, |f, field| match field {
            F::Clicks => SortKey::Count(f.clicks),
            F::Conversions => SortKey::Count(f.conversions),
            F::Payout => SortKey::Money(f.payout),
            F::Epc => SortKey::Money(f.epc),
        });
        window.apply(rows)
    }

    /// The Advertiser Report's rows (no sort parameters: in id order).
    pub fn advertiser_rows(&self, filter: &ReportFilter, window: Window) -> Vec<ReportRow> {
        window.apply(self.rows(filter, Group::Advertiser))
    }

    fn rows(&self, filter: &ReportFilter, group: Group) -> Vec<ReportRow> {
        self.tally(filter, group)
            .iter()
            .map(|(id, tally)| ReportRow {
                id: *id,
                figures: Figures::from_tally(tally),
            })
            .collect()
    }

    /// Get Click's rows: matching clicks in date order (then the order they were added), and
    /// how many match in all.
    pub fn click_rows(&self, query: &ClickQuery, window: Window) -> (Vec<ClickRecord>, u64) {
        let matcher = self.matcher(&query.filter);
        let keep = |i: &u32| {
            self.clicks.row(*i).is_some_and(|c| {
                matcher
                    .matches(c.offer_id, c.affiliate_id, c.country)
                    .is_some()
            })
        };
        if matcher.matches_nothing() {
            return (Vec::new(), 0);
        }
        if let Some(click_id) = &query.click_id {
            let rows: Vec<ClickRecord> = self
                .clicks
                .find(click_id)
                .filter(keep)
                .and_then(|i| self.clicks.record(i))
                .into_iter()
                .collect();
            let total_rows = rows.len() as u64;
            return (window.apply(rows), total_rows);
        }
        // Days in order, and within a day by time (the index holds a day's clicks in the order
        // added): the order of a sort of every match by time, which is stable. A day is only
        // counted unless the window reaches it (by its length when nothing but the days filters),
        // so a page deep in a long range costs a pass over the days, not a sort of every match.
        let end = window.skip.saturating_add(window.take);
        let every = matcher.lets_every_click_through();
        let mut total_rows = 0u64;
        let mut rows = Vec::new();
        for ids in self.clicks_by_day.range(matcher.range()).map(|(_, v)| v) {
            let n = if every {
                ids.len()
            } else {
                ids.iter().filter(|i| keep(i)).count()
            } as u64;
            let from = total_rows;
            total_rows += n;
            if n == 0 || total_rows <= window.skip || from >= end {
                continue;
            }
            let mut day: Vec<u32> = ids.iter().copied().filter(keep).collect();
            day.sort_by_key(|&i| self.clicks.row(i).map(|c| c.at()));
            let lo = usize::try_from(window.skip.saturating_sub(from)).unwrap_or(usize::MAX);
            let hi = usize::try_from(end.min(total_rows) - from).unwrap_or(usize::MAX);
            rows.extend(day[lo..hi].iter().filter_map(|&i| self.clicks.record(i)));
        }
        (rows, total_rows)
    }

    /// Get Conversions' rows: matching conversions, sorted, and how many match in all.
    pub fn conversion_rows(
        &self,
        query: &ConversionQuery,
        window: Window,
    ) -> (Vec<&ConversionRecord>, u64) {
        use types::ConversionSortField as F;
        let matcher = self.matcher(&query.filter);
        if matcher.matches_nothing() {
            return (Vec::new(), 0);
        }
        let matching: Vec<&ConversionRecord> = self
            .conversions_by_day
            .range(matcher.range())
            .flat_map(|(_, v)| v)
            .filter_map(|&i| {
                let click = self.clicks.row(*self.conversion_clicks.get(i as usize)?)?;
                let conversion = self.conversions.get(i as usize)?;
                let passes = matcher
                    .matches(click.offer_id, click.affiliate_id, click.country)
                    .is_some()
                    && query
                        .conversion_status
                        .as_ref()
                        .is_none_or(|s| *s == conversion.conversion_status);
                passes.then_some(conversion)
            })
            .collect();
        let total_rows = matching.len() as u64;
        let field = query.sort.field.unwrap_or(F::ConversionId);
        // Ties are broken by conversion_id, which is unique: the order is total.
        let rows = window.select(matching, |a, b| {
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
        (rows, total_rows)
    }
}

/// A figure to sort by: counts and money compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Count(u64),
    Money(Decimal),
}

/// Sorts by the figure asked for (else by id), ties broken by id, ascending.
fn sort_rows<F: Copy>(rows: &mut [ReportRow], sort: Sort<F>, key: impl Fn(&Figures, F) -> SortKey) {
    rows.sort_by(|a, b| {
        let primary = match sort.field {
            Some(field) => key(&a.figures, field).cmp(&key(&b.figures, field)),
            None => a.id.cmp(&b.id),
        };
        let primary = if sort.descending {
            primary.reverse()
        } else {
            primary
        };
        primary.then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests;
