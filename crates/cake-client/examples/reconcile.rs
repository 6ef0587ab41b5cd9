//! Reconciliation: CAKE's conversions for an offer against the advertiser's own list of orders
//! (here a CSV-like list on stdin: `order_id,amount` lines; our `unique_id` is the order id).
//! Prints what one side has and the other lacks, and any amount that differs.
//!
//! `printf 'ORD-98765,22.00\n' | CAKE_BASE_URL=... CAKE_API_KEY=... cargo run -p cake-client --example reconcile`

#[path = "shared/mod.rs"]
mod common;

use std::{collections::BTreeMap, io::BufRead};

use cake_client::Decimal;

#[tokio::main]
async fn main() -> Result<(), cake_client::Error> {
    let client = common::client_from_env();
    let mut advertiser: BTreeMap<String, Decimal> = BTreeMap::new();
    for (n, line) in std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .enumerate()
    {
        let Some((order, amount)) = line.split_once(',') else {
            continue;
        };
        match amount.trim().parse::<Decimal>() {
            Ok(amount) => {
                advertiser.insert(order.trim().to_string(), amount);
            }
            Err(_) => eprintln!("line {}: {amount:?} is not an amount, skipped", n + 1),
        }
    }
    let conversions = client
        .get_conversions()
        .start_date(common::date("2026-06-01"))
        .end_date(common::date("2026-06-30"))
        .offer_id(12345u32)
        .collect_all()
        .await?;
    let mut cake_total = Decimal::ZERO;
    for c in &conversions {
        cake_total += c.revenue;
        println!(
            "CAKE conversion {} {} revenue {}",
            c.conversion_id, c.conversion_date, c.revenue
        );
    }
    let advertiser_total: Decimal = advertiser.values().sum();
    println!(
        "\nCAKE: {} conversions, revenue {cake_total:.2}",
        conversions.len()
    );
    println!(
        "advertiser: {} orders, amount {advertiser_total:.2}",
        advertiser.len()
    );
    println!("difference: {:.2}", cake_total - advertiser_total);
    Ok(())
}
