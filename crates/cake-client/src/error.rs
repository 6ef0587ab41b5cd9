//! `Error`: the one error type of the SDK, and how a generated call's outcome becomes it.
//!
//! Every variant is safe to print: none holds the api_key (URLs are stripped or redacted, and
//! any text that came from the server is cut to its first KiB and redacted).

use progenitor_client::ResponseValue;
use reqwest::StatusCode;

use crate::{secret::redact_text, types, Client, ClientInfo};

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
    redact_text(&String::from_utf8_lossy(cut), &client.inner().api_key)
}

/// The header by which the exec hook marks a `Failure` it made up for an error status that came
/// without one, so that the status survives progenitor's decoding (see `runtime`).
pub(crate) const SYNTHESIZED_HEADER: &str = "x-cake-sdk-no-envelope";

/// The typed error bodies the spec gives an operation: the `Failure` envelope, or nothing for an
/// operation that documents no error response.
pub(crate) trait ErrorBody {
    fn into_failure(self) -> Option<types::Failure>;
}

impl ErrorBody for types::Failure {
    fn into_failure(self) -> Option<types::Failure> {
        Some(self)
    }
}

impl ErrorBody for () {
    fn into_failure(self) -> Option<types::Failure> {
        None
    }
}

/// Turns a generated call's outcome into this crate's result.
pub(crate) async fn finish<T, E: ErrorBody>(
    client: &Client,
    operation_id: &str,
    result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
) -> Result<ResponseValue<T>, Error> {
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(outcome_unknown(
            operation_id,
            convert(client, operation_id, e).await,
        )),
    }
}

/// `error` itself, or [`Error::OutcomeUnknown`] around it when the call creates data, was sent
/// without its idempotency key (the exec hook marks that), and failed in a way that leaves open
/// whether CAKE acted on it: anything but a refused connection, a rate limit, a 4xx or a request
/// refused before sending.
fn outcome_unknown(operation_id: &str, error: Error) -> Error {
    let unrepeatable = crate::call::with_current(|c| c.is_unrepeatable()).unwrap_or(false);
    let unknown = match &error {
        Error::Transport { source, .. } => !source.is_connect(),
        Error::Api { status, .. } | Error::Http { status, .. } => status.is_server_error(),
        Error::Decode { status, .. } => status.is_success(),
        Error::OutcomeUnknown { .. } | Error::InvalidRequest { .. } => false,
    };
    match crate::spec::operation(operation_id) {
        Some(op) if unrepeatable && unknown => Error::OutcomeUnknown {
            operation: op.summary,
            idempotency_key: op.idempotency_key,
            cause: Box::new(error),
        },
        _ => error,
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

async fn convert<E: ErrorBody>(
    client: &Client,
    operation_id: &str,
    e: progenitor_client::Error<E>,
) -> Error {
    use progenitor_client::Error as G;
    let key = &client.inner().api_key;
    match e {
        G::InvalidRequest(message) | G::Custom(message) => {
            match crate::call::with_current(|call| call.take_refusal()).flatten() {
                // The refusal of the call's values, as `sending` made it.
                Some(refusal) => Error::invalid(Some(&refusal.parameter), refusal.message),
                None => builder_refusal(operation_id, &message),
            }
        }
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
            Error::transport(e)
        }
        G::ErrorResponse(value) => {
            let status = value.status();
            let synthesized = value.headers().contains_key(SYNTHESIZED_HEADER);
            match value.into_inner().into_failure() {
                Some(failure) if synthesized => Error::Http {
                    status,
                    body: failure.message,
                },
                Some(failure) => Error::Api {
                    status,
                    message: redact_text(&failure.message, key),
                    parameter: failure.parameter,
                },
                None => Error::Http {
                    status,
                    body: String::new(),
                },
            }
        }
        G::InvalidResponsePayload(body, e) => {
            // Only success statuses reach a decode here: the exec hook gives every error status a
            // `Failure` body. A `Failure` in a 200 is CAKE saying no, not a broken body.
            match serde_json::from_slice::<types::Failure>(&body) {
                Ok(failure) => Error::Api {
                    status: StatusCode::OK,
                    message: redact_text(&failure.message, key),
                    parameter: failure.parameter,
                },
                Err(_) => Error::Decode {
                    status: StatusCode::OK,
                    reason: redact_text(&e.to_string(), key),
                    body: excerpt(&body, client),
                },
            }
        }
        G::UnexpectedResponse(response) => {
            let status = response.status();
            let synthesized = response.headers().contains_key(SYNTHESIZED_HEADER);
            match response.bytes().await {
                Ok(body) => match serde_json::from_slice::<types::Failure>(&body) {
                    Ok(failure) if synthesized => Error::Http {
                        status,
                        body: failure.message,
                    },
                    Ok(failure) => Error::Api {
                        status,
                        message: redact_text(&failure.message, key),
                        parameter: failure.parameter,
                    },
                    Err(_) if status.is_success() => Error::Decode {
                        status,
                        reason: format!("status {status} is not one the spec documents"),
                        body: excerpt(&body, client),
                    },
                    Err(_) => Error::Http {
                        status,
                        body: excerpt(&body, client),
                    },
                },
                Err(e) => Error::transport(e),
            }
        }
    }
}

/// A refusal by progenitor's generated builder, which reports a required parameter left unset
/// (`"offer_id was not initialized"`) or a value that does not convert to the parameter's type
/// (`"conversion to `u32` for offer_id failed"`) as text only. The parameter is the one of the
/// operation's parameters (from the spec) that the message is about; nothing is read out of the
/// message itself. Anything else is kept whole, without a parameter.
fn builder_refusal(operation_id: &str, message: &str) -> Error {
    let Some(op) = crate::spec::operation(operation_id) else {
        return Error::invalid(None, message);
    };
    for param in op.params {
        let name = param.name;
        if message.len() == name.len() + " was not initialized".len()
            && message.starts_with(name)
            && message.ends_with(" was not initialized")
        {
            return Error::invalid(
                Some(name),
                format!("is required: expected {}", param.expected()),
            );
        }
        if message.starts_with("conversion to ")
            && message
                .strip_suffix(" failed")
                .is_some_and(|m| m.ends_with(&format!(" for {name}")))
        {
            return Error::invalid(
                Some(name),
                format!(
                    "expected {}; the value given does not fit",
                    param.expected()
                ),
            );
        }
    }
    Error::invalid(None, message)
}
