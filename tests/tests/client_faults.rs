//! The client against in-process servers on 127.0.0.1 that misbehave on purpose:
//! retries, timeouts, resets, newer API versions, redirects.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use oz_api::types::{self, ArtifactItem, PlatformErrorCode, RunState};
use oz_api::{ApiErrorExt, BuildError, Client, RetryPolicy};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{
    body_partial_json, header, header_regex, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "test-key-7f3a";

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(3),
    }
}

fn client(base_url: &str, max_retries: u32) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry_policy(fast_retries(max_retries))
        .build()
        .unwrap()
}

fn run_json(id: &str, state: &str) -> Value {
    json!({
        "run_id": id, "task_id": id, "title": "Fix auth", "state": state, "prompt": "Fix the bug",
        "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:05:00Z"
    })
}

fn problem(status: u16, code: &str, retryable: bool) -> Value {
    json!({
        "type": format!("https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/{code}"),
        "title": "Problem", "status": status, "error": "Problem: details", "detail": "details",
        "retryable": retryable, "trace_id": "trace-abc"
    })
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn sends_bearer_key_user_agent_and_api_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/r1"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header_regex("user-agent", r"^oz-api/\d+\.\d+\.\d+"))
        .and(header("api-version", "1.0.0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(run_json("r1", "QUEUED"))
                .insert_header("x-request-id", "req-1"),
        )
        .mount(&server)
        .await;
    let run = client(&server.uri(), 0)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Queued);
    // The response's status and headers come with the value, less those
    // that only described the message (its length and media type).
    assert_eq!(run.status().as_u16(), 200);
    assert_eq!(run.headers()["x-request-id"], "req-1");
    assert!(!run.headers().contains_key("content-type"));
    assert!(!run.headers().contains_key("content-length"));
}

#[tokio::test]
async fn own_reqwest_client_still_gets_auth_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header_regex("user-agent", "^oz-api/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "QUEUED")))
        .mount(&server)
        .await;
    // Over plain http a caller's client is configured, not given (it could
    // use a proxy); `http_client` itself is refused there, saying why.
    let http = oz_api::http_client_builder().build().unwrap();
    let refused = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .http_client(http)
        .build()
        .unwrap_err();
    assert!(
        matches!(refused, oz_api::BuildError::HttpClientOverPlainHttp(_)),
        "{refused}"
    );
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .configure_http(|http| http.redirect(reqwest::redirect::Policy::none()))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    client.get_run().run_id("r1").send().await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[test]
fn the_key_never_shows_in_debug_output() {
    let builder = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9");
    assert!(!format!("{builder:?}").contains(KEY));
    let client = builder.build().unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("redacted"));
}

