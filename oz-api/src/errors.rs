//! The error of every call: [`Error`], with the API's problem body
//! ([`types::ApiProblem`], RFC 7807) when the answer was a 4xx/5xx that carried one.

use std::any::Any;
use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::types::{self, PlatformErrorCode};

/// Where the API's own error codes live: a problem `type` outside it is not
/// read as a code (a proxy's or a gateway's problem body, say).
const ERROR_URI: &str = "https://docs.warp.dev/";

/// Why a call failed. One line for people (`{e}`):
/// `GET /agent/runs/r1: 404 Not Found: resource_not_found: Run not found (trace 0af7…)`;
/// everything for programs: [`Error::kind`], the status, the headers, the problem body.
///
/// The request is the one sent: [`Error::method`] and [`Error::path`] (with the
/// encoded parameters and the query) whatever went wrong; a call refused
/// before sending names its path template. Each status the spec documents on
/// some operation has a helper (`is_conflict()`, `is_bad_request()`,
/// …, generated from the spec); each operation's docs on [`crate::Client`] list its
/// statuses, the API's error codes for them and whether the client retries them.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    method: &'static str,
    /// Relative to the base URL, with the query; the operation's template when
    /// the request's URL is not known (it failed before one was made).
    path: String,
    status: Option<StatusCode>,
    headers: HeaderMap,
    /// The URL a redirect answer points to (`Location`, resolved).
    location: Option<reqwest::Url>,
    /// Returned without retrying because the client's retry budget was empty.
    budget_exhausted: bool,
}

/// What kind of failure an [`Error`] is.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with an error status; its problem body if it had one.
    Api(Option<types::ApiProblem>),
    /// The request did not complete: connection, timeout, TLS, reading the body.
    Transport(reqwest::Error),
    /// The answer's body did not decode as the operation's type (the message
    /// names operation, type and JSON path); the body is kept.
    Decode {
        body: Bytes,
        source: serde_json::Error,
    },
    /// A parameter or the body was invalid; nothing was sent.
    InvalidRequest(String),
    /// The answer's body was larger than the client's limit
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes),
    /// per call [`RequestOptions::max_body_bytes`](crate::RequestOptions::max_body_bytes));
    /// it was not read past the limit.
    BodyTooLarge { limit: u64 },
    /// An answer the operation does not define (a redirect, an undeclared status).
    UnexpectedResponse,
    /// Anything else (a helper's own failure).
    Other(String),
}

