//! Retries, in the hand-written `ClientHooks::exec` (never in generated code).
//!
//! What is retried, up to [`RetryPolicy::max_retries`] times:
//!
//! | failure                                         | GET, PUT, DELETE, HEAD, OPTIONS | POST, PATCH |
//! |-------------------------------------------------|:---:|:---:|
//! | connection could not be made                    | yes | yes |
//! | 408 Request Timeout, 429 Too Many Requests      | yes | yes |
//! | error body with `"retryable": true`             | yes | yes |
//! | 409, 5xx, timeout, connection lost mid-request  | yes | no  |
//!
//! A POST that may have reached the server is not retried: `POST /agent/runs`
//! retried after the server acted would start a second agent run. The rows
//! retried for every method are those where the server did not act, or says
//! retrying is safe.
//!
//! Delays grow exponentially from `initial_backoff` (0.5 s) to `max_backoff`
//! (8 s), less up to 25 % jitter. A `Retry-After` (seconds or HTTP-date) or
//! `retry-after-ms` header replaces the computed delay, capped at `max_retry_after`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response, StatusCode};

use crate::config::RetryPolicy;

/// Sends `request`, retrying as the policy and the table above say.
///
/// Nearly every request ends after one attempt, so that path is kept apart:
/// the retry loop is a boxed future of its own, and this one, created and moved
/// on every call, stays small.
pub(crate) async fn execute(
    client: &reqwest::Client,
    policy: &RetryPolicy,
    request: Request,
) -> reqwest::Result<Response> {
    let spare = (policy.max_retries > 0).then(|| copy(&request)).flatten();
    let first = client.execute(request).await;
    match spare {
        Some(spare) if !matches!(&first, Ok(response) if !is_error(response.status())) => {
            Box::pin(retry(client, policy, spare, first)).await
        }
        _ => first,
    }
}

/// The attempts after a failed one: `failed` is its result, `request` a copy of it.
async fn retry(
    client: &reqwest::Client,
    policy: &RetryPolicy,
    mut request: Request,
    mut failed: reqwest::Result<Response>,
) -> reqwest::Result<Response> {
    let idempotent = is_idempotent(request.method());
    let mut attempt = 0;
    loop {
        let retry_after = match failed {
            Ok(response) if !is_error(response.status()) => return Ok(response),
            Ok(response) => match classify(response, idempotent).await? {
                (response, None) => return Ok(response),
                (_, Some(retry_after)) => retry_after,
            },
            // Not connected: the server never saw the request. Otherwise it may have.
            Err(e) if e.is_connect() || (idempotent && (e.is_timeout() || e.is_request())) => None,
            Err(e) => return Err(e),
        };
        let delay = match retry_after {
            Some(requested) => requested.min(policy.max_retry_after),
            None => backoff(policy, attempt),
        };
        tokio::time::sleep(delay).await;
        attempt += 1;
        let spare = (attempt < policy.max_retries)
            .then(|| copy(&request))
            .flatten();
        failed = client.execute(request).await;
        let Some(spare) = spare else { return failed };
        request = spare;
    }
}

/// A copy of `request` for the next attempt; `None` for a streaming body, which
/// cannot be copied (such a request is sent once). Bodiless requests without a
/// per-request timeout skip `Request::try_clone`, which always allocates and
/// clones an extensions map: this runs before every first attempt.
fn copy(request: &Request) -> Option<Request> {
    if request.body().is_some() || request.timeout().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    Some(copy)
}

fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]
    .contains(method)
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Whether an error response is worth retrying: `None` if not, else the
/// server's requested delay, if any. Reads the body to find `retryable`,
/// then hands back an identical response.
async fn classify(
    response: Response,
    idempotent: bool,
) -> reqwest::Result<(Response, Option<Option<Duration>>)> {
    let status = response.status();
    let retry_after = retry_after(response.headers(), SystemTime::now());
    if retryable_status(status, idempotent) {
        return Ok((response, Some(retry_after)));
    }
    let (response, body) = buffer(response).await?;
    let says_retryable = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("retryable")?.as_bool())
        .unwrap_or(false);
    Ok((response, says_retryable.then_some(retry_after)))
}

/// The status rows of the table above.
pub(crate) fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    match status.as_u16() {
        408 | 429 => true,
        409 | 500..=599 => idempotent,
        _ => false,
    }
}

/// Reads a response's body and rebuilds the response around it.
async fn buffer(response: Response) -> reqwest::Result<(Response, bytes::Bytes)> {
    let mut rebuilt = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = rebuilt.headers_mut() {
        *headers = response.headers().clone();
    }
    let body = response.bytes().await?;
    let rebuilt = rebuilt
        .body(body.clone())
        .expect("status, version and headers come from a valid response");
    Ok((Response::from(rebuilt), body))
}

/// The delay a server asks for: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Exponential backoff with jitter for retry number `attempt` (0-based).
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponential = policy
        .initial_backoff
        .saturating_mul(2u32.saturating_pow(attempt));
    exponential
        .min(policy.max_backoff)
        .mul_f64(1.0 - 0.25 * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_dates_and_milliseconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(3)));
        headers.insert(
            "retry-after",
            httpdate::fmt_http_date(now + Duration::from_secs(7))
                .parse()
                .unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            httpdate::fmt_http_date(now - Duration::from_secs(7))
                .parse()
                .unwrap(),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers, now), None);
        headers.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&headers, now), Some(Duration::from_millis(250)));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_at_most_25_percent_jitter() {
        let policy = RetryPolicy::default();
        for (attempt, nominal) in [
            (0, 500),
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (10, 8000),
            (40, 8000),
        ] {
            let delay = backoff(&policy, attempt).as_millis() as u64;
            assert!(
                delay <= nominal && delay >= nominal * 3 / 4,
                "attempt {attempt}: {delay} ms"
            );
        }
    }

    #[test]
    fn status_rules_follow_the_table() {
        for (code, get, post) in [
            (408, true, true),
            (429, true, true),
            (409, true, false),
            (500, true, false),
            (503, true, false),
            (400, false, false),
            (404, false, false),
        ] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(retryable_status(status, true), get, "{code} GET");
            assert_eq!(retryable_status(status, false), post, "{code} POST");
        }
    }
}