#[test]
fn construction_errors_are_clear() {
    let no_env = |_: &str| None;
    let missing = Client::builder().env_from(no_env).build().unwrap_err();
    assert_eq!(missing, BuildError::MissingApiKey);
    assert!(missing.to_string().contains("WARP_API_KEY"));
    let blank = Client::builder().api_key("  ").build().unwrap_err();
    assert_eq!(blank, BuildError::MissingApiKey);
    let insecure = Client::builder()
        .api_key(KEY)
        .base_url("http://api.example.com/v1")
        .build()
        .unwrap_err();
    assert!(
        matches!(insecure, BuildError::InsecureBaseUrl(_)),
        "{insecure}"
    );
    assert!(matches!(
        Client::builder()
            .api_key(KEY)
            .base_url("not a url")
            .build()
            .unwrap_err(),
        BuildError::InvalidBaseUrl(_)
    ));
    assert_eq!(
        Client::builder().api_key("bad\nkey").build().unwrap_err(),
        BuildError::InvalidApiKey
    );
    for ok in [
        "https://app.warp.dev/api/v1",
        "http://127.0.0.1:4010",
        "http://localhost:1",
        "http://[::1]:2",
    ] {
        Client::builder()
            .api_key(KEY)
            .base_url(ok)
            .build()
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

/// The `small-idna` feature swaps url's Unicode back end (unicode-rs for ICU4X), it
/// does not turn IDNA off: an international host name still parses (the stub back end
/// would refuse it as an invalid URL), so it is judged by its scheme like any other.
#[test]
fn international_domain_names_still_parse() {
    for (base_url, https) in [
        ("https://bücher.example/api/v1", true),
        ("https://ÖZ.例え.jp", true),
        ("http://bücher.example/api/v1", false),
    ] {
        let built = Client::builder().api_key(KEY).base_url(base_url).build();
        match built {
            Ok(_) => assert!(https, "{base_url}: plain http to a non-loopback host"),
            Err(BuildError::InsecureBaseUrl(_)) => assert!(!https, "{base_url}"),
            Err(e) => panic!("{base_url}: {e}"),
        }
    }
}

#[test]
fn environment_fills_what_is_not_explicit() {
    use oz_api::ClientInfo;
    let env = |name: &str| match name {
        "WARP_API_KEY" => Some("env-key".to_string()),
        "OZ_API_BASE_URL" => Some("http://127.0.0.1:4010".to_string()),
        _ => None,
    };
    let from_env = Client::builder().env_from(env).build().unwrap();
    assert_eq!(from_env.baseurl(), "http://127.0.0.1:4010");
    let explicit = Client::builder()
        .base_url("https://example.test/api")
        .env_from(env)
        .build()
        .unwrap();
    assert_eq!(explicit.baseurl(), "https://example.test/api");
    let default = Client::builder()
        .api_key(KEY)
        .env_from(|_| None)
        .build()
        .unwrap();
    assert_eq!(default.baseurl(), "https://app.warp.dev/api/v1");
}

#[tokio::test]
async fn status_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "QUEUED")))
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server.uri(), 2)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retry_after_as_http_date_is_capped() {
    let server = MockServer::start().await;
    let far = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", far.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "QUEUED")))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(RetryPolicy {
            max_retry_after: Duration::from_millis(300),
            ..fast_retries(1)
        })
        .build()
        .unwrap();
    let started = Instant::now();
    client.get_run().run_id("r1").send().await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(290) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn status_503_then_200_is_retried_for_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(problem(
            503,
            "resource_unavailable",
            true,
        )))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "SUCCEEDED")))
        .mount(&server)
        .await;
    let run = client(&server.uri(), 2)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Succeeded);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn retries_give_up_after_max_retries_with_the_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_json(problem(
            503,
            "resource_unavailable",
            true,
        )))
        .mount(&server)
        .await;
    let error = client(&server.uri(), 2)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(requests(&server).await, 3);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        error.error_code(),
        Some(PlatformErrorCode::ResourceUnavailable)
    );
    assert!(error.retryable());
}

#[tokio::test]
async fn zero_retries_sends_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    client(&server.uri(), 0)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn create_run_is_not_retried_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/agent/runs"))
        .respond_with(ResponseTemplate::new(502).set_body_json(problem(
            502,
            "internal_error",
            false,
        )))
        .mount(&server)
        .await;
    let body = types::RunAgentRequest::builder().prompt(Some("hi".to_string()));
    let error = client(&server.uri(), 2)
        .create_run()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        requests(&server).await,
        1,
        "a POST that reached the server must not be repeated"
    );
    assert_eq!(error.error_code(), Some(PlatformErrorCode::InternalError));
}

#[tokio::test]
async fn create_run_is_retried_when_the_server_says_retryable_or_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(problem(
            500,
            "resource_unavailable",
            true,
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"prompt": "hi"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"run_id": "r9", "state": "QUEUED"})),
        )
        .mount(&server)
        .await;
    let body = types::RunAgentRequest::builder().prompt(Some("hi".to_string()));
    let tagged = client(&server.uri(), 2).with_options(|o| {
        o.header(
            oz_api::reqwest::header::HeaderName::from_static("x-request-tag"),
            oz_api::reqwest::header::HeaderValue::from_static("nightly"),
        )
    });
    let created = tagged.create_run().body(body).send().await.unwrap();
    assert_eq!(created.run_id, "r9");
    assert_eq!(requests(&server).await, 3);
    // A retry's request is built again (not copied): the same request, its
    // headers (the key, the per-call one) and body included.
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen[0].headers["x-request-tag"], "nightly");
    assert_eq!(seen[0].headers["authorization"], format!("Bearer {KEY}"));
    for retry in &seen[1..] {
        assert_eq!(retry.method, seen[0].method);
        assert_eq!(retry.url, seen[0].url);
        assert_eq!(retry.headers, seen[0].headers);
        assert_eq!(retry.body, seen[0].body);
    }
}

