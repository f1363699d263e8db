//! What callers pass and servers send stays data (SECURITY.md): a path
//! parameter is one segment whatever its value, a body cannot outgrow the
//! client's limit, the key never crosses a proxy in cleartext, and per-call
//! options keep the client's retry budget.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oz_api::{Client, ErrorKind, RetryBudget, RetryPolicy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "untrusted-input-test-key";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A loopback server that records each request's head and answers `answer`
/// (the whole answer, then the connection is closed).
async fn recording_server(answer: Vec<u8>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (seen, answer) = (seen.clone(), answer.clone());
            tokio::spawn(async move {
                let head = read_head(&mut socket).await;
                seen.lock().unwrap().push(head);
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, heads)
}

/// The request's head (up to the blank line, at most 64 KiB).
async fn read_head(socket: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match socket.read(&mut byte).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&byte[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\n\
content-length: 17\r\nconnection: close\r\n\r\n{\"title\":\"nope\"}\n";

fn client(url: &str, retries: u32) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(format!("{url}/api/v1"))
        .retry_policy(RetryPolicy {
            max_retries: retries,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            max_retry_after: Duration::ZERO,
        })
        .build()
        .unwrap()
}

/// Values a caller's user might pass: anything, and text made of what
/// separates, escapes or resolves path segments.
fn segment_values() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[./\\\\%?#;:@&=+ 2eEaü]{0,8}",
        "(\\.|%2[eE]){0,3}",
        Just("..\\..\\..\\..\\x".to_string()),
        Just("../identities/victim".to_string()),
    ]
}

/// Whether the client must refuse `value`: empty, `.` or `..`, also once
/// percent-decoded (`%2e`), which a URL resolves to another path.
fn dot_segment(value: &str) -> bool {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(value).collect();
    matches!(&decoded[..], b"" | b"." | b"..")
}

/// The request's path as sent (the request line's target).
fn target(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or_default()
}

#[test]
fn a_path_parameter_is_one_segment_whatever_its_value() {
    let rt = runtime();
    let (url, heads) = rt.block_on(recording_server(NOT_FOUND.to_vec()));
    let client = client(&url, 0);
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&segment_values(), |value| {
        heads.lock().unwrap().clear();
        // Two operations: the parameter last (`GET`), and inside the path (`POST`).
        for suffix in ["", "/cancel"] {
            let sent = match suffix {
                "" => rt
                    .block_on(client.get_run().run_id(value.as_str()).send())
                    .map(drop),
                _ => rt
                    .block_on(client.cancel_run().run_id(value.as_str()).send())
                    .map(drop),
            };
            let error = sent.expect_err("the server answers 404");
            let head = heads.lock().unwrap().pop();
            if dot_segment(&value) {
                prop_assert!(
                    matches!(error.kind(), ErrorKind::InvalidRequest(m) if m.contains("run_id")),
                    "{value:?}: {error}"
                );
                prop_assert!(head.is_none(), "{value:?} was sent: {head:?}");
                continue;
            }
            prop_assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{}", error);
            let head = head.expect("a request was sent");
            let path = target(&head);
            let segment = path
                .strip_prefix("/api/v1/agent/runs/")
                .and_then(|rest| rest.strip_suffix(suffix));
            prop_assert!(segment.is_some(), "{:?} reached {}", value, path);
            let segment = segment.unwrap_or_default();
            prop_assert!(
                !segment.contains(['/', '\\', '?', '#']),
                "{:?} left its segment: {}",
                value,
                path
            );
            let decoded: Vec<u8> = percent_encoding::percent_decode_str(segment).collect();
            prop_assert_eq!(decoded, value.as_bytes().to_vec(), "{}", path);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn a_path_parameter_the_client_refuses_names_parameter_and_operation() {
    let rt = runtime();
    let (url, heads) = rt.block_on(recording_server(NOT_FOUND.to_vec()));
    let client = client(&url, 0);
    for value in ["", ".", "..", "%2e%2E", ".%2e"] {
        let error = rt
            .block_on(client.delete_scheduled_agent().schedule_id(value).send())
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::InvalidRequest(_)),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("delete_scheduled_agent") && text.contains("`schedule_id`"),
            "{text}"
        );
    }
    assert!(heads.lock().unwrap().is_empty(), "nothing is sent");
}

#[test]
fn mocks_match_a_path_parameter_as_the_client_encodes_it() {
    let rt = runtime();
    rt.block_on(async {
        let mock = oz_api::mock::MockServer::start().await;
        let client = mock.client();
        let gone: oz_api::types::ApiProblem =
            serde_json::from_value(serde_json::json!({"title": "gone"})).unwrap();
        for value in ["a/b", "a\\b", "100%", "a?b#c", "ünï code", "a;b=c", "..."] {
            let calls = mock
                .delete_scheduled_agent(|when, then| {
                    when.schedule_id(value);
                    then.not_found(&gone)
                })
                .await;
            let sent = client
                .delete_scheduled_agent()
                .schedule_id(value)
                .send()
                .await;
            let error = sent.unwrap_err();
            assert_eq!(
                error.status().map(|s| s.as_u16()),
                Some(404),
                "{value:?}: {error}"
            );
            assert_eq!(calls.count(), 1, "{value:?}");
        }
    });
}

/// A 200 whose body never ends (chunked, 64 KiB a chunk, forever).
async fn endless_server(status: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                read_head(&mut socket).await;
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                     transfer-encoding: chunked\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
                while socket.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    url
}

/// An answer that declares a body far larger than any limit, then stalls.
fn huge_declared(status: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
         content-length: 10000000000\r\n\r\n{{\"run_id\":"
    )
    .into_bytes()
}

fn too_large(error: &oz_api::Error, limit: u64) -> bool {
    matches!(error.kind(), ErrorKind::BodyTooLarge { limit: l } if *l == limit)
        && error
            .to_string()
            .contains(&format!("limit of {limit} bytes"))
}

#[test]
fn bodies_past_the_limit_fail_the_call_saying_which_limit() {
    let rt = runtime();
    rt.block_on(async {
        let limit = 1024 * 1024;
        // Endless successes and error bodies, on a GET (an error body is read
        // once more to find `retryable`, and retried) and a POST.
        for status in ["200 OK", "404 Not Found", "500 Internal Server Error"] {
            let url = endless_server(status).await;
            let client = Client::builder()
                .api_key(KEY)
                .base_url(&url)
                .max_body_bytes(limit)
                .max_retries(1)
                .build()
                .unwrap();
            let error = client.get_run().run_id("r1").send().await.unwrap_err();
            assert!(too_large(&error, limit), "{status}: {error}");
            assert_eq!(error.status().map(|s| s.to_string()), Some(status.into()));
            let error = client.cancel_run().run_id("r1").send().await.unwrap_err();
            assert!(too_large(&error, limit), "{status}: {error}");
            let download = format!("{url}/signed/transcript").parse().unwrap();
            if status == "200 OK" {
                let error = client.download(download).await.unwrap_err();
                assert!(too_large(&error, limit), "download: {error}");
            }
        }
        // A declared length past the limit fails before the body is read.
        for status in ["200 OK", "409 Conflict"] {
            let (url, _) = recording_server(huge_declared(status)).await;
            let client = Client::builder()
                .api_key(KEY)
                .base_url(&url)
                .max_retries(0)
                .build()
                .unwrap();
            let sent = tokio::time::timeout(
                Duration::from_secs(20),
                client.cancel_run().run_id("r1").send(),
            );
            let error = sent.await.expect("refused at once").unwrap_err();
            assert!(
                too_large(&error, oz_api::DEFAULT_MAX_BODY_BYTES),
                "{status}: {error}"
            );
        }
    });
}

#[test]
fn the_body_limit_is_set_per_client_and_per_call() {
    let rt = runtime();
    rt.block_on(async {
        let run = serde_json::json!({
            "run_id": "r1", "task_id": "r1", "title": "t", "prompt": "x".repeat(2000),
            "state": "QUEUED", "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:00:00Z",
        })
        .to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{run}",
            run.len()
        );
        let (url, _) = recording_server(answer.into_bytes()).await;
        let client = client(&url, 0);
        client.get_run().run_id("r1").send().await.unwrap();
        let small = client.with_options(|o| o.max_body_bytes(1000));
        let error = small.get_run().run_id("r1").send().await.unwrap_err();
        assert!(too_large(&error, 1000), "{error}");
        assert_eq!(error.path(), "/agent/runs/r1");
        // The client itself is unchanged.
        client.get_run().run_id("r1").send().await.unwrap();
        let strict = Client::builder()
            .api_key(KEY)
            .base_url(&url)
            .max_body_bytes(2000)
            .build()
            .unwrap();
        let error = strict.get_run().run_id("r1").send().await.unwrap_err();
        assert!(too_large(&error, 2000), "{error}");
    });
}

#[test]
fn per_call_retries_spend_from_the_clients_budget() {
    let rt = runtime();
    rt.block_on(async {
        let unavailable = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 2\r\nconnection: close\r\n\r\n{}";
        let (url, heads) = recording_server(unavailable.to_vec()).await;
        // No retries of its own, and a reserve of 2 retries.
        let client = Client::builder()
            .api_key(KEY)
            .base_url(&url)
            .max_retries(0)
            .retry_budget(RetryBudget {
                ttl: Duration::from_secs(2),
                min_retries_per_sec: 1,
                retry_ratio: 0.0,
            })
            .build()
            .unwrap();
        let retrying = client.with_options(|o| o.max_retries(2));
        for _ in 0..10 {
            let error = retrying.get_run().run_id("r1").send().await.unwrap_err();
            assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error}");
        }
        let requests = heads.lock().unwrap().len();
        assert_eq!(requests, 12, "10 calls, 2 retries from the reserve");
    });
}

/// The proxy tests run the client in a child process (this test binary, one
/// ignored test), as proxies come from the environment, which a test
/// cannot change for its own process. The child reads its instructions from
/// `OZ_PROXY_CHILD_BASE_URL`; run by itself it does nothing.
#[test]
#[ignore = "run by the proxy tests, in a child process"]
fn proxy_child() {
    let Ok(base_url) = std::env::var("OZ_PROXY_CHILD_BASE_URL") else {
        return;
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .max_retries(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let sent = runtime().block_on(client.get_run().run_id("r1").send());
    println!(
        "child result: {:?}",
        sent.map(drop).map_err(|e| e.to_string())
    );
}

/// A "proxy" on loopback that records what reaches it and answers 502.
fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (seen, connections) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(AtomicUsize::new(0)),
    );
    let (heads, count) = (seen.clone(), connections.clone());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = vec![0u8; 64 * 1024];
            let n = socket.read(&mut head).unwrap_or(0);
            heads
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head[..n]).into_owned());
            let _ = socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, seen, connections)
}

