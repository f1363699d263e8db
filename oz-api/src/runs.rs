//! Working with runs: every page of `listRuns` as one stream, waiting for a run
//! to finish or watching its states, and the transcript redirects.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use futures::Stream;
use progenitor_client::{ByteStream, ClientInfo, ResponseValue};
use tokio::time::Instant;

use crate::errors::{Error, ErrorKind};
use crate::types::{RunItem, RunState};
use crate::{Client, builder, retry};

impl RunState {
    /// Whether the run will not go on by itself: `SUCCEEDED`, `FAILED`,
    /// `ERROR`, `BLOCKED` or `CANCELLED`, the terminal states the spec lists
    /// (`cancelRun`: such runs cannot be cancelled). A `BLOCKED` run awaits a
    /// person (a plan to approve, a question to answer): waiting for it would
    /// only run into the timeout. A state this client does not know (from a
    /// newer API) counts as *not* terminal, so waiting goes on until its
    /// deadline rather than stopping early on what may be a pause.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RunState::Succeeded
                | RunState::Failed
                | RunState::Error
                | RunState::Blocked
                | RunState::Cancelled
        )
    }
}

impl<'a> builder::ListRuns<'a> {
    /// Every run on every page, in order, with this request's filters. Pages are
    /// fetched as the stream is read. An error ends the stream after being
    /// yielded; so does a cursor the server already returned (instead of looping).
    pub fn stream(self) -> impl Stream<Item = Result<RunItem, Error>> + Send + Unpin + 'a {
        let pages = Pages {
            request: self,
            cursor: Some(None),
            seen: HashSet::new(),
            items: VecDeque::new(),
            failure: None,
        };
        Box::pin(futures::stream::unfold(pages, Pages::next))
    }
}

struct Pages<'a> {
    request: builder::ListRuns<'a>,
    /// The next page to fetch: `Some(None)` the first, `None` when done.
    cursor: Option<Option<String>>,
    seen: HashSet<String>,
    items: VecDeque<RunItem>,
    /// Reported once the items already fetched are out.
    failure: Option<Error>,
}

impl<'a> Pages<'a> {
    async fn next(mut self) -> Option<(Result<RunItem, Error>, Self)> {
        loop {
            if let Some(item) = self.items.pop_front() {
                return Some((Ok(item), self));
            }
            if let Some(failure) = self.failure.take() {
                return Some((Err(failure), self));
            }
            let cursor = self.cursor.take()?;
            let request = match cursor {
                Some(cursor) => self.request.clone().cursor(cursor),
                None => self.request.clone(),
            };
            let page = match request.send().await.map_err(Error::from) {
                Ok(page) => page.into_inner(),
                Err(e) => return Some((Err(e), self)),
            };
            self.items.extend(page.runs);
            if page.page_info.has_next_page {
                match page.page_info.next_cursor {
                    Some(next) if self.seen.insert(next.clone()) => self.cursor = Some(Some(next)),
                    Some(next) => {
                        self.failure = Some(Error::new(
                            ErrorKind::Other(format!(
                                "the cursor `{next}` came back twice; stopping instead of looping"
                            )),
                            "GET",
                            "/agent/runs".into(),
                        ))
                    }
                    None => {
                        self.failure = Some(Error::new(
                            ErrorKind::Other("has_next_page without a next_cursor".into()),
                            "GET",
                            "/agent/runs".into(),
                        ))
                    }
                }
            }
        }
    }
}

/// Why [`Client::wait_for_run`] returned without a run in a terminal state.
// Error is large, as in every generated method's result; boxing it here only would be inconsistent.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum WaitError {
    /// A request failed (after the client's retries).
    Api(Error),
    /// The run was still in `last_state` when the deadline passed; `last_run`
    /// is the run as last seen.
    Timeout {
        run_id: String,
        last_state: RunState,
        last_run: Box<RunItem>,
    },
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Api(e) => write!(f, "{e}"),
            WaitError::Timeout {
                run_id, last_state, ..
            } => {
                write!(f, "run {run_id} still {last_state} when the wait timed out")
            }
        }
    }
}

impl std::error::Error for WaitError {}

impl From<Error> for WaitError {
    fn from(e: Error) -> Self {
        WaitError::Api(e)
    }
}

/// Delays between polls: `first`, then half again as long each time, up to
/// 8 × `first` (at least `first`) and never past `deadline`.
struct Backoff {
    next: Duration,
    max: Duration,
}

/// `timeout` from now; a timeout past what the clock can hold (`Duration::MAX`)
/// is a century, as good as none, instead of a panic.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

impl Backoff {
    fn new(first: Duration) -> Self {
        Backoff {
            next: first,
            max: first.saturating_mul(8),
        }
    }

    /// The next delay, or `None` when the deadline leaves no time for one.
    fn next(&mut self, deadline: Instant) -> Option<Duration> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let delay = self.next.min(left);
        self.next = self.next.saturating_add(self.next / 2).min(self.max);
        Some(delay)
    }
}

