//! The simulator's HTTP face: the six operations of `spec/cake.yaml` over a shared [`Store`], and
//! the set-up API under `/_sim/` (described by `crates/cake-sim/sim-api.yaml`): load data, set
//! or move the clock, reset, read the journal, script faults (see [`crate::sandbox`]).
//!
//! Every request is checked the same way before anything is computed: the api_key (401 when
//! missing or wrong), then every parameter against the spec's own constraints through
//! `cake_client::spec` (400 naming the parameter). Answers are built from the SDK's generated
//! types, so what goes on the wire is the spec's shape. No input may produce a panic or a 500,
//! and nothing here logs or echoes the api_key: logs show the path and status only.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use cake_client::{
    query::{self, OperationQuery},
    spec::{self, OperationSpec, ParamError},
    types, CakeDateTime,
};
use chrono::NaiveDate;

use crate::{
    dataset::{Dataset, DatasetError},
    durable::{Change, StateError, StateLog},
    sandbox::{ClockSetting, Fault, FaultPlan, FaultRule, Faults, Journal, PlanError},
    store::{ConversionQuery, ConversionRequest, RecordError, ReportFilter, Sort, Store, Window},
    wire,
};

/// The api_key a simulator accepts unless told otherwise: documented, so not a secret.
pub const DEMO_API_KEY: &str = "cake-sim-demo-key";

/// What "now" is for a conversion recorded without a `conversion_date`.
pub type Clock = Arc<dyn Fn() -> CakeDateTime + Send + Sync>;

/// A failure the simulator was told to answer with, for testing clients' error handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectedFailure {
    /// The HTTP status (e.g. 429, 503).
    pub status: u16,
    /// A `Retry-After` header, in seconds, when set.
    pub retry_after_seconds: Option<u32>,
}

struct Shared {
    api_key: String,
    /// One lock around the whole store. Reads (reports, lists) share it, so concurrent reports
    /// do not queue; Record Conversion takes it exclusively, so its dedup check and insert are
    /// one step and two racing requests with the same `unique_id` record one conversion.
    /// With a kept start ([`StartStore::Kept`]), shared with it until the first change (copy on
    /// write), so that keeping the start for `reset` costs no copy at start-up.
    store: RwLock<Arc<Store>>,
    clock: RwLock<ClockSetting>,
    faults: Mutex<Faults>,
    journal: Mutex<Journal>,
    /// What `reset` goes back to: the state the simulator started with.
    start: Start,
    /// Where acknowledged changes are kept (`--state DIR`), when they are.
    log: Option<Mutex<StateLog>>,
}

/// Why a change through the set-up API (or its methods) was not made.
#[derive(Debug)]
pub enum ChangeError {
    /// The fault plan cannot work.
    Plan(PlanError),
    /// The data is invalid or refers to something that does not exist.
    Data(DatasetError),
    /// It could not be kept on disk (`--state`), so it was not made.
    State(StateError),
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeError::Plan(e) => e.fmt(f),
            ChangeError::Data(e) => e.fmt(f),
            ChangeError::State(e) => write!(f, "not made: it could not be kept on disk: {e}"),
        }
    }
}

impl std::error::Error for ChangeError {}

/// The state a simulator started with.
struct Start {
    store: StartStore,
    clock: ClockSetting,
    faults: FaultPlan,
}

/// How `reset` gets the starting data back.
#[derive(Clone)]
enum StartStore {
    /// Kept as it was: after the first change the simulator holds two stores.
    Kept(Arc<Store>),
    /// Built again by the same code: a large generated store is not held twice (see
    /// [`Simulator::rebuilt_on_reset`]).
    Rebuilt(Arc<dyn Fn() -> Store + Send + Sync>),
}

impl StartStore {
    fn store(&self) -> Arc<Store> {
        match self {
            StartStore::Kept(store) => store.clone(),
            StartStore::Rebuilt(build) => Arc::new(build()),
        }
    }
}

