//! `oz_api::mock`: typed mocks, as a downstream test uses them (feature `mock`).

use std::time::{Duration, Instant};

use oz_api::mock::{MockServer, problem};
use oz_api::types::{self, RunItem, RunState};
use serde_json::json;

fn run(id: &str, state: &str) -> RunItem {
    serde_json::from_value(json!({
        "run_id": id, "task_id": id, "title": "Fix the test", "prompt": "Fix it",
        "state": state, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
    }))
    .unwrap()
}

#[test]
fn every_operation_has_a_mock() {
    let root = tests::root();
    let generated = codegen::run(&root, &root.join(codegen::SPEC)).unwrap();
    // Regen checks the mocks it rendered and warns of an operation without one.
    assert!(
        generated.warnings.iter().all(|w| !w.contains("mock")),
        "{:#?}",
        generated.warnings
    );
}

/// Every typed matcher has the signature of the client's setter of the same
/// name, for every parameter shape: the published spec's, and entry 69's
/// (header parameters required and optional, a required query enum, a path
/// parameter mid-path, a text body).
#[test]
fn every_matcher_takes_what_the_clients_setter_takes() {
    let root = tests::root();
    let generated = codegen::run(&root, &root.join(codegen::SPEC)).unwrap();
    let unlike = "does not take what the client's setter takes";
    assert!(
        generated.warnings.iter().all(|w| !w.contains(unlike)),
        "{:#?}",
        generated.warnings
    );
    let entry = tests::corpus::load_dir(&root.join("tests/evolution"))
        .into_iter()
        .flatten()
        .find(|e| e.stem == "69-mock-shapes")
        .expect("the corpus has entry 69-mock-shapes");
    let tests::corpus::SpecText::Json(spec) = entry.spec(&tests::published_spec_value()).unwrap()
    else {
        panic!("entry 69 is edits of the published spec");
    };
    let scratch = tests::Scratch::new();
    std::fs::write(scratch.spec(), spec).unwrap();
    let generated = codegen::run(scratch.path(), &scratch.spec()).unwrap();
    let rust = generated
        .files
        .iter()
        .find(|f| f.path == codegen::GENERATED_MOCKS)
        .map(|f| f.contents.as_str())
        .unwrap();
    let when = &rust[rust.find("impl SetRunLabelsWhen").unwrap()..];
    let when = &when[..when.find("pub struct").unwrap()];
    for matcher in [
        "run_id",
        "mode",
        "x_idempotency_key",
        "x_trace_hint",
        "body",
    ] {
        assert!(
            when.contains(&format!("pub fn {matcher}<V>(self, value: V) -> Self")),
            "{when}"
        );
    }
    assert!(
        generated.warnings.iter().all(|w| !w.contains(unlike)),
        "{:#?}",
        generated.warnings
    );
}

#[tokio::test]
async fn a_run_goes_queued_inprogress_succeeded_after_a_429() {
    let mock = MockServer::start().await;
    let calls = mock
        .get_run(|when, then| {
            when.run_id("r1");
            then.rate_limited(Duration::from_secs(1))
                .ok(&run("r1", "QUEUED"))
                .ok(&run("r1", "INPROGRESS"))
                .ok(&run("r1", "SUCCEEDED"))
        })
        .await;
    let started = Instant::now();
    let done = mock
        .client()
        .wait_for_run("r1", Duration::from_millis(1), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(done.state, RunState::Succeeded);
    assert_eq!(calls.count(), 4, "one 429, three polls");
    // The mock's client does not wait for Retry-After (1 s here).
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_error_body_reaches_the_caller() {
    let mock = MockServer::start().await;
    mock.get_run(|when, then| {
        when.run_id("nope");
        then.not_found(&problem(404, "resource_not_found", "Run not found"))
    })
    .await;
    let error = mock
        .client()
        .get_run()
        .run_id("nope")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(
        error.error_code(),
        Some(types::PlatformErrorCode::ResourceNotFound)
    );
    assert!(error.to_string().contains("Run not found"), "{error}");
}

#[tokio::test]
async fn query_parameters_match_as_the_client_encodes_them() {
    let mock = MockServer::start().await;
    let page = json!({"runs": [run("r1", "FAILED")], "page_info": {"has_next_page": false}});
    let page: types::ListRunsResponse = serde_json::from_value(page).unwrap();
    let calls = mock
        .list_runs(|when, then| {
            when.state([RunState::Failed, RunState::Error]).cursor(None);
            then.ok(&page)
        })
        .await;
    let client = mock.client();
    let found = client
        .list_runs()
        .state(vec![RunState::Failed, RunState::Error])
        .send()
        .await
        .unwrap();
    assert_eq!(found.runs[0].run_id, "r1");
    assert_eq!(calls.count(), 1);

    // Another filter, or a cursor, does not match: the catch-all says so.
    let error = client
        .list_runs()
        .state(vec![RunState::Failed])
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(421), "{error}");
    let error = client
        .list_runs()
        .state(vec![RunState::Failed, RunState::Error])
        .cursor("c2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(421), "{error}");
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn bodies_match_by_value() {
    let mock = MockServer::start().await;
    let request: types::RunAgentRequest = types::RunAgentRequest::builder()
        .prompt("Fix the flaky test")
        .try_into()
        .unwrap();
    let created = json!({"run_id": "r9", "task_id": "r9", "state": "QUEUED"});
    let created: types::RunAgentResponse = serde_json::from_value(created).unwrap();
    mock.create_run(|when, then| {
        when.body(request.clone());
        then.ok(&created)
    })
    .await;
    let client = mock.client();
    let answer = client
        .create_run()
        .body(request.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.run_id, "r9");
    let other = types::RunAgentRequest::builder().prompt("Something else");
    let error = client.create_run().body(other).send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(421), "{error}");

    // What was sent, for assertions the matchers do not make.
    let sent = mock.received_requests().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].headers["authorization"], "Bearer mock-key");
}

