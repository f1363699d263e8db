//! Hand-written code the generated code calls: the `ClientHooks` it requires
//! (`HooksMode::Expected`) and, patched in by codegen, the request's
//! preparation and sending for a `send` that can build its request again, and
//! the response decoding.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue};
use reqwest::header::{
    AUTHORIZATION, CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, DATE, HeaderMap,
    HeaderName, HeaderValue, TRANSFER_ENCODING, USER_AGENT,
};
use serde::de::DeserializeOwned;

use crate::{Client, Policy, retry, trace};

/// Plain functions returning futures rather than `async fn`s: the work before
/// the first poll is done at the call, and the request is moved once, not kept
/// in a future that the generated `send` then moves again (an `async fn` holds
/// its arguments in its state).
///
/// `post` keeps progenitor's default, which does nothing, and a `send` that
/// codegen's `patch` made direct does not call it (one `await` fewer per
/// call): what a call does after its answer belongs in `hooks::answered`.
impl ClientHooks<Policy> for Client {
    fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> impl Future<Output = Result<(), Error<E>>> {
        prepare(self, request);
        std::future::ready(Ok(()))
    }

    /// For a `send` that codegen's `patch` could not give `exec_rebuilding`:
    /// a retry sends a copy of the request, made before the first attempt.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        exec_with(self, request, info.operation_id, None, retry::copy)
    }
}

/// What `pre` does, also called by the generated code where it builds a
/// request (codegen's `patch`). Auth and user agent go on every request here
/// (not as client defaults), so a caller's own `reqwest::Client` gets them
/// too; so does the timeout, which our own client already has.
#[inline]
pub(crate) fn prepare(client: &Client, request: &mut reqwest::Request) {
    let headers = request.headers_mut();
    headers.insert(USER_AGENT, client.inner.user_agent.clone());
    if let Some(extra) = &client.inner.headers {
        for (name, value) in extra.iter() {
            headers.insert(name, value.clone());
        }
    }
    // Last: no extra header replaces the key.
    headers.insert(AUTHORIZATION, client.inner.authorization.clone());
    client.inner.apply_timeout(request);
}

/// One call of an operation, made by the generated `send` (codegen's
/// `patch`) before anything else: what its attempts, the retry loop, tracing
/// and the error it may return share. Nothing of it travels in the request
/// or shows in a response's headers.
pub(crate) struct Call<'a> {
    client: &'a Client,
    /// The method's name (progenitor's operation id), e.g. `get_run`.
    operation: &'static str,
    /// The request's path and query, kept only when the call fails (a
    /// success allocates nothing for it).
    sent: OnceLock<String>,
    /// Set by the retry loop when the budget refused a retry.
    budget_exhausted: AtomicBool,
    /// The status of the answer, once there is one (0 until then).
    status: AtomicU16,
}

impl<'a> Call<'a> {
    pub(crate) fn new(client: &'a Client, operation: &'static str) -> Self {
        Call {
            client,
            operation,
            sent: OnceLock::new(),
            budget_exhausted: AtomicBool::new(false),
            status: AtomicU16::new(0),
        }
    }

    /// Keeps the path and query of the request that failed, for its error.
    #[cold]
    fn failed_at(&self, url: &reqwest::Url) {
        let _ = self.sent.set(url[url::Position::BeforePath..].to_string());
    }

    /// The error this call returns, naming its request (method, and the path
    /// and query that were sent, whatever the status), from progenitor's.
    pub(crate) fn error<E: std::any::Any>(&self, e: Error<E>) -> crate::Error {
        let base_url = &self.client.baseurl;
        let mut error = crate::Error::from_progenitor(e, base_url, self.operation);
        if let Some(sent) = self.sent.get() {
            error.set_path(crate::errors::relative_path(sent, base_url));
        }
        if self.budget_exhausted.load(Ordering::Relaxed) {
            error.set_budget_exhausted();
        }
        // A body that failed to decode, or to be read, came with a status.
        if let Ok(status) = reqwest::StatusCode::from_u16(self.status.load(Ordering::Relaxed)) {
            error.set_status(status);
        }
        error
    }
}