/// A simulator: a store, the api_key it accepts, and its clock. Cheap to clone (shared state);
/// serve it with [`Simulator::serve`] or mount [`Simulator::router`] yourself.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let sim = cake_sim::Simulator::demo("test-key").serve("127.0.0.1:0").await?;
/// let client = cake_client::Client::builder(sim.base_url(), "test-key").build().unwrap();
/// let clicks = sim.simulator().with_store(|store| store.click_count());
/// # let _ = (client, clicks); Ok(()) }
/// ```
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the api_key.
        f.debug_struct("Simulator").finish_non_exhaustive()
    }
}

/// The wall clock, in UTC: the simulator stands for an instance whose zone is UTC.
pub fn utc_clock() -> Clock {
    Arc::new(|| CakeDateTime::new(chrono::Utc::now().naive_utc()))
}

impl Simulator {
    /// A simulator of `store` accepting `api_key`, with the UTC wall clock.
    pub fn new(api_key: impl Into<String>, store: Store) -> Self {
        let store = Arc::new(store);
        Self::build(
            api_key.into(),
            StartStore::Kept(store.clone()),
            store,
            ClockSetting::Wall,
            FaultPlan::default(),
        )
    }

    /// A simulator of the store `build` makes, accepting `api_key`: `reset` calls `build`
    /// again instead of keeping a copy of the start, so that a large store (`cake serve
    /// --demo-scale`) is never held twice. `build` must make the same store every time.
    pub fn rebuilt_on_reset(
        api_key: impl Into<String>,
        build: impl Fn() -> Store + Send + Sync + 'static,
    ) -> Self {
        let store = Arc::new(build());
        Self::build(
            api_key.into(),
            StartStore::Rebuilt(Arc::new(build)),
            store,
            ClockSetting::Wall,
            FaultPlan::default(),
        )
    }

    fn build(
        api_key: String,
        start: StartStore,
        store: Arc<Store>,
        clock: ClockSetting,
        faults: FaultPlan,
    ) -> Self {
        Self::build_with_log(api_key, start, store, clock, faults, None)
    }

