//! Typed API errors: the RFC 7807 problem body, decoded on every 4xx/5xx.

use reqwest::StatusCode;

use crate::types::{self, PlatformErrorCode};

/// What every operation returns on failure.
pub type ApiError = progenitor_client::Error<types::Error>;

impl types::Error {
    /// The machine-readable code: the last segment of the `type` URI
    /// (`https://docs.warp.dev/.../errors/{error_code}`). A code this client
    /// does not know yet is `PlatformErrorCode::Unknown(code)`.
    pub fn code(&self) -> Option<PlatformErrorCode> {
        let code = self
            .type_
            .as_deref()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()?;
        (!code.is_empty() && code != "about:blank").then(|| PlatformErrorCode::from(code))
    }

    /// An extension member such as `auth_url` or `provider`.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extra.get(name)
    }
}

/// Helpers on [`ApiError`]. (`status()` and progenitor's status-only
/// `is_retryable()` are inherent methods of the error.)
pub trait ApiErrorExt {
    /// The decoded problem body, for 4xx/5xx answers whose body decoded.
    fn problem(&self) -> Option<&types::Error>;
    /// The problem's error code.
    fn error_code(&self) -> Option<PlatformErrorCode>;
    /// Whether trying again later may succeed: the server said `retryable`, or the
    /// status or transport failure is transient (the rules in [`crate::retry`] for GET).
    fn retryable(&self) -> bool;
    /// 404, or a `resource_not_found` problem.
    fn is_not_found(&self) -> bool;
    /// The server's trace ID, to quote in support requests.
    fn trace_id(&self) -> Option<&str>;
    /// Whether this failure was returned without retrying because the client's
    /// [`RetryBudget`](crate::RetryBudget) was empty (the response carries
    /// `oz-retry-budget: exhausted`). Always false for transport errors, which
    /// cannot be marked, and for error bodies that did not decode.
    fn retry_budget_exhausted(&self) -> bool;
}

impl ApiErrorExt for ApiError {
    fn problem(&self) -> Option<&types::Error> {
        match self {
            progenitor_client::Error::ErrorResponse(response) => Some(response.as_ref()),
            _ => None,
        }
    }

    fn error_code(&self) -> Option<PlatformErrorCode> {
        self.problem()?.code()
    }

    fn retryable(&self) -> bool {
        if let Some(retryable) = self.problem().and_then(|p| p.retryable) {
            return retryable;
        }
        match self {
            progenitor_client::Error::CommunicationError(e) => {
                e.is_connect() || e.is_timeout() || e.is_request()
            }
            _ => self
                .status()
                .is_some_and(|s| crate::retry::retryable_status(s, true)),
        }
    }

    fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
            || self.error_code() == Some(PlatformErrorCode::ResourceNotFound)
    }

    fn trace_id(&self) -> Option<&str> {
        self.problem()?.trace_id.as_deref()
    }

    fn retry_budget_exhausted(&self) -> bool {
        let headers = match self {
            progenitor_client::Error::ErrorResponse(response) => response.headers(),
            progenitor_client::Error::UnexpectedResponse(response) => response.headers(),
            _ => return false,
        };
        headers
            .get(crate::retry::RETRY_BUDGET_HEADER)
            .is_some_and(|value| value == "exhausted")
    }
}
