//! Typed Rust SDK for CAKE's reporting, click and conversion API.
//!
//! Its types, request builders, typed queries and mocks are generated at build time from
//! `spec/cake.yaml` by cake-codegen (typify, progenitor's type generator, for the types; see
//! `build.rs`); this crate's hand-written modules sit beside them and are the one request path
//! every builder goes through: the client and its api_key, the checks against the spec, retries,
//! errors, pagination, and the date-time and money types.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cake_client::Error> {
//! use cake_client::{types, Client};
//! let client = Client::builder("https://yourdomain.cakemarketing.com", "YOUR_API_KEY").build()?;
//! let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
//! let report = client
//!     .get_offer_report()
//!     .start_date(day(1))
//!     .end_date(day(31))
//!     .sort_field(types::OfferReportSortField::Conversions)
//!     .sort_descending(true)
//!     .execute()
//!     .await?;
//! for offer in &report.response.data.offers {
//!     println!("{} {} {}", offer.offer_name, offer.conversions, offer.payout);
//! }
//! // Every conversion of the month, page after page:
//! let all = client.get_conversions().start_date(day(1)).end_date(day(31)).collect_all().await?;
//! # let _ = all;
//! # Ok(()) }
//! ```
//!
//! Errors are one type, [`Error`]; the api_key never appears in any of them, nor in `Debug`
//! output or logs. Record Conversion is retried only when it carries a `unique_id`.

#![warn(missing_docs)]

// The generated types name this crate's own types by its name (`::cake_client::Money`), as
// typify's `x-rust-type` does for a type that lives in a crate.
extern crate self as cake_client;

pub mod call;
pub mod columns;
pub mod datetime;
pub mod error;
pub mod money;
pub mod paginate;
pub mod runtime;
pub mod secret;
#[doc(hidden)]
pub mod sending;
pub mod spec;

// The generated code (`types`, `builder`, `query`, `mock`, the `table` of the spec's constraints,
// `Columns` for the response types, and a method per operation on `Client`).
include!(concat!(env!("OUT_DIR"), "/sdk.rs"));

pub use call::{CallOptions, Response};
pub use datetime::{CakeDateTime, CakeDateTimeError};
pub use error::{Error, TransportKind};
pub use money::{Money, MoneyParam};
pub use paginate::{PageOptions, RowStream};
pub use runtime::{Client, ClientBuilder, RetryPolicy};
pub use rust_decimal::Decimal;
pub use secret::ApiKey;
