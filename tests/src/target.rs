//! Targets: where the answers to the SDK's requests come from.
//!
//! The SDK always talks to a local httpmock server, which captures each request exactly as
//! sent. A [`Target`] then gives the answer: [`MockTarget`] serves the body generated from the
//! spec; [`UpstreamTarget`] replays the captured request against a real server (a CAKE instance,
//! or the local simulator) and the mock serves what came back, so the same request and response
//! checks run whatever the target. A target must never print or keep the api_key anywhere but
//! in the requests it sends.

use std::{fmt, future::Future, pin::Pin};

/// The api_key the SDK is given in the suite (the mock's; an upstream target swaps in its own).
pub const SUITE_API_KEY: &str = "contract-suite-key";

/// A request as the SDK sent it.
#[derive(Clone, PartialEq)]
pub struct CapturedRequest {
    /// The method, upper case.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
}

impl CapturedRequest {
    /// Reads a request line's target (`/path?query`).
    pub fn from_parts(method: &str, target: &str) -> CapturedRequest {
        // A request target is `/path?query`, or an absolute URL (as httpmock reports it).
        let path_and_query = match url::Url::parse(target) {
            Ok(u) => match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            },
            Err(_) => target.to_string(),
        };
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((&path_and_query, ""));
        CapturedRequest {
            method: method.to_uppercase(),
            path: path.to_string(),
            query: url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }
}

impl fmt::Debug for CapturedRequest {
    /// `GET /path?a=1&api_key=<redacted>`: never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| {
                if k.contains(cake_client::secret::API_KEY_PARAM) {
                    format!("{k}=<redacted>")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        write!(f, "{} {}?{}", self.method, self.path, query.join("&"))
    }
}

/// A response: status and body.
#[derive(Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer {
            status,
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }
}

impl fmt::Debug for Answer {
    /// The status and the first 2 KiB of the body.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.body);
        let cut: String = text.chars().take(2048).collect();
        write!(f, "{} {}", self.status, cut)?;
        if cut.len() < text.len() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// A record a target is known to hold: parameter values by name (`click_id`, `offer_id`, ...)
/// and the day it happened. Strategies put anchors into generated requests so that some of them
/// name things that exist: a Record Conversion of a real click, a report over days with rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// Query text by parameter name; a name an operation lacks, or a value its schema rejects,
    /// is left out of that operation's requests.
    pub values: Vec<(String, String)>,
    /// The day it happened, for date ranges around it.
    pub day: chrono::NaiveDate,
}

/// A boxed future (the trait is object safe, so targets can be listed).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where answers come from.
pub trait Target: Send + Sync {
    /// A name for messages ("httpmock", "live CAKE at https://…").
    fn name(&self) -> String;

    /// Whether operations the spec marks `x-cake-creates-data` may be sent to it.
    fn allows_writes(&self) -> bool;

    /// Whether it serves the spec-generated answer as is (so the suite controls every response
    /// and can also check error paths and broken bodies).
    fn serves_generated(&self) -> bool;

    /// The answer to `request`; `generated` is the answer the spec-derived strategy proposes.
    fn answer<'a>(
        &'a self,
        request: &'a CapturedRequest,
        generated: Answer,
    ) -> BoxFuture<'a, Result<Answer, String>>;

    /// How many generated cases to run against it by default (a real server is slow and
    /// rate-limited); `PROPTEST_CASES` overrides.
    fn default_cases(&self) -> u32 {
        256
    }

    /// Records it is known to hold (none unless the suite seeded them).
    fn anchors(&self) -> Vec<Anchor> {
        Vec::new()
    }
}

/// httpmock as CAKE: every answer is the one generated from the spec. The default target.
#[derive(Debug, Default, Clone, Copy)]
pub struct MockTarget;

impl Target for MockTarget {
    fn name(&self) -> String {
        "httpmock".into()
    }

    fn allows_writes(&self) -> bool {
        true
    }

    fn serves_generated(&self) -> bool {
        true
    }

    fn answer<'a>(
        &'a self,
        _: &'a CapturedRequest,
        generated: Answer,
    ) -> BoxFuture<'a, Result<Answer, String>> {
        Box::pin(async move { Ok(generated) })
    }
}

/// A real server at `base_url`, reached with `api_key`: a CAKE instance (`CAKE_BASE_URL`,
/// `CAKE_API_KEY`) or the local simulator (`UpstreamTarget::new("simulator", url, key, true)`).
pub struct UpstreamTarget {
    name: String,
    base_url: String,
    api_key: String,
    allow_writes: bool,
    default_cases: u32,
    anchors: Vec<Anchor>,
    http: reqwest::Client,
}