impl Client {
    /// Polls `GET /agent/runs/{runId}` until the run reaches a terminal state
    /// ([`RunState::is_terminal`]: `BLOCKED` included) and returns it, or
    /// fails at `timeout` with the run as last seen. Polls back off: the first
    /// waits `poll_interval`, each next one half again as long, up to 8 ×
    /// `poll_interval`. A failed poll (after the client's retries) ends the wait.
    pub async fn wait_for_run(
        &self,
        run_id: &str,
        poll_interval: Duration,
        timeout: Duration,
    ) -> Result<RunItem, WaitError> {
        let deadline = deadline_after(timeout);
        let mut backoff = Backoff::new(poll_interval);
        loop {
            let run = self
                .get_run()
                .run_id(run_id)
                .send()
                .await
                .map_err(Error::from)?;
            let run = run.into_inner();
            if run.state.is_terminal() {
                return Ok(run);
            }
            let Some(delay) = backoff.next(deadline) else {
                return Err(WaitError::Timeout {
                    run_id: run_id.into(),
                    last_state: run.state.clone(),
                    last_run: Box::new(run),
                });
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// The run each time its state changes, starting with its state now, until
    /// a terminal state (which is the last item) or an error (likewise). Polls
    /// as [`Client::wait_for_run`] does, without a deadline: stop reading the
    /// stream to stop watching.
    ///
    /// ```no_run
    /// # async fn example(client: oz_api::Client) -> Result<(), oz_api::Error> {
    /// use futures::TryStreamExt;
    /// let mut states = client.watch_run("run-1", std::time::Duration::from_secs(5));
    /// while let Some(run) = states.try_next().await? {
    ///     println!("{}: {}", run.run_id, run.state);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch_run<'a>(
        &'a self,
        run_id: &'a str,
        poll_interval: Duration,
    ) -> impl Stream<Item = Result<RunItem, Error>> + Send + Unpin + 'a {
        struct Watch<'a> {
            client: &'a Client,
            run_id: &'a str,
            backoff: Backoff,
            last: Option<RunState>,
            done: bool,
        }
        let watch = Watch {
            client: self,
            run_id,
            backoff: Backoff::new(poll_interval),
            last: None,
            done: false,
        };
        Box::pin(futures::stream::unfold(watch, |mut watch| async move {
            if watch.done {
                return None;
            }
            loop {
                if watch.last.is_some() {
                    // No deadline.
                    let delay = watch
                        .backoff
                        .next(deadline_after(Duration::MAX))
                        .unwrap_or_default();
                    tokio::time::sleep(delay).await;
                }
                let sent = watch
                    .client
                    .get_run()
                    .run_id(watch.run_id)
                    .send()
                    .await
                    .map_err(Error::from);
                let run = match sent {
                    Ok(run) => run.into_inner(),
                    Err(e) => {
                        watch.done = true;
                        return Some((Err(e), watch));
                    }
                };
                if watch.last.as_ref() != Some(&run.state) {
                    watch.last = Some(run.state.clone());
                    watch.done = run.state.is_terminal();
                    return Some((Ok(run), watch));
                }
            }
        }))
    }

    /// The time-limited download URL of a run's transcript
    /// (`GET /agent/runs/{runId}/transcript` answers with a 302 to it).
    pub async fn run_transcript_url(&self, run_id: &str) -> Result<reqwest::Url, Error> {
        let sent = self.get_run_transcript().run_id(run_id).send().await;
        redirect_target(sent.map_err(Error::from), "/agent/runs/{runId}/transcript")
    }

    /// The signed download URL of the current task's third-party harness transcript
    /// (`GET /harness-support/transcript` answers with a 307 to it).
    pub async fn harness_transcript_url(&self) -> Result<reqwest::Url, Error> {
        let sent = self.get_transcript_download().send().await;
        redirect_target(sent.map_err(Error::from), "/harness-support/transcript")
    }

    /// Downloads a signed URL (from the transcript helpers) *without* the API
    /// key: the URL carries its own authorization, and the key must not reach
    /// another host. Redirects are not followed. The body is read within the
    /// client's [`max_body_bytes`](crate::ClientBuilder::max_body_bytes)
    /// (a declared length past it fails before anything is read).
    pub async fn download(&self, url: reqwest::Url) -> Result<bytes::Bytes, Error> {
        let failed = |e: progenitor_client::Error<()>| {
            let mut error = Error::from(e);
            error.set_request("GET", url.path().to_string());
            error
        };
        let mut request = self
            .client()
            .get(url.clone())
            .build()
            .map_err(|e| failed(progenitor_client::Error::CommunicationError(e)))?;
        self.inner.apply_timeout(&mut request);
        let limit = self.inner.max_body_bytes;
        let response = retry::execute(self.client(), &self.inner.retry, limit, request)
            .await
            .map_err(|e| failed(progenitor_client::Error::CommunicationError(e)))?;
        if !response.status().is_success() {
            return Err(failed(progenitor_client::Error::UnexpectedResponse(
                response,
            )));
        }
        crate::hooks::read_limited(response, limit)
            .await
            .map_err(|e| failed(progenitor_client::Error::ResponseBodyError(e)))
    }
}

/// The `Location` of a redirect answer. The client does not follow redirects,
/// so progenitor reports the 3xx as an answer the operation does not define.
fn redirect_target(
    result: Result<ResponseValue<ByteStream>, Error>,
    path: &str,
) -> Result<reqwest::Url, Error> {
    match result {
        Err(e) if e.status().is_some_and(|s| s.is_redirection()) => match e.location() {
            Some(location) => Ok(location.clone()),
            None => Err(e),
        },
        Err(e) => Err(e),
        Ok(value) => Err(Error::new(
            ErrorKind::Other(format!(
                "{}: expected a redirect to the download URL (does the reqwest client follow redirects?)",
                value.status()
            )),
            "GET",
            path.into(),
        )),
    }
}
