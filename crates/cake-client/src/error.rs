//! `Error`: the one error type of the SDK, and how an answer that is not the operation's success
//! body becomes it.
//!
//! Every variant is safe to print: none holds the api_key (URLs are stripped or redacted, and
//! any text that came from the server is cut to its first KiB and redacted).

use reqwest::StatusCode;

use crate::{runtime::Answer, secret::redact_text, spec::OperationSpec, types, Client};

/// How much of a body an error keeps.
pub const BODY_EXCERPT_BYTES: usize = 1024;

/// What went wrong with a call. Match on it; [`Error::is_retryable`] says whether trying again
/// may help.
///
/// ```
/// # async fn demo() {
/// let client = cake_client::Client::builder("http://127.0.0.1:9", "key").build().unwrap();
/// let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
/// // row_limit is above the Offer Report's maximum (10000, from the spec): refused unsent.
/// let result = client.get_offer_report().start_date(day(1)).end_date(day(31)).row_limit(20_000u32).execute().await;
/// match result {
///     Err(cake_client::Error::InvalidRequest { parameter, message }) => {
///         assert_eq!(parameter.as_deref(), Some("row_limit"));
///         assert!(message.contains("from 1 to 10000"));
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// CAKE answered with its `Failure` envelope: it understood the request and said no. Also
    /// when that envelope came with status 200.
    #[error("CAKE said no (HTTP {status}){}: {message}", parameter.as_deref().map(|p| format!(" to {p}")).unwrap_or_default())]
    Api {
        /// The HTTP status it came with (200 included).
        status: StatusCode,
        /// CAKE's message.
        message: String,
        /// The parameter at fault, when CAKE named one.
        parameter: Option<String>,
    },
    /// An HTTP error status without a `Failure` envelope (a proxy's error page, say).
    #[error("HTTP {status} without a CAKE failure body; the body starts: {body:?}")]
    Http {
        /// The status.
        status: StatusCode,
        /// The body's first KiB, api_key redacted.
        body: String,
    },
    /// The server could not be reached, did not answer in time, or the connection broke.
    #[error("could not talk to CAKE ({kind}): {source}")]
    Transport {
        /// Connect, timeout, or another transport failure.
        kind: TransportKind,
        /// The cause, with its URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// A response whose body does not match the spec's schema.
    #[error(
        "the response (HTTP {status}) does not match the spec: {reason}; the body starts: {body:?}"
    )]
    Decode {
        /// The status it came with.
        status: StatusCode,
        /// What did not match.
        reason: String,
        /// The body's first KiB, api_key redacted.
        body: String,
    },
    /// A request the spec forbids, caught before anything was sent.
    #[error("invalid request, not sent: {}{message}", parameter.as_deref().map(|p| format!("{p}: ")).unwrap_or_default())]
    InvalidRequest {
        /// The parameter at fault, when one is.
        parameter: Option<String>,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A call that creates data (Record Conversion) was sent without its idempotency key
    /// (`unique_id`) and failed after it may have reached CAKE: the connection dropped or timed
    /// out after sending, a 5xx came back, or a 200 could not be read. CAKE may have recorded
    /// it. It was not sent again, and sending it again as it is could record it twice: check
    /// first (Get Conversions), and give such calls a `unique_id`, which makes a repeat safe.
    #[error(
        "{operation} may have been recorded by CAKE although this call failed: {cause}. \
         It was sent once and not repeated. Do not send it again as it is: check first whether \
         it was recorded (Get Conversions for its date, offer and affiliate){}",
        repeat_hint(*idempotency_key)
    )]
    OutcomeUnknown {
        /// The operation, as the spec names it (`Record Conversion`).
        operation: &'static str,
        /// The parameter that makes a repeat safe (`unique_id`), when the spec names one.
        idempotency_key: Option<&'static str>,
        /// What went wrong.
        #[source]
        cause: Box<Error>,
    },
}

/// The kinds of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be made.
    Connect,
    /// No answer within the client's timeout.
    Timeout,
    /// The connection broke, or the body could not be read.
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Other => "connection",
        })
    }
}