impl Error {
    /// From progenitor's error for the operation `operation_id`; `base_url` makes
    /// the request's URL relative.
    pub(crate) fn from_progenitor<E: Any>(
        e: progenitor_client::Error<E>,
        base_url: &str,
        operation_id: &str,
    ) -> Error {
        use progenitor_client::Error as P;
        let (method, template) = crate::generated::operation_template(operation_id);
        let mut error = Error::new(ErrorKind::Other(String::new()), method, template.into());
        let relative =
            |url: &reqwest::Url| relative_path(&url[url::Position::BeforePath..], base_url);
        let inner = &mut error.0;
        inner.kind = match e {
            P::InvalidRequest(message) => ErrorKind::InvalidRequest(message),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                inner.status = e.status();
                if let Some(url) = e.url() {
                    inner.path = relative(url);
                }
                match BodyTooLarge::of(&e) {
                    Some(too_large) => {
                        inner.status = Some(too_large.status);
                        ErrorKind::BodyTooLarge {
                            limit: too_large.limit,
                        }
                    }
                    None => ErrorKind::Transport(e),
                }
            }
            P::ErrorResponse(value) => {
                inner.status = Some(value.status());
                inner.headers = value.headers().clone();
                let body: Box<dyn Any> = Box::new(value.into_inner());
                ErrorKind::Api(body.downcast::<types::ApiProblem>().ok().map(|b| *b))
            }
            P::InvalidResponsePayload(body, source) => ErrorKind::Decode { body, source },
            P::UnexpectedResponse(response) => {
                inner.status = Some(response.status());
                inner.path = relative(response.url());
                inner.location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| response.url().join(l).ok());
                inner.headers = response.headers().clone();
                ErrorKind::UnexpectedResponse
            }
            P::Custom(message) => ErrorKind::Other(message),
        };
        error
    }

    pub(crate) fn new(kind: ErrorKind, method: &'static str, path: String) -> Error {
        Error(Box::new(Inner {
            kind,
            method,
            path,
            status: None,
            headers: HeaderMap::new(),
            location: None,
            budget_exhausted: false,
        }))
    }

    /// The request's path and query as sent, relative to the base URL.
    pub(crate) fn set_path(&mut self, path: String) {
        self.0.path = path;
    }

    /// The answer's status, where the error itself did not keep it.
    pub(crate) fn set_status(&mut self, status: StatusCode) {
        self.0.status.get_or_insert(status);
    }

    pub(crate) fn set_budget_exhausted(&mut self) {
        self.0.budget_exhausted = true;
    }

    /// Names the request (for errors made outside an operation's `send`).
    pub(crate) fn set_request(&mut self, method: &'static str, path: String) {
        self.0.method = method;
        self.0.path = path;
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The request's method (`GET`, ...), empty if unknown.
    pub fn method(&self) -> &str {
        self.0.method
    }

    /// The request's path relative to the base URL, with its query.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// The answer's status, if there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.0.status
    }

    /// The answer's headers (empty if there was no answer).
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// The API's problem body, for an error answer that carried one.
    pub fn problem(&self) -> Option<&types::ApiProblem> {
        match &self.0.kind {
            ErrorKind::Api(problem) => problem.as_ref(),
            _ => None,
        }
    }

    /// The API's error code, read from the problem's `type` URI
    /// (`https://docs.warp.dev/.../errors/{code}`) and from nowhere else.
    pub fn error_code(&self) -> Option<PlatformErrorCode> {
        let problem = self.problem()?;
        problem
            .type_
            .as_deref()?
            .starts_with(ERROR_URI)
            .then_some(())?;
        problem.code()
    }

    /// The server's trace ID, to quote in support requests.
    pub fn trace_id(&self) -> Option<&str> {
        self.problem()?.trace_id.as_deref()
    }

    /// 404, or the API's `resource_not_found`.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
            || self.error_code() == Some(PlatformErrorCode::ResourceNotFound)
    }

    /// 401: the key is missing, wrong or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// 429: too many requests; see [`Error::retry_after`].
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// How long the server asked to wait (`Retry-After`, `retry-after-ms`).
    pub fn retry_after(&self) -> Option<Duration> {
        crate::retry::retry_after(self.headers(), SystemTime::now())
    }

    /// Whether the same call may succeed later: the server said so
    /// (`retryable` in the problem body), else the status or the transport
    /// failure is a transient one (the rules of [`crate::retry`] for a `GET`).
    /// The client has already retried as its policy allows.
    pub fn is_retryable(&self) -> bool {
        if let Some(retryable) = self.problem().and_then(|p| p.retryable) {
            return retryable;
        }
        match &self.0.kind {
            ErrorKind::Transport(e) => e.is_connect() || e.is_timeout() || e.is_request(),
            _ => self
                .status()
                .is_some_and(|s| crate::retry::retryable_status(s, true)),
        }
    }

    /// Whether the failure was returned without retrying because the
    /// client's retry budget was empty (see [`crate::retry`]).
    pub fn retry_budget_exhausted(&self) -> bool {
        self.0.budget_exhausted
    }

    /// Where a redirect answer points.
    pub(crate) fn location(&self) -> Option<&reqwest::Url> {
        self.0.location.as_ref()
    }
}

/// `path` (the request's path and query) relative to `base_url`'s path.
pub(crate) fn relative_path(path: &str, base_url: &str) -> String {
    let base_path = reqwest::Url::parse(base_url)
        .map(|b| b.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    path.strip_prefix(&base_path).unwrap_or(path).to_string()
}

/// Text a server (or a caller) chose, on one line: control characters
/// (newlines, escape sequences) are written escaped, so an error cannot add
/// or rewrite lines of the log it is written to.
struct OneLine<'a>(&'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c.is_control() {
                true => write!(f, "{}", c.escape_default())?,
                false => fmt::Write::write_char(f, c)?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)?;
        if self.retry_budget_exhausted() {
            write!(f, " (not retried: retry budget exhausted)")?;
        }
        Ok(())
    }
}