/// `exec` for a `send` that can build its request again (codegen's `patch`
/// makes the generated code call this, then [`answered`] with its result): a
/// retry's request is built by `rebuild` when it is needed, so a call that
/// succeeds copies nothing.
#[inline]
pub(crate) fn exec_rebuilding<'a>(
    call: &'a Call<'a>,
    request: reqwest::Request,
    rebuild: &'a retry::Rebuild<'a>,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + 'a {
    exec_with(
        call.client,
        request,
        call.operation,
        Some(&call.budget_exhausted),
        move |_| rebuild,
    )
}

/// What the call keeps of [`exec_rebuilding`]'s result, called by the
/// generated code on it right after it (not a wrapper around its future, which
/// would move the response once more), which then takes the result it returns.
/// A transport error and an undeclared answer carry their URL into
/// `oz_api::Error` themselves; an error answer's decoded body does not.
#[inline]
pub(crate) fn answered(
    call: &Call<'_>,
    result: reqwest::Result<reqwest::Response>,
) -> reqwest::Result<reqwest::Response> {
    if let Ok(response) = &result {
        let status = response.status();
        call.status.store(status.as_u16(), Ordering::Relaxed);
        if !status.is_success() {
            call.failed_at(response.url());
        }
    }
    result
}

#[inline]
fn exec_with<'a, A: retry::Again + 'a>(
    client: &'a Client,
    request: reqwest::Request,
    operation: &'static str,
    budget_exhausted: Option<&'a AtomicBool>,
    again: impl FnOnce(&reqwest::Request) -> A,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + 'a {
    let policy = &client.inner;
    let method = request.method().clone();
    let send = retry::send(
        client.client(),
        &policy.retry,
        policy
            .retry_budget
            .as_deref()
            .map(|budget| retry::Spending {
                budget,
                refused: budget_exhausted,
            }),
        policy.max_body_bytes,
        request,
        again,
    );
    trace::call(operation, &method, policy.max_body_bytes, send)
}

/// A JSON error response's value: `ResponseValue::from_response` without its
/// copy of the headers, its body read within the client's limit (codegen's
/// `patch` makes the generated code call this, and [`body`] then [`decode`]
/// for successes). `operation` is the method's name, for decode errors.
pub(crate) async fn json<T: DeserializeOwned, E>(
    client: &Client,
    response: reqwest::Response,
    operation: &'static str,
) -> Result<ResponseValue<T>, Error<E>> {
    let mut response = response;
    let body = body(client, &mut response)
        .await
        .map_err(Error::ResponseBodyError)?;
    value(body, operation, Error::InvalidResponsePayload)
}

/// A response's status, headers and body, read; [`decode`] makes its value.
/// Apart so that the decoded value, which can be large, is made where the
/// generated `send` returns it rather than moved out of another future. The
/// response stays with the caller (read to its end), which keeps it for its
/// URL, which a decode error names: neither this nor [`body`]'s future holds
/// room for it.
pub(crate) struct Body {
    status: reqwest::StatusCode,
    headers: HeaderMap,
    bytes: bytes::Bytes,
}

/// Reads a response within the client's body limit ([`read_limited`]).
#[inline]
pub(crate) fn body<'a>(
    client: &Client,
    response: &'a mut reqwest::Response,
) -> impl Future<Output = reqwest::Result<Body>> + 'a {
    let status = response.status();
    let headers = detached(response.headers(), status);
    let limit = client.inner.max_body_bytes;
    async move {
        let bytes = read_limited_from(response, limit).await?;
        Ok(Body {
            status,
            headers,
            bytes,
        })
    }
}

/// A body read whole, but never more than `limit` bytes of it: a declared
/// length over the limit fails before reading, and an endless or lying body
/// fails once the limit is passed, so memory stays within the limit plus one
/// chunk. The usual body, one chunk, is returned as it came (no copy).
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> reqwest::Result<bytes::Bytes> {
    read_limited_from(&mut response, limit).await
}

async fn read_limited_from(
    response: &mut reqwest::Response,
    limit: u64,
) -> reqwest::Result<bytes::Bytes> {
    let too_large = |response: &reqwest::Response| {
        crate::errors::BodyTooLarge::error(limit, response.status(), response.url())
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(too_large(response));
    }
    let Some(first) = response.chunk().await? else {
        return Ok(bytes::Bytes::new());
    };
    let mut read = first.len() as u64;
    if read > limit {
        return Err(too_large(response));
    }
    let Some(mut chunk) = response.chunk().await? else {
        return Ok(first);
    };
    let expected = response.content_length().unwrap_or(0).min(limit);
    let mut all =
        bytes::BytesMut::with_capacity((expected as usize).max(first.len() + chunk.len()));
    all.extend_from_slice(&first);
    loop {
        read = read.saturating_add(chunk.len() as u64);
        if read > limit {
            return Err(too_large(response));
        }
        all.extend_from_slice(&chunk);
        match response.chunk().await? {
            Some(next) => chunk = next,
            None => return Ok(all.freeze()),
        }
    }
}

