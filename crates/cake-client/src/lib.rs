//! Typed Rust SDK for CAKE's reporting, click and conversion API.
//!
//! The client, its request builders and its types are generated at build time by progenitor
//! from `spec/cake.yaml` (see `build.rs`); this crate's hand-written modules sit beside them:
//! api_key injection and redaction, the date-time and money types, validation against the spec,
//! errors, retries and pagination.

pub mod datetime;
pub mod error;
pub mod money;
pub mod paginate;
pub mod runtime;
pub mod secret;
pub mod spec;

mod generated {
    #![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports)]
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

/// `execute()`, `stream()` and `collect_all()` on each operation's builder, generated from the spec.
mod operations {
    use crate::{builder, types};
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}

pub use datetime::{CakeDateTime, CakeDateTimeError};
pub use error::{Error, TransportKind};
pub use generated::{builder, types, Client, ClientInfo};
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
