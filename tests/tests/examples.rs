//! The tasks in `oz-api/examples/`, as a new user writes them, driven against
//! a scripted server: each example's `run` is the code under test.

use std::sync::{Arc, Mutex};

use oz_api::Client;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[allow(dead_code)] // each example's `main`
#[path = "../../oz-api/examples/start_run.rs"]
mod start_run;

#[allow(dead_code)]
#[path = "../../oz-api/examples/failed_runs.rs"]
mod failed_runs;

#[allow(dead_code)]
#[path = "../../oz-api/examples/wait_for_artifacts.rs"]
mod wait_for_artifacts;

#[allow(dead_code)]
#[path = "../../oz-api/examples/reschedule.rs"]
mod reschedule;

// Its own unit tests (a downstream crate's, written with the mocks) run here.
#[allow(dead_code)]
#[path = "../../oz-api/examples/testing_with_mocks.rs"]
mod testing_with_mocks;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("example-key")
        .base_url(server.uri())
        .max_retries(0)
        .build()
        .unwrap()
}

fn run_json(id: &str, state: &str) -> Value {
    json!({
        "run_id": id, "task_id": id, "title": "login test", "state": state, "prompt": "p",
        "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:05:00Z",
        "artifacts": [
            {"artifact_type": "PULL_REQUEST", "created_at": "2026-11-01T10:04:00Z",
             "data": {"url": "https://github.com/o/r/pull/1", "branch": "fix-login"}},
            {"artifact_type": "EXTERNAL_REFERENCE", "created_at": "2026-11-01T10:04:00Z",
             "data": {"url": "https://linear.app/o/issue/OZ-1"}}
        ]
    })
}

#[tokio::test]
async fn start_a_run_with_a_config_and_an_attachment() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/agent/runs"))
        .and(body_partial_json(json!({
            "title": "login test",
            "config": {"model_id": "auto", "idle_timeout_minutes": 30},
            "attachments": [{"file_name": "shot.png", "mime_type": "image/png"}]
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"run_id": "r1", "task_id": "r1", "state": "QUEUED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let screenshot =
        oz_api::types::AttachmentInput::from_bytes("shot.png", b"\x89PNG\r\n\x1a\n..").unwrap();
    let id = start_run::run(&client(&server), screenshot).await.unwrap();
    assert_eq!(id, "r1");
}

#[tokio::test]
async fn list_the_days_failed_runs_across_pages() {
    let server = MockServer::start().await;
    Mock::given(path("/agent/runs"))
        .and(query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "runs": [run_json("r3", "ERROR")], "page_info": {"has_next_page": false}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/agent/runs"))
        .and(query_param("state", "FAILED"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "runs": [run_json("r1", "FAILED"), run_json("r2", "FAILED")],
            "page_info": {"has_next_page": true, "next_cursor": "c2"}
        })))
        .mount(&server)
        .await;
    let runs = failed_runs::run(&client(&server)).await.unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2", "r3"]);
    let first = &server.received_requests().await.unwrap()[0];
    let query = first.url.query().unwrap_or_default().to_string();
    assert!(
        query.contains("state=ERROR") && query.contains("created_after="),
        "{query}"
    );
}

/// Answers the run in the given states, one per poll, then the last forever.
struct Polls(Mutex<Vec<&'static str>>);

impl Respond for Polls {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut states = self.0.lock().unwrap();
        let state = if states.len() > 1 {
            states.remove(0)
        } else {
            states[0]
        };
        ResponseTemplate::new(200).set_body_json(run_json("r1", state))
    }
}

#[tokio::test]
async fn wait_for_a_run_that_needs_a_person_and_print_its_artifacts() {
    // Real time: the example polls at 2 s, then 3 s (about 5 s in all).
    let server = MockServer::start().await;
    Mock::given(path("/agent/runs/r1"))
        .respond_with(Polls(Mutex::new(vec!["QUEUED", "INPROGRESS", "BLOCKED"])))
        .mount(&server)
        .await;
    let (run, lines) = wait_for_artifacts::run(&client(&server), "r1")
        .await
        .unwrap();
    assert_eq!(
        run.state,
        oz_api::types::RunState::Blocked,
        "a blocked run ends the wait"
    );
    assert_eq!(lines[0], "pull request https://github.com/o/r/pull/1");
    assert_eq!(
        lines[1], "artifact EXTERNAL_REFERENCE",
        "a newer artifact type is kept"
    );
}

#[tokio::test]
async fn reschedule_keeps_every_setting_and_reports_errors_in_one_line() {
    let server = MockServer::start().await;
    let stored = Arc::new(Mutex::new(json!({
        "id": "s1", "name": "nightly", "cron_schedule": "0 9 * * *", "enabled": true,
        "prompt": "Triage", "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z",
        "runner_id": "runner-7"
    })));
    struct Store(Arc<Mutex<Value>>);
    impl Respond for Store {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let mut stored = self.0.lock().unwrap();
            if request.method.as_str() == "PUT" {
                let mut body: Value = serde_json::from_slice(&request.body).unwrap();
                body["id"] = stored["id"].clone();
                body["created_at"] = stored["created_at"].clone();
                body["updated_at"] = json!("2026-11-02T10:00:00Z");
                *stored = body;
            }
            ResponseTemplate::new(200).set_body_json(stored.clone())
        }
    }
    Mock::given(path("/agent/schedules/s1"))
        .respond_with(Store(stored.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/agent/schedules/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "type": "https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/resource_not_found",
            "title": "Not found", "detail": "Schedule gone was not found"
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let schedule = reschedule::run(&client, "s1", "0 10 * * *").await.unwrap();
    assert_eq!(schedule.cron_schedule, "0 10 * * *");
    assert_eq!(
        stored.lock().unwrap()["runner_id"],
        "runner-7",
        "an unknown setting survives"
    );
    let e = reschedule::run(&client, "gone", "0 10 * * *")
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /agent/schedules/gone: 404 Not Found: resource_not_found: Not found: Schedule gone was not found"
    );
}
