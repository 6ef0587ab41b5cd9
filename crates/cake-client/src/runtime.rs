//! Building a client, and the hooks the generated client runs around every request.
//!
//! - `pre`: adds the per-attempt timeout, and on a `reqwest::Client` the caller gave, the headers
//!   every request carries (`Accept`, `api-version`, the user agent), which a client built here
//!   sends as its default headers. (The query was held against the spec, and the URL written
//!   with the api_key, in `send()`: `crate::sending`.)
//! - `exec`: sends, with retries (exponential backoff with full jitter, `Retry-After` honoured,
//!   bounded by attempts and total time) and a tracing span per call. An operation the spec marks
//!   `x-cake-creates-data` (Record Conversion) is retried only when its idempotency key
//!   (`unique_id`) is present. Every response leaves with its URL redacted, and an error status
//!   without a `Failure` envelope gets one made up (marked by a header) so that its status
//!   survives decoding.
//!
//! Nothing here may log, print or keep the api_key: URLs are shown through
//! [`crate::secret::redact_url`] only.

use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, RETRY_AFTER, USER_AGENT};
use tracing::Instrument;

use crate::{
    call,
    error::{is_retryable_status, SYNTHESIZED_HEADER},
    secret::{redact_url, ApiKey},
    spec, Client, Error,
};

/// The user agent sent unless you choose another.
pub const DEFAULT_USER_AGENT: &str = concat!("cake-client/", env!("CARGO_PKG_VERSION"));

/// When and how often a failed call is sent again.
///
/// Retried: connection failures, timeouts, 429 and 5xx. A `Retry-After` header (seconds or an
/// HTTP date) sets the wait; otherwise the wait grows exponentially from `initial_backoff` to at
/// most `max_backoff`, with full jitter. A retry that would end past `max_elapsed` is not made.
///
/// Record Conversion creates data with a GET: it is retried only when the call carries a
/// `unique_id` (CAKE deduplicates on it), never otherwise, whatever this policy says.
///
/// ```
/// use std::time::Duration;
/// use cake_client::RetryPolicy;
/// let patient = RetryPolicy { max_attempts: 6, max_elapsed: Duration::from_secs(120), ..RetryPolicy::default() };
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retries.
    pub max_attempts: u32,
    /// The first backoff.
    pub initial_backoff: Duration,
    /// The longest backoff (a `Retry-After` may ask for longer, within `max_elapsed`).
    pub max_backoff: Duration,
    /// The time budget of a call, retries and waits included.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 250 ms up to 8 s, within 60 s in all.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is sent once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The jittered backoff before attempt `attempt + 1` (`attempt` counts from 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(20));
        let cap = exp.min(self.max_backoff);
        // Full jitter: anywhere in [cap/2, cap], so that clients that failed together spread out.
        let half = cap / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// The configuration every generated call reaches through `Client::inner()`.
#[derive(Debug, Clone)]
pub struct ClientState {
    pub(crate) api_key: ApiKey,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// The headers every request carries (`Accept`, `api-version`, the user agent), when the
    /// `reqwest::Client` is the caller's and so does not send them itself.
    pub(crate) request_headers: Option<HeaderMap>,
    pub(crate) endpoints: Endpoints,
}

/// Each operation's URL (the base and its path), parsed once when the client is built: a call
/// clones its own and writes its query into it (`crate::sending`), instead of parsing a URL
/// string every time.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    base: std::sync::Arc<str>,
    urls: std::sync::Arc<[url::Url]>,
}

impl Endpoints {
    fn new(base: &str) -> Result<Self, url::ParseError> {
        let urls = spec::operations()
            .iter()
            .map(|op| url::Url::parse(&format!("{base}{}", op.path)))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            base: base.into(),
            urls,
        })
    }

    /// Operation `index`'s URL, when the client's base is the one these were parsed from (a
    /// `Client::new` may pair this state with another base).
    pub(crate) fn url(&self, base: &str, index: usize) -> Option<&url::Url> {
        if *self.base == *base {
            self.urls.get(index)
        } else {
            None
        }
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// let client = cake_client::Client::builder("https://yourdomain.cakemarketing.com", "YOUR_API_KEY")
///     .timeout(Duration::from_secs(30))
///     .retry(cake_client::RetryPolicy { max_attempts: 3, ..Default::default() })
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("YOUR_API_KEY"));
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    api_key: ApiKey,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
}

