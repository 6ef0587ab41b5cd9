//! A server-side conversion with `unique_id`: safe to retry, because CAKE deduplicates on it.
//! Without a `unique_id` the SDK never retries Record Conversion (it is a GET that creates data).
//!
//! `CAKE_BASE_URL=... CAKE_API_KEY=... cargo run -p cake-client --example server_side_conversion -- CLICK_ID OFFER_ID ORDER_ID`

#[path = "shared/mod.rs"]
mod common;

use cake_client::Error;
use rust_decimal_macros::dec;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [click_id, offer_id, order_id] = args.as_slice() else {
        eprintln!("usage: server_side_conversion CLICK_ID OFFER_ID ORDER_ID");
        std::process::exit(2);
    };
    let Ok(offer_id) = offer_id.parse::<u32>() else {
        eprintln!("OFFER_ID: expected a positive integer, got {offer_id:?}");
        std::process::exit(2);
    };
    let client = common::client_from_env();
    let result = client
        .record_conversion()
        .click_id(click_id.as_str())
        .offer_id(offer_id)
        .revenue(dec!(22.00))
        .unique_id(order_id.as_str()) // our order id: a repeat returns the original conversion
        .order_id(order_id.as_str())
        .execute()
        .await;
    match result {
        Ok(r) => println!(
            "conversion {} recorded: payout {} revenue {}",
            r.conversion.conversion_id, r.conversion.payout, r.conversion.revenue
        ),
        Err(Error::Api {
            status,
            message,
            parameter,
        }) => {
            eprintln!("CAKE refused it (HTTP {status}, parameter {parameter:?}): {message}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