/// The value of a JSON success of `call`, or the call's error: a body that
/// does not decode also keeps the request's path for it. The error is made
/// here, so the value is returned as it was made (not moved again through a
/// conversion of the error).
#[inline]
pub(crate) fn decode<T: DeserializeOwned>(
    body: Body,
    response: &reqwest::Response,
    call: &Call<'_>,
) -> Result<ResponseValue<T>, crate::Error> {
    match serde_json::from_slice(&body.bytes) {
        Ok(value) => Ok(ResponseValue::new(value, body.status, body.headers)),
        Err(e) => Err(undecoded::<T>(body, response, call, e)),
    }
}

/// [`decode`]'s error.
#[cold]
#[inline(never)]
fn undecoded<T: DeserializeOwned>(
    body: Body,
    response: &reqwest::Response,
    call: &Call<'_>,
    e: serde_json::Error,
) -> crate::Error {
    call.failed_at(response.url());
    let e = decode_error::<T>(call.operation, &body.bytes, e);
    call.error(Error::<()>::InvalidResponsePayload(body.bytes, e))
}

/// `body` decoded as `T`; a body that does not decode is handed to `fail`
/// with the error that names operation, type and path.
#[inline]
fn value<T: DeserializeOwned, F>(
    body: Body,
    operation: &'static str,
    fail: impl FnOnce(bytes::Bytes, serde_json::Error) -> F,
) -> Result<ResponseValue<T>, F> {
    match serde_json::from_slice(&body.bytes) {
        Ok(value) => Ok(ResponseValue::new(value, body.status, body.headers)),
        Err(e) => {
            let e = decode_error::<T>(operation, &body.bytes, e);
            Err(fail(body.bytes, e))
        }
    }
}

/// An empty response: `ResponseValue::empty`, taking the headers instead of copying them.
pub(crate) fn empty(response: reqwest::Response) -> ResponseValue<()> {
    let status = response.status();
    let headers = detached(response.headers(), status);
    ResponseValue::new((), status, headers)
}

/// The headers a result keeps, copied out of hyper's read buffer. The values
/// hyper parsed point into that buffer, which may also hold the start of the
/// body: kept, they would keep all of it alive for as long as the caller keeps
/// the result (409 KiB for a 500-run page). One allocation holds every value,
/// in a new map sized for them (hyper's has room for more: replacing its
/// values in place would be cheaper but hold 0.7 KiB more per answer).
///
/// A success (2xx) leaves out the headers that only describe the message
/// ([`describes_the_message`]); an answer that carries nothing else costs
/// no copy and its result holds no more than its value. Other answers keep
/// every header (an error's are its evidence; a 302's `location` is its point).
fn detached(headers: &HeaderMap, status: reqwest::StatusCode) -> HeaderMap {
    let keep = |name: &HeaderName| !status.is_success() || !describes_the_message(name);
    let (mut count, mut len) = (0, 0);
    for (name, value) in headers {
        if keep(name) {
            count += 1;
            len += value.len();
        }
    }
    if count == 0 {
        return HeaderMap::new();
    }
    let mut bytes = Vec::with_capacity(len);
    for (name, value) in headers {
        if keep(name) {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    let bytes = bytes::Bytes::from(bytes);
    let mut copy = HeaderMap::with_capacity(count);
    let mut at = 0;
    // Names are hyper's own copies (standard ones static): only values
    // point into the buffer.
    for (name, value) in headers {
        if !keep(name) {
            continue;
        }
        let end = at + value.len();
        let shared = HeaderValue::from_maybe_shared(bytes.slice(at..end));
        at = end;
        if let Ok(mut shared) = shared {
            shared.set_sensitive(value.is_sensitive());
            copy.append(name.clone(), shared);
        }
    }
    copy
}

/// Headers about how an answer's bytes were framed and sent rather than what
/// the API answered: its length, media type and encoding (the body they
/// describe is decoded and gone), the connection's hop-by-hop headers, and
/// `date`, the moment the server sent it (which hyper-based servers add to
/// every answer).
fn describes_the_message(name: &HeaderName) -> bool {
    name == CONTENT_LENGTH
        || name == CONTENT_TYPE
        || name == CONTENT_ENCODING
        || name == TRANSFER_ENCODING
        || name == CONNECTION
        || name == DATE
        || name.as_str() == "keep-alive"
}

/// A path parameter as the URL has it: its text percent-encoded, every byte
/// but RFC 3986's unreserved characters (so `/`, `\`, `?`, `#`, `%`, `;` and
/// the rest cannot end or leave the segment), written straight into the URL
/// (codegen's `patch` makes the generated code use this): no copy of the value.
pub(crate) struct PathSegment<'a, T: ?Sized>(pub(crate) &'a T);

/// [`PathSegment`] for a text parameter (codegen's `patch` uses it for a
/// `String`): checked on its bytes and encoded straight into the URL, without
/// formatting the value twice through `Display`. The same text and the same
/// refusals as `PathSegment`.
pub(crate) struct PathText<'a>(&'a str);