    fn build_with_log(
        api_key: String,
        start: StartStore,
        store: Arc<Store>,
        clock: ClockSetting,
        faults: FaultPlan,
        log: Option<StateLog>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                log: log.map(Mutex::new),
                api_key,
                start: Start {
                    store: start,
                    clock: clock.clone(),
                    faults: faults.clone(),
                },
                store: RwLock::new(store),
                clock: RwLock::new(clock),
                faults: Mutex::new(Faults::new(faults)),
                journal: Mutex::new(Journal::default()),
            }),
        }
    }

    /// A simulator of the built-in demo dataset.
    pub fn demo(api_key: impl Into<String>) -> Self {
        Self::new(api_key, crate::demo::demo_store())
    }

    /// A simulator of the demo dataset plus `extra_clicks` generated clicks
    /// ([`crate::demo_store_scaled`]), rebuilt on reset rather than kept twice.
    pub fn demo_scaled(api_key: impl Into<String>, extra_clicks: u64) -> Self {
        Self::rebuilt_on_reset(api_key, move || {
            crate::demo::demo_store_scaled(extra_clicks)
        })
    }

    /// The same simulator with another clock (e.g. a fixed time, for tests), also after a
    /// reset. Call before cloning or serving: it builds new shared state from this one's store.
    pub fn with_clock(self, clock: Clock) -> Self {
        self.rebuilt(Some(ClockSetting::Custom(clock)), None)
    }

    /// The same simulator with these scripted faults from the start (and after a reset), for
    /// `cake serve --faults FILE`. Call before cloning or serving.
    pub fn with_faults(self, plan: FaultPlan) -> Self {
        self.rebuilt(None, Some(plan))
    }

    fn rebuilt(self, clock: Option<ClockSetting>, faults: Option<FaultPlan>) -> Self {
        let shared = &self.shared;
        let clock = clock.unwrap_or_else(|| shared.start.clock.clone());
        let faults = faults.unwrap_or_else(|| shared.start.faults.clone());
        // Taken, not shared: the old simulator is gone, and a shared store would be copied on
        // the first change.
        let store = std::mem::take(&mut *write(&shared.store));
        Self::build(
            shared.api_key.clone(),
            shared.start.store.clone(),
            store,
            clock,
            faults,
        )
    }

    /// The same simulator keeping every acknowledged change in `dir` (`cake serve --state DIR`)
    /// and restored from what is there: the changes a simulator with the same `start` (a
    /// description of its starting data, such as `demo data`) made before. See
    /// [`crate::durable`]. Call before cloning or serving.
    pub fn with_state(self, dir: &std::path::Path, start: &str) -> Result<Self, StateError> {
        let (log, changes) = StateLog::open(dir, start)?;
        let shared = &self.shared;
        let sim = Self::build_with_log(
            shared.api_key.clone(),
            shared.start.store.clone(),
            std::mem::take(&mut *write(&shared.store)),
            shared.start.clock.clone(),
            shared.start.faults.clone(),
            None,
        );
        for (i, change) in changes.into_iter().enumerate() {
            sim.apply(change).map_err(|message| StateError {
                path: dir.join("journal.ndjson"),
                message: format!("change {} does not replay: {message}", i + 1),
            })?;
        }
        // The restored state goes on from here; `reset` still goes back to the start.
        let restored = Self::build_with_log(
            shared.api_key.clone(),
            shared.start.store.clone(),
            std::mem::take(&mut *write(&sim.shared.store)),
            read(&sim.shared.clock).clone(),
            lock(&sim.shared.faults).plan().clone(),
            Some(log),
        );
        let start = &self.shared.start;
        let restored_shared = Arc::try_unwrap(restored.shared).ok().map(|s| Shared {
            start: Start {
                store: start.store.clone(),
                clock: start.clock.clone(),
                faults: start.faults.clone(),
            },
            ..s
        });
        Ok(Self {
            shared: Arc::new(restored_shared.expect("a simulator just built is not shared")),
        })
    }

    /// Applies a journaled change, without journaling it again.
    fn apply(&self, change: Change) -> Result<(), String> {
        match change {
            Change::RecordConversion { request, now } => {
                // It replays as it answered: an error then is the same error now.
                let _ =
                    Arc::make_mut(&mut write(&self.shared.store)).record_conversion(request, now);
            }
            Change::Data { dataset } => {
                dataset
                    .load_into(Arc::make_mut(&mut write(&self.shared.store)))
                    .map_err(|e| e.to_string())?;
            }
            Change::Clock { fixed } => {
                *write(&self.shared.clock) = fixed.map_or(ClockSetting::Wall, ClockSetting::Fixed)
            }
            Change::Faults { plan } => *lock(&self.shared.faults) = Faults::new(plan),
            Change::Reset => self.reset_locked(&mut write(&self.shared.store)),
        }
        Ok(())
    }

    /// Keeps `change` on disk before it is made, when the simulator keeps its state.
    fn persist(&self, change: &Change) -> Result<(), StateError> {
        match &self.shared.log {
            Some(log) => lock(log).append(change),
            None => Ok(()),
        }
    }

    /// The time "now" is for a conversion recorded without a `conversion_date`.
    pub fn now(&self) -> CakeDateTime {
        read(&self.shared.clock).now()
    }

    /// `wall`, `fixed` or `custom` (see [`ClockSetting::mode`]).
    pub fn clock_mode(&self) -> &'static str {
        read(&self.shared.clock).mode()
    }

    /// Sets the clock (the set-up API's `PUT /_sim/clock`). A wall or fixed clock is kept by
    /// `--state`; a custom one (a closure) is not.
    pub fn set_clock(&self, clock: ClockSetting) -> Result<(), ChangeError> {
        let mut current = write(&self.shared.clock);
        match &clock {
            ClockSetting::Wall => self.persist(&Change::Clock { fixed: None }),
            ClockSetting::Fixed(t) => self.persist(&Change::Clock { fixed: Some(*t) }),
            ClockSetting::Custom(_) => Ok(()),
        }
        .map_err(ChangeError::State)?;
        *current = clock;
        Ok(())
    }

    /// Puts scripted faults in force from now, replacing any (`PUT /_sim/faults`).
    pub fn set_faults(&self, plan: FaultPlan) -> Result<(), ChangeError> {
        plan.validate().map_err(ChangeError::Plan)?;
        let mut faults = lock(&self.shared.faults);
        self.persist(&Change::Faults { plan: plan.clone() })
            .map_err(ChangeError::State)?;
        *faults = Faults::new(plan);
        Ok(())
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultPlan {
        lock(&self.shared.faults).plan().clone()
    }

    /// Adds a dataset's entries to the store (`POST /_sim/data`): all of them, or none and the
    /// entry at fault.
    pub fn load(&self, dataset: Dataset) -> Result<(), ChangeError> {
        let mut store = write(&self.shared.store);
        let mut next = store.as_ref().clone();
        dataset
            .clone()
            .load_into(&mut next)
            .map_err(ChangeError::Data)?;
        self.persist(&Change::Data { dataset })
            .map_err(ChangeError::State)?;
        *store = Arc::new(next);
        Ok(())
    }

    /// Back to the state the simulator started with: its data, clock and faults; the journal
    /// emptied (`POST /_sim/reset`).
    pub fn reset(&self) -> Result<(), ChangeError> {
        // One step under the store's lock: no conversion can land between the journaled reset
        // and the reset itself.
        let mut store = write(&self.shared.store);
        self.persist(&Change::Reset).map_err(ChangeError::State)?;
        self.reset_locked(&mut store);
        Ok(())
    }

    /// A rebuilt start is built under the lock, after the changed store is dropped, so that
    /// its memory is reused rather than held twice (requests wait meanwhile: about 1.5 s for
    /// a million generated clicks).
    fn reset_locked(&self, store: &mut Arc<Store>) {
        let start = &self.shared.start;
        *store = Arc::default();
        *store = start.store.store();
        *write(&self.shared.clock) = start.clock.clone();
        *lock(&self.shared.faults) = Faults::new(start.faults.clone());
        *lock(&self.shared.journal) = Journal::default();
    }

    /// The requests received on CAKE's operations (the last [`Journal::CAPACITY`]), oldest
    /// first, api_key redacted, and how many came in all (`GET /_sim/journal`).
    pub fn journal(&self) -> (Vec<crate::sandbox::JournalEntry>, u64) {
        lock(&self.shared.journal).entries()
    }

    /// Reads the store (under its shared lock: writers wait for `f`, so keep it short).
    pub fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&read(&self.shared.store))
    }

    /// Changes the store (under its exclusive lock), e.g. to seed clicks during a test.
    pub fn with_store_mut<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(Arc::make_mut(&mut write(&self.shared.store)))
    }

    /// Makes the next `count` requests (any operation, before authentication) fail with this
    /// status and the Failure envelope, to test how a client handles 429s and 5xxs: a
    /// [`FaultRule`] added to the faults in force.
    pub fn inject_failures(&self, failure: InjectedFailure, count: usize) {
        lock(&self.shared.faults).push(FaultRule {
            operation: None,
            fault: Fault::Status {
                status: failure.status,
                retry_after_seconds: failure.retry_after_seconds,
            },
            after: 0,
            times: Some(u32::try_from(count).unwrap_or(u32::MAX)),
            probability: None,
        });
    }

    /// The axum router of the six operations, the set-up API under `/_sim/`, and Failure
    /// envelopes for unknown paths and methods.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for op in spec::operations() {
            router = router.route(
                op.path,
                get(
                    move |State(sim): State<Simulator>, RawQuery(query): RawQuery| async move {
                        sim.handle(op, query.as_deref().unwrap_or("")).await
                    },
                ),
            );
        }
        crate::setup_api::routes(router)
            .fallback(|| async {
                failure(
                    StatusCode::NOT_FOUND,
                    "no such operation; the simulator serves the paths of spec/cake.yaml, e.g. /api/2/report/offer.json, and its set-up API under /_sim/",
                    None,
                )
            })
            .method_not_allowed_fallback(|| async {
                failure(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "every CAKE operation is a GET; see crates/cake-sim/sim-api.yaml for /_sim/",
                    None,
                )
            })
            .with_state(self.clone())
    }

    /// Binds `addr` (e.g. `127.0.0.1:0` for any free port) and serves in the background until
    /// the returned handle is shut down or dropped.
    pub async fn serve(&self, addr: &str) -> std::io::Result<RunningSimulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                // Either a shutdown call or the handle being dropped stops the server.
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "the simulator's server stopped");
            }
        });
        tracing::info!(%local_addr, "CAKE simulator listening");
        Ok(RunningSimulator {
            simulator: self.clone(),
            addr: local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    async fn handle(&self, op: &'static OperationSpec, raw_query: &str) -> Response {
        let decision = lock(&self.shared.faults).decide(op.id);
        if decision.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(decision.latency_ms)).await;
        }
        let response = match decision.status {
            Some((status, retry_after_seconds)) => injected_failure(InjectedFailure {
                status,
                retry_after_seconds,
            }),
            None => self.answer(op, raw_query),
        };
        let status = response.status().as_u16();
        let answered = (!decision.drop_after_commit).then_some(status);
        lock(&self.shared.journal).push(op.id, redact_query(raw_query), answered);
        tracing::debug!(
            path = op.path,
            status,
            dropped = decision.drop_after_commit,
            "served"
        );
        if decision.drop_after_commit {
            return dropped_connection();
        }
        response
    }

    /// Whether `raw_query` carries exactly the api_key this simulator accepts.
    pub(crate) fn authorized(&self, raw_query: &str) -> bool {
        self.authorized_params(raw_query).is_some()
    }

    /// The parameters of `raw_query` other than the api_key, when it carries exactly the api_key
    /// this simulator accepts (once, and equal to it); `None` otherwise. The one check of the key.
    fn authorized_params(&self, raw_query: &str) -> Option<Vec<(String, String)>> {
        let mut api_keys = Vec::new();
        let mut params = Vec::new();
        for (name, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
            if name == cake_client::spec::API_KEY_PARAM {
                api_keys.push(value);
            } else {
                params.push((name.into_owned(), value.into_owned()));
            }
        }
        matches!(api_keys.as_slice(), [key] if same_secret(key, &self.shared.api_key))
            .then_some(params)
    }

    fn answer(&self, op: &'static OperationSpec, raw_query: &str) -> Response {
        use cake_client::spec::API_KEY_PARAM;
        let Some(params) = self.authorized_params(raw_query) else {
            return failure(
                StatusCode::UNAUTHORIZED,
                &format!(
                    "{API_KEY_PARAM}: missing or not valid; send the {API_KEY_PARAM} this simulator was started with"
                ),
                Some(API_KEY_PARAM),
            );
        };
        let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let query = match OperationQuery::parse(op.id, pairs) {
            Some(Ok(query)) => query,
            Some(Err(e)) => return bad_request(e),
            // `op` comes from the spec's table, so the spec has it.
            None => return failure(StatusCode::NOT_FOUND, "no such operation", None),
        };
        // Exhaustive: an operation added to the spec does not compile here until it is served.
        match query {
            OperationQuery::GetOfferReport(q) => self.offer_report(op, q),
            OperationQuery::GetAffiliateReport(q) => self.affiliate_report(op, q),
            OperationQuery::GetAdvertiserReport(q) => self.advertiser_report(op, q),
            OperationQuery::GetClick(q) => self.get_click(op, q),
            OperationQuery::RecordConversion(q) => self.record_conversion(q),
            OperationQuery::GetConversions(q) => self.get_conversions(op, q),
        }
    }

    fn offer_report(&self, op: &OperationSpec, q: query::GetOfferReportQuery) -> Response {
        // Every parameter by name, no `..`: one the spec adds does not compile until it is used.
        let query::GetOfferReportQuery {
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            advertiser_id,
            vertical_id,
            country_id,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            vertical_id: vertical_id.map(u64::from),
            country_id: country_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let sort = sort(sort_field, sort_descending);
        let window = window(op, start_at_row, row_limit);
        let data = self.with_store(|s| {
            let (rows, totals) = s.offer_rows(&filter, sort, window);
            wire::offer_report(s, rows, totals)
        });
        ok(types::OfferReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::OfferReportBody { data },
        })
    }

    fn affiliate_report(&self, op: &OperationSpec, q: query::GetAffiliateReportQuery) -> Response {
        let query::GetAffiliateReportQuery {
            start_date,
            end_date,
            affiliate_id,
            offer_id,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let sort = sort(sort_field, sort_descending);
        let window = window(op, start_at_row, row_limit);
        let data =
            self.with_store(|s| wire::affiliate_report(s, s.affiliate_rows(&filter, sort, window)));
        ok(types::AffiliateReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::AffiliateReportBody { data },
        })
    }

    fn advertiser_report(
        &self,
        op: &OperationSpec,
        q: query::GetAdvertiserReportQuery,
    ) -> Response {
        let query::GetAdvertiserReportQuery {
            start_date,
            end_date,
            advertiser_id,
            offer_id,
            start_at_row,
            row_limit,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let window = window(op, start_at_row, row_limit);
        let data =
            self.with_store(|s| wire::advertiser_report(s, s.advertiser_rows(&filter, window)));
        ok(types::AdvertiserReportResponse {
            request_status: types::SuccessStatus::Success,
            response: types::AdvertiserReportBody { data },
        })
    }

    fn get_click(&self, op: &OperationSpec, q: query::GetClickQuery) -> Response {
        let query::GetClickQuery {
            click_id,
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            start_at_row,
            row_limit,
        } = q;
        // Get Click's dates are optional: without them, every day.
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            ..ReportFilter::between(
                start_date.unwrap_or(NaiveDate::MIN),
                end_date.unwrap_or(NaiveDate::MAX),
            )
        };
        let window = window(op, start_at_row, row_limit);
        let query = crate::store::ClickQuery { click_id, filter };
        let page = self.with_store(|s| {
            let (clicks, total_rows) = s.click_rows(&query, window);
            types::ClickPage {
                clicks: clicks.into_iter().map(wire::click).collect(),
                total_rows,
            }
        });
        ok(types::GetClickResponse {
            request_status: types::SuccessStatus::Success,
            response: page,
        })
    }

    fn record_conversion(&self, q: query::RecordConversionQuery) -> Response {
        let query::RecordConversionQuery {
            click_id,
            offer_id,
            payout,
            revenue,
            conversion_date,
            unique_id,
            order_id,
            adv1,
            adv2,
            adv3,
            adv4,
            adv5,
        } = q;
        let request = ConversionRequest {
            click_id,
            offer_id: u64::from(offer_id),
            payout,
            revenue,
            conversion_date,
            unique_id,
            order_id,
            adv: [adv1, adv2, adv3, adv4, adv5],
        };
        let now = self.now();
        let recorded = {
            let mut store = write(&self.shared.store);
            // Kept on disk first (with --state): a conversion acknowledged is never lost.
            let change = Change::RecordConversion {
                request: request.clone(),
                now,
            };
            if let Err(e) = self.persist(&change) {
                return failure(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("the conversion was not recorded: the simulator could not keep it on disk ({e})"),
                    None,
                );
            }
            Arc::make_mut(&mut store).record_conversion(request, now)
        };
        match recorded {
            Ok(outcome) => ok(types::RecordConversionResponse {
                request_status: types::SuccessStatus::Success,
                conversion: wire::recorded(&outcome.conversion),
            }),
            Err(e) => {
                let status = match e {
                    RecordError::UnknownClick { .. } => StatusCode::NOT_FOUND,
                    RecordError::WrongOffer { .. }
                    | RecordError::OutOfConversionIds
                    | RecordError::AmountTooLarge { .. } => StatusCode::CONFLICT,
                };
                failure(status, &e.to_string(), e.parameter())
            }
        }
    }

    fn get_conversions(&self, op: &OperationSpec, q: query::GetConversionsQuery) -> Response {
        let query::GetConversionsQuery {
            start_date,
            end_date,
            offer_id,
            affiliate_id,
            advertiser_id,
            conversion_status,
            start_at_row,
            row_limit,
            sort_field,
            sort_descending,
        } = q;
        let filter = ReportFilter {
            offer_id: offer_id.map(u64::from),
            affiliate_id: affiliate_id.map(u64::from),
            advertiser_id: advertiser_id.map(u64::from),
            ..ReportFilter::between(start_date, end_date)
        };
        let window = window(op, start_at_row, row_limit);
        let query = ConversionQuery {
            filter,
            conversion_status,
            sort: sort(sort_field, sort_descending),
        };
        let (conversions, total_rows) = self.with_store(|s| {
            let (rows, total_rows) = s.conversion_rows(&query, window);
            let items = rows
                .into_iter()
                .map(|c| types::ConversionItem {
                    conversion: wire::conversion(s, c),
                })
                .collect::<Vec<_>>();
            (items, total_rows)
        });
        ok(types::GetConversionsResponse {
            request_status: types::SuccessStatus::Success,
            total_rows,
            conversions,
        })
    }
}

