//! The local simulator (`cake-sim`) as a contract target: served on a loopback port from a
//! runtime of its own, once per test binary with the demo dataset ([`shared`]), or fresh with a
//! store a test seeds itself ([`LocalSimulator::start`]).
//!
//! Its api_key is drawn at random per process and never leaves this module except inside the
//! requests an [`UpstreamTarget`] or an SDK client sends: tests reach the simulator through
//! those, and both redact it.

use std::{
    hash::{BuildHasher, Hasher},
    sync::OnceLock,
};

use cake_client::{
    query::{GetClickQuery, GetOfferReportQuery},
    Client, RetryPolicy,
};
use cake_sim::{Clock, RunningSimulator, Simulator, Store};

use crate::target::{Anchor, UpstreamTarget};

/// How many generated cases a local simulator runs by default: as many as httpmock, since it
/// answers in microseconds and has no rate limit.
pub const SIMULATOR_CASES: u32 = 256;

/// A simulator serving on `127.0.0.1` until dropped.
pub struct LocalSimulator {
    // Dropped in this order: the server is told to stop, then its runtime goes.
    running: RunningSimulator,
    api_key: String,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for LocalSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSimulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive() // the api_key: never shown
    }
}

/// A key no one could guess or reuse: the process's hasher seed, which std draws at random.
fn random_key() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut h = state.build_hasher();
    h.write_u32(std::process::id());
    format!("contract-sim-{:016x}", h.finish())
}

impl LocalSimulator {
    /// Serves `store` (with `clock` as "now" when given) on a free loopback port.
    pub fn start(store: Store, clock: Option<Clock>) -> Result<LocalSimulator, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cake-sim")
            .enable_all()
            .build()
            .map_err(|e| format!("the simulator's runtime: {e}"))?;
        let api_key = random_key();
        let mut simulator = Simulator::new(api_key.clone(), store);
        if let Some(clock) = clock {
            simulator = simulator.with_clock(clock);
        }
        let running = rt
            .block_on(simulator.serve("127.0.0.1:0"))
            .map_err(|e| format!("the simulator could not listen on 127.0.0.1: {e}"))?;
        Ok(LocalSimulator {
            running,
            api_key,
            rt,
        })
    }

    /// The demo dataset's simulator.
    pub fn demo() -> Result<LocalSimulator, String> {
        LocalSimulator::start(cake_sim::demo_store(), None)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The simulator, to seed or read its store.
    pub fn simulator(&self) -> &Simulator {
        self.running.simulator()
    }

    /// Runs `future` on the simulator's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// An SDK client with the simulator's key, retries off.
    pub fn client(&self) -> Result<Client, String> {
        self.client_with(RetryPolicy::none())
    }

    /// An SDK client with the simulator's key and this retry policy.
    pub fn client_with(&self, retry: RetryPolicy) -> Result<Client, String> {
        Client::builder(self.base_url(), self.api_key.as_str())
            .retry(retry)
            .build()
            .map_err(|e| e.to_string())
    }

    /// The api_key it takes: the suite's own, drawn at random per run (for a client built
    /// outside the SDK, such as the runner's).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The simulator as a contract target: writes allowed (its data is the suite's own),
    /// [`SIMULATOR_CASES`] cases, anchored on the clicks it holds.
    pub fn target(&self) -> UpstreamTarget {
        UpstreamTarget::new("simulator", &self.base_url(), &self.api_key, true)
            .with_default_cases(SIMULATOR_CASES)
            .with_anchors(self.anchors())
    }

    /// One anchor per click held: its id, offer, affiliate, the offer's advertiser and vertical,
    /// and its country's id, on the day of the click.
    pub fn anchors(&self) -> Vec<Anchor> {
        self.simulator().with_store(|store| {
            store
                .clicks()
                .map(|click| {
                    // The parameters' names, as the typed queries have them: the Offer
                    // Report's filters (the widest set) and Get Click's id.
                    type Report = GetOfferReportQuery;
                    let mut values = vec![
                        (GetClickQuery::CLICK_ID.to_string(), click.click_id.clone()),
                        (Report::OFFER_ID.to_string(), click.offer_id.to_string()),
                        (
                            Report::AFFILIATE_ID.to_string(),
                            click.affiliate_id.to_string(),
                        ),
                    ];
                    if let Some(offer) = store.offer(click.offer_id) {
                        values.push((
                            Report::ADVERTISER_ID.into(),
                            offer.advertiser_id.to_string(),
                        ));
                        if let Some(v) = offer.vertical_id {
                            values.push((Report::VERTICAL_ID.into(), v.to_string()));
                        }
                    }
                    if let Some(c) = store.countries().find(|c| c.country_code == click.country) {
                        values.push((Report::COUNTRY_ID.into(), c.country_id.to_string()));
                    }
                    Anchor {
                        values,
                        day: click.click_date.date(),
                    }
                })
                .collect()
        })
    }
}

/// The demo simulator of this test binary, started on first use and serving until the process
/// ends. Record Conversions sent by the contract tests add to its store; tests that need exact
/// figures start a [`LocalSimulator`] of their own.
pub fn shared() -> Result<&'static LocalSimulator, String> {
    static SHARED: OnceLock<Result<LocalSimulator, String>> = OnceLock::new();
    SHARED
        .get_or_init(LocalSimulator::demo)
        .as_ref()
        .map_err(Clone::clone)
}

/// The shared simulator as a contract target.
pub fn simulator_target() -> Result<UpstreamTarget, String> {
    shared().map(LocalSimulator::target)
}
