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
//! Layers, each using only those below it (`cargo xtask layers` holds that there is no import
//! cycle):
//! - [`http`]: the HTTP adapter (axum): a GET on one of the spec's paths becomes a
//!   [`Simulator::call`], its [`Answer`] the response; the set-up API under `/_sim/` (described
//!   by `crates/cake-sim/sim-api.yaml`) calls the simulator's set-up methods.
//! - [`simulator`]: the [`Simulator`], with no transport: its state, start-up, the set-up
//!   changes (each kept on disk first with `--state`), and the path of every request (faults,
//!   the api_key, the operation, the journal). A test can drive it all without a socket.
//! - [`sandbox`]: scripted faults, the settable clock and the journal of requests, as data;
//!   [`durable`]: `--state DIR`, every acknowledged change on disk before the answer;
//!   [`dataset`]: the JSON/YAML dataset file format (`cake serve --data FILE`); [`demo`]: the
//!   built-in demo dataset that reproduces every documented sample, and large deterministic
//!   stores for load tests; `wire` shapes the store's rows into the spec's response types.
//! - [`store`]: the data and the arithmetic (no I/O), with its internals under it.
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

pub mod dataset;
pub mod demo;
pub mod durable;
pub mod http;
pub mod sandbox;
pub mod simulator;
pub mod store;
mod wire;

pub use dataset::{Dataset, DatasetError};
pub use demo::{demo_dataset, demo_store, demo_store_scaled};
pub use http::RunningSimulator;
pub use sandbox::{Clock, ClockSetting, Fault, FaultPlan, FaultRule, JournalEntry};
pub use simulator::{Answer, ChangeError, InjectedFailure, Reply, Simulator, DEMO_API_KEY};
pub use store::Store;