/// How to order rows, from an operation's sort parameters.
fn sort<F>(field: Option<F>, descending: Option<bool>) -> Sort<F> {
    Sort {
        field,
        descending: descending.unwrap_or(false),
    }
}

/// The rows asked for (`x-cake-paging`): the offset counts from the operation's first row (1,
/// or 0 on Get Click).
/// An absent offset is the first row, an absent limit the largest page.
fn window(
    op: &OperationSpec,
    start_at_row: impl Into<Option<u32>>,
    row_limit: impl Into<Option<u32>>,
) -> Window {
    let Some(paging) = op.paging() else {
        return Window::ALL;
    };
    let start = start_at_row.into().unwrap_or(paging.first_row);
    Window {
        skip: u64::from(start.saturating_sub(paging.first_row)),
        take: u64::from(row_limit.into().unwrap_or(paging.max_page_size)),
    }
}

/// Locks a mutex, carrying on with the data if a holder panicked: the store's invariants are
/// kept by each method before it returns, and answering 500 forever after would be worse.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes the store's lock for reading; poisoning is carried on from as in [`lock`].
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes the store's lock for writing; poisoning is carried on from as in [`lock`].
fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Compares secrets without stopping at the first different byte.
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn ok<T: serde::Serialize>(body: T) -> Response {
    json(StatusCode::OK, &body)
}

