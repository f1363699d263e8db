//! Nothing a newer API sends is lost: members the client does not know are
//! kept in each type's `extra` map, written back when serialized, and carried
//! through a read-modify-write against a server that stores what it receives.

use std::sync::{Arc, Mutex};

use oz_api::Client;
use oz_api::types::{ScheduledAgentItem, UpdateScheduledAgentRequest};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A schedule as a newer server sends it: a top-level member (`runner_id`),
/// a member the update request knows but the read type does not (`mode`),
/// and an unknown member nested in a known object (`agent_config.sandbox`).
fn stored_schedule() -> Value {
    json!({
        "id": "sched-1", "name": "nightly", "cron_schedule": "0 9 * * *", "enabled": true,
        "prompt": "Triage new issues", "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z",
        "agent_config": {"model_id": "auto", "sandbox": {"network": "restricted"}},
        "runner_id": "runner-7", "mode": "plan"
    })
}

/// `GET /agent/schedules/sched-1` answers the stored schedule; `PUT` replaces
/// every member but the server's own (`id`, `created_at`) with the body.
struct ScheduleStore(Arc<Mutex<Value>>);

impl Respond for ScheduleStore {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut stored = self.0.lock().unwrap();
        if request.method.as_str() == "PUT" {
            let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
                return ResponseTemplate::new(400);
            };
            let mut next = body;
            for own in ["id", "created_at"] {
                next.insert(own.into(), stored[own].clone());
            }
            next.insert("updated_at".into(), json!("2026-11-02T10:00:00Z"));
            *stored = Value::Object(next);
        }
        ResponseTemplate::new(200).set_body_json(stored.clone())
    }
}

#[tokio::test]
async fn read_modify_write_keeps_what_the_client_does_not_know() {
    let server = MockServer::start().await;
    let store = Arc::new(Mutex::new(stored_schedule()));
    Mock::given(path("/agent/schedules/sched-1"))
        .respond_with(ScheduleStore(store.clone()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();

    let schedule = client
        .get_scheduled_agent()
        .schedule_id("sched-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(schedule.extra["runner_id"], "runner-7");
    let nested = &schedule.agent_config.as_ref().unwrap().extra;
    assert_eq!(nested["sandbox"], json!({"network": "restricted"}));

    let mut update = UpdateScheduledAgentRequest::try_from(schedule).unwrap();
    update.cron_schedule = "0 10 * * *".into();
    client
        .update_scheduled_agent()
        .schedule_id("sched-1")
        .body(update)
        .send()
        .await
        .unwrap();

    let mut expected = stored_schedule();
    expected["cron_schedule"] = json!("0 10 * * *");
    expected["updated_at"] = json!("2026-11-02T10:00:00Z");
    assert_eq!(*store.lock().unwrap(), expected);
}

#[test]
fn the_conversion_leaves_out_what_only_the_server_sets() {
    let schedule: ScheduledAgentItem = serde_json::from_value(stored_schedule()).unwrap();
    let update = UpdateScheduledAgentRequest::try_from(schedule).unwrap();
    let sent = serde_json::to_value(&update).unwrap();
    for read_only in ["id", "created_at", "updated_at"] {
        assert!(sent.get(read_only).is_none(), "{read_only} sent: {sent}");
    }
    assert_eq!(sent["runner_id"], "runner-7");
    assert_eq!(sent["mode"], "plan");
}

#[test]
fn unknown_members_round_trip_and_builders_need_none() {
    let body = stored_schedule();
    let schedule: ScheduledAgentItem = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(serde_json::to_value(&schedule).unwrap(), body);

    // `extra` defaults to empty: a builder does not ask for it.
    let request: UpdateScheduledAgentRequest = UpdateScheduledAgentRequest::builder()
        .name("nightly")
        .cron_schedule("0 9 * * *")
        .enabled(true)
        .try_into()
        .unwrap();
    assert!(request.extra.is_empty());
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_operation_type_and_path_and_is_kept() {
    let server = MockServer::start().await;
    let page = json!({
        "runs": [{"run_id": "r1", "task_id": "r1", "title": "t", "state": "QUEUED",
                  "prompt": "p", "created_at": "2026-11-01T10:00:00Z",
                  "updated_at": "2026-11-01T10:00:00Z",
                  "artifacts": [{"artifact_type": "PULL_REQUEST", "created_at": "2026-11-01T10:00:00Z",
                                 "data": {"branch": "fix"}}]}],
        "page_info": {"has_next_page": false}
    });
    Mock::given(path("/agent/runs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page.clone()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = client.list_runs().send().await.unwrap_err();
    let text = e.to_string();
    eprintln!("{text}");
    for part in [
        "list_runs: the response does not decode as ListRunsResponse at `runs[0].artifacts[0]",
        "missing field `url`",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    quoted_in_the_docs(&text);
    match e.kind() {
        oz_api::ErrorKind::Decode { body, .. } => {
            assert_eq!(serde_json::from_slice::<Value>(body).unwrap(), page)
        }
        other => panic!("{other:?}"),
    }
}

/// A newer server sends a member the read type does not know (kept in
/// `extra`) in a shape the update request types otherwise: the conversion
/// fails naming the member, the value and what the update request allows.
#[tokio::test]
async fn a_kept_member_the_update_request_refuses_is_named_with_its_value_and_what_is_allowed() {
    let server = MockServer::start().await;
    let mut stored = stored_schedule();
    stored["mode"] = json!(2);
    Mock::given(path("/agent/schedules/sched-1"))
        .respond_with(ScheduleStore(Arc::new(Mutex::new(stored))))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let schedule = client
        .get_scheduled_agent()
        .schedule_id("sched-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(schedule.extra["mode"], 2);

    let e = UpdateScheduledAgentRequest::try_from(schedule).unwrap_err();
    assert_eq!(
        e.to_string(),
        "UpdateScheduledAgentRequest from ScheduledAgentItem: `mode` is 2: \
         expected AgentRunMode, a string: \"normal\", \"plan\", \"orchestrate\" \
         or a value a newer API added"
    );
    quoted_in_the_docs(&e.to_string());
}

/// An older server (or one behind the spec) omits a member the spec requires:
/// the body does not decode, and the error says where, as the crate docs show.
#[tokio::test]
async fn a_body_an_older_server_sends_without_a_required_member_fails_to_decode_as_documented() {
    let server = MockServer::start().await;
    let mut schedule = stored_schedule();
    schedule.as_object_mut().unwrap().remove("enabled");
    Mock::given(path("/agent/schedules/sched-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(schedule))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = client
        .get_scheduled_agent()
        .schedule_id("sched-1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind(), oz_api::ErrorKind::Decode { .. }),
        "{e:?}"
    );
    let text = e.to_string();
    eprintln!("{text}");
    assert!(text.contains("missing field `enabled`"), "{text}");
    quoted_in_the_docs(&text);
    // And the README, wrapped.
    let readme = include_str!("../../README.md");
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(readme).contains(&words(&text)),
        "README.md does not quote {text:?}"
    );
}

/// The crate docs ("Supported API versions") quote `error` as it is, on a line
/// of its own, so they cannot go stale.
fn quoted_in_the_docs(error: &str) {
    let docs = include_str!("../../oz-api/src/lib.rs");
    assert!(
        docs.lines().any(|l| l.strip_prefix("//! ") == Some(error)),
        "oz-api/src/lib.rs does not quote {error:?}"
    );
}
