//! Tracing (feature `tracing`, on by default): one span per call and one event
//! per retry, through the `tracing` crate. Nothing is recorded that could hold
//! a secret: no header values, no bodies; the API key never appears.
//!
//! See it with `tracing-subscriber`:
//! `tracing_subscriber::fmt().with_env_filter("oz_api=debug").init()` (feature
//! `env-filter`), then `RUST_LOG`-style filters such as `oz_api=debug`.
//!
//! - span `oz_api.call` (DEBUG): `operation` (progenitor's id, e.g. `get_run`),
//!   `method`, `path` (the template, e.g. `/agent/runs/{runId}`), and when it
//!   ends `status`, `attempts`, `duration_ms`, and `trace_id` (from the API's
//!   error body, when there is one);
//! - event (DEBUG) `retrying` per retry: `attempt` (the one about to be made),
//!   `reason` (`503 Service Unavailable`, `connection failed`, ...), `delay_ms`;
//! - event (WARN) when the retry budget refuses a retry: `reason`.
//!
//! Without the feature every function here is empty and inlined away.

#[cfg(feature = "tracing")]
mod on {
    use std::pin::Pin;
    use std::time::Instant;

    use futures::future::Either;
    use reqwest::{Method, Response};
    use tracing::Instrument;
    use tracing::field::Empty;

    /// Runs `send` (the attempts of one call) inside the call's span. With no
    /// subscriber listening, `send` itself is returned: no wrapper is polled or
    /// moved on every call.
    #[inline]
    pub(crate) fn call<'a, F>(
        operation: &'static str,
        method: &Method,
        max_body_bytes: u64,
        send: F,
    ) -> Either<F, Pin<Box<dyn Future<Output = reqwest::Result<Response>> + Send + 'a>>>
    where
        F: Future<Output = reqwest::Result<Response>> + Send + 'a,
    {
        if !tracing::enabled!(target: "oz_api", tracing::Level::DEBUG) {
            return Either::Left(send);
        }
        Either::Right(Box::pin(traced(
            operation,
            method.clone(),
            max_body_bytes,
            send,
        )))
    }

    async fn traced(
        operation: &'static str,
        method: Method,
        max_body_bytes: u64,
        send: impl Future<Output = reqwest::Result<Response>>,
    ) -> reqwest::Result<Response> {
        let (_, path) = crate::generated::operation_template(operation);
        let span = tracing::debug_span!(
            target: "oz_api",
            "oz_api.call",
            operation,
            method = %method,
            path,
            status = Empty,
            attempts = 1u32,
            duration_ms = Empty,
            trace_id = Empty,
        );
        let started = Instant::now();
        let result = send.instrument(span.clone()).await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let Ok(response) = result else { return result };
        span.record("status", response.status().as_u16());
        if response.status().is_success() {
            return Ok(response);
        }
        // An error body names the trace to quote to support: read it (only
        // here, on failure, with tracing on) and hand back the same response.
        let (response, body) = crate::retry::buffer(response, max_body_bytes).await?;
        let trace_id = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| Some(v.get("trace_id")?.as_str()?.to_string()));
        if let Some(trace_id) = trace_id {
            span.record("trace_id", trace_id);
        }
        Ok(response)
    }

    /// Counts an attempt on the call's span.
    pub(crate) fn attempt(number: u32) {
        tracing::Span::current().record("attempts", number);
    }

    pub(crate) fn retrying(attempt: u32, reason: &dyn Fn() -> String, delay: std::time::Duration) {
        tracing::debug!(
            target: "oz_api",
            attempt,
            reason = %reason(),
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
    }

    pub(crate) fn budget_exhausted(reason: &dyn Fn() -> String) {
        tracing::warn!(
            target: "oz_api",
            reason = %reason(),
            "retry budget exhausted: returning the failure without retrying"
        );
    }
}

#[cfg(feature = "tracing")]
pub(crate) use on::*;

#[cfg(not(feature = "tracing"))]
mod off {
    use reqwest::{Method, Response};

    #[inline(always)]
    pub(crate) fn call<F: Future<Output = reqwest::Result<Response>>>(
        _: &'static str,
        _: &Method,
        _: u64,
        send: F,
    ) -> F {
        send
    }

    #[inline(always)]
    pub(crate) fn attempt(_: u32) {}

    #[inline(always)]
    pub(crate) fn retrying(_: u32, _: &dyn Fn() -> String, _: std::time::Duration) {}

    #[inline(always)]
    pub(crate) fn budget_exhausted(_: &dyn Fn() -> String) {}
}

#[cfg(not(feature = "tracing"))]
pub(crate) use off::*;

/// Why an attempt failed, for the events above.
pub(crate) fn reason(failed: &reqwest::Result<reqwest::Response>) -> String {
    match failed {
        Ok(response) => response.status().to_string(),
        Err(e) if e.is_connect() => "connection failed".into(),
        Err(e) if e.is_timeout() => "timed out".into(),
        Err(_) => "connection lost".into(),
    }
}
