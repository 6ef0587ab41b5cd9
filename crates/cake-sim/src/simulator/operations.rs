//! CAKE's six operations over the store: each takes its typed query (parsed and checked
//! against the spec by `cake_client::query`), reads or changes the store, and answers the spec's
//! response type as JSON. Record Conversion keeps its change on disk (`--state`) before it is
//! made. Every parameter is taken by name, with no `..`: one the spec adds does not compile here
//! until it is used.

use std::sync::Arc;

use cake_client::{
    query::{self, OperationQuery},
    spec::OperationSpec,
    types,
};
use chrono::NaiveDate;

use super::answer::Reply;
use super::{write, Simulator};
use crate::durable::Change;
use crate::store::{
    ClickQuery, ConversionQuery, ConversionRequest, RecordError, ReportFilter, Sort, Window,
};
use crate::wire;

impl Simulator {
    /// The answer of the operation `op` to these parameters (the api_key already checked and
    /// taken out): 400 naming the parameter the spec's constraints refuse, else the operation's.
    pub(super) fn answer(&self, op: &'static OperationSpec, params: &[(String, String)]) -> Reply {
        let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let query = match OperationQuery::parse(op.id, pairs) {
            Some(Ok(query)) => query,
            Some(Err(e)) => return Reply::bad_request(&e),
            // `op` comes from the spec's table, so the spec has it.
            None => return Reply::failure(404, "no such operation", None),
        };
        // Exhaustive: an operation added to the spec does not compile here until it is served.
        match query {
            OperationQuery::GetOfferReport(q) => self.offer_report(op, q),
            OperationQuery::GetAffiliateReport(q) => self.affiliate_report(op, q),
            OperationQuery::GetAdvertiserReport(q) => self.advertiser_report(op, q),
            OperationQuery::GetClick(q) => self.get_click(op, q),
            OperationQuery::RecordConversion(q) => self.record_conversion(q),
            OperationQuery::GetConversions(q) => self.get_conversions(op, q),
        }
    }

    fn offer_report(&self, op: &OperationSpec, q: query::GetOfferReportQuery) -> Reply {
        // Every parameter by name, no `..`: one the spec adds does not compile until it is used.
        let query::GetOfferReportQuery {
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            advertiser_id,
            vertical_id,
            country_id,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            vertical_id: vertical_id.map(u64::from),
            country_id: country_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let sort = sort(sort_field, sort_descending);
        let window = window(op, start_at_row, row_limit);
        let data = self.with_store(|s| {
            let (rows, totals) = s.offer_rows(&filter, sort, window);
            wire::offer_report(s, rows, totals)
        });
        Reply::ok(&types::OfferReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::OfferReportBody { data },
        })
    }

    fn affiliate_report(&self, op: &OperationSpec, q: query::GetAffiliateReportQuery) -> Reply {
        let query::GetAffiliateReportQuery {
            start_date,
            end_date,
            affiliate_id,
            offer_id,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let sort = sort(sort_field, sort_descending);
        let window = window(op, start_at_row, row_limit);
        let data =
            self.with_store(|s| wire::affiliate_report(s, s.affiliate_rows(&filter, sort, window)));
        Reply::ok(&types::AffiliateReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::AffiliateReportBody { data },
        })
    }

    fn advertiser_report(&self, op: &OperationSpec, q: query::GetAdvertiserReportQuery) -> Reply {
        let query::GetAdvertiserReportQuery {
            start_date,
            end_date,
            advertiser_id,
            offer_id,
            start_at_row,
            row_limit,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let window = window(op, start_at_row, row_limit);
        let data =
            self.with_store(|s| wire::advertiser_report(s, s.advertiser_rows(&filter, window)));
        Reply::ok(&types::AdvertiserReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::AdvertiserReportBody { data },
        })
    }

