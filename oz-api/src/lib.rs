//! Typed Rust client for Warp's [Oz Agent API](https://docs.warp.dev): start,
//! watch and manage Oz cloud agent runs.
//!
//! Every operation of the API is a method on [`Client`] returning a builder
//! (in [`builder`]): set parameters, then `.send().await`. The operations and
//! [`types`] are generated from Warp's published OpenAPI spec by `cargo xtask regen`; this
//! crate adds construction from the environment, retries, typed errors, a
//! stream over all runs and a helper to wait for a run.
//!
//! # Create a run and wait for it
//!
//! [`Client::from_env`] reads the key from [`API_KEY_ENV`] and the base URL
//! from [`BASE_URL_ENV`] if set; [`Client::wait_for_run`] polls until the run
//! ends. An attachment: [`types::AttachmentInput::from_path`].
//!
//! ```no_run
//! use std::time::Duration;
//! use oz_api::{Client, types};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?; // WARP_API_KEY, optional OZ_API_BASE_URL
//! let body = types::RunAgentRequest::builder().prompt("Fix the flaky test in auth.go");
//! let created = client.create_run().body(body).send().await?;
//! let run = client
//!     .wait_for_run(&created.run_id, Duration::from_secs(10), Duration::from_secs(30 * 60))
//!     .await?;
//! println!("run {} ended {}", run.run_id, run.state);
//! # Ok(()) }
//! ```
//!
//! # List the failed runs of the last day
//!
//! [`builder::ListRuns::stream`] walks every page, keeping the filters.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use oz_api::{Client, types::RunState};
//!
//! # async fn example(client: Client) -> Result<(), oz_api::Error> {
//! let since = chrono::Utc::now() - chrono::Duration::days(1);
//! let mut runs = client
//!     .list_runs()
//!     .state(vec![RunState::Failed, RunState::Error])
//!     .created_after(since)
//!     .limit(std::num::NonZeroU64::new(100).unwrap())
//!     .stream();
//! while let Some(run) = runs.try_next().await? {
//!     println!("{} {} {}", run.run_id, run.state, run.title);
//! }
//! # Ok(()) }
//! ```
//!
//! # Handle an error by its code
//!
//! Every call fails with one type, [`Error`]. `{e}` is one line: method, path,
//! status, the API's error code, the problem's title and detail, trace id
//! (`GET /agent/runs/run-123: 404 Not Found: resource_not_found: Run not found
//! (trace 0af7…)`); [`Error::kind`] ([`ErrorKind`]) and the helpers
//! ([`Error::is_not_found`], [`Error::error_code`], [`Error::retry_after`],
//! [`Error::is_retryable`], ...) reach into it, the problem body
//! ([`Error::problem`], a [`types::ApiProblem`]) included, whatever the status.
//!
//! ```no_run
//! use oz_api::{Client, types::PlatformErrorCode};
//!
//! # async fn example(client: Client) {
//! match client.get_run().run_id("run-123").send().await {
//!     Ok(run) => println!("{}", run.state),
//!     Err(e) if e.is_not_found() => println!("no such run"),
//!     Err(e) if e.is_rate_limited() => println!("slow down: retry after {:?}", e.retry_after()),
//!     Err(e) => match e.error_code() {
//!         Some(PlatformErrorCode::InsufficientCredits) => println!("out of credits"),
//!         _ => println!("{e} (retry later: {})", e.is_retryable()),
//!     },
//! }
//! # }
//! ```
//!
//! # Supported API versions
//!
//! This release is generated from version `1.0.0` of Warp's Oz Agent API spec
//! (its `info.version`; the repository keeps the spec of every release in
//! `spec/released/`, and `CHANGELOG.md` lists what changed in the API between
//! releases). Every request says so in an `api-version: 1.0.0` header, the
//! value of [`ClientInfo::api_version`]:
//!
//! ```
//! use oz_api::{Client, ClientInfo};
//! assert_eq!(Client::api_version(), "1.0.0");
//! ```
//!
//! ## A newer server
//!
//! The API grows, and a server newer than this client is read, not refused. A
//! string enum value this client does not know decodes as the enum's
//! `Unknown(String)` variant ([`types::RunState::Unknown`]) and serializes
//! back unchanged, an unknown artifact or content-block type as
//! `Unknown(serde_json::Value)` ([`types::ArtifactItem::Unknown`]), and the
//! deprecated `task_id` may be absent. Requests can carry such values too:
//! `RunState::from("PAUSED")`. A union reads its tag first: a *known*
//! artifact type whose body no longer fits is a decode error naming the tag
//! and type, never a silent `Unknown`.
//!
//! Members a newer server sends that this client does not know are kept, in
//! every object type's `extra` map ([`types::RunItem::extra`]:
//! `run.extra["metadata"]`), and written back when the value is serialized. A
//! `PUT` replaces the whole resource, so updating what you read must not drop
//! them: convert the read value with `TryFrom`
//! ([`types::UpdateScheduledAgentRequest`] from
//! [`types::ScheduledAgentItem`]), which keeps them and leaves out what only
//! the server sets.
//!
//! ```no_run
//! use oz_api::{Client, types::UpdateScheduledAgentRequest};
//!
//! # async fn example(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let schedule = client.get_scheduled_agent().schedule_id("sched-1").send().await?;
//! let mut update = UpdateScheduledAgentRequest::try_from(schedule.into_inner())?;
//! update.cron_schedule = "0 10 * * *".into();
//! client.update_scheduled_agent().schedule_id("sched-1").body(update).send().await?;
//! # Ok(()) }
//! ```
//!
//! A member kept that way which the update request types otherwise (a newer
//! server's `"mode": 2` where [`types::AgentRunMode`] is a string) fails the
//! conversion, naming the member, its value and what is allowed:
//!
//! ```text
//! UpdateScheduledAgentRequest from ScheduledAgentItem: `mode` is 2: expected AgentRunMode, a string: "normal", "plan", "orchestrate" or a value a newer API added
//! ```
//!
//! ## An older server
//!
//! A server older than the spec (or one that has not caught up with it) may
//! leave out a member the spec requires. Such a body does not decode: the call
//! fails with an [`Error`] of kind [`ErrorKind::Decode`], which keeps the body
//! and names the operation, the type and the JSON path of the member that
//! failed. A schedule without `enabled`:
//!
//! ```text
//! GET /agent/schedules/sched-1: 200 OK: get_scheduled_agent: the response does not decode as ScheduledAgentItem: missing field `enabled` at line 1 column 269
//! ```
//!
//! and a known artifact type whose `data` lacks a required member:
//!
//! ```text
//! GET /agent/runs: 200 OK: list_runs: the response does not decode as ListRunsResponse at `runs[0].artifacts[0]`: artifact_type `PULL_REQUEST` (PullRequestArtifact): missing field `url` at line 1 column 152
//! ```
//!
//! ```no_run
//! use oz_api::{Client, ErrorKind};
//!
//! # async fn example(client: Client) {
//! if let Err(e) = client.get_scheduled_agent().schedule_id("sched-1").send().await {
//!     if let ErrorKind::Decode { body, source } = e.kind() {
//!         eprintln!("{source}; the body was {}", String::from_utf8_lossy(body));
//!     }
//! }
//! # }
//! ```
//!
//! # Testing your code
//!
//! Feature `mock` adds [`mock::MockServer`](https://docs.rs/oz-api/latest/oz_api/mock/):
//! a local server with one typed mock per operation and a client pointed at
//! it; its module docs show a downstream unit test, and the example
//! `testing_with_mocks` code under test with its unit tests. Without the
//! feature none of it is compiled.
//!
//! The values a mock answers with are built by constructors, which every
//! generated type has: `new` takes the required fields (in field order), the
//! others are `None`, empty or their default and are set by assignment; each
//! union has a constructor per variant that sets its tag, and reads it back.
//!
//! ```
//! use oz_api::types::{ArtifactItem, PullRequestArtifactData, RunItem, RunState};
//!
//! let now = oz_api::chrono::Utc::now();
//! // created_at, prompt, run_id, state, title, updated_at
//! let mut run = RunItem::new(now, "Fix it", "r1", RunState::Succeeded, "Fix the test", now);
//! run.session_link = Some("https://app.warp.dev/session/s1".into());
//! run.artifacts.push(ArtifactItem::pull_request(
//!     now,
//!     PullRequestArtifactData::new("fix-auth", "https://github.com/o/r/pull/1"),
//! ));
//! assert_eq!(run.artifacts[0].artifact_type(), "PULL_REQUEST");
//! ```
//!
//! # Behaviour
//!
//! - Auth: `Authorization: Bearer <key>`, marked sensitive; never printed by
//!   `Debug`; never sent over plain `http://` except to loopback.
//! - Timeouts: 60 s per attempt, 5 s to connect. Retries: see [`retry`].
//! - Redirects are never followed: [`Client::run_transcript_url`] returns the
//!   signed URL, [`Client::download`] fetches it without the key.
//! - TLS: rustls with the ring provider (no C TLS library); feature `native-tls`
//!   uses the platform's instead.
//! - Tracing (default feature `tracing`): a DEBUG span `oz_api.call` per call
//!   (operation, method, path template, status, attempts, duration, trace id)
//!   and an event per retry; never the key or a body. See [`trace`].
//! - Per call: [`Client::with_options`] (timeout, retries, headers).
//! - International domain names in the base URL (default feature `small-idna`):
//!   url's IDNA through unicode-rs rather than ICU4X, 16 fewer crates to build.
//!   Cargo picks one back end per build; turn the default features off to let
//!   yours pick ICU4X.

