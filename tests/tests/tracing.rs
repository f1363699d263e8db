//! What `oz-api` traces (feature `tracing`, on by default): a span per call
//! with its outcome and an event per retry, and never the key or a body.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oz_api::{Client, RetryPolicy};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "secret-key-4d1c";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_span_per_call_an_event_per_retry_and_no_secret() {
    let server = MockServer::start().await;
    let run = json!({
        "run_id": "r1", "task_id": "r1", "title": "t", "state": "QUEUED",
        "prompt": "PROMPT-TEXT-NOT-TO-LOG", "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z"
    });
    Mock::given(path("/agent/runs/r1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/agent/runs/r1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run))
        .mount(&server)
        .await;
    Mock::given(path("/agent/runs/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "type": "https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/resource_not_found",
            "title": "Not found", "status": 404, "detail": "DETAIL-NOT-TO-LOG", "trace_id": "0af7651916cd43dd"
        })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(1),
        })
        .build()
        .unwrap();

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    client.get_run().run_id("r1").send().await.unwrap();
    client.get_run().run_id("gone").send().await.unwrap_err();
    drop(guard);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let oz: Vec<&str> = text.lines().filter(|l| l.contains("oz_api")).collect();
    let has = |parts: &[&str]| oz.iter().any(|line| parts.iter().all(|p| line.contains(p)));
    assert!(
        has(&[
            "retrying",
            "attempt=2",
            "reason=503 Service Unavailable",
            "delay_ms="
        ]),
        "{text}"
    );
    assert!(
        has(&[
            "close",
            "operation=\"get_run\"",
            "method=GET",
            "path=\"/agent/runs/{runId}\"",
            "status=200",
            "attempts=2",
            "duration_ms="
        ]),
        "{text}"
    );
    assert!(
        has(&[
            "close",
            "status=404",
            "attempts=1",
            "trace_id=\"0af7651916cd43dd\""
        ]),
        "{text}"
    );
    for secret in [KEY, "PROMPT-TEXT-NOT-TO-LOG", "DETAIL-NOT-TO-LOG", "Bearer"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
}