fn run_child(base_url: &str, proxy: &str) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "proxy_child", "--ignored", "--nocapture"])
        .env("OZ_PROXY_CHILD_BASE_URL", base_url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HTTP_PROXY", proxy)
        .env("http_proxy", proxy)
        .env("HTTPS_PROXY", proxy)
        .env("https_proxy", proxy)
        .env("ALL_PROXY", proxy)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("child result:"), "{stdout}");
    stdout
}

#[test]
fn over_plain_http_the_key_never_goes_to_a_proxy() {
    let (proxy, proxy_heads, connections) = recording_proxy();
    let rt = runtime();
    let (url, heads) = rt.block_on(recording_server(NOT_FOUND.to_vec()));
    let stdout = run_child(&url, &proxy);
    assert!(stdout.contains("404"), "{stdout}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "{:?}",
        proxy_heads.lock().unwrap()
    );
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 1, "straight to the server");
    assert!(heads[0].contains(KEY));
}

#[test]
fn over_https_a_proxy_gets_a_tunnel_and_never_the_key() {
    let (proxy, proxy_heads, _) = recording_proxy();
    // Never resolved: the proxy is asked to connect, and refuses (502).
    let stdout = run_child("https://oz-api-test.invalid/api/v1", &proxy);
    assert!(stdout.contains("Err("), "{stdout}");
    let heads = proxy_heads.lock().unwrap();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("CONNECT oz-api-test.invalid:443 "),
        "{heads:?}"
    );
    assert!(!heads[0].contains(KEY), "{heads:?}");
}

#[test]
fn a_servers_text_cannot_add_lines_to_the_error() {
    let rt = runtime();
    let problem = serde_json::json!({
        "type": "https://docs.warp.dev/errors/x\ny",
        "title": "Not found\r\nINFO forged log line",
        "detail": "gone\u{1b}[2K\u{1b}[1Gcleared",
        "trace_id": "t\n1",
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{problem}",
        problem.len()
    );
    let (url, _) = rt.block_on(recording_server(answer.into_bytes()));
    let error = rt
        .block_on(client(&url, 0).get_run().run_id("r\n1").send())
        .unwrap_err();
    // The path as sent (the error body was read to look for `retryable`, and
    // the response rebuilt around it keeps its URL).
    assert_eq!(error.path(), "/agent/runs/r%0A1");
    let text = error.to_string();
    assert!(!text.contains(|c: char| c.is_control()), "{text:?}");
    assert!(
        text.contains("Not found\\r\\nINFO forged log line")
            && text.contains("gone\\u{1b}[2K")
            && text.contains("(trace t\\n1)"),
        "{text}"
    );
}
