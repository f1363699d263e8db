//! Every operation through `oz-api` against Stoplight Prism, a third-party mock
//! server that validates each request against spec/oz-api.yaml and answers with
//! schema-valid bodies. `scripts/test` installs Prism (tests/prism, pinned);
//! these tests fail, not skip, when it is missing.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oz_api::{ApiError, Client, ResponseValue, types};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use tests::root;

/// A Prism process on a free loopback port, killed on drop.
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start() -> Prism {
        let binary = root().join("tests/prism/node_modules/.bin/prism");
        assert!(
            binary.exists(),
            "Prism is not installed at {}: run `scripts/test` (it runs `npm ci` in tests/prism)",
            binary.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&binary)
            .args([
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-d",
                "--seed",
                "42",
            ])
            .arg("--json-schema-faker-fillProperties=false")
            .arg(root().join("spec/oz-api.yaml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prism");
        let prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        // Ready when it answers HTTP (it accepts connections a little earlier).
        while !answers_http(port) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Prism did not start within 60 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        prism
    }

    fn client(&self) -> Client {
        self.client_with(HeaderMap::new())
    }

    /// A client whose requests carry `headers` (e.g. `Prefer: code=404`).
    fn client_with(&self, headers: HeaderMap) -> Client {
        Client::builder()
            .api_key("prism-test-key")
            .base_url(&self.url)
            .configure_http(|http| {
                http.redirect(reqwest::redirect::Policy::none())
                    .default_headers(headers)
            })
            .max_retries(0)
            .build()
            .unwrap()
    }
}

fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /agent/models HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n";
    let mut answer = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && answer.starts_with(b"HTTP/1.1")
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prism's complaints about the request (it also flags its own generated
/// responses, e.g. `format: duration`, which are not ours to fix).
fn request_violations(headers: &HeaderMap) -> Vec<Value> {
    let Some(header) = headers.get("sl-violations") else {
        return Vec::new();
    };
    let all: Vec<Value> = serde_json::from_slice(header.as_bytes()).expect("sl-violations is JSON");
    all.into_iter()
        .filter(|v| v["location"][0] != "response")
        .collect()
}

fn ok<T>(
    operation: &str,
    result: Result<ResponseValue<T>, ApiError>,
    passed: &mut Vec<String>,
) -> T {
    let value = result.unwrap_or_else(|e| panic!("{operation}: {e:?}"));
    let violations = request_violations(value.headers());
    assert!(
        violations.is_empty(),
        "{operation}: Prism rejected the request: {violations:?}"
    );
    passed.push(operation.to_string());
    value.into_inner()
}

