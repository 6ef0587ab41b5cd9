//! One call: its per-call settings ([`CallOptions`]), what came with its answer ([`Response`]),
//! and the one request path every generated builder goes through ([`Request`], [`execute`]):
//! the builder's values are held to the spec and written into the request (`crate::sending`),
//! the request is sent with the client's or the call's settings (`crate::runtime`: timeout,
//! retries, tracing), and the answer is decoded into the operation's type or turned into this
//! crate's [`Error`]. Nothing here holds the api_key.

use std::ops::Deref;
use std::time::Duration;

use reqwest::{header::HeaderMap, StatusCode};

use crate::{
    paginate::{ListRequest, PageOptions, RowStream},
    sending::Sending,
    Client, Error, RetryPolicy,
};

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

impl<T> Response<T> {
    fn new(body: T, answer: crate::runtime::Answer) -> Self {
        Self {
            body,
            status: answer.status,
            headers: answer.headers,
            attempts: answer.attempts,
        }
    }
}

/// A request of one operation: what each generated builder is to the request path. Its
/// methods are the generated code's; use the builders' `execute()` or
/// [`WithOptions::execute`].
pub trait Request: Sized + Send {
    /// The decoded body of the operation's success response (`()` when it has none).
    type Output: Send + 'static;
    /// The operation's place in the spec's table ([`crate::spec::operations`]).
    #[doc(hidden)]
    const OPERATION: usize;
    /// The client that sends it.
    #[doc(hidden)]
    fn client(&self) -> &Client;
    /// Writes its values (see `crate::sending`).
    #[doc(hidden)]
    fn write(&self, sending: &mut Sending<'_>);
    /// Decodes a success body.
    #[doc(hidden)]
    fn decode(body: &[u8]) -> Result<Self::Output, serde_json::Error>;
}

/// Sends `request` with `options` and returns its decoded body.
pub async fn execute<R: Request>(request: R, options: CallOptions) -> Result<R::Output, Error> {
    execute_with_response(request, options)
        .await
        .map(Response::into_body)
}

/// Sends `request` with `options` and returns its decoded body with the answer's status, headers
/// and number of attempts.
pub async fn execute_with_response<R: Request>(
    request: R,
    options: CallOptions,
) -> Result<Response<R::Output>, Error> {
    let client = request.client();
    let op = &crate::spec::operations()[R::OPERATION];
    let prepared = {
        let mut sending = Sending::new(R::OPERATION, client);
        request.write(&mut sending);
        sending
            .finish()
            .map_err(|e| Error::invalid(Some(&e.parameter), e.message))?
    };
    let repeatable = prepared.repeatable;
    let outcome = match crate::runtime::exchange(client, op, prepared, &options).await {
        Ok(answer) if answer.status.is_success() => match R::decode(&answer.body) {
            Ok(body) => return Ok(Response::new(body, answer)),
            Err(e) => crate::error::undecodable(client, &answer, &e),
        },
        Ok(answer) => crate::error::refused(client, &answer),
        Err(e) => e,
    };
    Err(crate::error::outcome_unknown(op, repeatable, outcome))
}

/// A request with its [`CallOptions`], made by each builder's `with_options`: `execute()`,
/// `execute_with_response()`, and on the list operations `stream()`, `stream_with()` and
/// `collect_all()`.
#[derive(Debug, Clone)]
pub struct WithOptions<B> {
    pub(crate) builder: B,
    pub(crate) options: CallOptions,
}

impl<B> WithOptions<B> {
    /// `builder` with `options`.
    pub fn new(builder: B, options: CallOptions) -> Self {
        Self { builder, options }
    }
}

impl<B: Request> WithOptions<B> {
    /// Sends the request with these options and returns its decoded body.
    pub async fn execute(self) -> Result<B::Output, Error> {
        execute(self.builder, self.options).await
    }

    /// Sends the request with these options and returns its decoded body with the answer's
    /// status, headers and number of attempts.
    pub async fn execute_with_response(self) -> Result<Response<B::Output>, Error> {
        execute_with_response(self.builder, self.options).await
    }
}

impl<'a, B: ListRequest + 'a> WithOptions<B> {
    /// Every matching row, page after page, each page sent with these options.
    pub fn stream(self) -> RowStream<'a, B::Row> {
        RowStream::with_call(self.builder, PageOptions::default(), self.options)
    }

    /// [`Self::stream`] with a page size and prefetch of your choosing.
    pub fn stream_with(self, paging: PageOptions) -> RowStream<'a, B::Row> {
        RowStream::with_call(self.builder, paging, self.options)
    }

    /// Every matching row, collected (all pages), each page sent with these options.
    pub async fn collect_all(self) -> Result<Vec<B::Row>, Error> {
        self.stream().try_collect_all().await
    }
}

/// The call's or the client's retry policy: the call wins.
pub(crate) fn retry_policy(client: &Client, options: &CallOptions) -> RetryPolicy {
    options
        .retry
        .clone()
        .unwrap_or_else(|| client.state().retry.clone())
}

/// The call's or the client's timeout of one attempt: the call wins.
pub(crate) fn timeout(client: &Client, options: &CallOptions) -> Duration {
    options.timeout.unwrap_or(client.state().timeout)
}
