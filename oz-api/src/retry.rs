//! Retries, in the hand-written `ClientHooks::exec` and `hooks::exec_rebuilding`
//! (never in generated code).
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
//! `retry-after-ms` header replaces the computed delay, capped at
//! `max_retry_after`, plus jitter *above* it (never below: the server said
//! when): up to a quarter of it plus 100 ms, so that a herd told `Retry-After: 1`
//! comes back spread over 350 ms, none of it early.
//!
//! # Retry budget
//!
//! Retries are also capped per [`Client`](crate::Client), all its clones
//! sharing one [`RetryBudget`](crate::RetryBudget) (Finagle's `RetryBudget`):
//! every request deposits into it, every retry withdraws from it, and a retry
//! it cannot pay for is not made: the failure is returned at once. By default
//! it grants a reserve of 50 retries plus one retry per 10 requests of the last
//! 10 s: when everything fails, 1,000 calls cost at most 1,150 requests instead
//! of 3,000, while sporadic failures are all retried.
//!
//! | retry after                                                  | spends from the budget |
//! |--------------------------------------------------------------|:---:|
//! | 429 with `Retry-After` or `retry-after-ms`                    | no  |
//! | 429 without them; 408; 409; 5xx (`Retry-After` or not)        | yes |
//! | error body with `"retryable": true`; connection failures      | yes |
//!
//! A 429 that says when to come back is the server pacing its clients: it
//! knows when capacity returns, and failing such calls because a budget ran dry
//! would turn a rate-limited herd into a herd of errors. Each such call still
//! makes at most `max_retries + 1` attempts and waits at most `max_retries ×`
//! (`max_retry_after` × 1.25 + 100 ms). A 503, with or without `Retry-After`,
//! is an outage, and spends.
//!
//! A failure returned because the budget was empty says so:
//! [`Error::retry_budget_exhausted`](crate::Error::retry_budget_exhausted),
//! whether it was an answer or a transport error (the call records it; nothing
//! is added to the response's headers).
//! `max_retries = 0` disables retries, and the budget with them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response, StatusCode};
use tower::retry::budget::{Budget, TpsBudget};

use crate::config::RetryPolicy;
use crate::trace;

/// Sends `request`, retrying as the policy and the table above say, without
/// a budget (for downloads from other hosts).
pub(crate) async fn execute(
    client: &reqwest::Client,
    policy: &RetryPolicy,
    max_body_bytes: u64,
    request: Request,
) -> reqwest::Result<Response> {
    send(client, policy, None, max_body_bytes, request, copy).await
}

/// The request built again by the generated `send` (codegen's `patch`), for
/// a retry: a call that succeeds copies nothing.
pub(crate) type Rebuild<'a> = dyn Fn() -> Result<Request, crate::Error> + Send + Sync + 'a;

/// A client's retry budget, as one call spends from it.
#[derive(Clone, Copy)]
pub(crate) struct Spending<'a> {
    pub(crate) budget: &'a TpsBudget,
    /// Set when the budget refuses one of the call's retries.
    pub(crate) refused: Option<&'a AtomicBool>,
}

/// Where a retry's request comes from.
pub(crate) trait Again: Send {
    /// The request for the next attempt (`None`: it cannot be made again);
    /// `more`: whether another attempt may follow that one.
    fn next(&mut self, more: bool) -> Option<Request>;
}

/// A copy made before the first attempt, and before each retry that may be
/// followed by another (the request is consumed by each attempt).
impl Again for Option<Request> {
    fn next(&mut self, more: bool) -> Option<Request> {
        let request = self.take()?;
        if more {
            *self = copy(&request);
        }
        Some(request)
    }
}

/// Built again, only when a retry needs it.
impl Again for &Rebuild<'_> {
    fn next(&mut self, _more: bool) -> Option<Request> {
        self().ok()
    }
}

