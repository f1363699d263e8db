//! Client overhead: the same request through `oz-api` (retries on, nothing
//! failing) and through raw `reqwest` + `serde_json::from_slice` into the same
//! generated type, against one in-process loopback server returning canned
//! bytes. Requests alternate between the two so drift affects both alike. The
//! raw client is built like oz-api's own (same builder, same 60 s timeout).
//! Run by `cargo xtask bench`; `-- --quick` for a smoke run.

use std::time::{Duration, Instant};

use oz_api::{Client, types};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn run_json(i: usize) -> Value {
    json!({
        "run_id": format!("run-{i:05}"), "task_id": format!("run-{i:05}"), "title": "Fix the flaky auth test",
        "state": "SUCCEEDED", "prompt": "Fix the flaky test in auth_test.go and open a pull request",
        "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:05:00Z",
        "started_at": "2026-11-01T10:00:05Z", "source": "API", "run_time": "PT5M",
        "session_link": "https://app.warp.dev/session/abc", "conversation_id": "conv-1",
        "creator": {"type": "user", "uid": "u1", "display_name": "Ada", "email": "ada@example.com"},
        "request_usage": {"inference_cost": 1.5, "compute_cost": 0.25, "platform_cost": 0.1},
        "artifacts": [{"artifact_type": "PULL_REQUEST", "created_at": "2026-11-01T10:04:00Z",
                        "data": {"url": "https://github.com/o/r/pull/1", "branch": "fix-auth"}}]
    })
}

fn http_response(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Keep-alive HTTP/1.1 server: `/agent/runs/<id>` gets one run, `/agent/runs?..` the page.
async fn serve(one: Vec<u8>, page: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (one, page) = (one.clone(), page.clone());
            tokio::spawn(async move {
                let mut buffer = Vec::with_capacity(4096);
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                        buffer.drain(..end + 4);
                        let answer = if head.starts_with("GET /agent/runs?")
                            || head.starts_with("GET /agent/runs ")
                        {
                            &page
                        } else {
                            &one
                        };
                        if socket.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    url
}

struct Case {
    name: &'static str,
    iterations: usize,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let one = serde_json::to_vec(&run_json(1)).unwrap();
        let page = serde_json::to_vec(&json!({
            "runs": (0..500).map(run_json).collect::<Vec<_>>(),
            "page_info": {"has_next_page": false}
        }))
        .unwrap();
        let url = serve(http_response(&one), http_response(&page)).await;
        let oz = Client::builder().api_key("bench-key").base_url(&url).build().unwrap();
        // The raw client is configured as oz-api's own (same builder, same 60 s
        // timeout): what is measured is the generated and hand-written layers.
        let raw = oz_api::http_client_builder().timeout(Duration::from_secs(60)).build().unwrap();
        let rounds = if quick { 3 } else { 11 };
        println!("## client overhead: oz-api vs raw reqwest + serde_json (median request of many, interleaved)\n");
        println!("| request | body | raw reqwest | oz-api | overhead |\n|---|---:|---:|---:|---:|");
        for case in [
            Case { name: "getRun", iterations: if quick { 200 } else { 2000 } },
            Case { name: "listRuns (500 runs)", iterations: if quick { 10 } else { 100 } },
        ] {
            let is_page = case.name.starts_with("listRuns");
            let bytes = if is_page { page.len() } else { one.len() };
            let raw_once = || async {
                let address = if is_page { format!("{url}/agent/runs?limit=500") } else { format!("{url}/agent/runs/run-1") };
                let body = raw.get(address).bearer_auth("bench-key").send().await.unwrap().bytes().await.unwrap();
                if is_page {
                    std::hint::black_box(serde_json::from_slice::<types::ListRunsResponse>(&body).unwrap().runs.len());
                } else {
                    std::hint::black_box(serde_json::from_slice::<types::RunItem>(&body).unwrap().run_id.len());
                }
            };
            let oz_once = || async {
                if is_page {
                    let limit = std::num::NonZeroU64::new(500).unwrap();
                    std::hint::black_box(oz.list_runs().limit(limit).send().await.unwrap().runs.len());
                } else {
                    std::hint::black_box(oz.get_run().run_id("run-1").send().await.unwrap().run_id.len());
                }
            };
            for _ in 0..case.iterations / 10 + 1 {
                raw_once().await;
                oz_once().await;
            }
            // Requests alternate one by one (which goes first alternates too), and
            // each is timed alone: slow drift of a shared VM hits both alike, and
            // the median ignores the odd stall.
            let (mut raw_times, mut oz_times) = (Vec::new(), Vec::new());
            for i in 0..case.iterations * rounds {
                for raw_turn in [i % 2 == 0, i % 2 != 0] {
                    let started = Instant::now();
                    if raw_turn { raw_once().await } else { oz_once().await }
                    let took = started.elapsed();
                    if raw_turn { raw_times.push(took) } else { oz_times.push(took) }
                }
            }
            let (raw_time, oz_time) = (median(raw_times), median(oz_times));
            println!(
                "| {} | {} KiB | {} | {} | {:+.1} % |",
                case.name,
                bytes / 1024,
                micros(raw_time),
                micros(oz_time),
                100.0 * (oz_time.as_secs_f64() / raw_time.as_secs_f64() - 1.0)
            );
        }
        println!();
    });
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}
