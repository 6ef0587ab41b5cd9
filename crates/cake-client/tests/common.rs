//! Helpers shared by the integration tests.
#![allow(dead_code)]

use cake_client::{Client, RetryPolicy};
use httpmock::{HttpMockRequest, MockServer};

pub const KEY: &str = "k3y-SECRET-4f9a";

pub fn client(server: &MockServer) -> Client {
    Client::builder(server.base_url(), KEY)
        .retry(once())
        .build()
        .unwrap()
}

/// One attempt, within 3 seconds in all: what `RetryPolicy::none()` does, with a short time
/// budget, so that a test whose calls would be retried by mistake ends in seconds.
pub fn once() -> RetryPolicy {
    RetryPolicy {
        max_elapsed: std::time::Duration::from_secs(3),
        ..RetryPolicy::none()
    }
}

pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// `call`, which must end within 10 seconds: a call that retries on and on (or a stream that
/// never ends) fails its test fast instead of hanging it.
pub async fn within<F: std::future::Future>(call: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(10), call)
        .await
        .expect("the call ends within 10 s")
}

/// Retries that wait a few milliseconds, for tests of what is retried.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(5),
        max_elapsed: std::time::Duration::from_secs(10),
    }
}

/// A client of a [`ScriptedServer`] with this retry policy, its time budget 5 seconds at most
/// (so that a test whose calls would be retried by mistake ends in seconds).
pub fn scripted_client(server: &ScriptedServer, retry: RetryPolicy) -> Client {
    let max_elapsed = retry.max_elapsed.min(std::time::Duration::from_secs(5));
    Client::builder(&server.base_url, KEY)
        .retry(RetryPolicy {
            max_elapsed,
            ..retry
        })
        .build()
        .unwrap()
}

/// An empty Affiliate Report body.
pub fn report_body() -> serde_json::Value {
    serde_json::json!({"request_status":"Success","response":{"data":{"affiliates":[]}}})
}

/// The operation's 200 example from the spec.
pub fn sample(operation_id: &str) -> serde_json::Value {
    let spec: serde_json::Value = serde_yaml_ng::from_str(cake_client::spec::SPEC_YAML).unwrap();
    let path = cake_client::spec::operation(operation_id)
        .unwrap()
        .path
        .replace('~', "~0")
        .replace('/', "~1");
    spec.pointer(&format!(
        "/paths/{path}/get/responses/200/content/application~1json/example"
    ))
    .unwrap_or_else(|| panic!("{operation_id} has no 200 example"))
    .clone()
}

/// A matcher that holds the request's whole query, api_key included, to exactly `expected`
/// (order aside): nothing missing, nothing extra, nothing twice.
pub fn exact_query(
    expected: &[(&str, &str)],
) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    expected.sort();
    move |req: &HttpMockRequest| {
        let mut got = req.query_params();
        got.sort();
        got == expected
    }
}

/// What a [`ScriptedServer`] does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with this status, extra headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Read the request, then close the connection without a word (as a crash after the work
    /// was done would).
    Drop,
    /// Wait, then do the other reply (a slow server).
    After(std::time::Duration, Box<Reply>),
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }
}

/// A request a [`ScriptedServer`] saw: its target (path and query) and when it came.
#[derive(Clone, Debug)]
pub struct Seen {
    pub target: String,
    pub at: std::time::Instant,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers requests with a script, in order (the last
/// reply repeats), and records what it saw. httpmock cannot drop a connection after reading a
/// request or change its answer between calls; this can.
pub struct ScriptedServer {
    pub base_url: String,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl ScriptedServer {
    pub async fn start(script: Vec<Reply>) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                log.lock().unwrap().push(Seen {
                    target,
                    at: std::time::Instant::now(),
                });
                let reply = script
                    .get(n)
                    .or(script.last())
                    .cloned()
                    .expect("a non-empty script");
                n += 1;
                let reply = match reply {
                    Reply::After(wait, reply) => {
                        tokio::time::sleep(wait).await;
                        *reply
                    }
                    other => other,
                };
                match reply {
                    Reply::After(..) => unreachable!("one wait per reply"),
                    Reply::Drop => drop(socket),
                    Reply::Respond {
                        status,
                        headers,
                        body,
                    } => {
                        let mut out = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (k, v) in headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&body);
                        let _ = socket.write_all(out.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                }
            }
        });
        Self { base_url, seen }
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn targets(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.target.clone())
            .collect()
    }
}

/// A tracing subscriber that writes every event and span field into a buffer, for tests that
/// read what a call logged.
#[derive(Clone, Default)]
pub struct LogCapture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let writer = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}