impl Client {
    /// A builder for a client of the CAKE instance at `base_url` (scheme and host, e.g.
    /// `https://yourdomain.cakemarketing.com`), sending `api_key` on every request.
    ///
    /// Defaults: connect timeout 10 s, per-attempt timeout 60 s, [`RetryPolicy::default`], user
    /// agent [`DEFAULT_USER_AGENT`].
    pub fn builder(base_url: impl Into<String>, api_key: impl Into<ApiKey>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: None,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// How long to wait for a connection (ignored with [`Self::http_client`]: set it there).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the whole body read.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The retry policy; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Use this `reqwest::Client` (its pool, proxy and TLS settings) instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The client, or [`Error::InvalidRequest`] naming `base_url`, `user_agent` or `retry` when
    /// one of them cannot work.
    pub fn build(self) -> Result<Client, Error> {
        let base = url::Url::parse(&self.base_url).map_err(|e| {
            Error::invalid(Some("base_url"), format!("expected an http(s) URL such as https://yourdomain.cakemarketing.com, got {:?} ({e})", self.base_url))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.query().is_some() {
            return Err(Error::invalid(
                Some("base_url"),
                format!(
                    "expected an http(s) URL with no query, got {:?}",
                    self.base_url
                ),
            ));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::invalid(
                Some("retry"),
                "max_attempts must be at least 1 (1 means no retries)",
            ));
        }
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| Error::invalid(Some("user_agent"), "expected visible ASCII text"))?;
        // The headers every request carries. A client built here sends them as its default
        // headers; a client given is left as it is, and they are added to each request instead.
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let api_version = <Client as ClientInfo<ClientState>>::api_version();
        headers.insert(
            HeaderName::from_static("api-version"),
            HeaderValue::from_str(api_version).map_err(|_| {
                Error::invalid(
                    None,
                    format!("the spec's info.version {api_version:?} is not a header value"),
                )
            })?,
        );
        let (http, request_headers) = match self.http {
            Some(http) => {
                headers.insert(USER_AGENT, user_agent);
                (http, Some(headers))
            }
            None => (
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .redirect(same_origin_redirects())
                    .user_agent(user_agent)
                    .default_headers(headers)
                    .build()
                    .map_err(Error::transport)?,
                None,
            ),
        };
        let base = self.base_url.trim_end_matches('/');
        let endpoints = Endpoints::new(base).map_err(|e| {
            Error::invalid(
                Some("base_url"),
                format!(
                    "{:?} does not make a URL with the operations' paths ({e})",
                    self.base_url
                ),
            )
        })?;
        let state = ClientState {
            api_key: self.api_key,
            retry: self.retry,
            timeout: self.timeout,
            request_headers,
            endpoints,
        };
        Ok(Client::new_with_client(base, http, state))
    }
}

/// Redirects are followed only within the origin they start from: the api_key is in the URL, and
/// a redirect elsewhere would hand it to another host. A redirect that leaves is returned as the
/// 3xx it is (an `Error::Http`).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let origin = attempt.previous().first().map(|u| u.origin());
        if attempt.previous().len() > 5 || origin != Some(attempt.url().origin()) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // The query was held against the spec in `send()`, on its typed values, and written
        // with the api_key into the URL (`crate::sending`).
        let state = self.inner();
        if request.timeout().is_none() {
            *request.timeout_mut() = Some(call::timeout(self));
        }
        if let Some(headers) = &state.request_headers {
            for (name, value) in headers {
                request.headers_mut().insert(name, value.clone());
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::info_span!(
            "cake.request",
            operation_id = info.operation_id,
            url = tracing::field::Empty,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // No one listening: the span is not entered on every poll (nor the URL redacted for
        // it, which costs a parse and a copy).
        if span.is_disabled() {
            return self.send_with_retries(request, info, &span).await;
        }
        span.record("url", tracing::field::display(redact_url(request.url())));
        self.send_with_retries(request, info, &span)
            .instrument(span.clone())
            .await
    }
}

/// Whether this request may be sent more than once.
fn may_repeat(request: &reqwest::Request, operation_id: &str) -> bool {
    match spec::operation(operation_id) {
        Some(op) if op.creates_data => op.idempotency_key.is_some_and(|key| {
            request
                .url()
                .query_pairs()
                .any(|(k, v)| k == key && !v.is_empty())
        }),
        _ => true,
    }
}

/// The wait a `Retry-After` header asks for (delay-seconds or an HTTP date).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

impl Client {
    async fn send_with_retries(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
        span: &tracing::Span,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &call::retry_policy(self);
        let repeatable = may_repeat(&request, info.operation_id);
        if !repeatable {
            call::with_current(|c| c.mark_unrepeatable());
        }
        let max_attempts = if repeatable {
            policy.max_attempts.max(1)
        } else {
            1
        };
        let started = Instant::now();
        let mut pending = Some(request);
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            call::with_current(|c| c.record_attempt(attempt));
            // A GET has no body, so a copy can always be made; the last attempt sends the
            // original, and copying is skipped when there is no attempt after this one.
            let copy = if attempt >= max_attempts {
                None
            } else {
                pending.as_ref().and_then(|r| r.try_clone())
            };
            let last = copy.is_none();
            let this_try = match copy {
                Some(copy) => copy,
                None => pending
                    .take()
                    .expect("the request is kept until the last attempt, which returns"),
            };
            let try_started = Instant::now();
            let outcome = self.client().execute(this_try).await;
            let duration_ms = started.elapsed().as_millis() as u64;
            span.record("duration_ms", duration_ms);
            let wait = match &outcome {
                Err(e) => {
                    tracing::warn!(attempt, error = %DisplayWithoutUrl(e), "CAKE request failed in transport");
                    policy.backoff(attempt)
                }
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    tracing::debug!(
                        attempt,
                        status = status.as_u16(),
                        attempt_ms = try_started.elapsed().as_millis() as u64,
                        "CAKE answered"
                    );
                    if !is_retryable_status(status) {
                        let response = outcome.expect("matched Ok");
                        return Ok(self.finish_response(response).await);
                    }
                    retry_after(response).unwrap_or_else(|| policy.backoff(attempt))
                }
            };
            let out_of_time = started.elapsed() + wait > policy.max_elapsed;
            if last || pending.is_none() || out_of_time {
                if !repeatable && outcome.is_err() {
                    tracing::warn!("not retried: this operation creates data and the call has no idempotency key");
                }
                return match outcome {
                    Ok(response) => Ok(self.finish_response(response).await),
                    Err(e) => Err(e.without_url()),
                };
            }
            tracing::warn!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying CAKE request"
            );
            drop(outcome);
            tokio::time::sleep(wait).await;
        }
    }

    /// The response as the generated code will see it: URL redacted (but on a 200) and, for an
    /// error status without a `Failure` envelope, one made up from the body's first KiB (marked
    /// by [`SYNTHESIZED_HEADER`]).
    async fn finish_response(&self, response: reqwest::Response) -> reqwest::Response {
        // A 200 is decoded by the generated code and never kept whole (no error holds it), so
        // its URL needs no redacting: the common case pays nothing. The rest is on the heap:
        // reading a body makes a large future, which every call's future would carry.
        if response.status() == reqwest::StatusCode::OK {
            return response;
        }
        Box::pin(self.rebuild_response(response)).await
    }

    /// A response other than a 200 with its URL redacted and, for an error status without a
    /// `Failure` envelope, one made up from the body's first KiB.
    async fn rebuild_response(&self, response: reqwest::Response) -> reqwest::Response {
        use reqwest::ResponseBuilderExt;
        let status = response.status();
        let url = redact_url(response.url());
        let version = response.version();
        let mut headers = response.headers().clone();
        let body = if status.is_success() {
            let http: http::Response<reqwest::Body> = response.into();
            http.into_body()
        } else {
            let bytes = response.bytes().await.unwrap_or_default();
            if serde_json::from_slice::<crate::types::Failure>(&bytes).is_ok() {
                reqwest::Body::from(bytes)
            } else {
                let excerpt = crate::error::excerpt(&bytes, self);
                headers.insert(SYNTHESIZED_HEADER, HeaderValue::from_static("1"));
                headers.remove(reqwest::header::CONTENT_LENGTH);
                let made_up =
                    serde_json::json!({ "request_status": "Failure", "message": excerpt });
                reqwest::Body::from(serde_json::to_vec(&made_up).expect("a JSON object serializes"))
            }
        };
        let mut builder = http::Response::builder()
            .status(status)
            .version(version)
            .url(url);
        if let Some(h) = builder.headers_mut() {
            *h = headers;
        }
        reqwest::Response::from(builder.body(body).expect("parts of a valid response"))
    }
}

/// A reqwest error shown without its URL (which would carry the api_key).
struct DisplayWithoutUrl<'a>(&'a reqwest::Error);

impl std::fmt::Display for DisplayWithoutUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.0.to_string();
        if let Some(url) = self.0.url() {
            text = text.replace(url.as_str(), redact_url(url).as_str());
        }
        f.write_str(&text)
    }
}
