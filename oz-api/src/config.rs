//! Building a [`Client`]: API key, base URL, timeouts, retries, user agent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use tower::retry::budget::TpsBudget;

use crate::Client;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://app.warp.dev/api/v1";
/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "WARP_API_KEY";
/// Environment variable overriding the base URL.
pub const BASE_URL_ENV: &str = "OZ_API_BASE_URL";

/// The default cap on a body the client reads whole (a JSON answer, an error
/// body, a [`Client::download`]): 64 MiB. The largest answers of this API, a
/// page of runs or a conversation, are a few MiB; a body past the limit fails
/// the call ([`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge))
/// instead of filling memory. Streamed answers (`ByteStream`) are not capped.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

const USER_AGENT: &str = concat!("oz-api/", env!("CARGO_PKG_VERSION"), " (Rust)");

/// When and how a failed request is retried. See [`crate::retry`] for the rules.
/// A [`RetryBudget`], set on the [`ClientBuilder`], also caps the retries of the
/// whole client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Upper bound of the computed delay.
    pub max_backoff: Duration,
    /// Upper bound of a server's `Retry-After`. Jitter comes on top, never
    /// below: up to a quarter of the (capped) delay plus 100 ms.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A cap on the retries of one [`Client`] and all its clones, so that an
/// outage does not multiply the load on the server by `max_retries + 1`:
/// Finagle's `RetryBudget`, implemented by tower's `TpsBudget`. Every request
/// sent deposits into it; every retry withdraws from it. A retry it cannot pay
/// for is not made: the failure is returned at once, marked as described in
/// [`crate::retry`] (`ApiErrorExt::retry_budget_exhausted`).
///
/// Retries allowed over any `ttl` window: `min_retries_per_sec × ttl` (the
/// reserve, for a client that has just started or sends little) plus
/// `retry_ratio ×` the requests sent in that window.
///
/// # Defaults, and why
///
/// `ttl` 10 s, `min_retries_per_sec` 5 (a reserve of 50 retries),
/// `retry_ratio` 0.1 (one retry per 10 requests).
///
/// - A storm, every call failing: N concurrent calls make at most
///   `N + 50 + N / 10` requests, 1.15 per call for N = 1,000 even from a
///   fresh client, instead of 3 (`max_retries` 2). Finagle's defaults (ttl 10 s,
///   10 retries/s, 20 %) would allow 1.3.
/// - Sporadic failures are all retried: a 5 % failure rate needs half of what
///   the ratio grants, and the reserve covers a client sending a handful of
///   requests.
/// - The same order as other clients: the AWS SDKs' standard retry quota is a
///   500-token bucket at 5 tokens per retry (100 retries in reserve); gRPC's
///   retry throttling stops retrying below half of `maxTokens` and earns
///   `tokenRatio` 0.1 token per success.
///
/// A `429` whose `Retry-After` (or `retry-after-ms`) says when to come back does
/// not spend from the budget: see [`crate::retry`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBudget {
    /// How long a request sent counts towards the budget: 1 to 60 s. The
    /// reserve counts its whole seconds.
    pub ttl: Duration,
    /// Retries allowed per second whatever the traffic: a reserve of
    /// `min_retries_per_sec × ttl` retries.
    pub min_retries_per_sec: u32,
    /// Retries allowed per request sent, on top of the reserve: 0.1 is one per
    /// 10 requests; 0 leaves the reserve alone; at most 1000.
    /// `f32::INFINITY` disables the budget ([`RetryBudget::unlimited`]).
    ///
    /// A ratio up to 1 is applied as `1 / n` for a whole `n` (a retry costs
    /// `n` requests), rounded up: 0.1 is exactly 1 in 10, 0.3 allows 1 in 3.
    pub retry_ratio: f32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            ttl: Duration::from_secs(10),
            min_retries_per_sec: 5,
            retry_ratio: 0.1,
        }
    }
}