#[tokio::test]
async fn a_mock_without_a_response_says_so() {
    let mock = MockServer::start().await;
    mock.cancel_run(|when, _then| when.run_id("r1")).await;
    let error = mock
        .client()
        .cancel_run()
        .run_id("r1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(421), "{error}");
    assert!(error.to_string().contains("has no response"), "{error}");
}

/// A page of one failed run.
fn page() -> types::ListRunsResponse {
    let page = json!({"runs": [run("r1", "FAILED")], "page_info": {"has_next_page": false}});
    serde_json::from_value(page).unwrap()
}

#[tokio::test]
async fn matchers_take_exactly_what_the_setters_take() {
    use oz_api::chrono::{TimeZone, Utc};
    let mock = MockServer::start().await;
    let client = mock.client();
    let since = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    // Query: an array, a plain date, an integer for a `NonZeroU64`, a `&str`,
    // an enum, and `None` (absent); each as the client's setter takes it.
    let listed = mock
        .list_runs(|when, then| {
            when.state([RunState::Failed, RunState::Error])
                .created_after(since)
                .limit(10)
                .cursor("c1")
                .sort_by(types::ListRunsSortBy::CreatedAt)
                .ancestor_run_id(None);
            then.ok(&page())
        })
        .await;
    client
        .list_runs()
        .state([RunState::Failed, RunState::Error])
        .created_after(since)
        .limit(10)
        .cursor("c1")
        .sort_by(types::ListRunsSortBy::CreatedAt)
        .ancestor_run_id(None)
        .send()
        .await
        .unwrap();
    // A `Vec` and `Some(date)` are taken too, as by the client.
    let vec_and_some = mock
        .list_runs(|when, then| {
            when.state(vec![RunState::Cancelled])
                .created_after(Some(since));
            then.ok(&page())
        })
        .await;
    client
        .list_runs()
        .state(vec![RunState::Cancelled])
        .created_after(Some(since))
        .send()
        .await
        .unwrap();
    // Path: a `&str` and a `String`.
    let by_str = mock
        .get_run(|when, then| {
            when.run_id("r1");
            then.ok(&run("r1", "QUEUED"))
        })
        .await;
    let by_string = mock
        .get_run(|when, then| {
            when.run_id(String::from("r2"));
            then.ok(&run("r2", "QUEUED"))
        })
        .await;
    client.get_run().run_id("r1").send().await.unwrap();
    client
        .get_run()
        .run_id(String::from("r2"))
        .send()
        .await
        .unwrap();
    // Body: the type's builder, checked as the client checks it.
    let created = json!({"run_id": "r9", "task_id": "r9", "state": "QUEUED"});
    let created: types::RunAgentResponse = serde_json::from_value(created).unwrap();
    let body = || types::RunAgentRequest::builder().prompt("Fix the flaky test");
    let posted = mock
        .create_run(|when, then| {
            when.body(body());
            then.ok(&created)
        })
        .await;
    client.create_run().body(body()).send().await.unwrap();
    let counts = [&listed, &vec_and_some, &by_str, &by_string, &posted].map(|c| c.count());
    assert_eq!(counts, [1; 5]);
}

#[tokio::test]
async fn a_value_the_setter_refuses_makes_the_mock_match_nothing_and_says_why() {
    let mock = MockServer::start().await;
    let calls = mock
        .list_runs(|when, then| {
            when.limit(0);
            then.ok(&page())
        })
        .await;
    let error = mock.client().list_runs().send().await.unwrap_err();
    assert_eq!(calls.count(), 0);
    assert!(
        error.to_string().contains("limit: must be from 1 to"),
        "{error}"
    );
}

#[tokio::test]
async fn a_mocked_problem_reads_like_the_apis() {
    let mock = MockServer::start().await;
    mock.get_run(|when, then| {
        when.run_id("r1");
        then.not_found(&problem(404, "resource_not_found", "Run r1 not found"))
    })
    .await;
    let error = mock
        .client()
        .get_run()
        .run_id("r1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "GET /agent/runs/r1: 404 Not Found: resource_not_found: Resource not found: \
         Run r1 not found (trace 0af7651916cd43dd8448eb211c80319c)"
    );
    assert_eq!(error.to_string().matches("resource_not_found").count(), 1);
    assert_eq!(
        error.error_code(),
        Some(types::PlatformErrorCode::ResourceNotFound)
    );
    assert!(error.trace_id().is_some());
}

/// An unmatched request is sent once (a GET too: not retried), and its error
/// names the mock of its operation and what of it the request missed.
#[tokio::test]
async fn an_unmatched_request_is_sent_once_and_names_the_closest_mock() {
    let mock = MockServer::start().await;
    mock.get_run(|when, then| {
        when.run_id("r1");
        then.ok(&run("r1", "QUEUED"))
    })
    .await;
    mock.list_runs(|when, then| {
        when.state([RunState::Failed]).cursor(None);
        then.ok(&page())
    })
    .await;
    let client = mock.client();

    let error = client.get_run().run_id("r2").send().await.unwrap_err();
    assert_eq!(mock.received_requests().await.len(), 1, "not retried");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(421), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "GET /agent/runs/r2: 421 Misdirected Request: no_mock_matches: No mock matches the request: \
         closest: the mock of `get_run` (GET /agent/runs/{…}) expects `run_id` \"r1\" \
         (the request: \"r2\") (trace 0af7651916cd43dd8448eb211c80319c)"
    );

    let error = client
        .list_runs()
        .state([RunState::Error])
        .cursor("c2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(mock.received_requests().await.len(), 2, "not retried");
    let text = error.to_string();
    assert!(
        text.contains(
            "the mock of `list_runs` (GET /agent/runs) expects query `state` \"FAILED\" \
             (the request: \"ERROR\"), query `cursor` absent (the request: \"c2\")"
        ),
        "{text}"
    );

    // An operation nothing mocks: the nearest mocks, by path.
    let error = client.list_agents().send().await.unwrap_err();
    assert_eq!(mock.received_requests().await.len(), 3, "not retried");
    assert!(
        error.to_string().contains(
            "no mock of this operation; nearest: `list_runs` (GET /agent/runs), \
                 `get_run` (GET /agent/runs/{…})"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_unmatched_body_names_the_members_that_differ() {
    let mock = MockServer::start().await;
    mock.create_run(|when, then| {
        when.body(types::RunAgentRequest::builder().prompt("Fix it"));
        then.empty(200)
    })
    .await;
    let error = mock
        .client()
        .create_run()
        .body(types::RunAgentRequest::builder().prompt("Break it"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(mock.received_requests().await.len(), 1);
    assert!(
        error
            .to_string()
            .contains("expects the JSON body as mocked (the request's members `prompt` differ)"),
        "{error}"
    );
}

/// Header matching, as the generated header matchers use it (the published
/// spec has no header parameter; entry 69's matchers are compiled by the
/// evolution test): a header written as the client writes it matches, and a
/// miss names the header.
#[tokio::test]
async fn a_header_matcher_matches_the_value_and_names_it_on_a_miss() {
    use oz_api::mock::{Then, When};
    let mock = MockServer::start().await;
    let when = When::new("PUT", "^/agent/runs/[^/]*/labels$")
        .header_param("Idempotency-Key", Ok(Some("k1")))
        .header_param("X-Trace-Hint", Ok(None::<String>));
    let calls = mock
        .mount("set_run_labels", when, Then::default().json(200, json!([])))
        .await;
    let http = oz_api::http_client_builder().build().unwrap();
    let put = |key: &'static str| {
        http.put(format!("{}/agent/runs/r1/labels", mock.uri()))
            .header("idempotency-key", key)
    };
    assert_eq!(put("k1").send().await.unwrap().status(), 200);
    let missed = put("k2").send().await.unwrap();
    assert_eq!(missed.status(), 421);
    let body: serde_json::Value = missed.json().await.unwrap();
    assert_eq!(body["retryable"], json!(false));
    assert!(
        body["detail"].as_str().unwrap().contains(
            "the mock of `set_run_labels` (PUT /agent/runs/{…}/labels) expects \
             header `idempotency-key` \"k1\" (the request: \"k2\")"
        ),
        "{body}"
    );
    let traced = put("k1").header("x-trace-hint", "t").send().await.unwrap();
    assert_eq!(traced.status(), 421);
    assert_eq!(calls.count(), 1);
}