impl fmt::Debug for UpstreamTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamTarget")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("allow_writes", &self.allow_writes)
            .field("default_cases", &self.default_cases)
            .field("anchors", &self.anchors.len())
            .finish_non_exhaustive() // the api_key: never shown
    }
}

impl UpstreamTarget {
    /// A server at `base_url` (scheme, host and any path prefix) that takes `api_key`.
    pub fn new(name: &str, base_url: &str, api_key: &str, allow_writes: bool) -> UpstreamTarget {
        UpstreamTarget {
            name: format!("{name} at {}", base_url.trim_end_matches('/')),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            allow_writes,
            default_cases: 24,
            anchors: Vec::new(),
            http: reqwest::Client::new(),
        }
    }

    /// The same target running `cases` generated cases by default (a local server is fast and
    /// has no rate limit; a remote one keeps the default of 24).
    pub fn with_default_cases(mut self, cases: u32) -> UpstreamTarget {
        self.default_cases = cases;
        self
    }

    /// The same target, known to hold `anchors`.
    pub fn with_anchors(mut self, anchors: Vec<Anchor>) -> UpstreamTarget {
        self.anchors = anchors;
        self
    }
}

impl Target for UpstreamTarget {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn allows_writes(&self) -> bool {
        self.allow_writes
    }

    fn serves_generated(&self) -> bool {
        false
    }

    fn default_cases(&self) -> u32 {
        self.default_cases
    }

    fn anchors(&self) -> Vec<Anchor> {
        self.anchors.clone()
    }

    fn answer<'a>(
        &'a self,
        request: &'a CapturedRequest,
        _: Answer,
    ) -> BoxFuture<'a, Result<Answer, String>> {
        Box::pin(async move {
            let mut url = url::Url::parse(&format!("{}{}", self.base_url, request.path))
                .map_err(|e| format!("{}: not a URL: {e}", self.name))?;
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in &request.query {
                    // The SDK was given the suite's key; this server takes its own.
                    if v == SUITE_API_KEY {
                        q.append_pair(k, &self.api_key);
                    } else {
                        q.append_pair(k, v);
                    }
                }
            }
            let method = reqwest::Method::from_bytes(request.method.as_bytes())
                .map_err(|e| format!("method {}: {e}", request.method))?;
            let response = self
                .http
                .request(method, url)
                .send()
                .await
                .map_err(|e| format!("{}: {}", self.name, e.without_url()))?;
            let status = response.status().as_u16();
            let body = response
                .bytes()
                .await
                .map_err(|e| format!("{}: reading the body: {}", self.name, e.without_url()))?;
            Ok(Answer {
                status,
                body: body.to_vec(),
            })
        })
    }
}

/// The targets this run checks: httpmock and the local simulator always (the simulator started
/// once per test binary, see [`crate::simulator::shared`]); a live server too when
/// `CAKE_BASE_URL` and `CAKE_API_KEY` are set (writes only with `CAKE_CONTRACT_ALLOW_WRITES=1`).
/// An error when only one of the two is set, or when the simulator cannot start.
pub fn targets_from_env() -> Result<Vec<Box<dyn Target>>, String> {
    let mut targets: Vec<Box<dyn Target>> = vec![
        Box::new(MockTarget),
        Box::new(crate::simulator::simulator_target()?),
    ];
    let base = std::env::var("CAKE_BASE_URL")
        .ok()
        .filter(|s| !s.is_empty());
    let key = std::env::var("CAKE_API_KEY").ok().filter(|s| !s.is_empty());
    match (base, key) {
        (Some(base), Some(key)) => {
            let writes = std::env::var("CAKE_CONTRACT_ALLOW_WRITES").as_deref() == Ok("1");
            targets.push(Box::new(UpstreamTarget::new(
                "live CAKE",
                &base,
                &key,
                writes,
            )));
        }
        (None, None) => {}
        (Some(_), None) => {
            return Err(
                "CAKE_BASE_URL is set but CAKE_API_KEY is not: set both to check a live server"
                    .into(),
            )
        }
        (None, Some(_)) => {
            return Err(
                "CAKE_API_KEY is set but CAKE_BASE_URL is not: set both to check a live server"
                    .into(),
            )
        }
    }
    Ok(targets)
}