impl RetryBudget {
    /// No budget: only [`RetryPolicy::max_retries`] bounds retries.
    pub const fn unlimited() -> Self {
        RetryBudget {
            ttl: Duration::from_secs(10),
            min_retries_per_sec: 0,
            retry_ratio: f32::INFINITY,
        }
    }

    /// Whether this is no budget at all (a `retry_ratio` of `f32::INFINITY`).
    pub fn is_unlimited(&self) -> bool {
        self.retry_ratio == f32::INFINITY
    }

    /// The budget itself: `None` when unlimited; an error instead of the
    /// panics of `TpsBudget::new` for values out of range.
    pub(crate) fn tps_budget(&self) -> Result<Option<TpsBudget>, String> {
        if self.is_unlimited() {
            return Ok(None);
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(60)).contains(&self.ttl) {
            return Err(format!("ttl {:?} is not between 1 s and 60 s", self.ttl));
        }
        if self.min_retries_per_sec >= i32::MAX as u32 {
            return Err(format!(
                "min_retries_per_sec {} is not below {}",
                self.min_retries_per_sec,
                i32::MAX
            ));
        }
        if !(0.0..=1000.0).contains(&self.retry_ratio) {
            return Err(format!(
                "retry_ratio {} is not between 0 and 1000 (or infinite, for no budget)",
                self.retry_ratio
            ));
        }
        // TpsBudget charges `(1.0 / ratio) as isize` deposits per retry, which
        // truncates. `1.0 / n as f32` is a hair above 1/n for many n (7, 13,
        // 14, 15, 26, ...: 211 of the n up to 2,000), and the quotient lands a
        // hair below n: 1/7 charges 6 (a retry per 6 requests, 17 %). (0.1 and
        // 0.2 happen to round back to 10 and 5 in f32, but not in f64: 9.)
        // Lowering the ratio by a relative 1e-6 (about 8 f32 steps) puts every
        // such quotient just above the whole number meant.
        let ratio = self.retry_ratio * (1.0 - 1e-6);
        Ok(Some(TpsBudget::new(
            self.ttl,
            self.min_retries_per_sec,
            ratio,
        )))
    }
}

/// What the hand-written hooks need on every request; carried inside [`Client`].
#[derive(Clone)]
pub struct Policy {
    pub(crate) authorization: HeaderValue,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    /// Whether `timeout` must be set on each request: only for a caller's
    /// `reqwest::Client`. Our own client has it as its default, which spares
    /// reqwest an extensions map per request (and per retry copy).
    pub(crate) timeout_per_request: bool,
    pub(crate) retry: RetryPolicy,
    /// Shared by the clones of a [`Client`] (and those of
    /// [`Client::with_options`], whatever their retries); `None` when unlimited.
    pub(crate) retry_budget: Option<Arc<TpsBudget>>,
    /// The most a body read whole may hold ([`DEFAULT_MAX_BODY_BYTES`]).
    pub(crate) max_body_bytes: u64,
    /// Sent on every request ([`ClientBuilder::default_header`],
    /// [`RequestOptions::header`](crate::RequestOptions::header)); `None`, not an
    /// empty map, when there are none, so a request pays nothing for them.
    pub(crate) headers: Option<Arc<reqwest::header::HeaderMap>>,
}

impl Policy {
    /// Gives `request` the timeout, unless the client already has it as its default.
    pub(crate) fn apply_timeout(&self, request: &mut reqwest::Request) {
        if self.timeout_per_request {
            request.timeout_mut().get_or_insert(self.timeout);
        }
    }
}

// The key must never be printed: `Client`'s derived `Debug` includes this.
impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("authorization", &"Bearer <redacted>")
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("headers", &self.headers)
            .finish()
    }
}

