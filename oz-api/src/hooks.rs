//! The hand-written `ClientHooks` the generated code requires (`HooksMode::Expected`).

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, USER_AGENT};

use crate::{Client, Policy, retry};

impl ClientHooks<Policy> for Client {
    /// Auth and user agent go on every request here (not as client defaults),
    /// so a caller's own `reqwest::Client` gets them too; so does the timeout,
    /// which our own client already has.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, self.inner.authorization.clone());
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if self.inner.timeout_per_request {
            request.timeout_mut().get_or_insert(self.inner.timeout);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        retry::execute(self.client(), &self.inner.retry, request).await
    }
}