/// Sends `request`, retrying as the policy, the table above and `budget` say;
/// `again` gives what makes a retry's request (a copy, or a rebuild). An error
/// body read to find `retryable` is read within `max_body_bytes`.
/// `budget` is the client's, if it has one, with where the call notes a refusal.
///
/// Nearly every request ends after one attempt, so that path is kept apart:
/// the retry loop is a boxed future of its own, and this one, created and moved
/// on every call, stays small: the first attempt is started here, before the
/// future exists, so the request is never part of it.
/// Its only budget work is the deposit (a mutex and an atomic add, no allocation).
#[inline]
pub(crate) fn send<'a, A: Again + 'a>(
    client: &'a reqwest::Client,
    policy: &'a RetryPolicy,
    budget: Option<Spending<'a>>,
    max_body_bytes: u64,
    request: Request,
    again: impl FnOnce(&Request) -> A,
) -> impl Future<Output = reqwest::Result<Response>> + Send + 'a {
    let again = (policy.max_retries > 0).then(|| (request.method().clone(), again(&request)));
    if let Some(spending) = budget {
        spending.budget.deposit();
    }
    let first = client.execute(request);
    // An `async` block rather than `then`: its result is returned as it came,
    // not moved through a second future (`Flatten`'s `Ready`). The first
    // attempt's result is not kept across the retries' `await` (it moves into
    // their future), so this future holds no room for a response.
    async move {
        let retries = {
            let first = first.await;
            match again {
                Some((method, again)) if !matches!(&first, Ok(response) if !is_error(response.status())) => {
                    Box::pin(retry(
                        client,
                        policy,
                        budget,
                        max_body_bytes,
                        method,
                        again,
                        first,
                    ))
                }
                _ => return first,
            }
        };
        retries.await
    }
}

/// The attempts after a failed one: `failed` is its result.
async fn retry(
    client: &reqwest::Client,
    policy: &RetryPolicy,
    budget: Option<Spending<'_>>,
    max_body_bytes: u64,
    method: Method,
    mut again: impl Again,
    mut failed: reqwest::Result<Response>,
) -> reqwest::Result<Response> {
    let idempotent = is_idempotent(&method);
    let mut attempt = 0;
    loop {
        let (failed_now, retry_after) = match failed {
            Ok(response) if !is_error(response.status()) => return Ok(response),
            Ok(response) => match classify(response, idempotent, max_body_bytes).await? {
                (response, None) => return Ok(response),
                (response, Some(retry_after)) => (Ok(response), retry_after),
            },
            // Not connected: the server never saw the request. Otherwise it may have.
            Err(e) if e.is_connect() || (idempotent && (e.is_timeout() || e.is_request())) => {
                (Err(e), None)
            }
            Err(e) => return Err(e),
        };
        let Some(request) = again.next(attempt + 1 < policy.max_retries) else {
            return failed_now;
        };
        if let Some(spending) = budget
            && !server_paced(&failed_now, retry_after)
            && !spending.budget.withdraw()
        {
            trace::budget_exhausted(&|| trace::reason(&failed_now));
            if let Some(refused) = spending.refused {
                refused.store(true, Ordering::Relaxed);
            }
            return failed_now;
        }
        let delay = match retry_after {
            Some(requested) => server_delay(policy, requested),
            None => backoff(policy, attempt),
        };
        trace::retrying(attempt + 2, &|| trace::reason(&failed_now), delay);
        drop(failed_now);
        tokio::time::sleep(delay).await;
        attempt += 1;
        failed = client.execute(request).await;
        trace::attempt(attempt + 1);
        if attempt == policy.max_retries {
            return failed;
        }
    }
}

