//! 1,000 concurrent calls, clones of one `Client`, against an in-process
//! HTTP/1.1 server on 127.0.0.1 that fails on purpose: what the retry budget and
//! the server-paced retries cost in requests. Counts and orderings are
//! asserted, never speed; each scenario runs under a generous timeout so that a
//! hang fails instead of blocking CI. Run with `--nocapture` to see the figures.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oz_api::{Client, RetryBudget, RetryPolicy};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const CALLS: u32 = 1000;
const MAX_RETRIES: u32 = 2;

/// What the server answers to one request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Run,
    Unavailable,
    /// 429 with this `Retry-After` header line.
    TooManyRequests(&'static str),
}

/// Per run id (one id per call): when each attempt arrived, and when each
/// answer was handed to the socket.
#[derive(Default)]
struct Call {
    arrived: Vec<Instant>,
    answered: Vec<Instant>,
}

type Log = Arc<Mutex<HashMap<u32, Call>>>;

/// `answer(call, attempt)` decides each answer; `attempt` counts from 0.
async fn server(answer: fn(u32, usize) -> Answer) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Log::default();
    let calls = log.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, calls.clone(), answer));
        }
    });
    (url, log)
}

/// One keep-alive connection: bodiless requests, answered in order.
async fn connection(socket: TcpStream, log: Log, answer: fn(u32, usize) -> Answer) {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let arrived = Instant::now();
        let id = line
            .split_whitespace()
            .nth(1)
            .and_then(|path| path.strip_prefix("/agent/runs/r"))
            .and_then(|n| n.parse::<u32>().ok())
            .expect("GET /agent/runs/r{n}");
        let mut header = String::new();
        while header != "\r\n" {
            header.clear();
            if read.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
        }
        let attempt = {
            let mut calls = log.lock().unwrap();
            let call = calls.entry(id).or_default();
            call.arrived.push(arrived);
            call.arrived.len() - 1
        };
        let response = render(answer(id, attempt), id);
        log.lock()
            .unwrap()
            .get_mut(&id)
            .unwrap()
            .answered
            .push(Instant::now());
        if write.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn render(answer: Answer, id: u32) -> String {
    let problem = |status: u16| {
        format!(
            r#"{{"type":"https://docs.warp.dev/reference/api-and-sdk/troubleshooting/errors/internal_error","title":"x","status":{status},"detail":"x"}}"#
        )
    };
    let (status, extra, body) = match answer {
        Answer::Run => (
            "200 OK",
            "",
            format!(
                r#"{{"run_id":"r{id}","task_id":"r{id}","title":"t","state":"SUCCEEDED","prompt":"p","created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-01T10:05:00Z"}}"#
            ),
        ),
        Answer::Unavailable => ("503 Service Unavailable", "", problem(503)),
        Answer::TooManyRequests(retry_after) => {
            ("429 Too Many Requests", retry_after, problem(429))
        }
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
}

fn client(url: &str, max_retries: u32, budget: RetryBudget) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(url)
        .retry_policy(RetryPolicy {
            max_retries,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(3),
        })
        .retry_budget(budget)
        .build()
        .unwrap()
}

/// What a call ended with: success, or whether its error says the budget was empty.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    Failed {
        status: Option<u16>,
        exhausted: bool,
    },
}

/// `CALLS` concurrent `get_run` calls, `r0` to `r999`, each on a clone of
/// `client`; the time they all took, and the median and longest call.
async fn storm(client: &Client) -> (Vec<Outcome>, Took) {
    let started = Instant::now();
    let calls = (0..CALLS).map(|n| {
        let client = client.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = match client.get_run().run_id(format!("r{n}")).send().await {
                Ok(run) => {
                    assert_eq!(run.run_id, format!("r{n}"));
                    Outcome::Ok
                }
                Err(e) => Outcome::Failed {
                    status: e.status().map(|s| s.as_u16()),
                    exhausted: e.retry_budget_exhausted(),
                },
            };
            (outcome, started.elapsed())
        })
    });
    let (outcomes, mut durations): (Vec<_>, Vec<_>) = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|call| call.expect("a call panicked"))
        .unzip();
    let all = started.elapsed();
    durations.sort();
    let took = Took {
        all,
        median: durations[durations.len() / 2],
        longest: durations[durations.len() - 1],
    };
    (outcomes, took)
}

#[derive(Debug)]
struct Took {
    all: Duration,
    median: Duration,
    longest: Duration,
}

/// Attempts per call, in call order.
fn attempts_per_call(log: &Log) -> Vec<usize> {
    let calls = log.lock().unwrap();
    (0..CALLS)
        .map(|n| calls.get(&n).map_or(0, |call| call.arrived.len()))
        .collect()
}

fn report(scenario: &str, attempts: &[usize], took: Took) -> usize {
    let total: usize = attempts.iter().sum();
    eprintln!(
        "{scenario}: {total} requests for {CALLS} calls = {:.3} attempts per call; \
         all done in {:.2?}, a call took {:.2?} (median) to {:.2?}",
        total as f64 / f64::from(CALLS),
        took.all,
        took.median,
        took.longest,
    );
    total
}

async fn bounded<T>(scenario: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), scenario)
        .await
        .expect("the scenario hung")
}

