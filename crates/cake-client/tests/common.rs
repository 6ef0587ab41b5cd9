//! Helpers shared by the integration tests.
#![allow(dead_code)]

use cake_client::{Client, RetryPolicy};
use httpmock::{HttpMockRequest, MockServer};

pub const KEY: &str = "k3y-SECRET-4f9a";

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.base_url(), KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// A matcher that holds the request's whole query, api_key included, to exactly `expected`
/// (order aside): nothing missing, nothing extra, nothing twice.
pub fn exact_query(
    expected: &[(&str, &str)],
) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    expected.sort();
    move |req: &HttpMockRequest| {
        let mut got = req.query_params();
        got.sort();
        got == expected
    }
}
