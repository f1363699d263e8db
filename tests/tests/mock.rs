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
    assert_eq!(
        codegen::mock::operations_without_mock(&generated.code),
        Vec::<String>::new(),
        "operations without a mock in oz_api::mock"
    );
    assert!(
        generated.warnings.iter().all(|w| !w.contains("mock")),
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
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error}");
    let error = client
        .list_runs()
        .state(vec![RunState::Failed, RunState::Error])
        .cursor("c2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error}");
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
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error}");

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
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error}");
    assert!(error.to_string().contains("has no response"), "{error}");
}
