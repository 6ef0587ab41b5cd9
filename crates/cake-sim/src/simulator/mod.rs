//! The simulator itself, with no transport: its state (the store, the clock, the faults in
//! force, the journal), what it started with (for `reset`), what it keeps on disk (`--state`),
//! and the one way in for a request to one of CAKE's operations, [`Simulator::call`], which
//! gives an [`Answer`]. The HTTP layer (`crate::http`) only turns requests into calls and answers
//! into responses; a test can drive everything here without a socket.
//!
//! - this file: the state, start-up (`new`, `demo`, `with_state`...), and the changes the
//!   set-up API makes (load, clock, faults, reset), each kept on disk before it is made;
//! - `restore`: a simulator restored from the changes kept on disk (`--state DIR`);
//! - `call`: the path of every request (faults, the api_key checked once, journal);
//! - `operations`: CAKE's six operations over the store;
//! - `answer`: what a call gives back (the spec's JSON with a status, or a dropped connection).

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cake_client::CakeDateTime;

use crate::{
    dataset::{Dataset, DatasetError},
    durable::{Change, StateError, StateLog},
    sandbox::{
        Clock, ClockSetting, Fault, FaultPlan, FaultRule, Faults, Journal, JournalEntry, PlanError,
    },
    store::Store,
};

mod answer;
mod call;
mod operations;
mod restore;

pub use answer::{Answer, Reply};

/// The api_key a simulator accepts unless told otherwise: documented, so not a secret.
pub const DEMO_API_KEY: &str = "cake-sim-demo-key";

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

/// A simulator: a store, the api_key it accepts, and its clock. Cheap to clone (shared state).
/// Drive it directly with [`Simulator::call`], serve it with [`Simulator::serve`], or mount
/// [`Simulator::router`] yourself.
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
    pub fn journal(&self) -> (Vec<JournalEntry>, u64) {
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
}

/// Locks a mutex, carrying on with the data if a holder panicked: the store's invariants are
/// kept by each method before it returns, and answering 500 forever after would be worse.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes the store's lock for reading; poisoning is carried on from as in [`lock`].
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes the store's lock for writing; poisoning is carried on from as in [`lock`].
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
