//! The simulator's HTTP face, a thin adapter over [`Simulator`]: a GET on one of the paths of
//! `spec/cake.yaml` becomes a [`Simulator::call`] and its [`crate::simulator::Answer`] the
//! response; the set-up API under `/_sim/` (described by `crates/cake-sim/sim-api.yaml`) calls
//! the simulator's set-up methods (`setup`). Unknown paths and methods get the Failure envelope.
//! Logs show the path and status only, never the api_key.

use std::net::SocketAddr;

use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    routing::get,
    Router,
};
use cake_client::spec;

use crate::simulator::Simulator;

mod respond;
mod setup;

use respond::{failure, respond};

impl Simulator {
    /// The axum router of the six operations, the set-up API under `/_sim/`, and Failure
    /// envelopes for unknown paths and methods.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for op in spec::operations() {
            router = router.route(
                op.path,
                get(
                    move |State(sim): State<Simulator>, RawQuery(query): RawQuery| async move {
                        respond(sim.call(op.id, query.as_deref().unwrap_or("")).await)
                    },
                ),
            );
        }
        setup::routes(router)
            .fallback(|| async {
                failure(
                    StatusCode::NOT_FOUND,
                    "no such operation; the simulator serves the paths of spec/cake.yaml, e.g. /api/2/report/offer.json, and its set-up API under /_sim/",
                    None,
                )
            })
            .method_not_allowed_fallback(|| async {
                failure(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "every CAKE operation is a GET; see crates/cake-sim/sim-api.yaml for /_sim/",
                    None,
                )
            })
            .with_state(self.clone())
    }

    /// Binds `addr` (e.g. `127.0.0.1:0` for any free port) and serves in the background until
    /// the returned handle is shut down or dropped.
    pub async fn serve(&self, addr: &str) -> std::io::Result<RunningSimulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                // Either a shutdown call or the handle being dropped stops the server.
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "the simulator's server stopped");
            }
        });
        tracing::info!(%local_addr, "CAKE simulator listening");
        Ok(RunningSimulator {
            simulator: self.clone(),
            addr: local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A simulator serving on a socket. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSimulator {
    simulator: Simulator,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSimulator {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The simulator it serves (to seed or inspect its store).
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// Stops accepting, finishes the requests in flight, and returns when the server is down.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until the server stops (for `cake serve`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