#[tokio::test]
async fn every_operation_passes_prism_validation_and_decodes() {
    let prism = Prism::start();
    let client = prism.client();
    let mut passed = Vec::new();
    let p = &mut passed;

    let runs = ok(
        "listRuns",
        client
            .list_runs()
            .limit(std::num::NonZeroU64::new(5).unwrap())
            .state(vec![types::RunState::Failed, types::RunState::Error])
            .send()
            .await,
        p,
    );
    let run_id = runs
        .runs
        .first()
        .map(|r| r.run_id.clone())
        .unwrap_or_else(|| "run-1".into());
    ok("getRun", client.get_run().run_id(&run_id).send().await, p);
    ok(
        "getRunTimeline",
        client.get_run_timeline().run_id(&run_id).send().await,
        p,
    );
    ok(
        "getRunConversation",
        client.get_run_conversation().run_id(&run_id).send().await,
        p,
    );
    ok(
        "cancelRun",
        client.cancel_run().run_id(&run_id).send().await,
        p,
    );
    ok(
        "submitRunFollowup",
        client
            .submit_run_followup()
            .run_id(&run_id)
            .body(types::RunFollowupRequest::builder().message(Some("and add a test".to_string())))
            .send()
            .await,
        p,
    );
    ok(
        "getConversation",
        client
            .get_conversation()
            .conversation_id("conv-1")
            .send()
            .await,
        p,
    );
    ok(
        "createRun",
        client
            .create_run()
            .body(types::RunAgentRequest::builder().prompt(Some("Fix the bug".into())))
            .send()
            .await,
        p,
    );
    #[allow(deprecated)]
    let legacy = client
        .run_agent()
        .body(types::RunAgentRequest::builder().prompt(Some("Fix the bug".into())))
        .send()
        .await;
    ok("runAgent", legacy, p);
    ok(
        "listAgents",
        client
            .list_agents()
            .refresh(true)
            .sort_by(types::ListAgentsSortBy::LastRun)
            .send()
            .await,
        p,
    );
    ok(
        "listConnectedSelfHostedWorkers",
        client.list_connected_self_hosted_workers().send().await,
        p,
    );
    ok(
        "listEnvironments",
        client.list_environments().send().await,
        p,
    );
    ok("listModels", client.list_models().send().await, p);
    ok(
        "getArtifact",
        client
            .get_artifact()
            .artifact_uid("artifact-1")
            .send()
            .await,
        p,
    );
    ok(
        "listScheduledAgents",
        client.list_scheduled_agents().send().await,
        p,
    );
    ok(
        "createScheduledAgent",
        client
            .create_scheduled_agent()
            .body(
                types::CreateScheduledAgentRequest::builder()
                    .name("nightly")
                    .cron_schedule("0 3 * * *"),
            )
            .send()
            .await,
        p,
    );
    ok(
        "getScheduledAgent",
        client.get_scheduled_agent().schedule_id("s-1").send().await,
        p,
    );
    ok(
        "updateScheduledAgent",
        client
            .update_scheduled_agent()
            .schedule_id("s-1")
            .body(
                types::UpdateScheduledAgentRequest::builder()
                    .name("nightly")
                    .cron_schedule("0 4 * * *")
                    .enabled(true),
            )
            .send()
            .await,
        p,
    );
    ok(
        "pauseScheduledAgent",
        client
            .pause_scheduled_agent()
            .schedule_id("s-1")
            .send()
            .await,
        p,
    );
    ok(
        "resumeScheduledAgent",
        client
            .resume_scheduled_agent()
            .schedule_id("s-1")
            .send()
            .await,
        p,
    );
    ok(
        "deleteScheduledAgent",
        client
            .delete_scheduled_agent()
            .schedule_id("s-1")
            .send()
            .await,
        p,
    );
    ok(
        "createAgent",
        client
            .create_agent()
            .body(types::CreateAgentRequest::builder().name("reviewer"))
            .send()
            .await,
        p,
    );
    ok(
        "listAgentIdentities",
        client.list_agent_identities().send().await,
        p,
    );
    ok(
        "getAgent",
        client.get_agent().uid("agent-1").send().await,
        p,
    );
    ok(
        "updateAgent",
        client
            .update_agent()
            .uid("agent-1")
            .body(types::UpdateAgentRequest::builder())
            .send()
            .await,
        p,
    );
    ok(
        "deleteAgent",
        client.delete_agent().uid("agent-1").send().await,
        p,
    );

    // The two redirects: the URL is handed over, never followed (Prism points
    // at a random host elsewhere).
    let transcript = client
        .run_transcript_url(&run_id)
        .await
        .expect("getRunTranscript: a 302 with a Location");
    assert!(
        transcript.host_str().is_some_and(|h| h != "127.0.0.1"),
        "{transcript}"
    );
    passed.push("getRunTranscript".into());
    match client.get_transcript_download().send().await {
        Err(e) if matches!(e.kind(), oz_api::ErrorKind::UnexpectedResponse) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(307));
            assert!(request_violations(e.headers()).is_empty());
            passed.push("getTranscriptDownload".into());
        }
        Err(other) => panic!("getTranscriptDownload: expected the 307, got {other:?}"),
        Ok(value) => panic!(
            "getTranscriptDownload: expected the 307, got {}",
            value.status()
        ),
    }

    let mut ids: Vec<String> = codegen::spec::operations(
        &serde_json::from_str::<Value>(
            &std::fs::read_to_string(root().join(codegen::NORMALIZED)).unwrap(),
        )
        .unwrap(),
    )
    .iter()
    .map(|op| op.value["operationId"].as_str().unwrap().to_string())
    .collect();
    ids.sort();
    passed.sort();
    assert_eq!(passed, ids, "every operation of the spec is exercised");
}

#[tokio::test]
async fn error_statuses_decode_the_problem_body() {
    let prism = Prism::start();
    for (code, call) in [
        (404u16, "getRun"),
        (401, "listRuns"),
        (403, "createRun"),
        (422, "getRunConversation"),
    ] {
        let mut headers = HeaderMap::new();
        headers.insert(
            "prefer",
            HeaderValue::from_str(&format!("code={code}")).unwrap(),
        );
        let client = prism.client_with(headers);
        let error = match call {
            "getRun" => client.get_run().run_id("run-1").send().await.map(drop),
            "listRuns" => client.list_runs().send().await.map(drop),
            "createRun" => client
                .create_run()
                .body(types::RunAgentRequest::builder().prompt(Some("x".into())))
                .send()
                .await
                .map(drop),
            _ => client
                .get_run_conversation()
                .run_id("run-1")
                .send()
                .await
                .map(drop),
        }
        .expect_err(call);
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(code),
            "{call}: {error:?}"
        );
        let problem = error
            .problem()
            .unwrap_or_else(|| panic!("{call}: body not decoded: {error:?}"));
        assert!(
            problem.title.is_some() || problem.type_.is_some(),
            "{call}: {problem:?}"
        );
        assert!(request_violations(error.headers()).is_empty(), "{call}");
        assert_eq!(error.is_not_found(), code == 404);
    }
}

/// The check above can fail: a request Prism finds invalid is reported.
#[tokio::test]
async fn prism_reports_invalid_requests() {
    let prism = Prism::start();
    let response = oz_api::http_client_builder()
        .build()
        .unwrap()
        .get(format!(
            "{}/agent/runs?limit=0&state=NOT_A_STATE",
            prism.url
        ))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    let violations = request_violations(response.headers());
    assert!(!violations.is_empty(), "status {}", response.status());
}