/// Why a [`Client`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// No key was given and `WARP_API_KEY` is unset or empty.
    MissingApiKey,
    /// The key cannot be sent in an HTTP header.
    InvalidApiKey,
    /// The base URL does not parse, or is not http(s).
    InvalidBaseUrl(String),
    /// The key would travel unencrypted to a host other than this machine.
    InsecureBaseUrl(String),
    /// A [`RetryBudget`] value is out of range (the reason).
    InvalidRetryBudget(String),
    /// reqwest could not build its client.
    Http(String),
    /// A caller's `reqwest::Client` ([`ClientBuilder::http_client`]) with a
    /// plain-http base URL: it may use a proxy, which would see the key in
    /// cleartext (the URL).
    HttpClientOverPlainHttp(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingApiKey => write!(
                f,
                "no Oz API key: set {API_KEY_ENV} or call ClientBuilder::api_key"
            ),
            BuildError::InvalidApiKey => write!(
                f,
                "the Oz API key contains characters not allowed in an HTTP header"
            ),
            BuildError::InvalidBaseUrl(url) => {
                write!(f, "invalid base URL `{url}`: expected an http(s) URL")
            }
            BuildError::InsecureBaseUrl(url) => write!(
                f,
                "refusing to send the API key over plain http to `{url}`: use https (plain http is allowed for loopback only)"
            ),
            BuildError::InvalidRetryBudget(reason) => write!(f, "invalid retry budget: {reason}"),
            BuildError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
            BuildError::HttpClientOverPlainHttp(url) => write!(
                f,
                "refusing a caller's reqwest::Client with the plain-http base URL `{url}`: \
                 it may send the key through a proxy in cleartext; use \
                 ClientBuilder::configure_http instead (the client then uses no proxy), or https"
            ),
        }
    }
}

impl std::error::Error for BuildError {}

/// Builds a [`Client`]. Explicit settings win over the environment
/// ([`ClientBuilder::env`]), which wins over the defaults.
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    retry_budget: RetryBudget,
    headers: reqwest::header::HeaderMap,
    http_client: Option<reqwest::Client>,
    configure_http: Option<ConfigureHttp>,
    max_body_bytes: Option<u64>,
}