#[tokio::test(flavor = "multi_thread")]
async fn sporadic_failures_are_all_retried() {
    bounded(async {
        let (url, log) = server(|n, attempt| match (n % 20, attempt) {
            (0, 0) => Answer::Unavailable,
            _ => Answer::Run,
        })
        .await;
        let (outcomes, took) = storm(&client(&url, MAX_RETRIES, RetryBudget::default())).await;
        let attempts = attempts_per_call(&log);
        let total = report("sporadic 5 % 503", &attempts, took);
        assert!(outcomes.iter().all(|o| *o == Outcome::Ok));
        assert_eq!(total, 1050);
        for (n, attempts) in attempts.iter().enumerate() {
            assert_eq!(*attempts, if n % 20 == 0 { 2 } else { 1 }, "call r{n}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_of_503s_is_bounded_by_the_budget() {
    bounded(async {
        let (url, log) = server(|_, _| Answer::Unavailable).await;
        let (outcomes, took) = storm(&client(&url, MAX_RETRIES, RetryBudget::default())).await;
        let attempts = attempts_per_call(&log);
        let total = report("storm, all 503, default budget", &attempts, took);
        assert!(total <= 1200, "{total} requests: more than 1.2 per call");
        // The default budget: 1,000 deposits buy 100 retries, plus a reserve of 50.
        assert!(total <= 1150, "{total}");
        let mut exhausted = 0;
        for (n, (outcome, attempts)) in outcomes.iter().zip(&attempts).enumerate() {
            let Outcome::Failed {
                status: Some(503),
                exhausted: marked,
            } = *outcome
            else {
                panic!("call r{n}: {outcome:?}");
            };
            // A call that stopped short of max_retries did so for the budget, and says so.
            assert_eq!(
                marked,
                *attempts < 1 + MAX_RETRIES as usize,
                "call r{n}: {attempts} attempts"
            );
            exhausted += usize::from(marked);
        }
        eprintln!("storm: {exhausted} of {CALLS} calls failed for the empty budget");
        assert!(exhausted >= 900, "{exhausted}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_herd_told_retry_after_1_comes_back_late_and_spread() {
    bounded(async {
        let (url, log) = server(|_, attempt| match attempt {
            0 => Answer::TooManyRequests("retry-after: 1\r\n"),
            _ => Answer::Run,
        })
        .await;
        let (outcomes, took) = storm(&client(&url, MAX_RETRIES, RetryBudget::default())).await;
        let total = report("herd, 429 Retry-After: 1 then 200", &attempts_per_call(&log), took);
        assert!(outcomes.iter().all(|o| *o == Outcome::Ok));
        // 1,000 retries, far beyond the budget's 150: server-paced retries are free.
        assert_eq!(total, 2000);
        let calls = log.lock().unwrap();
        let mut retries = Vec::new();
        let mut waits = Vec::new();
        for n in 0..CALLS {
            let call = &calls[&n];
            let wait = call.arrived[1] - call.answered[0];
            assert!(wait >= Duration::from_secs(1), "call r{n} came back after {wait:?}");
            retries.push(call.arrived[1]);
            waits.push(wait);
        }
        let span = *retries.iter().max().unwrap() - *retries.iter().min().unwrap();
        let (shortest, longest) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
        eprintln!(
            "herd: retries arrived over {span:.2?}; waits after the 429 from {shortest:.2?} to {longest:.2?}"
        );
        assert!(span >= Duration::from_millis(100), "{span:?}");
        assert!(*longest - *shortest >= Duration::from_millis(100), "jitter");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_forever_is_bounded_by_max_retries() {
    bounded(async {
        let (url, log) = server(|_, _| Answer::TooManyRequests("retry-after: 0\r\n")).await;
        let (outcomes, took) = storm(&client(&url, MAX_RETRIES, RetryBudget::default())).await;
        let attempts = attempts_per_call(&log);
        report("429 Retry-After: 0 forever", &attempts, took);
        for (n, (outcome, attempts)) in outcomes.iter().zip(&attempts).enumerate() {
            assert_eq!(*attempts, 1 + MAX_RETRIES as usize, "call r{n}");
            assert_eq!(
                *outcome,
                Outcome::Failed {
                    status: Some(429),
                    exhausted: false
                },
                "call r{n}"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_budget_a_storm_costs_max_retries_plus_one() {
    bounded(async {
        let (url, log) = server(|_, _| Answer::Unavailable).await;
        let unlimited = client(&url, MAX_RETRIES, RetryBudget::unlimited());
        let (outcomes, took) = storm(&unlimited).await;
        let attempts = attempts_per_call(&log);
        let total = report("storm, all 503, no budget", &attempts, took);
        assert_eq!(total, 3000);
        assert!(attempts.iter().all(|a| *a == 3));
        assert!(outcomes.iter().all(|o| *o
            == Outcome::Failed {
                status: Some(503),
                exhausted: false
            }));

        let (url, log) = server(|_, _| Answer::Unavailable).await;
        let (outcomes, took) = storm(&client(&url, 0, RetryBudget::default())).await;
        let attempts = attempts_per_call(&log);
        let total = report("storm, all 503, max_retries 0", &attempts, took);
        assert_eq!(total, 1000);
        assert!(attempts.iter().all(|a| *a == 1));
        assert!(outcomes.iter().all(|o| *o
            == Outcome::Failed {
                status: Some(503),
                exhausted: false
            }));
    })
    .await;
}