/// A JSON answer, written into one buffer sized for a report page (axum's `Json` starts at 128
/// bytes and grows it many times for a 50-row report).
fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let mut buffer = Vec::with_capacity(16 * 1024);
    match serde_json::to_writer(&mut buffer, body) {
        Ok(()) => (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            buffer,
        )
            .into_response(),
        // The spec's types always serialize (money is a Decimal's digits); were one not to, the
        // answer says so in the Failure envelope instead of sending half a body.
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({
                "request_status": "Failure",
                "message": format!("the simulator could not write its answer: {e}"),
            })),
        )
            .into_response(),
    }
}

fn bad_request(e: ParamError) -> Response {
    failure(
        StatusCode::BAD_REQUEST,
        &e.to_string(),
        Some(e.parameter.as_str()),
    )
}

/// The spec's Failure envelope with a status.
pub(crate) fn failure(status: StatusCode, message: &str, parameter: Option<&str>) -> Response {
    let body = types::Failure {
        request_status: types::FailureStatus::Failure,
        message: message.to_string(),
        parameter: parameter.map(str::to_string),
    };
    json(status, &body)
}

/// The query with the api_key's value replaced by `***`, for the journal.
fn redact_query(raw_query: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        if name == cake_client::spec::API_KEY_PARAM {
            out.append_pair(&name, "***");
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}

/// A `commit_then_drop` answer: the connection is closed with nothing sent. (The body fails
/// before its first byte; hyper then drops the connection without writing the status line.)
fn dropped_connection() -> Response {
    let body = axum::body::Body::from_stream(futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "commit_then_drop: the simulator was told to drop this connection",
        ))
    }));
    Response::new(body)
}

pub(crate) fn injected_failure(injected: InjectedFailure) -> Response {
    let status = StatusCode::from_u16(injected.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = failure(
        status,
        "injected failure: the simulator was told to fail this request",
        None,
    );
    if let Some(seconds) = injected.retry_after_seconds {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

/// A simulator serving on a socket. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSimulator {
    simulator: Simulator,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSimulator {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulator it serves (to seed or inspect its store).
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// Stops accepting, finishes the requests in flight, and returns when the server is down.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the server stops (for `cake serve`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
