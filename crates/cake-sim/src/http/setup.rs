//! The set-up API under `/_sim/`: what a test needs that CAKE's API has no way to do. Described
//! by `crates/cake-sim/sim-api.yaml` (OpenAPI 3.0.3), which a test holds this module to.
//!
//! | route | does |
//! |---|---|
//! | `POST /_sim/data` | adds a dataset's entries (the `--data` file format): advertisers, affiliates, offers, clicks, conversions; all or none |
//! | `GET`, `PUT`, `DELETE /_sim/clock` | reads, sets (`now`) or moves (`advance_seconds`) the clock; back to the wall clock |
//! | `POST /_sim/reset` | back to the data, clock and faults the simulator started with; journal emptied |
//! | `GET /_sim/journal` | the requests received on CAKE's operations, api_key redacted |
//! | `GET`, `PUT`, `DELETE /_sim/faults` | the scripted faults in force ([`crate::sandbox::FaultPlan`]) |
//!
//! Every route takes the simulator's api_key in the query, as CAKE's operations do (401
//! otherwise); a bad body is a 400 with the Failure envelope naming what is wrong. Nothing here
//! echoes the api_key.

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use cake_client::CakeDateTime;
use serde::Deserialize;
use serde_json::json;

use super::respond::failure;
use crate::{
    dataset::{Dataset, DatasetError},
    durable::StateError,
    sandbox::{ClockSetting, FaultPlan},
    simulator::{ChangeError, Simulator},
};

/// `router` with the set-up routes added.
pub(super) fn routes(router: Router<Simulator>) -> Router<Simulator> {
    router
        .route("/_sim/data", post(load_data))
        .route(
            "/_sim/clock",
            get(get_clock).put(put_clock).delete(delete_clock),
        )
        .route("/_sim/reset", post(reset))
        .route("/_sim/journal", get(journal))
        .route(
            "/_sim/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
}

/// The 401 for a request without the simulator's api_key, or `None`.
fn refused(sim: &Simulator, query: &Option<String>) -> Option<Response> {
    let key = cake_client::spec::API_KEY_PARAM;
    (!sim.authorized(query.as_deref().unwrap_or(""))).then(|| {
        failure(
            StatusCode::UNAUTHORIZED,
            &format!("{key}: missing or not valid; the set-up API takes the simulator's {key}"),
            Some(key),
        )
    })
}

fn bad_body(message: String, parameter: Option<&str>) -> Response {
    failure(StatusCode::BAD_REQUEST, &message, parameter)
}

fn unavailable(e: &StateError) -> Response {
    failure(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("not made: it could not be kept on disk: {e}"),
        None,
    )
}

fn change_failed(e: &ChangeError) -> Response {
    match e {
        ChangeError::State(e) => unavailable(e),
        other => bad_body(other.to_string(), None),
    }
}

fn done(message: &str) -> Response {
    Json(json!({"request_status": "Success", "message": message})).into_response()
}

fn utf8(body: &Bytes) -> Result<&str, String> {
    std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())
}

/// The body as JSON of type `T`, or the message of a 400 saying what was `expected`.
fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes, expected: &str) -> Result<T, String> {
    serde_json::from_str(utf8(body)?).map_err(|e| format!("expected {expected}: {e}"))
}

async fn load_data(
    State(sim): State<Simulator>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    let text = match utf8(&body) {
        Ok(t) => t,
        Err(m) => return bad_body(m, None),
    };
    let dataset: Dataset = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(_) => match Dataset::from_text(text, false) {
            Ok(d) => d,
            Err(e) => {
                return bad_body(
                    format!("expected a dataset (the --data format, see cake_sim::dataset): {e}"),
                    None,
                )
            }
        },
        Err(e) => return bad_body(format!("the body is not JSON: {e}"), None),
    };
    let counts = [
        ("advertisers", dataset.advertisers.len()),
        ("affiliates", dataset.affiliates.len()),
        ("countries", dataset.countries.len()),
        ("offers", dataset.offers.len()),
        ("clicks", dataset.clicks.len()),
        ("conversions", dataset.conversions.len()),
    ];
    match sim.load(dataset) {
        Err(ChangeError::State(e)) => unavailable(&e),
        Ok(()) => {
            let added: Vec<String> = counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(what, n)| format!("{n} {what}"))
                .collect();
            let added = if added.is_empty() {
                "nothing".to_string()
            } else {
                added.join(", ")
            };
            done(&format!("added {added}"))
        }
        Err(ChangeError::Data(DatasetError::Invalid { entry, error })) => {
            let at = format!("{entry}.{}", error.field);
            bad_body(format!("{entry}.{error}; nothing was added"), Some(&at))
        }
        Err(e) => bad_body(format!("{e}; nothing was added"), None),
    }
}

fn clock_body(sim: &Simulator) -> Response {
    let mode = sim.clock_mode();
    Json(json!({"mode": mode, "now": sim.now().to_string()})).into_response()
}

async fn get_clock(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    clock_body(&sim)
}

/// `{"now": "2026-06-19 14:30:00"}` sets the clock there; `{"advance_seconds": 3600}` moves it
/// (a wall clock is first fixed at its current time).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    now: Option<CakeDateTime>,
    advance_seconds: Option<i64>,
}

async fn put_clock(
    State(sim): State<Simulator>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    let change: ClockChange = match json_body(
        &body,
        "{\"now\": \"YYYY-MM-DD HH:MM:SS\"} or {\"advance_seconds\": N}",
    ) {
        Ok(c) => c,
        Err(m) => return bad_body(m, None),
    };
    let now = match (change.now, change.advance_seconds) {
        (Some(now), None) => now,
        (None, Some(seconds)) => {
            let moved = sim
                .now()
                .naive()
                .checked_add_signed(chrono::Duration::seconds(seconds));
            match moved {
                Some(t) => CakeDateTime::new(t),
                None => {
                    return bad_body(
                        format!("advance_seconds: {seconds} moves the clock out of range"),
                        Some("advance_seconds"),
                    )
                }
            }
        }
        _ => {
            return bad_body(
                "expected exactly one of `now` and `advance_seconds`".into(),
                None,
            )
        }
    };
    match sim.set_clock(ClockSetting::Fixed(now)) {
        Ok(()) => clock_body(&sim),
        Err(e) => change_failed(&e),
    }
}

async fn delete_clock(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    match sim.set_clock(ClockSetting::Wall) {
        Ok(()) => clock_body(&sim),
        Err(e) => change_failed(&e),
    }
}

async fn reset(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    match sim.reset() {
        Ok(()) => {
            done("back to the data, clock and faults the simulator started with; journal emptied")
        }
        Err(e) => change_failed(&e),
    }
}

async fn journal(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    let (requests, total) = sim.journal();
    Json(json!({"total": total, "requests": requests})).into_response()
}

async fn get_faults(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    Json(sim.faults()).into_response()
}

async fn put_faults(
    State(sim): State<Simulator>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    let plan: FaultPlan = match json_body(&body, "a fault plan (see cake_sim::sandbox::FaultPlan)")
    {
        Ok(p) => p,
        Err(m) => return bad_body(m, None),
    };
    match sim.set_faults(plan) {
        Ok(()) => Json(sim.faults()).into_response(),
        Err(ChangeError::Plan(e)) => bad_body(e.to_string(), Some(&e.at)),
        Err(e) => change_failed(&e),
    }
}

async fn delete_faults(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    if let Some(r) = refused(&sim, &query) {
        return r;
    }
    match sim.set_faults(FaultPlan::default()) {
        Ok(()) => Json(sim.faults()).into_response(),
        Err(e) => change_failed(&e),
    }
}
