//! What a call to one of CAKE's operations gives back, before any transport: the spec's JSON
//! (its response type, or the Failure envelope) with an HTTP status, or nothing at all when a
//! `commit_then_drop` fault drops the connection. The HTTP layer sends it as it is; a test reads
//! it as it is.

use cake_client::{spec::ParamError, types};

/// What the simulator answers a call with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A status and a JSON body.
    Sent(Reply),
    /// Nothing: the connection is dropped after the work is done (the `commit_then_drop`
    /// fault), so the client cannot tell whether its request took effect.
    Dropped,
}

impl Answer {
    /// The reply, unless the connection was dropped.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Answer::Sent(reply) => Some(reply),
            Answer::Dropped => None,
        }
    }
}

/// A status and the spec's JSON: the operation's response type on 200, else the Failure
/// envelope (`request_status: Failure`, a `message`, and the `parameter` at fault when one is).
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Vec<u8>,
    /// A `Retry-After` header, in seconds, when set (an injected 429 or 503).
    pub retry_after_seconds: Option<u32>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body as text: no answer carries the api_key (none echoes the query).
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("retry_after_seconds", &self.retry_after_seconds)
            .finish()
    }
}

impl Reply {
    /// The body read as `T` (a response type of `cake_client::types`, or `types::Failure`).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    /// 200 with this body.
    pub(crate) fn ok<T: serde::Serialize>(body: &T) -> Self {
        Self::with_json(200, body)
    }

    /// A JSON answer, written into one buffer sized for a report page (a growing buffer would
    /// be reallocated many times for a 50-row report).
    fn with_json<T: serde::Serialize>(status: u16, body: &T) -> Self {
        let mut buffer = Vec::with_capacity(16 * 1024);
        match serde_json::to_writer(&mut buffer, body) {
            Ok(()) => Self {
                status,
                body: buffer,
                retry_after_seconds: None,
            },
            // The spec's types always serialize (money is a Decimal's digits); were one not to,
            // the answer says so in the Failure envelope instead of sending half a body.
            Err(e) => Self {
                status: 500,
                body: serde_json::json!({
                    "request_status": "Failure",
                    "message": format!("the simulator could not write its answer: {e}"),
                })
                .to_string()
                .into_bytes(),
                retry_after_seconds: None,
            },
        }
    }

    /// The spec's Failure envelope with a status.
    pub(crate) fn failure(status: u16, message: &str, parameter: Option<&str>) -> Self {
        let body = types::Failure {
            request_status: types::FailureStatus::Failure,
            message: message.to_string(),
            parameter: parameter.map(str::to_string),
        };
        Self::with_json(status, &body)
    }

    /// 400 naming the parameter the spec's constraints refuse.
    pub(crate) fn bad_request(e: &ParamError) -> Self {
        Self::failure(400, &e.to_string(), Some(e.parameter.as_str()))
    }

    /// A failure the simulator was told to answer with (a status outside 100..=999 is a 503).
    pub(crate) fn injected(status: u16, retry_after_seconds: Option<u32>) -> Self {
        let status = if (100..=999).contains(&status) {
            status
        } else {
            503
        };
        Self {
            retry_after_seconds,
            ..Self::failure(
                status,
                "injected failure: the simulator was told to fail this request",
                None,
            )
        }
    }
}