/// A raw HTTP server: each connection gets the next of `script`'s answers;
/// `None` closes the connection after reading the request (a reset).
async fn scripted_server(script: Vec<Option<Vec<u8>>>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        for answer in script {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buffer = vec![0u8; 16 * 1024];
            let _ = socket.read(&mut buffer).await;
            match answer {
                Some(bytes) => {
                    let _ = socket.write_all(&bytes).await;
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                None => {
                    // Linger 0: closing sends a TCP reset. (Deprecated because a
                    // non-zero linger blocks on drop; zero does not.)
                    #[allow(deprecated)]
                    let _ = socket.set_linger(Some(Duration::ZERO));
                    drop(socket);
                }
            }
        }
    });
    (format!("http://{address}"), count)
}

fn http_ok(body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn connection_reset_is_retried_for_get() {
    let (url, connections) =
        scripted_server(vec![None, Some(http_ok(&run_json("r1", "FAILED")))]).await;
    let run = client(&url, 2).get_run().run_id("r1").send().await.unwrap();
    assert_eq!(run.state, RunState::Failed);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connection_reset_is_not_retried_for_create_run() {
    let (url, connections) = scripted_server(vec![
        None,
        Some(http_ok(&json!({"run_id": "r1", "state": "QUEUED"}))),
    ])
    .await;
    let body = types::RunAgentRequest::builder().prompt(Some("hi".to_string()));
    let error = client(&url, 2)
        .create_run()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), oz_api::ErrorKind::Transport(_)),
        "{error:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_slower_than_the_timeout_fails_with_a_timeout() {
    // The crate's own client carries the timeout as its default; a caller's
    // client gets it on each request from the `pre` hook.
    for own_client in [true, false] {
        // Headers arrive at once; the body never completes.
        let stalled = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"run_id\":".to_vec();
        let (url, connections) = scripted_server(vec![Some(stalled.clone()), Some(stalled)]).await;
        let mut builder = Client::builder()
            .api_key(KEY)
            .base_url(url)
            .timeout(Duration::from_millis(300))
            .retry_policy(fast_retries(0));
        if !own_client {
            builder = builder.configure_http(|http| http);
        }
        let client = builder.build().unwrap();
        let sent = client.get_run().run_id("r1").send();
        let Ok(result) = tokio::time::timeout(Duration::from_secs(3), sent).await else {
            panic!("own client {own_client}: no timeout within 3 s");
        };
        let error = result.unwrap_err();
        let timed_out = matches!(error.kind(), oz_api::ErrorKind::Transport(t) if t.is_timeout());
        assert!(timed_out, "own client {own_client}: {error:?}");
        assert_eq!(connections.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn a_newer_api_decodes_unknown_values_fields_and_artifacts() {
    let server = MockServer::start().await;
    let mut run = run_json("r1", "PAUSED");
    run["source"] = json!("SLACK_WORKFLOW");
    run["brand_new_field"] = json!({"nested": [1, 2, 3]});
    run["artifacts"] = json!([
        {"artifact_type": "PLAN", "created_at": "2026-11-01T10:00:00Z", "data": {"document_uid": "d1", "notebook_uid": "n1"}},
        {"artifact_type": "VIDEO", "created_at": "2026-11-01T10:00:00Z", "data": {"url": "https://x/v.mp4"}}
    ]);
    run.as_object_mut().unwrap().remove("task_id");
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run.clone()))
        .mount(&server)
        .await;
    let decoded = client(&server.uri(), 0)
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(decoded.state, RunState::Unknown("PAUSED".into()));
    assert!(!decoded.state.is_known() && !decoded.state.is_terminal());
    assert_eq!(decoded.state.as_str(), "PAUSED");
    assert_eq!(
        decoded.source.as_ref().map(|s| s.as_str()),
        Some("SLACK_WORKFLOW")
    );
    #[allow(deprecated)]
    let task_id = decoded.task_id.clone();
    assert_eq!(task_id, None);
    assert!(matches!(
        decoded.artifacts[0],
        ArtifactItem::PlanArtifact(_)
    ));
    match &decoded.artifacts[1] {
        ArtifactItem::Unknown(raw) => assert_eq!(raw, &run["artifacts"][1]),
        other => panic!("expected the catch-all, got {other:?}"),
    }
    // Round trip: unknown values serialize back as they came.
    let again = serde_json::to_value(&decoded).unwrap();
    assert_eq!(again["state"], "PAUSED");
    assert_eq!(again["source"], "SLACK_WORKFLOW");
    assert_eq!(again["artifacts"][1], run["artifacts"][1]);
}

#[tokio::test]
async fn requests_may_carry_values_the_client_does_not_know() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs"))
        .and(query_param("state", "PAUSED"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"runs": [], "page_info": {"has_next_page": false}})),
        )
        .mount(&server)
        .await;
    let page = client(&server.uri(), 0)
        .list_runs()
        .state(vec![RunState::from("PAUSED")])
        .send()
        .await
        .unwrap();
    assert!(page.runs.is_empty());
}

