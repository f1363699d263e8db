//! A server cannot exhaust the client's memory (SECURITY.md): whatever the
//! body, huge or endless, success or error, a call allocates no more than a
//! small multiple of the client's body limit. Its own test binary: the
//! allocation count is process-wide, so nothing else may run beside it.

use std::alloc::System;
use std::time::Duration;

use oz_api::{Client, ErrorKind};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const LIMIT: u64 = 8 * 1024 * 1024;

/// Answers every request with `status` and a body of `length` bytes (`None`:
/// chunked, never ending), written 64 KiB at a time from one buffer.
async fn server(status: &'static str, length: Option<u64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let chunk = vec![b' '; 0x10000];
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let chunk = chunk.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = socket.read(&mut head).await;
                let framing = match length {
                    Some(n) => format!("content-length: {n}"),
                    None => "transfer-encoding: chunked".to_string(),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{framing}\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut sent = 0u64;
                loop {
                    let result = match length {
                        Some(n) if sent >= n => return,
                        Some(_) => socket.write_all(&chunk).await,
                        None => {
                            let _ = socket.write_all(b"10000\r\n").await;
                            let _ = socket.write_all(&chunk).await;
                            socket.write_all(b"\r\n").await
                        }
                    };
                    if result.is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                }
            });
        }
    });
    url
}

#[test]
fn huge_and_endless_bodies_cost_at_most_a_few_limits() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // A declared 4 GiB that the server really sends (the client stops
        // first), and bodies that never end, for a success and an error.
        for (status, length) in [
            ("200 OK", Some(4 << 30)),
            ("200 OK", None),
            ("404 Not Found", None),
            ("500 Internal Server Error", None),
        ] {
            let url = server(status, length).await;
            let client = Client::builder()
                .api_key("memory-test-key")
                .base_url(&url)
                .max_body_bytes(LIMIT)
                .timeout(Duration::from_secs(120))
                .max_retries(0)
                .build()
                .unwrap();
            let region = Region::new(ALLOCATOR);
            let error = client.get_run().run_id("r1").send().await.unwrap_err();
            let allocated = region.change().bytes_allocated as u64;
            assert!(
                matches!(error.kind(), ErrorKind::BodyTooLarge { .. }),
                "{status}: {error}"
            );
            // Every byte allocated during the call, freed or not: an upper
            // bound of what it held at once.
            assert!(
                allocated < 4 * LIMIT,
                "{status} {length:?}: {} MiB allocated for a limit of {} MiB",
                allocated >> 20,
                LIMIT >> 20
            );
            println!("{status} {length:?}: {} KiB allocated", allocated >> 10);
        }
    });
}
