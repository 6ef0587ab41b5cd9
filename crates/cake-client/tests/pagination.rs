//! Auto-pagination of the five list operations, checked on the wire: the offsets each endpoint
//! starts from (1, or 0 on Get Click), the page size, where paging stops (at `total_rows` when the
//! response has it, at a short page otherwise, at an empty page always), an empty first page, and
//! an exact multiple of the page size, with and without prefetch. Every stream here must end
//! within [`BOUND`]: a stream that never ends fails its test in seconds.

mod common;

use std::time::Duration;

use cake_client::{Client, Error, PageOptions};
use common::{client, date};
use futures::TryStreamExt;
use httpmock::{Method::GET, Mock, MockServer};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Offers,
    Affiliates,
    Advertisers,
    Clicks,
    Conversions,
}

const ALL: [Endpoint; 5] = [
    Endpoint::Offers,
    Endpoint::Affiliates,
    Endpoint::Advertisers,
    Endpoint::Clicks,
    Endpoint::Conversions,
];

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Endpoint::Offers => "/api/2/report/offer.json",
            Endpoint::Affiliates => "/api/2/report/affiliate.json",
            Endpoint::Advertisers => "/api/2/report/advertiser.json",
            Endpoint::Clicks => "/api/2/click.json",
            Endpoint::Conversions => "/api/2/conversions.json",
        }
    }

    /// The documented first row: CAKE's reports and Get Conversions count from 1, Get Click from 0.
    fn first_row(self) -> u32 {
        if matches!(self, Endpoint::Clicks) {
            0
        } else {
            1
        }
    }

    fn reports_total(self) -> bool {
        matches!(self, Endpoint::Clicks | Endpoint::Conversions)
    }

    fn row(self, i: u32) -> Value {
        match self {
            Endpoint::Offers => {
                json!({"offer_id":i,"offer_name":"o","clicks":1,"unique_clicks":1,"conversions":0,"conversion_rate":0.0,"payout":0,"revenue":0,"profit":0,"epc":0})
            }
            Endpoint::Affiliates => {
                json!({"affiliate_id":i,"affiliate_name":"a","clicks":1,"conversions":0,"conversion_rate":0.0,"payout":0,"epc":0})
            }
            Endpoint::Advertisers => {
                json!({"advertiser_id":i,"advertiser_name":"a","clicks":1,"conversions":0,"revenue":0})
            }
            Endpoint::Clicks => {
                json!({"click_id":format!("c{i}"),"click_date":"2026-01-15 09:42:11","offer_id":1,"affiliate_id":1,"ip_address":"198.51.100.1","country":"US","converted":false})
            }
            Endpoint::Conversions => {
                json!({"conversion":{"conversion_id":i,"offer":{"offer_id":1,"offer_name":"o"},"affiliate":{"affiliate_id":1,"affiliate_name":"a"},
                "payout":18.00,"revenue":22.00,"conversion_status":"approved","conversion_date":"2026-06-19 14:30:00"}})
            }
        }
    }

    fn body(self, rows: Vec<Value>, total: u32) -> Value {
        match self {
            Endpoint::Offers => {
                json!({"request_status":"Success","response":{"data":{"offers":rows,"totals":{"clicks":0,"conversions":0,"payout":0,"revenue":0}}}})
            }
            Endpoint::Affiliates => {
                json!({"request_status":"Success","response":{"data":{"affiliates":rows}}})
            }
            Endpoint::Advertisers => {
                json!({"request_status":"Success","response":{"data":{"advertisers":rows}}})
            }
            Endpoint::Clicks => {
                json!({"request_status":"Success","response":{"clicks":rows,"total_rows":total}})
            }
            Endpoint::Conversions => {
                json!({"request_status":"Success","total_rows":total,"conversions":rows})
            }
        }
    }

    /// Streams every row and returns their ids in order; a stream that has not ended within
    /// [`BOUND`] fails the test.
    async fn ids(self, c: &Client, options: PageOptions) -> Result<Vec<String>, Error> {
        tokio::time::timeout(BOUND, self.ids_unbounded(c, options))
            .await
            .unwrap_or_else(|_| panic!("{self:?}: the stream did not end within {BOUND:?}"))
    }

    async fn ids_unbounded(self, c: &Client, options: PageOptions) -> Result<Vec<String>, Error> {
        let (from, to) = (date("2026-01-01"), date("2026-01-31"));
        Ok(match self {
            Endpoint::Offers => {
                c.get_offer_report()
                    .start_date(from)
                    .end_date(to)
                    .stream_with(options)
                    .map_ok(|r| r.offer_id.to_string())
                    .try_collect()
                    .await?
            }
            Endpoint::Affiliates => {
                c.get_affiliate_report()
                    .start_date(from)
                    .end_date(to)
                    .stream_with(options)
                    .map_ok(|r| r.affiliate_id.to_string())
                    .try_collect()
                    .await?
            }
            Endpoint::Advertisers => {
                c.get_advertiser_report()
                    .start_date(from)
                    .end_date(to)
                    .stream_with(options)
                    .map_ok(|r| r.advertiser_id.to_string())
                    .try_collect()
                    .await?
            }
            Endpoint::Clicks => {
                c.get_click()
                    .start_date(from)
                    .end_date(to)
                    .stream_with(options)
                    .map_ok(|r| r.click_id.trim_start_matches('c').to_string())
                    .try_collect()
                    .await?
            }
            Endpoint::Conversions => {
                c.get_conversions()
                    .start_date(from)
                    .end_date(to)
                    .stream_with(options)
                    .map_ok(|r| r.conversion_id.to_string())
                    .try_collect()
                    .await?
            }
        })
    }
}