#[tokio::test]
async fn undeclared_statuses_decode_the_problem_body() {
    let server = MockServer::start().await;
    let mut body = problem(502, "external_authentication_required", false);
    body["auth_url"] = json!("https://github.com/login/oauth");
    Mock::given(method("GET"))
        .and(path("/agent/models"))
        .respond_with(ResponseTemplate::new(502).set_body_json(body))
        .mount(&server)
        .await;
    let error = client(&server.uri(), 0)
        .list_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.error_code(),
        Some(PlatformErrorCode::ExternalAuthenticationRequired)
    );
    assert_eq!(error.trace_id(), Some("trace-abc"));
    assert!(!error.retryable(), "the body says retryable: false");
    let problem = error.problem().unwrap();
    assert_eq!(
        problem.extension("auth_url"),
        Some(&json!("https://github.com/login/oauth"))
    );
}

#[tokio::test]
async fn not_found_and_unknown_error_codes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(problem(
            404,
            "resource_not_found",
            false,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/odd"))
        .respond_with(ResponseTemplate::new(400).set_body_json(problem(400, "quantum_flux", false)))
        .mount(&server)
        .await;
    let client = client(&server.uri(), 0);
    let missing = client.get_run().run_id("missing").send().await.unwrap_err();
    assert!(missing.is_not_found());
    let odd = client.get_run().run_id("odd").send().await.unwrap_err();
    assert!(!odd.is_not_found());
    assert_eq!(
        odd.error_code(),
        Some(PlatformErrorCode::Unknown("quantum_flux".into()))
    );
}

#[tokio::test]
async fn stream_walks_every_page_keeping_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs"))
        .and(query_param("state", "FAILED"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "runs": [run_json("a", "FAILED"), run_json("b", "FAILED")],
            "page_info": {"has_next_page": true, "next_cursor": "c2"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/runs"))
        .and(query_param("state", "FAILED"))
        .and(query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "runs": [run_json("c", "FAILED")],
            "page_info": {"has_next_page": false}
        })))
        .mount(&server)
        .await;
    let client = client(&server.uri(), 0);
    let runs: Vec<_> = client
        .list_runs()
        .state(vec![RunState::Failed])
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn stream_fails_on_a_repeated_cursor_instead_of_looping() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "runs": [run_json("a", "FAILED")],
            "page_info": {"has_next_page": true, "next_cursor": "same"}
        })))
        .mount(&server)
        .await;
    let client = client(&server.uri(), 0);
    let items: Vec<_> = client.list_runs().stream().collect_all().await;
    assert_eq!(items.len(), 3, "a, a, then the error: {items:?}");
    assert!(items[0].is_ok() && items[1].is_ok());
    let error = items[2].as_ref().unwrap_err().to_string();
    assert!(error.contains("cursor `same` came back twice"), "{error}");
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn stream_surfaces_errors_as_items() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(problem(
            400,
            "invalid_request",
            false,
        )))
        .mount(&server)
        .await;
    let client = client(&server.uri(), 0);
    let items: Vec<_> = client.list_runs().stream().collect_all().await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].as_ref().unwrap_err().error_code(),
        Some(PlatformErrorCode::InvalidRequest)
    );
}

