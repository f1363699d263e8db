//! Client overhead: the same request through `oz-api` (retries on, nothing
//! failing) and through raw `reqwest` + `serde_json::from_slice` into the same
//! generated type, against one in-process loopback server returning canned
//! bytes. Fair by construction:
//! - the raw path uses oz-api's own `reqwest::Client` (same configuration, same
//!   connection pool: two pools measured against each other differ by up to
//!   ±15 % on the large body, from connection and allocator state alone);
//! - the raw path sends byte-identical requests (the server compares the heads);
//! - requests alternate one by one, so drift of the shared VM hits both alike;
//! - a raw-vs-raw column shows the noise floor of the method;
//! - processes differ (memory layout, CPU placement, a busy moment of the VM) by
//!   half a point to a few points of overhead, so three processes measure and the
//!   median is reported, with the range.
//!
//! Run by `cargo xtask bench`; `-- --quick` for a smoke run.

use std::alloc::System;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oz_api::reqwest::header::{HeaderName, HeaderValue};
use oz_api::{Client, ClientInfo, types};
use serde_json::{Value, json};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Counts live bytes and allocations, to measure what a call allocates and
/// what its result holds (the same counting slows both paths alike).
#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Median bytes the result of `call` holds while kept, and median allocations
/// made by one call. The server runs on the same thread; its work per request
/// is the same for both paths.
async fn footprint<T>(mut call: impl AsyncFnMut() -> T) -> (isize, usize) {
    let (mut held, mut allocations) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        let region = Region::new(ALLOCATOR);
        let value = call().await;
        let change = region.change();
        held.push(change.bytes_allocated as isize - change.bytes_deallocated as isize);
        allocations.push(change.allocations + change.reallocations);
        drop(std::hint::black_box(value));
    }
    held.sort();
    allocations.sort();
    (held[10], allocations[10])
}

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

