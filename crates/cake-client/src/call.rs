//! One call: its per-call settings ([`CallOptions`]), what came with its answer ([`Response`]),
//! and the state the hooks share with the code that turns its outcome into this crate's result.
//!
//! Every call runs inside a `CallState` scope (a tokio task-local: it follows the call's future,
//! whatever runtime or thread polls it). The `pre` and `exec` hooks (`runtime`) read the options
//! from it and write back the number of attempts and whether the request was sent in a form that
//! must not be repeated; `error` reads that to say honestly when a call that creates data may
//! have done so. Nothing here holds the api_key.

use std::{
    future::Future,
    ops::Deref,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc,
    },
    time::Duration,
};

use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::{header::HeaderMap, StatusCode};

use crate::{Client, RetryPolicy};

/// Settings for one call that override the client's ([`crate::ClientBuilder`]).
///
/// ```no_run
/// # async fn demo(client: &cake_client::Client) -> Result<(), cake_client::Error> {
/// use std::time::Duration;
/// use cake_client::{CallOptions, RetryPolicy};
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let answer = client
///     .get_offer_report()
///     .start_date(d("2026-01-01"))
///     .end_date(d("2026-01-31"))
///     .with_options(CallOptions::new().timeout(Duration::from_secs(5)).retry(RetryPolicy::none()))
///     .execute_with_response()
///     .await?;
/// println!("{} after {} attempt(s), request id {:?}", answer.status(), answer.attempts(),
///     answer.headers().get("x-request-id"));
/// println!("{} offers", answer.response.data.offers.len()); // derefs to the typed body
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// The client's settings, unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long one attempt may take, from sending to the whole body read.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call. Record Conversion without a `unique_id` is still sent once
    /// whatever the policy says.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The timeout this call sets, if any.
    pub fn timeout_override(&self) -> Option<Duration> {
        self.timeout
    }

    /// The retry policy this call sets, if any.
    pub fn retry_override(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }
}

/// A decoded body with what came with it: status, headers (a request id, rate-limit headers) and
/// the number of attempts it took. Derefs to the body.
#[derive(Debug, Clone)]
pub struct Response<T> {
    body: T,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<T> Response<T> {
    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, owned.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers of the answer.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// How many times the request was sent (1 when the first attempt succeeded).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// What the hooks and the error conversion share about the call in progress.
#[derive(Debug, Default)]
pub(crate) struct CallState {
    pub(crate) options: CallOptions,
    attempts: AtomicU32,
    unrepeatable: AtomicBool,
    /// Why `sending` refused the request, as data: progenitor's `send()` carries only a
    /// message to the caller, so the error is left here for the conversion to take.
    refusal: std::sync::Mutex<Option<crate::spec::ParamError>>,
}

tokio::task_local! {
    static CALL: Arc<CallState>;
}

impl CallState {
    pub(crate) fn record_attempt(&self, attempt: u32) {
        self.attempts.store(attempt, Ordering::Relaxed);
    }

    /// The request creates data and carries no idempotency key: it is sent once, and a failure
    /// after sending leaves its outcome unknown.
    pub(crate) fn mark_unrepeatable(&self) {
        self.unrepeatable.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_unrepeatable(&self) -> bool {
        self.unrepeatable.load(Ordering::Relaxed)
    }

    /// Keeps the reason `sending` refused the request for.
    pub(crate) fn refuse(&self, error: crate::spec::ParamError) {
        *self.refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(error);
    }

    /// The reason `sending` refused the request for, once.
    pub(crate) fn take_refusal(&self) -> Option<crate::spec::ParamError> {
        self.refusal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed).max(1)
    }
}

/// Runs `f` with the current call's state, when there is a call in progress on this task.
pub(crate) fn with_current<R>(f: impl FnOnce(&CallState) -> R) -> Option<R> {
    CALL.try_with(|state| f(state)).ok()
}

/// A new call's state, with its options.
pub(crate) fn state(options: CallOptions) -> Arc<CallState> {
    Arc::new(CallState {
        options,
        ..CallState::default()
    })
}

/// One call's future inside the scope of its state. Awaited where it is made (not kept in a
/// variable first): a future kept in a variable and then awaited takes room twice in the
/// caller's state machine, and every call's future would be twice the request's size.
pub(crate) fn scoped<F: Future>(
    state: &Arc<CallState>,
    call: F,
) -> tokio::task::futures::TaskLocalFuture<Arc<CallState>, F> {
    CALL.scope(state.clone(), call)
}

/// The decoded answer with what came with it.
pub(crate) fn response<T>(value: ResponseValue<T>, state: &CallState) -> Response<T> {
    let (status, headers) = (value.status(), value.headers().clone());
    Response {
        body: value.into_inner(),
        status,
        headers,
        attempts: state.attempts(),
    }
}

/// A request with its [`CallOptions`], made by each builder's `with_options`: `execute()`,
/// `execute_with_response()`, and on the list operations `stream()`, `stream_with()` and
/// `collect_all()` (generated for each operation by `build.rs`).
#[derive(Debug, Clone)]
pub struct WithOptions<B> {
    pub(crate) builder: B,
    pub(crate) options: CallOptions,
}

/// The client's or the call's setting: the call wins.
pub(crate) fn retry_policy(client: &Client) -> RetryPolicy {
    with_current(|c| c.options.retry.clone())
        .flatten()
        .unwrap_or_else(|| client.inner().retry.clone())
}

pub(crate) fn timeout(client: &Client) -> Duration {
    with_current(|c| c.options.timeout)
        .flatten()
        .unwrap_or(client.inner().timeout)
}