trait CollectAll: futures::Stream + Sized {
    async fn collect_all(self) -> Vec<Self::Item> {
        futures::StreamExt::collect(self).await
    }
}
impl<S: futures::Stream> CollectAll for S {}

#[tokio::test]
async fn wait_for_run_polls_until_terminal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "INPROGRESS")))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "CANCELLED")))
        .mount(&server)
        .await;
    let run = client(&server.uri(), 0)
        .wait_for_run("r1", Duration::from_millis(10), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Cancelled);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn wait_for_run_times_out_on_a_state_it_does_not_know() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "HIBERNATING")))
        .mount(&server)
        .await;
    let error = client(&server.uri(), 0)
        .wait_for_run("r1", Duration::from_millis(20), Duration::from_millis(150))
        .await
        .unwrap_err();
    match error {
        oz_api::WaitError::Timeout { last_state, .. } => {
            assert_eq!(last_state.as_str(), "HIBERNATING")
        }
        other => panic!("{other}"),
    }
}

/// Answers `GET /agent/runs/r1` with the states in order, then the last one forever.
struct ScriptedRun(Mutex<VecDeque<&'static str>>);

impl wiremock::Respond for ScriptedRun {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let mut states = self.0.lock().unwrap();
        let state = if states.len() > 1 {
            states.pop_front().unwrap()
        } else {
            states[0]
        };
        ResponseTemplate::new(200).set_body_json(run_json("r1", state))
    }
}

async fn scripted(states: &[&'static str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/r1"))
        .respond_with(ScriptedRun(Mutex::new(states.iter().copied().collect())))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_blocked_run_ends_the_wait_and_the_watch() {
    let server = scripted(&["QUEUED", "QUEUED", "INPROGRESS", "INPROGRESS", "BLOCKED"]).await;
    let client = client(&server.uri(), 0);
    let run = client
        .wait_for_run("r1", Duration::from_millis(5), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Blocked);
    assert_eq!(requests(&server).await, 5);

    let server = scripted(&["QUEUED", "QUEUED", "INPROGRESS", "INPROGRESS", "BLOCKED"]).await;
    let client = oz_api::Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let states: Vec<String> = client
        .watch_run("r1", Duration::from_millis(5))
        .collect_all()
        .await
        .into_iter()
        .map(|run| run.unwrap().state.to_string())
        .collect();
    assert_eq!(states, ["QUEUED", "INPROGRESS", "BLOCKED"]);
    assert_eq!(
        requests(&server).await,
        5,
        "no poll after the terminal state"
    );
}

#[tokio::test]
async fn a_run_that_never_ends_times_out_with_the_run_last_seen_and_polls_back_off() {
    let server = scripted(&["QUEUED", "INPROGRESS"]).await;
    let started = Instant::now();
    let error = client(&server.uri(), 0)
        .wait_for_run("r1", Duration::from_millis(20), Duration::from_millis(600))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    match error {
        oz_api::WaitError::Timeout {
            last_state,
            last_run,
            ..
        } => {
            assert_eq!(last_state, RunState::Inprogress);
            assert_eq!(last_run.run_id, "r1");
        }
        other => panic!("{other}"),
    }
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    // 20, 30, 45, 67, 101, 151, 160 (8 x 20 cap) ...: about 8 polls in 600 ms, not 30.
    let polls = requests(&server).await;
    assert!((5..=12).contains(&polls), "{polls} polls");
}

#[tokio::test]
async fn transcript_redirect_gives_the_url_and_is_not_followed() {
    let server = MockServer::start().await;
    // A host that is not this machine: following it would be a bug (and fail).
    Mock::given(method("GET"))
        .and(path("/agent/runs/r1/transcript"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "https://storage.example.com/t/r1?sig=abc"),
        )
        .mount(&server)
        .await;
    let url = client(&server.uri(), 2)
        .run_transcript_url("r1")
        .await
        .unwrap();
    assert_eq!(url.as_str(), "https://storage.example.com/t/r1?sig=abc");
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn download_does_not_forward_the_key() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/harness-support/transcript"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/signed?sig=xyz", storage.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/signed"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"transcript\":true}"))
        .mount(&storage)
        .await;
    let client = client(&api.uri(), 0);
    let url = client.harness_transcript_url().await.unwrap();
    let bytes = client.download(url).await.unwrap();
    assert_eq!(&bytes[..], b"{\"transcript\":true}");
    let received = storage.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert!(
        !received[0].headers.contains_key("authorization"),
        "the key reached the download host"
    );
}

