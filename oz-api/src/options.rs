//! Per-request options: a client for some calls with another timeout, other
//! retries or more headers, without building a second connection pool.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Client;

/// What [`Client::with_options`] changes. Unset options keep the client's.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    max_body_bytes: Option<u64>,
    headers: HeaderMap,
}

impl RequestOptions {
    /// Whole-request timeout, per attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt; 0 sends each request once.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The most a body read whole may hold, in bytes (see
    /// [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// A header sent on each request, after the client's default headers (it
    /// replaces one of the same name). It cannot replace `Authorization`.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

impl Client {
    /// A client whose requests use `options`, for the calls made through it.
    /// A cheap clone: it shares the connection pool and the retry budget.
    ///
    /// ```no_run
    /// # async fn example(client: oz_api::Client) -> Result<(), oz_api::Error> {
    /// use std::time::Duration;
    /// let patient = client.with_options(|o| o.timeout(Duration::from_secs(300)).max_retries(0));
    /// let run = patient.get_run().run_id("run-1").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: impl FnOnce(RequestOptions) -> RequestOptions) -> Client {
        let options = options(RequestOptions::default());
        let mut client = self.clone();
        let policy = &mut client.inner;
        if let Some(timeout) = options.timeout {
            policy.timeout = timeout;
            // The reqwest client's own default is the old timeout.
            policy.timeout_per_request = true;
        }
        if let Some(retries) = options.max_retries {
            policy.retry.max_retries = retries;
        }
        if let Some(limit) = options.max_body_bytes {
            policy.max_body_bytes = limit;
        }
        if !options.headers.is_empty() {
            let mut headers = policy.headers.as_deref().cloned().unwrap_or_default();
            for (name, value) in options.headers.iter() {
                headers.insert(name, value.clone());
            }
            policy.headers = Some(Arc::new(headers));
        }
        client
    }
}