/// A copy of `request` for the next attempt; `None` for a streaming body, which
/// cannot be copied (such a request is sent once). Bodiless requests without a
/// per-request timeout skip `Request::try_clone`, which always allocates and
/// clones an extensions map.
pub(crate) fn copy(request: &Request) -> Option<Request> {
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

/// A 429 that says when to come back: its retry does not spend from the budget.
fn server_paced(failed: &reqwest::Result<Response>, retry_after: Option<Duration>) -> bool {
    retry_after.is_some()
        && matches!(failed, Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS)
}

/// Whether an error response is worth retrying: `None` if not, else the
/// server's requested delay, if any. Reads a JSON body (the API's problem) to
/// find `retryable`, then hands back an identical response; any other body
/// (a storage host's XML for a download, a proxy's page) is left unread.
async fn classify(
    response: Response,
    idempotent: bool,
    max_body_bytes: u64,
) -> reqwest::Result<(Response, Option<Option<Duration>>)> {
    let status = response.status();
    let retry_after = retry_after(response.headers(), SystemTime::now());
    if retryable_status(status, idempotent) {
        return Ok((response, Some(retry_after)));
    }
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    if !json {
        return Ok((response, None));
    }
    let (response, body) = buffer(response, max_body_bytes).await?;
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

/// Reads a response's body (within `max_body_bytes`) and rebuilds the
/// response around it, its URL included.
pub(crate) async fn buffer(
    response: Response,
    max_body_bytes: u64,
) -> reqwest::Result<(Response, bytes::Bytes)> {
    use reqwest::ResponseBuilderExt;
    let mut rebuilt = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = rebuilt.headers_mut() {
        *headers = response.headers().clone();
    }
    let body = crate::hooks::read_limited(response, max_body_bytes).await?;
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

/// The wait before retrying when the server asked for `requested`: at least
/// that (up to `max_retry_after`), plus jitter of up to a quarter of it and
/// 100 ms, so a herd told the same delay does not come back at one instant.
/// A policy whose `max_retry_after` is zero never waits (tests, mocks).
pub(crate) fn server_delay(policy: &RetryPolicy, requested: Duration) -> Duration {
    if policy.max_retry_after.is_zero() {
        return Duration::ZERO;
    }
    let capped = requested.min(policy.max_retry_after);
    let jitter = (capped / 4).saturating_add(Duration::from_millis(100));
    capped.saturating_add(fraction(jitter, fastrand::f64()))
}

/// `duration × factor` for a factor in [0, 1], saturating instead of
/// panicking as `Duration::mul_f64` does past `Duration::MAX`.
fn fraction(duration: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(duration.as_secs_f64() * factor.clamp(0.0, 1.0)).unwrap_or(duration)
}

/// Exponential backoff with jitter for retry number `attempt` (0-based).
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponential = policy
        .initial_backoff
        .saturating_mul(2u32.saturating_pow(attempt));
    fraction(
        exponential.min(policy.max_backoff),
        1.0 - 0.25 * fastrand::f64(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RetryBudget;
    use reqwest::header::HeaderValue;

    fn budget(min_retries_per_sec: u32, retry_ratio: f32) -> TpsBudget {
        RetryBudget {
            ttl: Duration::from_secs(10),
            min_retries_per_sec,
            retry_ratio,
        }
        .tps_budget()
        .unwrap()
        .unwrap()
    }

    /// Withdrawals granted until the first refusal.
    fn withdrawals(budget: &TpsBudget) -> usize {
        std::iter::from_fn(|| budget.withdraw().then_some(())).count()
    }

    #[test]
    fn the_budget_ratio_is_the_one_documented() {
        // TpsBudget alone truncates 1 / (1/7f32) = 6.9999995 to 6: 1,166 retries
        // per 7,000 requests instead of 1,000.
        let raw = TpsBudget::new(Duration::from_secs(10), 0, 1.0 / 7.0);
        (0..7000).for_each(|_| raw.deposit());
        assert_eq!(withdrawals(&raw), 1166);
        for n in 1..=200 {
            let budget = budget(0, 1.0 / n as f32);
            (0..n * 10).for_each(|_| budget.deposit());
            assert_eq!(withdrawals(&budget), 10, "ratio 1/{n}");
        }
        // Ratio 1/n: a retry per n requests, exactly.
        for (ratio, n) in [
            (1.0, 1),
            (0.5, 2),
            (0.25, 4),
            (0.2, 5),
            (0.1, 10),
            (0.05, 20),
            (0.01, 100),
            (1.0 / 7.0, 7),
            (0.3, 3), // not 1/n: rounded up to 1/3
        ] {
            let budget = budget(0, ratio);
            for _ in 0..n - 1 {
                budget.deposit();
            }
            assert!(!budget.withdraw(), "ratio {ratio}: {} deposits", n - 1);
            budget.deposit();
            assert!(budget.withdraw(), "ratio {ratio}: {n} deposits");
            assert!(!budget.withdraw(), "ratio {ratio}: second withdrawal");
            (0..1000 * n).for_each(|_| budget.deposit());
            assert_eq!(withdrawals(&budget), 1000, "ratio {ratio}");
        }
        // Above 1: several retries per request.
        let budget = budget(0, 2.0);
        (0..100).for_each(|_| budget.deposit());
        assert_eq!(withdrawals(&budget), 200);
    }

    #[test]
    fn the_default_budget_has_a_reserve_of_50_and_bounds_a_storm_to_1_15() {
        let fresh = RetryBudget::default().tps_budget().unwrap().unwrap();
        assert_eq!(withdrawals(&fresh), 50);
        let storm = RetryBudget::default().tps_budget().unwrap().unwrap();
        (0..1000).for_each(|_| storm.deposit());
        assert_eq!(withdrawals(&storm), 150, "1,000 calls, 1,150 requests");
        // Sporadic failures: 5 % of 1,000 requests, well within.
        let sporadic = RetryBudget::default().tps_budget().unwrap().unwrap();
        for i in 0..1000 {
            sporadic.deposit();
            if i % 20 == 0 {
                assert!(sporadic.withdraw(), "request {i}");
            }
        }
        // A ratio of 0 leaves the reserve alone: min_retries_per_sec × ttl.
        let reserve_only = budget(3, 0.0);
        (0..1000).for_each(|_| reserve_only.deposit());
        assert_eq!(withdrawals(&reserve_only), 30);
    }

    #[test]
    fn budget_values_out_of_range_are_errors_not_panics() {
        let valid = RetryBudget::default();
        for invalid in [
            RetryBudget {
                ttl: Duration::from_millis(999),
                ..valid
            },
            RetryBudget {
                ttl: Duration::from_secs(61),
                ..valid
            },
            RetryBudget {
                min_retries_per_sec: i32::MAX as u32,
                ..valid
            },
            RetryBudget {
                retry_ratio: -0.1,
                ..valid
            },
            RetryBudget {
                retry_ratio: 1000.5,
                ..valid
            },
            RetryBudget {
                retry_ratio: f32::NAN,
                ..valid
            },
            RetryBudget {
                retry_ratio: f32::NEG_INFINITY,
                ..valid
            },
        ] {
            assert!(invalid.tps_budget().is_err(), "{invalid:?}");
        }
        for ok in [
            RetryBudget {
                ttl: Duration::from_secs(1),
                ..valid
            },
            RetryBudget {
                ttl: Duration::from_secs(60),
                ..valid
            },
            RetryBudget {
                retry_ratio: 1000.0,
                ..valid
            },
            RetryBudget {
                retry_ratio: 0.0,
                min_retries_per_sec: 0,
                ..valid
            },
        ] {
            assert!(ok.tps_budget().unwrap().is_some(), "{ok:?}");
        }
        assert!(RetryBudget::unlimited().tps_budget().unwrap().is_none());
        assert!(RetryBudget::unlimited().is_unlimited());
        assert!(!valid.is_unlimited());
    }

    #[test]
    fn a_copied_request_is_copied_again_only_while_another_attempt_may_follow() {
        let mut request = Request::new(Method::GET, "http://127.0.0.1/runs?x=1".parse().unwrap());
        request
            .headers_mut()
            .insert("x-tag", HeaderValue::from_static("a"));
        let mut again = copy(&request);
        let first = again.next(true).unwrap();
        assert_eq!(first.url(), request.url());
        assert_eq!(first.headers(), request.headers());
        assert!(again.is_some(), "kept for one more attempt");
        let second = again.next(false).unwrap();
        assert_eq!(second.headers(), request.headers());
        assert!(again.is_none() && again.next(true).is_none());

        // A streaming body cannot be copied: that request is sent once.
        let mut streaming = Request::new(Method::PUT, "http://127.0.0.1/f".parse().unwrap());
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("x"))]);
        *streaming.body_mut() = Some(reqwest::Body::wrap_stream(chunks));
        assert!(copy(&streaming).is_none());
    }

    #[test]
    fn server_delays_get_jitter_above_never_below() {
        let policy = RetryPolicy {
            max_retry_after: Duration::from_secs(3),
            ..RetryPolicy::default()
        };
        for (requested, low, high) in [(0, 0, 100), (1000, 1000, 1350), (10_000, 3000, 3850)] {
            let delays: Vec<_> = (0..200)
                .map(|_| server_delay(&policy, Duration::from_millis(requested)))
                .collect();
            let (min, max) = (delays.iter().min().unwrap(), delays.iter().max().unwrap());
            assert!(*min >= Duration::from_millis(low), "{requested}: {min:?}");
            assert!(*max <= Duration::from_millis(high), "{requested}: {max:?}");
            assert!(
                *max - *min >= Duration::from_millis((high - low) / 2),
                "{requested}: spread {min:?}..{max:?}"
            );
        }
    }

    #[test]
    fn only_a_429_with_a_requested_delay_is_free() {
        let response = |status: u16| {
            Ok(Response::from(
                http::Response::builder()
                    .status(status)
                    .body(bytes::Bytes::new())
                    .unwrap(),
            ))
        };
        let second = Some(Duration::from_secs(1));
        assert!(server_paced(&response(429), second));
        assert!(!server_paced(&response(429), None));
        assert!(!server_paced(&response(503), second));
        assert!(!server_paced(&response(408), second));
    }

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

    /// Whatever a server sends as `Retry-After` / `retry-after-ms` (seconds,
    /// dates, fractions, huge, negative, garbage) and whatever the policy, the
    /// delay is computed without panicking and within the policy's bound.
    mod retry_after_never_panics {
        use super::*;
        use proptest::prelude::*;

        fn durations() -> impl Strategy<Value = Duration> {
            prop_oneof![
                Just(Duration::ZERO),
                Just(Duration::from_nanos(1)),
                Just(Duration::from_secs(60)),
                Just(Duration::MAX),
                any::<u64>().prop_map(Duration::from_secs),
                (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
            ]
        }

        fn policies() -> impl Strategy<Value = RetryPolicy> {
            (any::<u32>(), durations(), durations(), durations()).prop_map(
                |(max_retries, initial_backoff, max_backoff, max_retry_after)| RetryPolicy {
                    max_retries,
                    initial_backoff,
                    max_backoff,
                    max_retry_after,
                },
            )
        }

        fn values() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|n| format!("{n:e}")),
                Just("1e400".to_string()),
                Just("-0".to_string()),
                Just("inf".to_string()),
                Just("NaN".to_string()),
                Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
                Just("Thu, 01 Jan 1970 00:00:00 GMT".to_string()),
                (0..253_402_300_799u64).prop_map(|s| httpdate::fmt_http_date(
                    SystemTime::UNIX_EPOCH + Duration::from_secs(s)
                )),
                "[ -~]{0,40}",
            ]
        }

        proptest! {
            #[test]
            fn for_any_header_and_policy(
                policy in policies(),
                seconds in proptest::option::of(values()),
                millis in proptest::option::of(values()),
                attempt in any::<u32>(),
                now in 0..253_402_300_799u64,
            ) {
                let mut headers = HeaderMap::new();
                for (name, value) in [("retry-after", seconds), ("retry-after-ms", millis)] {
                    if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                        headers.insert(name, value);
                    }
                }
                let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now);
                if let Some(requested) = retry_after(&headers, now) {
                    let delay = server_delay(&policy, requested);
                    let capped = requested.min(policy.max_retry_after);
                    let bound = capped
                        .saturating_add(capped / 4)
                        .saturating_add(Duration::from_millis(100));
                    prop_assert!(delay <= bound, "{delay:?} > {bound:?}");
                    prop_assert!(policy.max_retry_after.is_zero() || delay >= capped);
                }
                prop_assert!(backoff(&policy, attempt) <= policy.max_backoff);
            }
        }
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