#[test]
fn client_and_stream_can_cross_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable<T: Send>(_: &T) {}
    shareable::<Client>();
    let client = client("http://127.0.0.1:9", 0);
    sendable(&client.list_runs().stream());
    sendable(&client.wait_for_run("r", Duration::from_secs(1), Duration::from_secs(1)));
}

#[tokio::test]
async fn per_request_options_change_only_the_calls_made_through_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(run_json("slow", "QUEUED"))
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/down"))
        .respond_with(ResponseTemplate::new(503).set_body_json(problem(
            503,
            "internal_error",
            false,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/r1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json("r1", "QUEUED")))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(fast_retries(2))
        .default_header(
            oz_api::reqwest::header::HeaderName::from_static("x-team"),
            oz_api::reqwest::header::HeaderValue::from_static("platform"),
        )
        .build()
        .unwrap();
    let hurried = client.with_options(|o| {
        o.timeout(Duration::from_millis(100))
            .max_retries(0)
            .header(
                oz_api::reqwest::header::HeaderName::from_static("x-request-tag"),
                oz_api::reqwest::header::HeaderValue::from_static("nightly"),
            )
            .header(
                oz_api::reqwest::header::AUTHORIZATION,
                oz_api::reqwest::header::HeaderValue::from_static("Bearer someone-else"),
            )
    });

    // Timeout: the derived client gives up, the client it came from waits.
    let e = hurried.get_run().run_id("slow").send().await.unwrap_err();
    assert!(
        matches!(e.kind(), oz_api::ErrorKind::Transport(c) if c.is_timeout()),
        "{e:?}"
    );
    client.get_run().run_id("slow").send().await.unwrap();

    // Retries: none through the derived client, two through the other.
    let before = requests(&server).await;
    hurried.get_run().run_id("down").send().await.unwrap_err();
    assert_eq!(requests(&server).await - before, 1);
    client.get_run().run_id("down").send().await.unwrap_err();
    assert_eq!(requests(&server).await - before, 4);

    // Headers: the default one on both, the extra one only on the derived
    // client's requests, and the key never replaced.
    hurried.get_run().run_id("r1").send().await.unwrap();
    client.get_run().run_id("r1").send().await.unwrap();
    let seen = server.received_requests().await.unwrap();
    let of_r1: Vec<_> = seen
        .iter()
        .filter(|r| r.url.path() == "/agent/runs/r1")
        .collect();
    assert_eq!(of_r1.len(), 2);
    for (request, tagged) in of_r1.iter().zip([true, false]) {
        assert_eq!(request.headers["x-team"], "platform");
        assert_eq!(request.headers.contains_key("x-request-tag"), tagged);
        assert_eq!(request.headers["authorization"], format!("Bearer {KEY}"));
    }
}

