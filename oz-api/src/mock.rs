//! Typed mocks of every operation, for testing your own code that calls Oz
//! without a network (feature `mock`).
//!
//! [`MockServer`] is an in-process HTTP server on 127.0.0.1 (a
//! [wiremock](https://docs.rs/wiremock) server). It has one method per
//! operation, named like the [`Client`]'s: the closure receives
//! a `When` with a method per parameter of that operation (what the request
//! must carry to match) and a `Then` with a method per documented response
//! (what to answer), each taking the types the client uses.
//! [`MockServer::client`] is a [`Client`] pointed at it, with
//! no wait between retries.
//!
//! Each matcher takes what the client's setter of the same name takes, and
//! converts it the same way: what the code under test passes to
//! `client.list_runs().state([RunState::Failed]).created_after(since)`, the
//! test passes to `when.state([RunState::Failed]).created_after(since)`.
//! A value the setter refuses (`when.limit(0)`) makes the mock match nothing,
//! and the request's error says why.
//!
//! Each responder called on `Then` adds a response to a script: the first
//! matching request gets the first, the next request the next, and once the
//! script is over the last one is repeated. So a run that goes QUEUED →
//! INPROGRESS → SUCCEEDED over three polls, or a 429 then a 200, is one mock.
//! [`problem`] builds an error body as the API writes one.
//!
//! A request no mock matches gets a `421 Misdirected Request` (a status the
//! client never retries, so it is sent once) that names the mocks that came
//! closest, with what the request missed:
//! `GET /agent/runs/r2: 421 Misdirected Request: no_mock_matches: No mock
//! matches the request: closest: the mock of `get_run` (GET /agent/runs/{…})
//! expects `run_id` "r1" (the request: "r2") (trace …)`.
//!
//! Values to answer with are built by the constructors every generated type
//! has: `X::new` takes the required fields (in field order; `&str` for a
//! `String`) and leaves every other field `None`, empty or its default; set
//! more by assignment (`run.session_link = Some(..)`). A union has one
//! constructor per variant, tag set (`ArtifactItem::pull_request(created_at,
//! data)`), and reads its tag back (`artifact.artifact_type()`).
//!
//! ```
//! use std::time::Duration;
//! use oz_api::{mock::MockServer, types::{RunItem, RunState}};
//!
//! // The code under test: waits for a run and says how it ended.
//! async fn outcome(client: &oz_api::Client, run_id: &str) -> Result<String, oz_api::WaitError> {
//!     let run = client.wait_for_run(run_id, Duration::from_millis(1), Duration::from_secs(5)).await?;
//!     Ok(format!("{} {}", run.run_id, run.state))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockServer::start().await;
//! let now = oz_api::chrono::Utc::now();
//! // created_at, prompt, run_id, state, title, updated_at
//! let run = |state: RunState| RunItem::new(now, "Fix it", "r1", state, "Fix the test", now);
//! let calls = mock
//!     .get_run(|when, then| {
//!         when.run_id("r1");
//!         // 429 first (the client retries), then three polls.
//!         then.rate_limited(Duration::ZERO)
//!             .ok(&run(RunState::Queued))
//!             .ok(&run(RunState::Inprogress))
//!             .ok(&run(RunState::Succeeded))
//!     })
//!     .await;
//!
//! assert_eq!(outcome(&mock.client(), "r1").await.unwrap(), "r1 SUCCEEDED");
//! assert_eq!(calls.count(), 4);
//! # }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
pub use wiremock::Request;
use wiremock::{Match, ResponseTemplate};

use crate::{Client, ClientBuilder, RetryPolicy};

// The typed mocks are generated with the client, in `generated.rs`.
pub use crate::generated::mocks::*;

/// An in-process server that answers as mocked; one method per operation.
/// Dropping it stops it.
pub struct MockServer {
    server: wiremock::MockServer,
    /// What each mounted mock matches, to say which came closest to a request none matched.
    mounted: Arc<Mutex<Vec<(&'static str, Matcher)>>>,
}

impl MockServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub async fn start() -> MockServer {
        let server = wiremock::MockServer::start().await;
        let mounted: Arc<Mutex<Vec<(&'static str, Matcher)>>> = Arc::default();
        let seen = mounted.clone();
        // Lowest priority: answers what no mock matches, saying which mocks came closest.
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(move |request: &Request| {
                let mounted = seen.lock().unwrap_or_else(PoisonError::into_inner);
                not_mocked(
                    "no_mock_matches",
                    "No mock matches the request",
                    &closest(&mounted, request),
                )
            })
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        MockServer { server, mounted }
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client of this server: key `mock-key`, no wait between retries
    /// (`Retry-After` included), the default number of retries.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("a loopback base URL and a key are a valid configuration")
    }