impl Error {
    /// `{e}` but for the retry budget.
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        match (inner.method, OneLine(&inner.path)) {
            ("", path) if path.0.is_empty() => {}
            ("", path) => write!(f, "{path}: ")?,
            (method, path) => write!(f, "{method} {path}: ")?,
        }
        if let Some(status) = inner.status {
            write!(f, "{status}")?;
        }
        let colon = if inner.status.is_some() { ": " } else { "" };
        match &inner.kind {
            ErrorKind::Api(Some(problem)) => {
                if let Some(code) = self.error_code() {
                    write!(f, ": {}", OneLine(&code.to_string()))?;
                }
                let text = [problem.title.as_deref(), problem.detail.as_deref()];
                match text.map(|t| t.map(OneLine)) {
                    [Some(title), Some(detail)] if title.0 != detail.0 => {
                        write!(f, ": {title}: {detail}")?
                    }
                    [Some(text), _] | [None, Some(text)] => write!(f, ": {text}")?,
                    [None, None] => {}
                }
                if let Some(trace) = &problem.trace_id {
                    write!(f, " (trace {})", OneLine(trace))?;
                }
                Ok(())
            }
            ErrorKind::Api(None) => Ok(()),
            ErrorKind::Transport(e) => {
                write!(f, "{colon}{}", OneLine(&e.to_string()))?;
                let mut source = std::error::Error::source(e);
                while let Some(cause) = source {
                    write!(f, ": {}", OneLine(&cause.to_string()))?;
                    source = cause.source();
                }
                Ok(())
            }
            ErrorKind::Decode { source, .. } => {
                write!(f, "{colon}{}", OneLine(&source.to_string()))
            }
            ErrorKind::InvalidRequest(message) => {
                write!(f, "{colon}invalid request: {}", OneLine(message))
            }
            ErrorKind::BodyTooLarge { limit } => write!(
                f,
                "{colon}the body is larger than the client's limit of {limit} bytes \
                 (max_body_bytes); it was not read further"
            ),
            ErrorKind::UnexpectedResponse => {
                write!(f, "{colon}an answer the operation does not define")
            }
            ErrorKind::Other(message) => write!(f, "{colon}{}", OneLine(message)),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        f.debug_struct("Error")
            .field("method", &inner.method)
            .field("path", &inner.path)
            .field("status", &inner.status)
            .field("kind", &inner.kind)
            .field("headers", &inner.headers)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Transport(e) => Some(e),
            ErrorKind::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// For a call whose `send` the pipeline did not wrap (it returns progenitor's
/// error): the same error, without the request's method and template.
impl<E: Any> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        Error::from_progenitor(e, "", "")
    }
}

/// The body of an answer larger than the client's limit, as the source of a
/// `reqwest::Error` (the error type of the reads that find it; reqwest has no
/// public constructor, so one is made by a body that fails with this).
#[derive(Debug)]
pub(crate) struct BodyTooLarge {
    limit: u64,
    status: StatusCode,
}

impl BodyTooLarge {
    /// The `reqwest::Error` a read returns when the body passes `limit`.
    #[cold]
    pub(crate) fn error(limit: u64, status: StatusCode, url: &reqwest::Url) -> reqwest::Error {
        use futures::FutureExt;
        let failing =
            futures::stream::once(std::future::ready(Err::<bytes::Bytes, _>(BodyTooLarge {
                limit,
                status,
            })));
        let response =
            reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
        // The stream is ready: collecting it completes in one poll.
        let read = response.bytes().now_or_never();
        let Some(Err(e)) = read else {
            unreachable!("a body whose only chunk is an error fails at once")
        };
        e.with_url(url.clone())
    }

    /// The limit `e` reports, if it is this error.
    fn of(e: &reqwest::Error) -> Option<&BodyTooLarge> {
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            if let Some(too_large) = cause.downcast_ref::<BodyTooLarge>() {
                return Some(too_large);
            }
            source = cause.source();
        }
        None
    }
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the body is larger than the limit of {} bytes",
            self.limit
        )
    }
}

impl std::error::Error for BodyTooLarge {}

/// The former name of [`Error`].
pub type ApiError = Error;

impl types::ApiProblem {
    /// The machine-readable code: the last segment of the `type` URI
    /// (`https://docs.warp.dev/.../errors/{error_code}`). A code this client
    /// does not know yet is `PlatformErrorCode::Unknown(code)`.
    pub fn code(&self) -> Option<PlatformErrorCode> {
        let code = self
            .type_
            .as_deref()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()?;
        (!code.is_empty() && code != "about:blank").then(|| PlatformErrorCode::from(code))
    }

    /// An extension member such as `auth_url` or `provider`.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extra.get(name)
    }
}

/// The helpers of [`Error`] under their former names, for code written
/// against earlier versions: they are inherent methods now.
pub trait ApiErrorExt {
    fn problem(&self) -> Option<&types::ApiProblem>;
    fn error_code(&self) -> Option<PlatformErrorCode>;
    /// [`Error::is_retryable`].
    fn retryable(&self) -> bool;
    fn is_not_found(&self) -> bool;
    fn trace_id(&self) -> Option<&str>;
    fn retry_budget_exhausted(&self) -> bool;
}

impl ApiErrorExt for Error {
    fn problem(&self) -> Option<&types::ApiProblem> {
        Error::problem(self)
    }
    fn error_code(&self) -> Option<PlatformErrorCode> {
        Error::error_code(self)
    }
    fn retryable(&self) -> bool {
        self.is_retryable()
    }
    fn is_not_found(&self) -> bool {
        Error::is_not_found(self)
    }
    fn trace_id(&self) -> Option<&str> {
        Error::trace_id(self)
    }
    fn retry_budget_exhausted(&self) -> bool {
        Error::retry_budget_exhausted(self)
    }
}