impl<'a> PathText<'a> {
    /// See [`PathSegment::checked`].
    #[inline]
    pub(crate) fn checked(
        value: &'a str,
        parameter: &'static str,
        operation: &'static str,
    ) -> Result<Self, InvalidSegment> {
        if is_dot_segment(value.as_bytes()) {
            return Err(InvalidSegment {
                parameter,
                operation,
                value: value.to_string(),
            });
        }
        Ok(PathText(value))
    }
}

impl std::fmt::Display for PathText<'_> {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        percent_encoding::utf8_percent_encode(self.0, PATH_SET)
            .try_for_each(|chunk| f.write_str(chunk))
    }
}

/// Whether `text` is empty, `.` or `..` once percent-decoded (at most 6
/// bytes: `%2e%2e`).
#[inline]
fn is_dot_segment(text: &[u8]) -> bool {
    text.len() <= 6
        && percent_encoding::percent_decode(text)
            .enumerate()
            .all(|(i, byte)| byte == b'.' && i < 2)
}

/// Everything but `A-Z a-z 0-9 - . _ ~` (RFC 3986, section 2.3).
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

// For a path parameter of another type than `String` (today's spec has none:
// `PathText` writes those); a spec that adds one uses it.
#[allow(dead_code)]
impl<'a, T: std::fmt::Display + ?Sized> PathSegment<'a, T> {
    /// The segment for `value`, or an error if it would not be one segment of
    /// its own: empty, `.` or `..` (also as `%2e`), which the URL would
    /// resolve to another path. `parameter` and `operation` name it in the error.
    #[inline]
    pub(crate) fn checked(
        value: &'a T,
        parameter: &'static str,
        operation: &'static str,
    ) -> Result<Self, InvalidSegment> {
        match dot_segment(value) {
            Some(text) => Err(InvalidSegment {
                parameter,
                operation,
                value: text,
            }),
            None => Ok(PathSegment(value)),
        }
    }
}

#[allow(dead_code)]
/// `value`'s text if it is empty, `.` or `..` once percent-decoded (at most
/// 6 bytes: `%2e%2e`); longer text is not looked at past its 7th byte.
fn dot_segment(value: &(impl std::fmt::Display + ?Sized)) -> Option<String> {
    struct Start {
        bytes: [u8; 7],
        len: usize,
    }
    impl std::fmt::Write for Start {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            for &byte in text.as_bytes() {
                if self.len == self.bytes.len() {
                    return Err(std::fmt::Error);
                }
                self.bytes[self.len] = byte;
                self.len += 1;
            }
            Ok(())
        }
    }
    let mut start = Start {
        bytes: [0; 7],
        len: 0,
    };
    std::fmt::write(&mut start, format_args!("{value}")).ok()?;
    let text = &start.bytes[..start.len];
    // At most two bytes once decoded, and each a dot.
    is_dot_segment(text).then(|| String::from_utf8_lossy(text).into_owned())
}

/// A path parameter that would not stay in its segment; nothing was sent.
#[derive(Debug)]
pub(crate) struct InvalidSegment {
    parameter: &'static str,
    operation: &'static str,
    value: String,
}

impl std::fmt::Display for InvalidSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: path parameter `{}` is `{}`: a path segment cannot be empty, `.` or `..` \
             (nor `%2e` forms of them), which would address another path",
            self.operation,
            self.parameter,
            self.value.escape_debug()
        )
    }
}

