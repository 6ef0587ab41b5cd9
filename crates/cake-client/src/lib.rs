//! Typed Rust SDK for CAKE's reporting, click and conversion API.
//!
//! The client, its request builders and its types are generated at build time by progenitor
//! from `spec/cake.yaml` (see `build.rs`); this crate's hand-written modules sit beside them:
//! api_key injection and redaction, the date-time and money types, validation against the spec,
//! errors, retries and pagination.
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

pub mod call;
pub mod columns;
pub mod datetime;
pub mod error;
pub mod money;
pub mod paginate;
pub mod runtime;
pub mod secret;
mod sending;
pub mod spec;

mod generated {
    #![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports)]
    include!(concat!(env!("OUT_DIR"), "/client.rs"));

    /// The response enums, open to values the spec does not list (see `build.rs`).
    pub mod open_enums {
        include!(concat!(env!("OUT_DIR"), "/open_enums.rs"));
    }
}

/// `execute()`, `stream()` and `collect_all()` on each operation's builder, generated from the spec.
mod operations {
    use crate::{builder, types};
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

/// Each operation's query, typed and parsed from query pairs with the spec's rules, and
/// `OperationQuery`, the exhaustive enum of them (generated from the spec).
pub mod query {
    include!(concat!(env!("OUT_DIR"), "/queries.rs"));
}

pub use call::{CallOptions, Response};
pub use datetime::{CakeDateTime, CakeDateTimeError};
pub use error::{Error, TransportKind};
pub use generated::{builder, Client, ClientInfo};

/// The spec's schemas as Rust types, generated at build time: request enums, response bodies and
/// rows. Enums that responses carry are open (an `Unknown(String)` variant keeps a value the spec
/// does not list); unknown fields in a response are ignored.
pub mod types {
    pub use crate::generated::open_enums::*;
    pub use crate::generated::types::*;
}
pub use money::MoneyParam;
pub use paginate::{PageOptions, RowStream};
pub use runtime::{ClientBuilder, RetryPolicy};
pub use rust_decimal::Decimal;
pub use secret::ApiKey;

/// Typed httpmock helpers generated from the same spec: `use cake_client::mock::MockServerExt`,
/// then `server.get_offer_report(|when, then| ...)`.
#[cfg(feature = "mock")]
pub mod mock {
    #![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports)]
    include!(concat!(env!("OUT_DIR"), "/mock.rs"));
}