#[tokio::test]
async fn an_attachment_from_bytes_is_sent_base64_encoded_with_its_mime_type() {
    let server = MockServer::start().await;
    let png = b"\x89PNG\r\n\x1a\n-pixels-";
    Mock::given(method("POST"))
        .and(path("/agent/runs"))
        .and(body_partial_json(json!({"attachments": [{
            "file_name": "shot.png", "mime_type": "image/png", "data": "iVBORw0KGgotcGl4ZWxzLQ=="
        }]})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"run_id": "r1", "task_id": "r1", "state": "QUEUED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let attachment = types::AttachmentInput::from_bytes("shot.png", png).unwrap();
    let body = types::RunAgentRequest::builder()
        .prompt(Some("What is on this screen?".into()))
        .attachments(vec![attachment]);
    client(&server.uri(), 0)
        .create_run()
        .body(body)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn every_error_reads_as_one_line_naming_the_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/runs/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "type": "https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/resource_not_found",
            "title": "Not found", "detail": "Run gone was not found", "trace_id": "0af7651916cd43dd"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/runs"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_json(
                    json!({"type": "https://proxy.example/errors/slow_down", "title": "Slow down"}),
                ),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri(), 0);

    let e = client.get_run().run_id("gone").send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /agent/runs/gone: 404 Not Found: resource_not_found: Not found: Run gone was not found (trace 0af7651916cd43dd)"
    );
    assert!(e.is_not_found() && !e.is_retryable() && !e.is_unauthorized());
    assert_eq!(e.trace_id(), Some("0af7651916cd43dd"));
    assert!(
        !e.headers().contains_key("oz-api-request"),
        "internal header removed"
    );

    let e = client
        .list_runs()
        .state([RunState::Failed])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /agent/runs?state=FAILED: 429 Too Many Requests: Slow down"
    );
    assert!(e.is_rate_limited() && e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        e.error_code(),
        None,
        "a code is only read from the API's own URIs"
    );

    let nowhere = oz_api::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap();
    let e = nowhere.get_run().run_id("r1").send().await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("GET /agent/runs/r1: error sending request"),
        "{text}"
    );
    assert!(!text.contains('\n') && e.is_retryable(), "{text}");
}

/// Every error names the request as sent (method, path with its encoded
/// parameters and query, relative to a base URL with a path of its own),
/// whatever went wrong, on one line; and nothing internal travels in the
/// request or shows in the error's headers.
#[tokio::test]
async fn every_error_carries_the_request_it_came_from() {
    let server = MockServer::start().await;
    let answers: [(u16, Value); 9] = [
        (301, json!(null)),
        (400, problem(400, "invalid_request", false)),
        (403, problem(403, "not_authorized", false)),
        (404, problem(404, "resource_not_found", false)),
        (409, problem(409, "conflict", false)),
        (422, problem(422, "operation_not_supported", false)),
        (500, problem(500, "internal_error", false)),
        (
            501,
            json!({"title": "Not Implemented", "detail": "two\nlines"}),
        ),
        // A success whose body does not decode.
        (200, json!({"run_id": 7})),
    ];
    for (status, body) in &answers {
        let mut answer = ResponseTemplate::new(*status).set_body_json(body);
        if *status == 301 {
            answer = answer.insert_header("location", "/elsewhere");
        }
        Mock::given(wiremock::matchers::path_regex(format!(
            "^/v1/agent/runs/s{status}(%20x%2F)?(/cancel)?$"
        )))
        .respond_with(answer)
        .mount(&server)
        .await;
    }
    let client = client(&format!("{}/v1", server.uri()), 1);
    for (status, _) in &answers {
        let id = format!("s{status} x/");
        let errors = [
            ("GET", client.get_run().run_id(&id).send().await.err()),
            ("POST", client.cancel_run().run_id(&id).send().await.err()),
        ];
        for (method, e) in errors {
            let e = e.expect("an error");
            let sent = match method {
                "GET" => format!("/agent/runs/s{status}%20x%2F"),
                _ => format!("/agent/runs/s{status}%20x%2F/cancel"),
            };
            let text = e.to_string();
            assert_eq!((e.method(), e.path()), (method, sent.as_str()), "{text}");
            assert!(text.starts_with(&format!("{method} {sent}: ")), "{text}");
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(e.status().map(|s| s.as_u16()), Some(*status), "{text}");
            assert!(
                e.headers()
                    .keys()
                    .all(|name| !name.as_str().starts_with("oz-")),
                "{:?}",
                e.headers()
            );
        }
    }
    // A query is part of the path; a request refused before sending names its template.
    let e = client.list_runs().cursor("c 1").send().await.unwrap_err();
    assert_eq!(e.path(), "/agent/runs?cursor=c+1");
    let e = client.get_run().run_id("..").send().await.unwrap_err();
    assert_eq!((e.method(), e.path()), ("GET", "/agent/runs/{runId}"));
    for request in server.received_requests().await.unwrap() {
        assert!(
            request
                .headers
                .keys()
                .all(|name| !name.as_str().starts_with("oz-")),
            "{:?}",
            request.headers
        );
    }
}