/// How long a stream of a few pages from a local mock may take before its test fails: they end in
/// milliseconds, and one that never ends must fail fast, not hang.
const BOUND: Duration = Duration::from_secs(5);

/// Serves `total` rows in pages of `size`, one mock per page offset (and one past the end).
async fn serve<'a>(server: &'a MockServer, ep: Endpoint, total: u32, size: u32) -> Vec<Mock<'a>> {
    let mut mocks = Vec::new();
    for page in 0..=(total / size + 1) {
        let start = ep.first_row() + page * size;
        let rows: Vec<Value> = (page * size..(page * size + size).min(total))
            .map(|i| ep.row(i + 1))
            .collect();
        let body = ep.body(rows, total);
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(ep.path())
                        .query_param("start_at_row", start.to_string())
                        .query_param("row_limit", size.to_string());
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    mocks
}

fn expected_ids(total: u32) -> Vec<String> {
    (1..=total).map(|i| i.to_string()).collect()
}

async fn hits(mocks: &[Mock<'_>]) -> Vec<usize> {
    let mut out = Vec::new();
    for m in mocks {
        out.push(m.calls_async().await);
    }
    out
}

#[tokio::test]
async fn several_pages_with_a_short_last_page_on_every_list_endpoint() {
    for prefetch in [false, true] {
        for ep in ALL {
            let server = MockServer::start_async().await;
            let mocks = serve(&server, ep, 5, 2).await;
            let ids = ep
                .ids(
                    &client(&server),
                    PageOptions {
                        page_size: Some(2),
                        prefetch,
                    },
                )
                .await
                .unwrap();
            assert_eq!(ids, expected_ids(5), "{ep:?}");
            // Pages at first_row, +2, +4; the last is short, so nothing after it.
            assert_eq!(
                hits(&mocks).await,
                vec![1, 1, 1, 0],
                "{ep:?} prefetch={prefetch}"
            );
        }
    }
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_size_stops_at_total_rows_or_at_the_empty_page() {
    for prefetch in [false, true] {
        for ep in ALL {
            let server = MockServer::start_async().await;
            let mocks = serve(&server, ep, 4, 2).await;
            let ids = ep
                .ids(
                    &client(&server),
                    PageOptions {
                        page_size: Some(2),
                        prefetch,
                    },
                )
                .await
                .unwrap();
            assert_eq!(ids, expected_ids(4), "{ep:?}");
            // With total_rows the stream knows it is done after 4 rows; without, an empty page
            // tells it.
            let expected = if ep.reports_total() {
                vec![1, 1, 0, 0]
            } else {
                vec![1, 1, 1, 0]
            };
            assert_eq!(hits(&mocks).await, expected, "{ep:?} prefetch={prefetch}");
        }
    }
}

#[tokio::test]
async fn an_empty_first_page_yields_nothing_after_one_request() {
    for ep in ALL {
        let server = MockServer::start_async().await;
        let mocks = serve(&server, ep, 0, 3).await;
        let ids = ep
            .ids(
                &client(&server),
                PageOptions {
                    page_size: Some(3),
                    prefetch: true,
                },
            )
            .await
            .unwrap();
        assert!(ids.is_empty(), "{ep:?}");
        assert_eq!(hits(&mocks).await, vec![1, 0], "{ep:?}");
    }
}

/// Rows deleted between pages on a live CAKE: the second page comes back empty while
/// `total_rows` still says more remain. A page with no rows ends the stream (with the rows
/// before it), whatever the total says: asking on would only ask past the end.
#[tokio::test]
async fn an_empty_page_ends_the_stream_whatever_total_rows_says() {
    for prefetch in [false, true] {
        for ep in ALL {
            let server = MockServer::start_async().await;
            let mut mocks = Vec::new();
            for (page, rows) in [
                (0u32, vec![ep.row(1), ep.row(2)]),
                (1, vec![]),
                (2, vec![ep.row(9)]),
            ] {
                let body = ep.body(rows, 5);
                let start = ep.first_row() + page * 2;
                mocks.push(
                    server
                        .mock_async(|when, then| {
                            when.method(GET)
                                .path(ep.path())
                                .query_param("start_at_row", start.to_string())
                                .query_param("row_limit", "2");
                            then.status(200).json_body(body);
                        })
                        .await,
                );
            }
            let options = PageOptions {
                page_size: Some(2),
                prefetch,
            };
            let ids = ep.ids(&client(&server), options).await.unwrap();
            assert_eq!(ids, expected_ids(2), "{ep:?} prefetch={prefetch}");
            assert_eq!(
                hits(&mocks).await,
                vec![1, 1, 0],
                "{ep:?} prefetch={prefetch}"
            );
        }
    }
}

#[tokio::test]
async fn the_default_page_is_the_endpoints_spec_maximum() {
    for (ep, max) in [
        (Endpoint::Offers, 10000),
        (Endpoint::Clicks, 10000),
        (Endpoint::Conversions, 500),
    ] {
        let server = MockServer::start_async().await;
        let mocks = serve(&server, ep, 3, max).await;
        let ids = ep
            .ids(&client(&server), PageOptions::default())
            .await
            .unwrap();
        assert_eq!(ids, expected_ids(3));
        assert_eq!(
            hits(&mocks).await[0],
            1,
            "{ep:?} asked for row_limit={max} from {}",
            ep.first_row()
        );
    }
}

#[tokio::test]
async fn a_page_size_above_the_maximum_fails_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    for size in [501, 0] {
        let e = Endpoint::Conversions
            .ids(
                &client(&server),
                PageOptions {
                    page_size: Some(size),
                    prefetch: true,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.parameter(), Some("row_limit"), "page size {size}");
        assert!(
            e.to_string().contains(&format!(
                "expected a page size from 1 to 500 for get_conversions, got {size}"
            )),
            "the stream's own refusal: {e}"
        );
    }
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error_after_the_rows_before_it() {
    let server = MockServer::start_async().await;
    let ep = Endpoint::Conversions;
    let body = ep.body(vec![ep.row(1), ep.row(2)], 6);
    server
        .mock_async(|when, then| {
            when.query_param("start_at_row", "1");
            then.status(200).json_body(body);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.query_param("start_at_row", "3");
            then.status(400).json_body(
                json!({"request_status":"Failure","message":"no","parameter":"start_at_row"}),
            );
        })
        .await;
    let c = client(&server);
    let mut stream = c
        .get_conversions()
        .start_date(date("2026-01-01"))
        .end_date(date("2026-01-31"))
        .stream_with(PageOptions {
            page_size: Some(2),
            prefetch: true,
        });
    assert_eq!(stream.total_rows(), None, "unknown before the first page");
    macro_rules! next {
        () => {
            tokio::time::timeout(BOUND, stream.try_next())
                .await
                .expect("a row or the end comes in time")
        };
    }
    assert_eq!(next!().unwrap().unwrap().conversion_id, 1);
    assert_eq!(next!().unwrap().unwrap().conversion_id, 2);
    let e = next!().unwrap_err();
    assert_eq!(e.parameter(), Some("start_at_row"));
    assert!(
        next!().unwrap().is_none(),
        "the stream ends after its error"
    );
    assert_eq!(stream.total_rows(), Some(6));
}

#[tokio::test]
async fn collect_all_gathers_every_page() {
    let server = MockServer::start_async().await;
    let _mocks = serve(&server, Endpoint::Clicks, 7, 10000).await;
    let all = tokio::time::timeout(
        BOUND,
        client(&server).get_click().offer_id(12345u32).collect_all(),
    )
    .await
    .expect("the stream ends")
    .unwrap();
    assert_eq!(all.len(), 7);
}