// The READMEs' Rust examples are doc tests too (`cargo test`, so
// `scripts/test`), so they cannot go stale. Only under rustdoc: the
// workspace's README is not in the published package.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadme;
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;

// Generated code: prettyplease's output is its canonical form, so rustfmt skips it.
#[rustfmt::skip]
#[allow(deprecated, clippy::all, unused_imports)]
mod generated;

mod attachments;
mod config;
// The hand-written layer keeps wrapping an operation or reading a field the
// spec deprecates (its users see the deprecation on the generated item); a
// spec deprecating one must not fail the build under `-D warnings`.
#[allow(deprecated)]
mod errors;
mod hooks;
#[cfg(feature = "mock")]
pub mod mock;
mod options;
pub mod retry;
// `.map_err(Error::from)` after a `send`: a no-op while the pipeline wraps
// every `send` (it returns `oz_api::Error`), and the conversion from
// progenitor's error if a future spec gives one a shape it leaves alone.
#[allow(deprecated, clippy::useless_conversion)]
mod runs;
mod setters;
pub mod trace;

/// The date-time types of the generated types and filters (`created_after`, ...).
pub use chrono;
pub use config::{
    API_KEY_ENV, BASE_URL_ENV, BuildError, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_BODY_BYTES,
    Policy, RetryBudget, RetryPolicy, http_client_builder,
};
pub use errors::{ApiError, ApiErrorExt, Error, ErrorKind};
pub use generated::*;
pub use options::RequestOptions;
/// The reqwest this crate is built on, for [`http_client_builder`] and [`ClientBuilder::http_client`].
pub use reqwest;
pub use runs::WaitError;
/// The JSON values of unknown members (`extra`) and unknown union variants
/// (`ArtifactItem::Unknown`), for building and reading them.
pub use serde_json;
pub use setters::Optional;
