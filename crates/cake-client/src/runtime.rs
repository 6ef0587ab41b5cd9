//! The client: how it is built ([`ClientBuilder`]), what every call reaches through it (the
//! api_key, the retry policy, the timeout, each operation's parsed URL), and how one request is
//! exchanged with CAKE (`exchange`).
//!
//! - Every request carries `Accept: application/json`, the `api-version` header (the spec's
//!   `info.version`) and the user agent: a client built here sends them as its default headers;
//!   on a `reqwest::Client` the caller gave, they are added to each request.
//! - `exchange` sends, with retries (exponential backoff with full jitter, `Retry-After`
//!   honoured, bounded by attempts and total time) and a tracing span per call. A request that
//!   is not repeatable (an operation the spec marks `x-cake-creates-data`, sent without its
//!   idempotency key: Record Conversion without `unique_id`) is sent once.
//!
//! Nothing here may log, print or keep the api_key: URLs are shown through
//! [`crate::secret::redact_url`] only, and a transport error loses its URL.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, RETRY_AFTER, USER_AGENT};
use tracing::Instrument;

use crate::{
    call::{self, CallOptions},
    error::is_retryable_status,
    secret::{redact_url, ApiKey},
    sending::Prepared,
    spec::{self, OperationSpec},
    Error,
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

/// A client of one CAKE instance: make one with [`Client::builder`], then call an operation's
/// method (`client.get_offer_report()`) for its request builder. Cloning it is cheap (the
/// connection pool and settings are shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    state: Arc<ClientState>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.state.endpoints.base)
            .field("retry", &self.state.retry)
            .field("timeout", &self.state.timeout)
            .finish()
    }
}

impl Client {
    /// The base URL requests go to (scheme and host, e.g. `https://yourdomain.cakemarketing.com`).
    pub fn base_url(&self) -> &str {
        &self.state.endpoints.base
    }

    pub(crate) fn state(&self) -> &ClientState {
        &self.state
    }
}

/// The configuration every call reaches through its client.
#[derive(Debug)]
pub(crate) struct ClientState {
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
/// string every time. An operation with path parameters has none: its path is filled per call.
#[derive(Debug)]
pub(crate) struct Endpoints {
    base: String,
    urls: Vec<Option<url::Url>>,
}

impl Endpoints {
    fn new(base: &str) -> Result<Self, url::ParseError> {
        let urls = spec::operations()
            .iter()
            .map(|op| {
                if op.path.contains('{') {
                    Ok(None)
                } else {
                    url::Url::parse(&format!("{base}{}", op.path)).map(Some)
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            base: base.into(),
            urls,
        })
    }

    /// Operation `index`'s URL, when it has no path parameters.
    pub(crate) fn url(&self, index: usize) -> Option<&url::Url> {
        self.urls.get(index)?.as_ref()
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
        let api_version = spec::API_VERSION;
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
        Ok(Client {
            http,
            state: Arc::new(state),
        })
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

/// An answer from CAKE: its status, headers and body, and how many attempts it took.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: reqwest::StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
    pub(crate) attempts: u32,
}

/// Sends the request `prepared` for operation `op` and reads its answer, attempting again
/// (after a backoff) on a transport failure, a 429 or a 5xx while the retry policy allows and
/// the request is repeatable. Any status ends in an [`Answer`]; a transport failure of the last
/// attempt is [`Error::Transport`], without its URL.
pub(crate) async fn exchange(
    client: &crate::Client,
    op: &'static OperationSpec,
    prepared: Prepared,
    options: &CallOptions,
) -> Result<Answer, Error> {
    let span = tracing::info_span!(
        "cake.request",
        operation_id = op.id,
        url = tracing::field::Empty,
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    // No one listening: the span is not entered on every poll (nor the URL redacted for it,
    // which costs a parse and a copy).
    if span.is_disabled() {
        return attempts(client, op, prepared, options, &span).await;
    }
    span.record("url", tracing::field::display(redact_url(&prepared.url)));
    attempts(client, op, prepared, options, &span)
        .instrument(span.clone())
        .await
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

/// One attempt's request.
fn request(
    client: &crate::Client,
    op: &OperationSpec,
    url: url::Url,
    headers_given: &[(HeaderName, HeaderValue)],
    timeout: Duration,
) -> Result<reqwest::Request, Error> {
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).map_err(|_| {
        Error::invalid(
            None,
            format!(
                "{}: the spec's method {} is not an HTTP method",
                op.id, op.method
            ),
        )
    })?;
    let mut request = reqwest::Request::new(method, url);
    *request.timeout_mut() = Some(timeout);
    let headers = request.headers_mut();
    if let Some(defaults) = &client.state().request_headers {
        for (name, value) in defaults {
            headers.insert(name, value.clone());
        }
    }
    for (name, value) in headers_given {
        headers.insert(name.clone(), value.clone());
    }
    Ok(request)
}

async fn attempts(
    client: &crate::Client,
    op: &'static OperationSpec,
    prepared: Prepared,
    options: &CallOptions,
    span: &tracing::Span,
) -> Result<Answer, Error> {
    let policy = &call::retry_policy(client, options);
    let timeout = call::timeout(client, options);
    let max_attempts = if prepared.repeatable {
        policy.max_attempts.max(1)
    } else {
        1
    };
    let started = Instant::now();
    let Prepared {
        url,
        headers,
        repeatable,
    } = prepared;
    // The last attempt takes the URL itself; the others a copy.
    let mut url = Some(url);
    let mut attempt = 0;
    loop {
        attempt += 1;
        span.record("attempt", attempt);
        let last = attempt >= max_attempts;
        let this_url = match (last, &url) {
            (false, Some(u)) => u.clone(),
            _ => url
                .take()
                .ok_or_else(|| Error::invalid(None, "no attempt is left to send"))?,
        };
        let try_started = Instant::now();
        let outcome = client
            .http
            .execute(request(client, op, this_url, &headers, timeout)?)
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
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
                    return read(outcome, attempt).await;
                }
                retry_after(response).unwrap_or_else(|| policy.backoff(attempt))
            }
        };
        let out_of_time = started.elapsed() + wait > policy.max_elapsed;
        if last || out_of_time {
            if !repeatable && outcome.is_err() {
                tracing::warn!(
                    "not retried: this operation creates data and the call has no idempotency key"
                );
            }
            return read(outcome, attempt).await;
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

/// The answer of the last attempt, its body read whole (within the attempt's timeout).
async fn read(outcome: reqwest::Result<reqwest::Response>, attempts: u32) -> Result<Answer, Error> {
    let mut response = outcome.map_err(Error::transport)?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await.map_err(Error::transport)?;
    Ok(Answer {
        status,
        headers,
        body,
        attempts,
    })
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RetryPolicy;

    /// Each wait is in the upper half of an exponentially growing cap (full jitter over
    /// [cap/2, cap]), the cap doubling from the first backoff up to the longest.
    #[test]
    fn backoff_doubles_from_the_first_to_the_longest_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (attempt, cap) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (30, 1000),
        ] {
            let cap = Duration::from_millis(cap);
            let waits: Vec<Duration> = (0..200).map(|_| policy.backoff(attempt)).collect();
            for wait in &waits {
                assert!(
                    *wait >= cap / 2 && *wait <= cap,
                    "attempt {attempt}: {wait:?} outside [{:?}, {cap:?}]",
                    cap / 2
                );
            }
            // Jittered: not the same wait every time.
            assert!(waits.iter().any(|w| *w != waits[0]), "attempt {attempt}");
        }
    }
}