/// In a `send` that returns `oz_api::Error`.
impl From<InvalidSegment> for crate::Error {
    fn from(e: InvalidSegment) -> Self {
        let message = e.to_string();
        crate::Error::from_progenitor(Error::<()>::InvalidRequest(message), "", e.operation)
    }
}

/// In a `send` as progenitor wrote it.
impl<E> From<InvalidSegment> for Error<E> {
    fn from(e: InvalidSegment) -> Self {
        Error::InvalidRequest(e.to_string())
    }
}

impl<T: std::fmt::Display + ?Sized> std::fmt::Display for PathSegment<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Encoded<'a, 'b>(&'a mut std::fmt::Formatter<'b>);
        impl std::fmt::Write for Encoded<'_, '_> {
            fn write_str(&mut self, text: &str) -> std::fmt::Result {
                percent_encoding::utf8_percent_encode(text, PATH_SET)
                    .try_for_each(|chunk| self.0.write_str(chunk))
            }
        }
        std::fmt::write(&mut Encoded(f), format_args!("{}", self.0))
    }
}

/// The error for a body that did not decode as `T`, naming the operation,
/// the type and the JSON path of the failing member. The path costs a second
/// decode, paid only here, on failure.
#[cold]
fn decode_error<T: DeserializeOwned>(
    operation: &str,
    body: &[u8],
    first: serde_json::Error,
) -> serde_json::Error {
    let ty = short_type_name(std::any::type_name::<T>());
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let (path, cause) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        Ok(_) => (".".to_string(), first),
    };
    let at = match path.as_str() {
        "." => String::new(),
        path => format!(" at `{path}`"),
    };
    serde::de::Error::custom(format_args!(
        "{operation}: the response does not decode as {ty}{at}: {cause}"
    ))
}

/// The generated read-modify-write conversions (`TryFrom<read> for update`):
/// the read value's `members` as the update request `T`. A member the read
/// type kept untyped (in `extra`) may not fit the update request's type for
/// it: the error names the member's path, the value found there, and what the
/// type accepts (`UpdateScheduledAgentRequest from ScheduledAgentItem: `mode`
/// is 2: expected AgentRunMode, a string: …`).
pub(crate) fn convert<T: DeserializeOwned>(
    from: &str,
    members: serde_json::Value,
) -> Result<T, serde_json::Error> {
    let e = match serde_path_to_error::deserialize::<_, T>(&members) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let mut at = &members;
    for segment in e.path().iter() {
        use serde_path_to_error::Segment;
        at = match segment {
            Segment::Map { key } => at.get(key.as_str()),
            Segment::Seq { index } => at.get(*index),
            Segment::Enum { .. } | Segment::Unknown => Some(at),
        }
        .unwrap_or(at);
    }
    let mut value = at.to_string();
    if value.chars().count() > 80 {
        value = value.chars().take(80).chain(['…']).collect();
    }
    let to = short_type_name(std::any::type_name::<T>());
    let path = e.path().to_string();
    Err(serde::de::Error::custom(format_args!(
        "{to} from {from}: `{path}` is {value}: {}",
        e.into_inner()
    )))
}