type ConfigureHttp = Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send>;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("headers", &self.headers)
            .field("http_client", &self.http_client.is_some())
            .field("configure_http", &self.configure_http.is_some())
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl ClientBuilder {
    /// The API key, sent as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API's base URL, default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Fills the key and base URL not set explicitly from `WARP_API_KEY` and `OZ_API_BASE_URL`.
    pub fn env(self) -> Self {
        self.env_from(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::env`], reading variables through `lookup` (for tests
    /// and configuration systems).
    pub fn env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        self.api_key = self.api_key.or_else(|| set(lookup(API_KEY_ENV)));
        self.base_url = self.base_url.or_else(|| set(lookup(BASE_URL_ENV)));
        self
    }

    /// Whole-request timeout, per attempt (default 60 s). Applies to your own
    /// `reqwest::Client` too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 5 s); not applied to a client given with
    /// [`ClientBuilder::http_client`] (it is the default that
    /// [`ClientBuilder::configure_http`] starts from).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt (default 2); 0 disables retrying.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// The whole retry policy (backoff bounds included).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The cap on retries shared by the client and its clones (default
    /// [`RetryBudget::default`]); [`RetryBudget::unlimited`] removes it.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Sends requests through your own `reqwest::Client`. Auth, user agent,
    /// timeout and retries still apply. Start from [`http_client_builder`]: it
    /// makes TLS work and disables redirects, which the transcript helpers need
    /// to see and which must not lead the client to another host.
    ///
    /// With a plain-http base URL (loopback only) the build fails
    /// ([`BuildError::HttpClientOverPlainHttp`]): the client might send the
    /// key through a proxy in cleartext. Use [`ClientBuilder::configure_http`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sends requests through a `reqwest::Client` built from
    /// [`http_client_builder`] as `configure` changes it (default headers, a
    /// proxy, TLS roots, ...). Auth, user agent, timeout and retries still
    /// apply, as with [`ClientBuilder::http_client`]. With a plain-http
    /// (loopback) base URL the client uses no proxy, whatever `configure` says:
    /// a proxy would see the key in cleartext.
    pub fn configure_http(
        mut self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + 'static,
    ) -> Self {
        self.configure_http = Some(Box::new(configure));
        self
    }

    /// The most a body read whole may hold, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`]); a larger one fails the call with
    /// [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge). Per call:
    /// [`RequestOptions::max_body_bytes`](crate::RequestOptions::max_body_bytes).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// A header sent on every request (a tenant id, a tracing header, ...).
    /// It cannot replace `Authorization`, which the API key sets; it can
    /// replace `User-Agent`. Per call: [`Client::with_options`].
    pub fn default_header(mut self, name: reqwest::header::HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    pub fn build(self) -> Result<Client, BuildError> {
        let key = self
            .api_key
            .filter(|k| !k.trim().is_empty())
            .ok_or(BuildError::MissingApiKey)?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", key.trim()))
            .map_err(|_| BuildError::InvalidApiKey)?;
        authorization.set_sensitive(true);
        let base_url = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let plain_http = check_base_url(&base_url)?;
        // Kept even when this client does not retry: a client made from it by
        // `with_options` may, and must spend from the same budget.
        let retry_budget = self
            .retry_budget
            .tps_budget()
            .map_err(BuildError::InvalidRetryBudget)?
            .map(Arc::new);
        let timeout = self.timeout.unwrap_or(Duration::from_secs(60));
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(5));
        let timeout_per_request = self.http_client.is_some() || self.configure_http.is_some();
        // The key in cleartext goes to loopback only: never through a proxy.
        let no_proxy = |builder: reqwest::ClientBuilder| match plain_http {
            true => builder.no_proxy(),
            false => builder,
        };
        let http_client = match (self.http_client, self.configure_http) {
            (Some(_), _) if plain_http => {
                return Err(BuildError::HttpClientOverPlainHttp(base_url));
            }
            (Some(client), _) => client,
            (None, Some(configure)) => no_proxy(configure(
                http_client_builder().connect_timeout(connect_timeout),
            ))
            .build()
            .map_err(|e| BuildError::Http(e.to_string()))?,
            (None, None) => no_proxy(
                http_client_builder()
                    .connect_timeout(connect_timeout)
                    .timeout(timeout),
            )
            .build()
            .map_err(|e| BuildError::Http(e.to_string()))?,
        };
        let policy = Policy {
            authorization,
            user_agent: HeaderValue::from_static(USER_AGENT),
            timeout,
            timeout_per_request,
            retry: self.retry,
            retry_budget,
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            headers: (!self.headers.is_empty()).then(|| Arc::new(self.headers)),
        };
        Ok(Client::new_with_client(
            base_url.trim_end_matches('/'),
            http_client,
            policy,
        ))
    }
}

/// Whether `base_url` is plain http (to loopback; elsewhere it is refused).
fn check_base_url(base_url: &str) -> Result<bool, BuildError> {
    let url =
        reqwest::Url::parse(base_url).map_err(|_| BuildError::InvalidBaseUrl(base_url.into()))?;
    match url.scheme() {
        "https" => Ok(false),
        "http" if is_loopback(&url) => Ok(true),
        "http" => Err(BuildError::InsecureBaseUrl(base_url.into())),
        _ => Err(BuildError::InvalidBaseUrl(base_url.into())),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A `reqwest::ClientBuilder` set up as this crate's own client is: TLS ready
/// (with the default `rustls` feature, the ring provider is installed if the
/// process has none, so reqwest does not panic), redirects not followed, 5 s
/// connect timeout. Customize it and pass the result to [`ClientBuilder::http_client`].
pub fn http_client_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        // The transcript endpoints answer with a signed URL on another host,
        // which the caller fetches without the key: never follow redirects.
        .redirect(reqwest::redirect::Policy::none());
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    builder
}

impl Client {
    /// A builder with nothing read from the environment.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `WARP_API_KEY` and `OZ_API_BASE_URL`, with default
    /// timeouts (60 s, connect 5 s), retries (2) and retry budget.
    pub fn from_env() -> Result<Client, BuildError> {
        Client::builder().env().build()
    }
}