    fn get_click(&self, op: &OperationSpec, q: query::GetClickQuery) -> Reply {
        let query::GetClickQuery {
            click_id,
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            start_at_row,
            row_limit,
        } = q;
        // Get Click's dates are optional: without them, every day.
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            ..ReportFilter::between(
                start_date.unwrap_or(NaiveDate::MIN),
                end_date.unwrap_or(NaiveDate::MAX),
            )
        };
        let window = window(op, start_at_row, row_limit);
        let query = ClickQuery { click_id, filter };
        let page = self.with_store(|s| {
            let (clicks, total_rows) = s.click_rows(&query, window);
            types::ClickPage {
                clicks: clicks.into_iter().map(wire::click).collect(),
                total_rows,
            }
        });
        Reply::ok(&types::GetClickResponse {
            request_status: types::SuccessStatus::Success,
            response: page,
        })
    }

    fn record_conversion(&self, q: query::RecordConversionQuery) -> Reply {
        let query::RecordConversionQuery {
            click_id,
            offer_id,
            payout,
            revenue,
            conversion_date,
            unique_id,
            order_id,
            adv1,
            adv2,
            adv3,
            adv4,
            adv5,
        } = q;
        let request = ConversionRequest {
            click_id,
            offer_id: u64::from(offer_id),
            payout,
            revenue,
            conversion_date,
            unique_id,
            order_id,
            adv: [adv1, adv2, adv3, adv4, adv5],
        };
        let now = self.now();
        let recorded = {
            let mut store = write(&self.shared.store);
            // Kept on disk first (with --state): a conversion acknowledged is never lost.
            let change = Change::RecordConversion {
                request: request.clone(),
                now,
            };
            if let Err(e) = self.persist(&change) {
                return Reply::failure(
                    503,
                    &format!("the conversion was not recorded: the simulator could not keep it on disk ({e})"),
                    None,
                );
            }
            Arc::make_mut(&mut store).record_conversion(request, now)
        };
        match recorded {
            Ok(outcome) => Reply::ok(&types::RecordConversionResponse {
                request_status: types::SuccessStatus::Success,
                conversion: wire::recorded(&outcome.conversion),
            }),
            Err(e) => {
                let status = match e {
                    RecordError::UnknownClick { .. } => 404,
                    RecordError::WrongOffer { .. }
                    | RecordError::OutOfConversionIds
                    | RecordError::AmountTooLarge { .. } => 409,
                };
                Reply::failure(status, &e.to_string(), e.parameter())
            }
        }
    }

    fn get_conversions(&self, op: &OperationSpec, q: query::GetConversionsQuery) -> Reply {
        let query::GetConversionsQuery {
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            advertiser_id,
            conversion_status,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let window = window(op, start_at_row, row_limit);
        let query = ConversionQuery {
            filter,
            conversion_status,
            sort: sort(sort_field, sort_descending),
        };
        let (conversions, total_rows) = self.with_store(|s| {
            let (rows, total_rows) = s.conversion_rows(&query, window);
            let items = rows
                .into_iter()
                .map(|c| types::ConversionItem {
                    conversion: wire::conversion(s, c),
                })
                .collect::<Vec<_>>();
            (items, total_rows)
        });
        Reply::ok(&types::GetConversionsResponse {
            request_status: types::SuccessStatus::Success,
            total_rows,
            conversions,
        })
    }
}

/// How to order rows, from an operation's sort parameters.
fn sort<F>(field: Option<F>, descending: Option<bool>) -> Sort<F> {
    Sort {
        field,
        descending: descending.unwrap_or(false),
    }
}

/// The rows asked for (`x-cake-paging`): the offset counts from the operation's first row (1,
/// or 0 on Get Click).
/// An absent offset is the first row, an absent limit the largest page.
fn window(
    op: &OperationSpec,
    start_at_row: impl Into<Option<u32>>,
    row_limit: impl Into<Option<u32>>,
) -> Window {
    let Some(paging) = op.paging() else {
        return Window::ALL;
    };
    let start = start_at_row.into().unwrap_or(paging.first_row);
    Window {
        skip: u64::from(start.saturating_sub(paging.first_row)),
        take: u64::from(row_limit.into().unwrap_or(paging.max_page_size)),
    }
}