    /// [`MockServer::client`]'s settings, to change before `build()`.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.uri())
            .api_key("mock-key")
            .retry_policy(RetryPolicy {
                initial_backoff: Duration::ZERO,
                max_backoff: Duration::ZERO,
                max_retry_after: Duration::ZERO,
                ..RetryPolicy::default()
            })
    }

    /// Every request received, in order.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// The wiremock server, for what the typed methods do not cover.
    pub fn wiremock(&self) -> &wiremock::MockServer {
        &self.server
    }

    /// Mounts one operation's mock (called by the generated methods).
    #[doc(hidden)]
    pub async fn mount(&self, operation: &'static str, when: When, then: Then) -> Calls {
        let calls = Calls::default();
        let script = then.take();
        let matcher = when.take();
        self.mounted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((operation, matcher.clone()));
        let counter = calls.0.clone();
        wiremock::Mock::given(matcher)
            .respond_with(move |_: &Request| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                match script.get(n.min(script.len().saturating_sub(1))) {
                    Some(reply) => reply.clone(),
                    None => not_mocked(
                        "mock_without_response",
                        "The mock has no response",
                        &format!(
                            "the mock of `{operation}` has no response: call a method of `then`"
                        ),
                    ),
                }
            })
            .named(operation)
            .mount(&self.server)
            .await;
        calls
    }
}

/// What the mocks answer when they have no answer: `421 Misdirected Request`
/// ("not able to produce a response"), a status the client retries for no
/// method (a `501` was, three times per GET), and `retryable: false`.
const NOT_MOCKED: u16 = 421;

/// [`NOT_MOCKED`] with a problem body saying what the mocks lack.
fn not_mocked(code: &str, title: &str, detail: &str) -> ResponseTemplate {
    let mut body = problem(NOT_MOCKED, code, detail);
    body.title = Some(title.to_string());
    body.error = Some(format!("{title}: {detail}"));
    body.retryable = Some(false);
    ResponseTemplate::new(NOT_MOCKED).set_body_raw(
        serde_json::to_vec(&body).unwrap_or_default(),
        "application/problem+json",
    )
}