/// Keep-alive HTTP/1.1 server: `/agent/runs/<id>` gets one run, `/agent/runs?..`
/// the page. The last request head it read is kept in `last_head`.
async fn serve(one: Vec<u8>, page: Vec<u8>, last_head: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (one, page, last_head) = (one.clone(), page.clone(), last_head.clone());
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
                        *last_head.lock().unwrap() = head;
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

/// The header lines of a request head, for the raw path to send the same.
fn header_lines(head: &str) -> Vec<(HeaderName, HeaderValue)> {
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
        .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
        .collect()
}

/// Median time of `a` and of `b`, each request timed alone, alternating one by
/// one (and which goes first alternates too); the median ignores the odd stall.
async fn compare(
    iterations: usize,
    mut a: impl AsyncFnMut(),
    mut b: impl AsyncFnMut(),
) -> (Duration, Duration) {
    for _ in 0..iterations / 10 + 1 {
        a().await;
        b().await;
    }
    let (mut a_times, mut b_times) = (Vec::new(), Vec::new());
    for i in 0..iterations {
        for a_turn in [i % 2 == 0, i % 2 != 0] {
            let started = Instant::now();
            if a_turn {
                a().await
            } else {
                b().await
            }
            let took = started.elapsed();
            if a_turn {
                a_times.push(took)
            } else {
                b_times.push(took)
            }
        }
    }
    (median(a_times), median(b_times))
}

/// Set for the processes `main` starts: each measures once and prints one
/// tab-separated line per request (name, body KiB, raw s, oz-api s, noise floor).
const MEASURE: &str = "OZ_BENCH_MEASURE";

/// `OZ_BENCH_PROFILE=oz:2000` (or `raw:2000`): only that many `getRun`s of one
/// path, for `valgrind --tool=callgrind`; two counts apart cancel the set-up.
const PROFILE: &str = "OZ_BENCH_PROFILE";

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    if let Ok(profile) = std::env::var(PROFILE) {
        return self::profile(&profile);
    }
    if std::env::var_os(MEASURE).is_some() {
        return measure(quick);
    }
    // rows[i]: request i as each process measured it.
    let mut rows: Vec<Vec<Row>> = Vec::new();
    for _ in 0..if quick { 1 } else { 3 } {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(std::env::args().skip(1))
            .env(MEASURE, "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (i, line) in String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .enumerate()
        {
            if rows.len() <= i {
                rows.push(Vec::new());
            }
            rows[i].push(Row::parse(line));
        }
    }
    println!(
        "## client overhead: oz-api vs raw reqwest + serde_json (median request, interleaved; median of {} processes)\n",
        rows[0].len()
    );
    println!(
        "| request | body | raw reqwest | oz-api | overhead | range | noise floor (raw vs raw) |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    let rows_for_memory = rows.clone();
    for mut runs in rows {
        runs.sort_by(|a, b| a.overhead().total_cmp(&b.overhead()));
        let (low, high) = (runs[0].overhead(), runs[runs.len() - 1].overhead());
        let Row {
            name,
            kib,
            raw,
            oz,
            floor,
            ..
        } = &runs[runs.len() / 2];
        println!(
            "| {name} | {kib} KiB | {:.1} µs | {:.1} µs | {:+.1} % | {:+.1} … {:+.1} % | {:+.1} % |",
            raw * 1e6,
            oz * 1e6,
            100.0 * (oz / raw - 1.0),
            100.0 * low,
            100.0 * high,
            100.0 * floor,
        );
    }
    println!(
        "\n| request | held after the call: raw | oz-api | allocations per call: raw | oz-api |\n|---|---:|---:|---:|---:|"
    );
    for runs in &rows_for_memory {
        let row = &runs[runs.len() / 2];
        println!(
            "| {} | {:.1} KiB | {:.1} KiB | {} | {} |",
            row.name,
            row.raw_held as f64 / 1024.0,
            row.oz_held as f64 / 1024.0,
            row.raw_allocations,
            row.oz_allocations,
        );
    }
    println!();
}

/// One request as one process measured it: median seconds per request,
/// bytes the result holds, allocations per call.
#[derive(Clone)]
struct Row {
    name: String,
    kib: usize,
    raw: f64,
    oz: f64,
    /// Raw against raw: the method's own error.
    floor: f64,
    raw_held: isize,
    oz_held: isize,
    raw_allocations: usize,
    oz_allocations: usize,
}

impl Row {
    fn parse(line: &str) -> Row {
        let f: Vec<&str> = line.split('\t').collect();
        let number = |k: usize| f[k].parse::<f64>().unwrap();
        Row {
            name: f[0].into(),
            kib: f[1].parse().unwrap(),
            raw: number(2),
            oz: number(3),
            floor: number(4),
            raw_held: f[5].parse().unwrap(),
            oz_held: f[6].parse().unwrap(),
            raw_allocations: f[7].parse().unwrap(),
            oz_allocations: f[8].parse().unwrap(),
        }
    }

    fn overhead(&self) -> f64 {
        self.oz / self.raw - 1.0
    }
}

/// One thread runs the client and the server alike.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The client measured: oz-api's defaults (retries on, 60 s timeout, tracing as built).
fn client(url: &str) -> Client {
    Client::builder()
        .api_key("bench-key")
        .base_url(url)
        .build()
        .unwrap()
}

fn measure(quick: bool) {
    runtime().block_on(async {
        let one = serde_json::to_vec(&run_json(1)).unwrap();
        let page = serde_json::to_vec(&json!({
            "runs": (0..500).map(run_json).collect::<Vec<_>>(),
            "page_info": {"has_next_page": false}
        }))
        .unwrap();
        let last_head = Arc::new(Mutex::new(String::new()));
        let url = serve(http_response(&one), http_response(&page), last_head.clone()).await;
        let oz = client(&url);
        let raw = ClientInfo::client(&oz).clone();
        let scale = if quick { 3 } else { 11 };
        for (name, is_page, iterations) in
            [("getRun", false, 2000), ("listRuns (500 runs)", true, 100)]
        {
            let iterations = iterations * scale / if quick { 10 } else { 1 };
            let path = if is_page {
                "/agent/runs?limit=500"
            } else {
                "/agent/runs/run-1"
            };
            let oz_once = async || {
                if is_page {
                    let limit = std::num::NonZeroU64::new(500).unwrap();
                    std::hint::black_box(
                        oz.list_runs().limit(limit).send().await.unwrap().runs.len(),
                    );
                } else {
                    std::hint::black_box(
                        oz.get_run()
                            .run_id("run-1")
                            .send()
                            .await
                            .unwrap()
                            .run_id
                            .len(),
                    );
                }
            };
            oz_once().await;
            let oz_head = last_head.lock().unwrap().clone();
            let headers = header_lines(&oz_head);
            let raw_once = async || {
                let body = raw_get(&raw, &format!("{url}{path}"), &headers).await;
                if is_page {
                    std::hint::black_box(
                        serde_json::from_slice::<types::ListRunsResponse>(&body)
                            .unwrap()
                            .runs
                            .len(),
                    );
                } else {
                    std::hint::black_box(
                        serde_json::from_slice::<types::RunItem>(&body)
                            .unwrap()
                            .run_id
                            .len(),
                    );
                }
            };
            raw_once().await;
            assert_eq!(
                *last_head.lock().unwrap(),
                oz_head,
                "the raw path must send oz-api's request"
            );
            let (raw_time, oz_time) = compare(iterations, raw_once, oz_once).await;
            let (raw_a, raw_b) = compare(iterations, raw_once, raw_once).await;
            let raw_body = async || raw_get(&raw, &format!("{url}{path}"), &headers).await;
            let ((raw_held, raw_allocations), (oz_held, oz_allocations)) = if is_page {
                let limit = std::num::NonZeroU64::new(500).unwrap();
                (
                    footprint(async || {
                        serde_json::from_slice::<types::ListRunsResponse>(&raw_body().await)
                            .unwrap()
                    })
                    .await,
                    footprint(async || oz.list_runs().limit(limit).send().await.unwrap()).await,
                )
            } else {
                (
                    footprint(async || {
                        serde_json::from_slice::<types::RunItem>(&raw_body().await).unwrap()
                    })
                    .await,
                    footprint(async || oz.get_run().run_id("run-1").send().await.unwrap()).await,
                )
            };
            println!(
                "{name}\t{}\t{}\t{}\t{}\t{raw_held}\t{oz_held}\t{raw_allocations}\t{oz_allocations}",
                if is_page { page.len() } else { one.len() } / 1024,
                raw_time.as_secs_f64(),
                oz_time.as_secs_f64(),
                raw_b.as_secs_f64() / raw_a.as_secs_f64() - 1.0,
            );
        }
    });
}

fn profile(what: &str) {
    let (path, calls) = what
        .split_once(':')
        .expect("OZ_BENCH_PROFILE=oz:N or raw:N");
    let calls: usize = calls.parse().expect("a number of calls");
    runtime().block_on(async {
        let one = serde_json::to_vec(&run_json(1)).unwrap();
        let last_head = Arc::new(Mutex::new(String::new()));
        let url = serve(http_response(&one), Vec::new(), last_head.clone()).await;
        let oz = client(&url);
        let raw = ClientInfo::client(&oz).clone();
        oz.get_run().run_id("run-1").send().await.unwrap();
        let headers = header_lines(&last_head.lock().unwrap());
        for _ in 0..calls {
            if path == "oz" {
                let run = oz.get_run().run_id("run-1").send().await.unwrap();
                std::hint::black_box(run.run_id.len());
            } else {
                let body = raw_get(&raw, &format!("{url}/agent/runs/run-1"), &headers).await;
                let run = serde_json::from_slice::<types::RunItem>(&body).unwrap();
                std::hint::black_box(run.run_id.len());
            }
        }
    });
}

/// The raw path: a GET with oz-api's headers, as a caller would send it (the
/// URL built per request), and its body.
async fn raw_get(
    raw: &oz_api::reqwest::Client,
    url: &str,
    headers: &[(HeaderName, HeaderValue)],
) -> bytes::Bytes {
    let mut request = raw.get(url);
    for (name, value) in headers {
        request = request.header(name.clone(), value.clone());
    }
    request.send().await.unwrap().bytes().await.unwrap()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
