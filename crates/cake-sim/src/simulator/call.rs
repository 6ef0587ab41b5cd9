//! The one path every request to CAKE's operations takes, whatever carries it: the scripted
//! faults decide first (a latency, an injected status, a dropped connection), then the api_key
//! is checked (here only, for CAKE's operations and the set-up API alike), then the operation
//! answers, and the journal keeps the request with its api_key redacted. Nothing here logs or
//! echoes the api_key: logs show the operation and status only.

use cake_client::spec::{self, API_KEY_PARAM};

use super::answer::{Answer, Reply};
use super::{lock, Simulator};

impl Simulator {
    /// Answers a request to the operation `operation_id` (its operationId in `spec/cake.yaml`)
    /// with this query string (`api_key=...&start_date=...`), as the HTTP layer does for a GET
    /// on the operation's path: faults, api_key, parameters, the operation, the journal. Never
    /// panics; an unknown operation is a 404 Failure.
    pub async fn call(&self, operation_id: &str, raw_query: &str) -> Answer {
        let Some(op) = spec::operation(operation_id) else {
            return Answer::Sent(Reply::failure(404, "no such operation", None));
        };
        let decision = lock(&self.shared.faults).decide(op.id);
        if decision.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(decision.latency_ms)).await;
        }
        let reply = match decision.status {
            Some((status, retry_after_seconds)) => Reply::injected(status, retry_after_seconds),
            None => match self.authorized_params(raw_query) {
                Some(params) => self.answer(op, &params),
                None => Reply::failure(
                    401,
                    &format!(
                        "{API_KEY_PARAM}: missing or not valid; send the {API_KEY_PARAM} this simulator was started with"
                    ),
                    Some(API_KEY_PARAM),
                ),
            },
        };
        let answered = (!decision.drop_after_commit).then_some(reply.status);
        lock(&self.shared.journal).push(op.id, redact_query(raw_query), answered);
        tracing::debug!(
            path = op.path,
            status = reply.status,
            dropped = decision.drop_after_commit,
            "served"
        );
        if decision.drop_after_commit {
            return Answer::Dropped;
        }
        Answer::Sent(reply)
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
            if name == API_KEY_PARAM {
                api_keys.push(value);
            } else {
                params.push((name.into_owned(), value.into_owned()));
            }
        }
        matches!(api_keys.as_slice(), [key] if same_secret(key, &self.shared.api_key))
            .then_some(params)
    }
}

/// Compares secrets without stopping at the first different byte.
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The query with the api_key's value replaced by `***`, for the journal.
fn redact_query(raw_query: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        if name == API_KEY_PARAM {
            out.append_pair(&name, "***");
        } else {
            out.append_pair(&name, &value);
        }
    }
    out.finish()
}