/// For a request no mock matched: the mocks of its operation and what of
/// theirs it missed, else the mocks nearest to it.
fn closest(mounted: &[(&'static str, Matcher)], request: &Request) -> String {
    if mounted.is_empty() {
        return "no mock is mounted".to_string();
    }
    let path = request.url.path();
    let mut ranked: Vec<(&str, &Matcher, Vec<String>)> = mounted
        .iter()
        .map(|(operation, m)| (*operation, m, m.misses(request)))
        .collect();
    let same_operation = |m: &Matcher| m.method == request.method.as_str() && m.path_matches(path);
    // Same operation first, then the nearest path (longest common prefix,
    // closest length), then fewer misses.
    ranked.sort_by_key(|(_, m, misses)| {
        let shown = m.shown_path();
        let common = path
            .chars()
            .zip(shown.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let length = path.len().abs_diff(shown.len());
        (
            !same_operation(m),
            usize::MAX - common,
            length,
            misses.len(),
        )
    });
    let ours: Vec<String> = ranked
        .iter()
        .filter(|(_, m, _)| same_operation(m))
        .take(3)
        .map(|(operation, m, misses)| {
            format!(
                "the mock of `{operation}` ({} {}) expects {}",
                m.method,
                m.shown_path(),
                misses.join(", ")
            )
        })
        .collect();
    if !ours.is_empty() {
        return format!("closest: {}", ours.join("; "));
    }
    let nearest: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|(operation, m, _)| format!("`{operation}` ({} {})", m.method, m.shown_path()))
        .collect();
    format!("no mock of this operation; nearest: {}", nearest.join(", "))
}

/// How many requests a mock answered.
#[derive(Clone, Debug, Default)]
pub struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// The API's problem trace ID format (W3C, 32 hex digits); a constant here.
const MOCK_TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

/// An API problem body (`application/problem+json`) as the API writes one:
/// the code in `type` (`https://docs.warp.dev/.../errors/{error_code}`), a
/// title saying what kind of problem it is (`Resource not found`), `detail`,
/// `status` and a trace ID. Its error reads like the API's:
/// `GET /agent/runs/r1: 404 Not Found: resource_not_found: Resource not found: Run r1 not found (trace 0af7…)`.
/// The trace ID is always `0af7651916cd43dd8448eb211c80319c`; set `trace_id`
/// on the value to test your own.
pub fn problem(status: u16, error_code: &str, detail: &str) -> crate::types::ApiProblem {
    let title = title_of(error_code);
    serde_json::from_value(serde_json::json!({
        "type": format!("https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/{error_code}"),
        "title": title,
        "status": status,
        "detail": detail,
        "error": format!("{title}: {detail}"),
        "trace_id": MOCK_TRACE_ID,
    }))
    .expect("ApiProblem's members are optional")
}

/// A title for a code, as the API titles its problems: `resource_not_found` -> `Resource not found`.
fn title_of(error_code: &str) -> String {
    let words = error_code.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Error".to_string(),
    }
}

/// What a request must carry to match: the state behind every typed `When`.
/// Clones share it, so the typed methods can take and return `self`.
#[derive(Clone, Default)]
pub struct When(Arc<Mutex<Matcher>>);

#[derive(Clone, Default)]
struct Matcher {
    method: String,
    /// The operation's path: a pattern of the whole path (percent-encoded, as sent).
    path: Option<regex::Regex>,
    params: Vec<PathParam>,
    /// Name, and the values it must have in order (none: must be absent).
    query: Vec<(String, Vec<String>)>,
    headers: Vec<(String, Option<String>)>,
    body: Option<Body>,
    custom: Vec<Condition>,
    /// Values a typed matcher refused, as the client's setter would: such a
    /// mock matches nothing, and says why.
    invalid: Vec<String>,
}

#[derive(Clone)]
struct PathParam {
    name: String,
    /// The whole path, the parameter's segment captured.
    pattern: regex::Regex,
    /// As sent (percent-encoded).
    encoded: String,
}

type Condition = Arc<dyn Fn(&Request) -> bool + Send + Sync>;

#[derive(Clone)]
enum Body {
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

impl When {
    #[doc(hidden)]
    pub fn new(method: &str, path: &str) -> When {
        let when = When::default();
        when.edit(|m| {
            m.method = method.to_string();
            m.path = Some(regex::Regex::new(path).expect("generated path patterns are valid"));
        });
        when
    }

    fn edit(&self, f: impl FnOnce(&mut Matcher)) -> When {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
        self.clone()
    }

    fn take(&self) -> Matcher {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The value a typed matcher's setter conversion gave, or the mock matches
    /// nothing and says why (as the client would not send the request).
    fn valid<T>(self, value: Result<T, String>, f: impl FnOnce(&mut Matcher, T)) -> When {
        match value {
            Ok(value) => self.edit(|m| f(m, value)),
            Err(e) => self.edit(|m| m.invalid.push(format!("a valid value ({e})"))),
        }
    }

    /// A path parameter: the path's segment between `prefix` and `suffix`
    /// (patterns) is `value`, encoded as the client encodes it.
    #[doc(hidden)]
    pub fn path_param(
        self,
        name: &str,
        prefix: &str,
        suffix: &str,
        value: Result<impl std::fmt::Display, String>,
    ) -> When {
        let Ok(pattern) = regex::Regex::new(&format!("{prefix}([^/]*){suffix}")) else {
            return self;
        };
        self.valid(value, |m, value| {
            m.params.push(PathParam {
                name: name.to_string(),
                pattern,
                encoded: crate::hooks::PathSegment(&value).to_string(),
            })
        })
    }

    /// A query parameter: its values, serialized as the client serializes
    /// them; `None`: it must be absent.
    #[doc(hidden)]
    pub fn query_param(self, name: &str, value: Result<Option<impl Serialize>, String>) -> When {
        self.valid(value, |m, value| {
            let values = value
                .map(|v| {
                    let text =
                        serde_urlencoded::to_string(progenitor_client::QueryParam::new(name, &v))
                            .unwrap_or_default();
                    url::form_urlencoded::parse(text.as_bytes())
                        .map(|(_, v)| v.into_owned())
                        .collect()
                })
                .unwrap_or_default();
            m.query.push((name.to_string(), values))
        })
    }

    /// A header parameter: its value as the client writes it; `None`: absent.
    #[doc(hidden)]
    pub fn header_param(
        self,
        name: &str,
        value: Result<Option<impl std::fmt::Display>, String>,
    ) -> When {
        self.valid(value, |m, value| {
            m.headers
                .push((name.to_ascii_lowercase(), value.map(|v| v.to_string())))
        })
    }

    /// A header the request carries with this value (`None`: must not carry).
    pub fn header(self, name: &str, value: Option<&str>) -> When {
        self.header_param(name, Ok(value))
    }

    /// The body, as JSON: equal to `value` serialized.
    #[doc(hidden)]
    pub fn json_body(self, value: Result<impl Serialize, String>) -> When {
        self.valid(value, |m, value| {
            let value = serde_json::to_value(value).unwrap_or_default();
            m.body = Some(Body::Json(value))
        })
    }

    /// The body, byte for byte.
    #[doc(hidden)]
    pub fn bytes_body(self, value: Result<impl Into<Vec<u8>>, String>) -> When {
        self.valid(value, |m, value| m.body = Some(Body::Bytes(value.into())))
    }

    /// Any condition on the request.
    pub fn matches(self, condition: impl Fn(&Request) -> bool + Send + Sync + 'static) -> When {
        self.edit(|m| m.custom.push(Arc::new(condition)))
    }
}

impl Matcher {
    fn path_matches(&self, path: &str) -> bool {
        self.path.as_ref().is_none_or(|p| p.is_match(path))
    }

    /// The operation's path as its docs show it (`/agent/runs/{…}`).
    fn shown_path(&self) -> String {
        let pattern = self.path.as_ref().map(|p| p.as_str()).unwrap_or_default();
        pattern
            .trim_start_matches('^')
            .trim_end_matches('$')
            .replace("[^/]*", "{…}")
            .replace('\\', "")
    }

    /// What of this mock `request` does not carry, each as "expected (the request's)".
    fn misses(&self, request: &Request) -> Vec<String> {
        let mut out = Vec::new();
        let path = request.url.path();
        if request.method.as_str() != self.method {
            out.push(format!(
                "method {} (the request: {})",
                self.method, request.method
            ));
        }
        if !self.path_matches(path) {
            out.push(format!("path {} (the request: {path})", self.shown_path()));
        }
        out.extend(self.invalid.iter().cloned());
        for param in &self.params {
            let sent = param
                .pattern
                .captures(path)
                .and_then(|c| c.get(1))
                .map(|c| c.as_str());
            if sent != Some(param.encoded.as_str()) {
                out.push(format!(
                    "`{}` {} (the request: {})",
                    param.name,
                    decoded(&param.encoded),
                    sent.map_or("none".to_string(), decoded)
                ));
            }
        }
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        for (name, values) in &self.query {
            let sent: Vec<&String> = query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v)
                .collect();
            if !sent.iter().copied().eq(values.iter()) {
                out.push(format!(
                    "query `{name}` {} (the request: {})",
                    shown_values(values.iter()),
                    shown_values(sent.into_iter())
                ));
            }
        }
        for (name, value) in &self.headers {
            let sent = request.headers.get(name).and_then(|v| v.to_str().ok());
            if sent != value.as_deref() {
                out.push(format!(
                    "header `{name}` {:?} (the request: {:?})",
                    value.as_deref().unwrap_or("absent"),
                    sent.unwrap_or("absent")
                ));
            }
        }
        match &self.body {
            Some(Body::Json(value)) => {
                let sent = serde_json::from_slice::<serde_json::Value>(&request.body).ok();
                if sent.as_ref() != Some(value) {
                    out.push(format!(
                        "the JSON body {}",
                        body_difference(value, sent.as_ref())
                    ));
                }
            }
            Some(Body::Bytes(bytes)) if &request.body != bytes => {
                out.push("the mocked body (the request's differs)".to_string())
            }
            _ => {}
        }
        for (i, condition) in self.custom.iter().enumerate() {
            if !condition(request) {
                out.push(format!("condition {} of `matches`", i + 1));
            }
        }
        out
    }
}

/// A path segment as sent, percent-decoded, quoted.
fn decoded(segment: &str) -> String {
    format!(
        "{:?}",
        percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
    )
}

/// A query parameter's values: `absent`, `"a"` or `["a", "b"]`.
fn shown_values<'a>(values: impl Iterator<Item = &'a String>) -> String {
    let values: Vec<&String> = values.collect();
    match values.as_slice() {
        [] => "absent".to_string(),
        [one] => format!("{one:?}"),
        many => format!("{many:?}"),
    }
}

/// How a request's JSON body differs from the mocked one: the top-level members that differ.
fn body_difference(mocked: &serde_json::Value, sent: Option<&serde_json::Value>) -> String {
    match (mocked, sent) {
        (serde_json::Value::Object(mocked), Some(serde_json::Value::Object(sent))) => {
            let mut names: Vec<&String> = mocked.keys().chain(sent.keys()).collect();
            names.sort();
            names.dedup();
            let differ: Vec<String> = names
                .into_iter()
                .filter(|k| mocked.get(*k) != sent.get(*k))
                .map(|k| format!("`{k}`"))
                .collect();
            format!(
                "as mocked (the request's members {} differ)",
                differ.join(", ")
            )
        }
        (_, None) => "as mocked (the request's body is not JSON)".to_string(),
        _ => "as mocked (the request's differs)".to_string(),
    }
}

impl Match for Matcher {
    fn matches(&self, request: &Request) -> bool {
        self.misses(request).is_empty()
    }
}

/// The responses to give, in order: the state behind every typed `Then`.
/// Clones share it.
#[derive(Clone, Default)]
pub struct Then(Arc<Mutex<Vec<ResponseTemplate>>>);

impl Then {
    fn push(&self, reply: ResponseTemplate) -> Then {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reply);
        self.clone()
    }

    fn take(&self) -> Vec<ResponseTemplate> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the last response of the script (none yet: an empty `200`).
    fn edit_last(&self, f: impl FnOnce(ResponseTemplate) -> ResponseTemplate) -> Then {
        let mut script = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let last = script.pop().unwrap_or_else(|| ResponseTemplate::new(200));
        script.push(f(last));
        self.clone()
    }

    /// Answers `status` with `value` as JSON.
    pub fn json(self, status: u16, value: impl Serialize) -> Then {
        let body = serde_json::to_vec(&value).unwrap_or_default();
        let content_type = if status >= 400 {
            "application/problem+json"
        } else {
            "application/json"
        };
        self.push(ResponseTemplate::new(status).set_body_raw(body, content_type))
    }

    /// Answers `status` with no body.
    pub fn empty(self, status: u16) -> Then {
        self.push(ResponseTemplate::new(status))
    }

    /// Answers `status` with `body` of `content_type`.
    pub fn body(self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Then {
        self.push(ResponseTemplate::new(status).set_body_raw(body.into(), content_type))
    }

    /// Answers `429 Too Many Requests` with `Retry-After` (whole seconds,
    /// rounded up) and a problem body.
    pub fn rate_limited(self, retry_after: Duration) -> Then {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        self.json(429, problem(429, "rate_limited", "Too many requests"))
            .header("retry-after", &seconds.to_string())
    }

    /// Adds a header to the last response.
    pub fn header(self, name: &str, value: &str) -> Then {
        let (name, value) = (name.to_string(), value.to_string());
        self.edit_last(|r| r.insert_header(name.as_str(), value.as_str()))
    }

    /// Delays the last response.
    pub fn delay(self, delay: Duration) -> Then {
        self.edit_last(|r| r.set_delay(delay))
    }

    /// `status` must be of `class` (4 for 4XX): a responder for a range of statuses.
    #[doc(hidden)]
    pub fn in_class(self, class: u16, status: u16) -> Then {
        assert_eq!(
            status / 100,
            class,
            "oz_api::mock: status {status} is not a {class}XX status"
        );
        self
    }
}

/// The generic methods every typed `When` and `Then` has besides its typed ones.
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_common {
    ($when:ident, $then:ident) => {
        impl $when {
            /// A header the request carries with this value (`None`: must not carry).
            pub fn header(self, name: &str, value: Option<&str>) -> Self {
                Self(self.0.header(name, value))
            }
            /// Any condition on the request.
            pub fn matches(
                self,
                condition: impl Fn(&$crate::mock::Request) -> bool + Send + Sync + 'static,
            ) -> Self {
                Self(self.0.matches(condition))
            }
        }
        impl $then {
            /// Answers `status` with `value` as JSON (any status, any body).
            pub fn json(self, status: u16, value: impl ::serde::Serialize) -> Self {
                Self(self.0.json(status, value))
            }
            /// Answers `status` with no body.
            pub fn empty(self, status: u16) -> Self {
                Self(self.0.empty(status))
            }
            /// Answers `status` with `body` of `content_type`.
            pub fn body(self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
                Self(self.0.body(status, content_type, body))
            }
            /// Answers `429` with `Retry-After` and a problem body.
            pub fn rate_limited(self, retry_after: ::std::time::Duration) -> Self {
                Self(self.0.rate_limited(retry_after))
            }
            /// Answers `status` with an API problem body ([`$crate::mock::problem`]).
            pub fn problem(self, status: u16, error_code: &str, detail: &str) -> Self {
                Self(
                    self.0
                        .json(status, $crate::mock::problem(status, error_code, detail)),
                )
            }
            /// Adds a header to the last response.
            pub fn header(self, name: &str, value: &str) -> Self {
                Self(self.0.header(name, value))
            }
            /// Delays the last response.
            pub fn delay(self, delay: ::std::time::Duration) -> Self {
                Self(self.0.delay(delay))
            }
        }
    };
}
