//! An [`Answer`] as an HTTP response: its status, `Content-Type: application/json`, a
//! `Retry-After` when it has one, or for a dropped answer a connection closed with nothing sent.

use axum::{
    body::Bytes,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::simulator::{Answer, Reply};

/// The response for `answer`.
pub(super) fn respond(answer: Answer) -> Response {
    match answer {
        Answer::Sent(reply) => sent(reply),
        Answer::Dropped => dropped_connection(),
    }
}

fn sent(reply: Reply) -> Response {
    // A status outside 100..=999 cannot be made (the simulator's answers never have one).
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        reply.body,
    )
        .into_response();
    if let Some(seconds) = reply.retry_after_seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The spec's Failure envelope with a status, as a response.
pub(super) fn failure(status: StatusCode, message: &str, parameter: Option<&str>) -> Response {
    sent(Reply::failure(status.as_u16(), message, parameter))
}

/// A `commit_then_drop` answer: the connection is closed with nothing sent. (The body fails
/// before its first byte; hyper then drops the connection without writing the status line.)
fn dropped_connection() -> Response {
    let body = axum::body::Body::from_stream(futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other(
            "commit_then_drop: the simulator was told to drop this connection",
        ))
    }));
    Response::new(body)
}