impl Error {
    /// Whether the same request may be sent again and succeed: transport failures, 429 and 5xx,
    /// but never [`Error::OutcomeUnknown`] (a repeat could record the same conversion twice).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { status, .. } | Error::Http { status, .. } => is_retryable_status(*status),
            Error::OutcomeUnknown { .. } | Error::Decode { .. } | Error::InvalidRequest { .. } => {
                false
            }
        }
    }

    /// Whether the failed call may nonetheless have created data ([`Error::OutcomeUnknown`]):
    /// check before sending it again.
    pub fn may_have_created_data(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Http { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status(),
            Error::OutcomeUnknown { cause, .. } => cause.status(),
            Error::InvalidRequest { .. } => None,
        }
    }

    /// The parameter at fault, when one is named.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Error::Api { parameter, .. } | Error::InvalidRequest { parameter, .. } => {
                parameter.as_deref()
            }
            _ => None,
        }
    }

    pub(crate) fn invalid(parameter: Option<&str>, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            parameter: parameter.map(str::to_string),
            message: message.into(),
        }
    }

    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let kind = if source.is_timeout() {
            TransportKind::Timeout
        } else if source.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Other
        };
        Error::Transport {
            kind,
            source: source.without_url(),
        }
    }
}

/// Statuses worth another try.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// The first KiB of a body, as text, with the api_key redacted.
pub(crate) fn excerpt(body: &[u8], client: &Client) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_BYTES)];
    redact_text(&String::from_utf8_lossy(cut), &client.state().api_key)
}

/// CAKE's `Failure` envelope in `body`, when it is one.
fn failure(body: &[u8], status: StatusCode, client: &Client) -> Option<Error> {
    let failure = serde_json::from_slice::<types::Failure>(body).ok()?;
    let key = &client.state().api_key;
    Some(Error::Api {
        status,
        message: redact_text(&failure.message, key),
        parameter: failure.parameter.map(|p| redact_text(&p, key)),
    })
}

/// A success status whose body is not the operation's: CAKE's `Failure` envelope (CAKE saying
/// no with a 200), or a body that breaks the spec.
pub(crate) fn undecodable(client: &Client, answer: &Answer, error: &serde_json::Error) -> Error {
    failure(&answer.body, answer.status, client).unwrap_or_else(|| Error::Decode {
        status: answer.status,
        reason: redact_text(&error.to_string(), &client.state().api_key),
        body: excerpt(&answer.body, client),
    })
}

/// An error status: CAKE's `Failure` envelope, or the status with the body's first KiB.
pub(crate) fn refused(client: &Client, answer: &Answer) -> Error {
    failure(&answer.body, answer.status, client).unwrap_or_else(|| Error::Http {
        status: answer.status,
        body: excerpt(&answer.body, client),
    })
}

/// `error` itself, or [`Error::OutcomeUnknown`] around it when the operation creates data, the
/// request was not repeatable (sent without its idempotency key), and it failed in a way that
/// leaves open whether CAKE acted on it: anything but a refused connection, a rate limit, a 4xx
/// or a request refused before sending.
pub(crate) fn outcome_unknown(op: &'static OperationSpec, repeatable: bool, error: Error) -> Error {
    let unknown = match &error {
        Error::Transport { source, .. } => !source.is_connect(),
        Error::Api { status, .. } | Error::Http { status, .. } => status.is_server_error(),
        Error::Decode { status, .. } => status.is_success(),
        Error::OutcomeUnknown { .. } | Error::InvalidRequest { .. } => false,
    };
    if op.creates_data && !repeatable && unknown {
        Error::OutcomeUnknown {
            operation: op.summary,
            idempotency_key: op.idempotency_key,
            cause: Box::new(error),
        }
    } else {
        error
    }
}

fn repeat_hint(idempotency_key: Option<&str>) -> String {
    match idempotency_key {
        Some(key) => {
            format!("; a `{key}` on the call makes a repeat safe, since CAKE acts once per `{key}`")
        }
        None => String::new(),
    }
}
