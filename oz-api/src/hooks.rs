//! Hand-written code the generated code calls: the `ClientHooks` it requires
//! (`HooksMode::Expected`) and, patched in by codegen, its response decoding.

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, USER_AGENT};
use serde::de::DeserializeOwned;

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
        self.inner.apply_timeout(request);
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

/// A JSON response's value: `ResponseValue::from_response` without its copy
/// of the headers (codegen's `patch` makes the generated code call this).
pub(crate) async fn json<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let value =
        serde_json::from_slice(&body).map_err(|e| Error::InvalidResponsePayload(body, e))?;
    Ok(ResponseValue::new(value, status, headers))
}

/// An empty response: `ResponseValue::empty`, taking the headers instead of copying them.
pub(crate) fn empty(mut response: reqwest::Response) -> ResponseValue<()> {
    let headers = std::mem::take(response.headers_mut());
    ResponseValue::new((), response.status(), headers)
}