/// The helpers of the statuses an operation documents (generated from the
/// spec), on the statuses `cancelRun` documents.
#[tokio::test]
async fn each_documented_status_has_its_helper() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path_regex(
        "^/agent/runs/s([0-9]+)/cancel$",
    ))
    .respond_with(|request: &wiremock::Request| {
        let status: u16 = request.url.path()[13..16].parse().unwrap();
        ResponseTemplate::new(status).set_body_json(problem(status, "conflict", false))
    })
    .mount(&server)
    .await;
    let client = client(&server.uri(), 0);
    type Helper = fn(&oz_api::Error) -> bool;
    let helpers: [(u16, Helper); 6] = [
        (400, oz_api::Error::is_bad_request),
        (401, oz_api::Error::is_unauthorized),
        (403, oz_api::Error::is_forbidden),
        (404, oz_api::Error::is_not_found),
        (409, oz_api::Error::is_conflict),
        (422, oz_api::Error::is_unprocessable_entity),
    ];
    for (status, _) in helpers {
        let id = format!("s{status}");
        let e = client.cancel_run().run_id(&id).send().await.unwrap_err();
        let text = e.to_string();
        let expected = format!("POST /agent/runs/{id}/cancel: {status} ");
        assert!(text.starts_with(&expected), "{text}");
        for (other, helper) in helpers {
            // `is_not_found` also reads the API's code: a 4xx with the code
            // `conflict` is not it.
            assert_eq!(helper(&e), other == status, "{text}: helper for {other}");
        }
    }
}

/// What each operation's docs say about retries (codegen's `statuses::retried`)
/// is what the client does, for every method and error status the spec
/// documents, with and without the problem's `retryable: true`.
#[tokio::test]
async fn the_retries_the_docs_promise_are_the_retries_made() {
    use codegen::statuses::{Retried, retried};
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path_regex(
        "^/agent/.*/s[0-9]+-(yes|no)",
    ))
    .respond_with(|request: &wiremock::Request| {
        let segment = request.url.path().rsplit('/').find(|s| s.starts_with('s'));
        let segment = segment.unwrap_or_default();
        let status: u16 = segment[1..4].parse().unwrap();
        let says = segment.ends_with("-yes");
        ResponseTemplate::new(status).set_body_json(problem(status, "internal_error", says))
    })
    .mount(&server)
    .await;
    let client = client(&server.uri(), 1);
    let spec: Value =
        serde_json::from_str(include_str!("../../spec/oz-api.normalized.json")).unwrap();
    let statuses: std::collections::BTreeSet<u16> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op.get("responses")?.as_object())
        .flat_map(|responses| responses.keys())
        .filter_map(|status| status.parse().ok())
        .filter(|status| *status >= 400)
        .chain([408, 429, 503])
        .collect();
    for status in statuses {
        for says in [false, true] {
            let id = format!("s{status}-{}", if says { "yes" } else { "no" });
            for method in ["GET", "POST", "DELETE"] {
                let before = requests(&server).await;
                let result = match method {
                    "GET" => client.get_run().run_id(&id).send().await.map(drop),
                    "POST" => client.cancel_run().run_id(&id).send().await.map(drop),
                    _ => client.delete_agent().uid(&id).send().await.map(drop),
                };
                assert!(result.is_err());
                let made = requests(&server).await - before;
                let promised = match retried(method, status) {
                    Retried::Yes => 2,
                    Retried::IfTheProblemSaysSo if says => 2,
                    _ => 1,
                };
                assert_eq!(
                    made, promised,
                    "{method} answered {status}, retryable: {says}"
                );
            }
        }
    }
}
