//! A local, stateful CAKE that behaves as CAKE's documentation and `spec/cake.yaml` say: it
//! records clicks and conversions in memory, deduplicates on `unique_id`, and computes every
//! report figure from what it holds.
//!
//! It exists so that teams can test real flows (record a conversion, then see it in Get
//! Conversions and in the reports) on a laptop or in CI, and so that the `cake` command works
//! on a fresh machine. It must never restate the spec by hand (parameters are validated with
//! `cake_client::spec`, answers are built from `cake_client::types`), never answer 500 or panic
//! whatever it is sent, and never log or echo the api_key.
//!
//! - [`store`]: the data and the arithmetic (no I/O).
//! - [`dataset`]: the JSON/YAML dataset file format (`cake serve --data FILE`).
//! - [`demo`]: the built-in demo dataset that reproduces every documented sample, and large
//!   deterministic stores for load tests.
//! - [`server`]: the HTTP layer (axum), with the set-up API under `/_sim/` (`setup_api`,
//!   described by `crates/cake-sim/sim-api.yaml`); `wire` shapes the store's rows into the
//!   spec's response types.
//! - [`sandbox`]: scripted faults, the settable clock and the journal of requests.
//! - [`durable`]: `--state DIR`, every acknowledged change on disk before the answer.
//!
//! In a test, start one on a free loopback port and point the SDK at it:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = cake_sim::Simulator::demo("test-key").serve("127.0.0.1:0").await?;
//! let client = cake_client::Client::builder(sim.base_url(), "test-key").build()?;
//! let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
//! let report = client.get_offer_report().start_date(day("2026-01-01")).end_date(day("2026-01-31")).execute().await?;
//! // Expectations come from the same store the server answers from.
//! let figures = sim.simulator().with_store(|store| {
//!     store.offer_figures(&cake_sim::store::ReportFilter::between(day("2026-01-01"), day("2026-01-31")))
//! });
//! assert_eq!(report.response.data.offers.len(), figures.len());
//! # Ok(()) }
//! ```

mod calendar;
mod clicks;
pub mod dataset;
pub mod demo;
pub mod durable;
mod report_index;
pub mod sandbox;
pub mod server;
mod setup_api;
pub mod store;
mod wire;

pub use dataset::{Dataset, DatasetError};
pub use demo::{demo_dataset, demo_store, demo_store_scaled};
pub use sandbox::{ClockSetting, Fault, FaultPlan, FaultRule, JournalEntry};
pub use server::{ChangeError, Clock, InjectedFailure, RunningSimulator, Simulator, DEMO_API_KEY};
pub use store::Store;
