//! What a command's failure says, its hint and its exit code (the table in `cake --help` and the
//! README): the SDK's errors mapped to the codes people script against.

use cake_client::{query::Operation, Error};

use crate::commands::{command_of, flag, operation_commands};

/// A failure of the command, with its exit code.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Failure {
    pub(crate) fn local(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The hint for a record CAKE does not know: check the flag, and where it can be looked up (a
/// subcommand that reads, not writes, by that parameter), e.g. `cake clicks --click-id ID`.
pub(crate) fn not_found_hint(parameter: &str) -> String {
    let lookup = operation_commands().find(|c| {
        let op = c.operation.spec();
        !op.creates_data && op.param(parameter).is_some()
    });
    match lookup {
        Some(c) => format!(
            "check {0}; look it up with `cake {1} {0} ID`",
            flag(parameter),
            c.words.join(" ")
        ),
        None => format!("check {}", flag(parameter)),
    }
}

/// The hint for a conversion whose fate is unknown: how to check before sending it again, and the
/// flag that makes a repeat safe.
pub(crate) fn outcome_unknown_hint(idempotency_key: Option<&str>) -> String {
    // The operation that lists what Record Conversion creates.
    let check = command_of(Operation::GetConversions).words.join(" ");
    let mut hint = format!(
        "the conversion may have been recorded: before sending it again, look for it with \
         `cake {check} --start-date DAY --end-date DAY --offer-id ID`"
    );
    if let Some(key) = idempotency_key {
        hint.push_str(&format!(
            "; send conversions with {} so that a repeat is safe",
            flag(key)
        ));
    }
    hint
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let parameter = e.parameter().map(str::to_string);
        let status = e.status().map(|s| s.as_u16());
        let (code, hint) = match (&e, status, parameter.as_deref()) {
            (
                Error::OutcomeUnknown {
                    idempotency_key, ..
                },
                _,
                _,
            ) => (4, Some(outcome_unknown_hint(*idempotency_key))),
            (Error::InvalidRequest { .. }, _, Some(p)) => (2, Some(format!("check {}", flag(p)))),
            (Error::InvalidRequest { .. }, _, None) => (2, None),
            (_, Some(401), _) => (
                3,
                Some("check --api-key or CAKE_API_KEY (the key is not shown)".to_string()),
            ),
            (Error::Api { .. }, Some(404), Some(p)) => (3, Some(not_found_hint(p))),
            (_, Some(429), _) => (
                4,
                Some("CAKE is rate limiting: wait and try again".to_string()),
            ),
            (_, Some(s), _) if s >= 500 => (4, Some("CAKE failed: try again later".to_string())),
            (Error::Api { .. } | Error::Http { .. }, _, Some(p)) => {
                (3, Some(format!("check {}", flag(p))))
            }
            (Error::Api { .. } | Error::Http { .. }, _, None) => (3, None),
            (Error::Transport { .. }, _, _) => (
                4,
                Some("check --base-url or CAKE_BASE_URL, and the network".to_string()),
            ),
            _ => (4, None),
        };
        Self {
            code,
            message: e.to_string(),
            hint,
        }
    }
}

pub(crate) fn write_failure(e: std::io::Error) -> Failure {
    Failure::local(format!("cannot write the output: {e}"))
}
