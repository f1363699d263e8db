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
//! Each responder called on `Then` adds a response to a script: the first
//! matching request gets the first, the next request the next, and once the
//! script is over the last one is repeated. So a run that goes QUEUED →
//! INPROGRESS → SUCCEEDED over three polls, or a 429 then a 200, is one mock.
//! A request no mock matches gets a `501` whose body says so.
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
}

impl MockServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub async fn start() -> MockServer {
        let server = wiremock::MockServer::start().await;
        // Lowest priority: answers what no mock matches, saying so.
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(|request: &Request| {
                let url = &request.url;
                let target = &url.as_str()[url.origin().ascii_serialization().len()..];
                not_mocked(format!("no mock matches {} {target}", request.method))
            })
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        MockServer { server }
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
        let counter = calls.0.clone();
        wiremock::Mock::given(matcher)
            .respond_with(move |_: &Request| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                match script.get(n.min(script.len().saturating_sub(1))) {
                    Some(reply) => reply.clone(),
                    None => not_mocked(format!(
                        "the mock of {operation} has no response: call a method of `then`"
                    )),
                }
            })
            .named(operation)
            .mount(&self.server)
            .await;
        calls
    }
}

/// `501` with a problem body saying what the mocks lack.
fn not_mocked(detail: String) -> ResponseTemplate {
    let body = problem(501, "oz_api_mock", &detail);
    ResponseTemplate::new(501).set_body_raw(
        serde_json::to_vec(&body).unwrap_or_default(),
        "application/problem+json",
    )
}

/// How many requests a mock answered.
#[derive(Clone, Debug, Default)]
pub struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// An API problem body (`application/problem+json`) for an error response.
pub fn problem(status: u16, error_code: &str, detail: &str) -> crate::types::ApiProblem {
    serde_json::from_value(serde_json::json!({
        "type": format!("https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/{error_code}"),
        "title": error_code,
        "status": status,
        "detail": detail,
        "error": format!("{error_code}: {detail}"),
    }))
    .expect("ApiProblem's members are optional")
}

/// What a request must carry to match: the state behind every typed `When`.
/// Clones share it, so the typed methods can take and return `self`.
#[derive(Clone, Default)]
pub struct When(Arc<Mutex<Matcher>>);

#[derive(Clone, Default)]
struct Matcher {
    method: String,
    /// Each must match the whole path (percent-encoded, as sent).
    paths: Vec<regex::Regex>,
    /// Name, and the values it must have in order (none: must be absent).
    query: Vec<(String, Vec<String>)>,
    headers: Vec<(String, Option<String>)>,
    body: Option<Body>,
    custom: Vec<Condition>,
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
            m.paths
                .push(regex::Regex::new(path).expect("generated path patterns are valid"));
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

    /// A path parameter: the path between `prefix` and `suffix` (patterns)
    /// is `value`, encoded as the client encodes it.
    #[doc(hidden)]
    pub fn path_param(self, prefix: &str, suffix: &str, value: &str) -> When {
        let encoded = regex::escape(&crate::hooks::PathSegment(value).to_string());
        match regex::Regex::new(&format!("{prefix}{encoded}{suffix}")) {
            Ok(pattern) => self.edit(|m| m.paths.push(pattern)),
            Err(_) => self,
        }
    }

    /// A query parameter: its values, serialized as the client serializes
    /// them; `None`: it must be absent.
    #[doc(hidden)]
    pub fn query_param(self, name: &str, value: Option<impl Serialize>) -> When {
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
        self.edit(|m| m.query.push((name.to_string(), values)))
    }

    /// A header the request carries with this value (`None`: must not carry).
    pub fn header(self, name: &str, value: Option<&str>) -> When {
        self.edit(|m| {
            m.headers
                .push((name.to_ascii_lowercase(), value.map(str::to_string)))
        })
    }

    /// The body, as JSON: equal to `value` serialized.
    #[doc(hidden)]
    pub fn json_body(self, value: impl Serialize) -> When {
        let value = serde_json::to_value(value).unwrap_or_default();
        self.edit(|m| m.body = Some(Body::Json(value)))
    }

    /// The body, byte for byte.
    #[doc(hidden)]
    pub fn bytes_body(self, value: impl Into<Vec<u8>>) -> When {
        let value = value.into();
        self.edit(|m| m.body = Some(Body::Bytes(value)))
    }

    /// Any condition on the request.
    pub fn matches(self, condition: impl Fn(&Request) -> bool + Send + Sync + 'static) -> When {
        self.edit(|m| m.custom.push(Arc::new(condition)))
    }
}

impl Match for Matcher {
    fn matches(&self, request: &Request) -> bool {
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        request.method.as_str() == self.method
            && self.paths.iter().all(|p| p.is_match(request.url.path()))
            && self.query.iter().all(|(name, values)| {
                query
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .eq(values.iter())
            })
            && self.headers.iter().all(|(name, value)| {
                request.headers.get(name).and_then(|v| v.to_str().ok()) == value.as_deref()
            })
            && match &self.body {
                None => true,
                Some(Body::Json(value)) => {
                    serde_json::from_slice::<serde_json::Value>(&request.body)
                        .ok()
                        .as_ref()
                        == Some(value)
                }
                Some(Body::Bytes(bytes)) => &request.body == bytes,
            }
            && self.custom.iter().all(|condition| condition(request))
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