/// `oz_api::generated::types::RunItem` as `RunItem`, generics included.
fn short_type_name(full: &str) -> String {
    let mut out = String::new();
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or_default());
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<oz_api::generated::types::RunItem>"),
            "Vec<RunItem>"
        );
        assert_eq!(short_type_name("oz_api::types::Run"), "Run");
    }

    #[test]
    fn a_decode_error_names_operation_type_and_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            runs: Vec<Run>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Run {
            id: String,
            state: u8,
        }
        let body = br#"{"runs": [{"id": "a", "state": 1}, {"id": "b"}]}"#;
        let first = serde_json::from_slice::<Page>(body).unwrap_err();
        let e = decode_error::<Page>("list_runs", body, first);
        assert_eq!(
            e.to_string(),
            "list_runs: the response does not decode as Page at `runs[1]`: \
             missing field `state` at line 1 column 46"
        );
    }

    #[test]
    fn a_conversion_error_names_the_members_path_and_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Update {
            config: Config,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Config {
            limits: Vec<u8>,
        }
        let read = serde_json::json!({"config": {"limits": [1, "x".repeat(100)]}});
        let e = convert::<Update>("Read", read).unwrap_err();
        let long = format!("{:?}", "x".repeat(100));
        let shown: String = long.chars().take(80).collect();
        assert_eq!(
            e.to_string(),
            format!(
                "Update from Read: `config.limits[1]` is {shown}…: \
                 invalid type: string {long}, expected u8"
            )
        );
    }

    #[test]
    fn path_segments_encode_all_but_unreserved_characters() {
        for (text, encoded) in [
            ("run-1", "run-1"),
            ("a b/c?d#e%f", "a%20b%2Fc%3Fd%23e%25f"),
            ("..\\x", "..%5Cx"),
            ("a;b=c&d:e@f+g", "a%3Bb%3Dc%26d%3Ae%40f%2Bg"),
            ("ü", "%C3%BC"),
            ("A.z_0~", "A.z_0~"),
        ] {
            assert_eq!(PathSegment(text).to_string(), encoded, "{text}");
        }
        assert_eq!(PathSegment(&42u64).to_string(), "42");
    }

    #[test]
    fn path_text_is_path_segment_for_text() {
        for text in [
            "run-1",
            "a b/c?d#e%f",
            "..\\x",
            "ü",
            "",
            ".",
            "..",
            "%2e",
            "%2E",
            "%2e%2E",
            ".%2e",
            "%2e.",
            "...",
            ".a",
            "%2e%2e%2e",
            "%252e",
            "%2",
            "run-1234567",
            " ",
        ] {
            let segment = PathSegment::checked(text, "run_id", "get_run");
            let path_text = PathText::checked(text, "run_id", "get_run");
            match (segment, path_text) {
                (Ok(segment), Ok(path_text)) => {
                    assert_eq!(segment.to_string(), path_text.to_string(), "{text:?}")
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:?}"),
                _ => panic!("{text:?}: PathSegment and PathText disagree"),
            }
        }
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        for text in ["", ".", "..", "%2e", "%2E", "%2e%2E", ".%2e", "%2e."] {
            let e = PathSegment::checked(text, "run_id", "get_run").err();
            assert!(e.is_some(), "{text:?} accepted");
        }
        for text in [
            "...",
            "a",
            ".a",
            "%2e%2e%2e",
            "%252e",
            "%2",
            "run-1234567",
            " ",
        ] {
            assert!(
                PathSegment::checked(text, "run_id", "get_run").is_ok(),
                "{text:?}"
            );
        }
        let Err(e) = PathSegment::checked("..", "run_id", "get_run") else {
            panic!("`..` accepted")
        };
        assert_eq!(
            crate::Error::from(e).to_string(),
            "GET /agent/runs/{runId}: invalid request: get_run: path parameter `run_id` is `..`: \
             a path segment cannot be empty, `.` or `..` (nor `%2e` forms of them), which would \
             address another path"
        );
    }

    #[test]
    fn detached_headers_keep_every_value_and_repeated_name() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert(
            "date",
            HeaderValue::from_static("Tue, 01 Dec 2026 10:00:00 GMT"),
        );
        headers.append("x-trace", HeaderValue::from_static("a"));
        headers.append("x-trace", HeaderValue::from_static("b"));
        let mut secret = HeaderValue::from_static("s");
        secret.set_sensitive(true);
        headers.insert("set-cookie", secret);
        let not_found = reqwest::StatusCode::NOT_FOUND;
        let copy = detached(&headers, not_found);
        assert_eq!(copy, headers, "an error keeps every header");
        assert!(copy["set-cookie"].is_sensitive());

        let copy = detached(&headers, reqwest::StatusCode::OK);
        let mut kept = headers.clone();
        kept.remove("content-type");
        kept.remove("date");
        assert_eq!(
            copy, kept,
            "a success leaves out what describes the message"
        );
        assert!(copy["set-cookie"].is_sensitive());
    }

    #[test]
    fn a_success_that_carries_only_framing_keeps_an_empty_map() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("content-length", "2"),
            ("content-encoding", "identity"),
            ("transfer-encoding", "chunked"),
            ("connection", "keep-alive"),
            ("keep-alive", "timeout=5"),
            ("date", "Tue, 01 Dec 2026 10:00:00 GMT"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let copy = detached(&headers, reqwest::StatusCode::NO_CONTENT);
        assert!(copy.is_empty());
        assert_eq!(copy.capacity(), 0, "nothing allocated");
    }
}
