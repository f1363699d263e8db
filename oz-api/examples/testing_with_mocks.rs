//! Testing your own code that calls Oz, without a network: the typed mocks of
//! feature `mock`. The code under test is `titles_of_failed_runs`; its unit
//! tests are at the bottom, as they would be in your crate (with
//! `oz-api = { version = "0.1", features = ["mock"] }` in `[dev-dependencies]`).
//!
//! `cargo run -p oz-api --features mock --example testing_with_mocks`
//! (`main` runs the code against a mock too).

use oz_api::Client;
use oz_api::types::RunState;

/// The code under test: the titles of the latest failed runs, or a message
/// when the key is wrong.
pub async fn titles_of_failed_runs(client: &Client) -> Result<Vec<String>, String> {
    match client.list_runs().state([RunState::Failed]).send().await {
        Ok(page) => Ok(page
            .into_inner()
            .runs
            .into_iter()
            .map(|r| r.title)
            .collect()),
        Err(e) if e.is_unauthorized() => Err("check WARP_API_KEY".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// A run as the API would send it, built with the type builders.
pub fn failed_run(id: &str, title: &str) -> oz_api::types::RunItem {
    let now = oz_api::chrono::Utc::now();
    oz_api::types::RunItem::builder()
        .run_id(id)
        .task_id(id)
        .title(title)
        .prompt("Fix the flaky test")
        .state(RunState::Failed)
        .created_at(now)
        .updated_at(now)
        .try_into()
        .expect("every required field is set")
}

#[tokio::main]
async fn main() {
    let mock = oz_api::mock::MockServer::start().await;
    let page = oz_api::types::ListRunsResponse::builder()
        .runs(vec![failed_run("r1", "Fix the flaky test")])
        .page_info(oz_api::types::PageInfo::builder().has_next_page(false))
        .try_into()
        .expect("every required field is set");
    mock.list_runs(|when, then| {
        when.state([RunState::Failed]);
        then.ok(&page)
    })
    .await;
    println!("{:?}", titles_of_failed_runs(&mock.client()).await);
}

#[cfg(test)]
mod tests {
    use super::*;
    use oz_api::mock::{MockServer, problem};
    use oz_api::types::{ListRunsResponse, PageInfo};

    #[tokio::test]
    async fn lists_the_titles_of_failed_runs() {
        let mock = MockServer::start().await;
        let page: ListRunsResponse = ListRunsResponse::builder()
            .runs(vec![
                failed_run("r1", "Fix auth"),
                failed_run("r2", "Bump deps"),
            ])
            .page_info(PageInfo::builder().has_next_page(false))
            .try_into()
            .unwrap();
        let calls = mock
            .list_runs(|when, then| {
                when.state([RunState::Failed]);
                then.ok(&page)
            })
            .await;
        let titles = titles_of_failed_runs(&mock.client()).await.unwrap();
        assert_eq!(titles, ["Fix auth", "Bump deps"]);
        assert_eq!(calls.count(), 1);
    }

    #[tokio::test]
    async fn says_what_to_do_about_a_wrong_key() {
        let mock = MockServer::start().await;
        mock.list_runs(|_when, then| {
            then.unauthorized(&problem(401, "authentication_required", "Invalid API key"))
        })
        .await;
        let error = titles_of_failed_runs(&mock.client()).await.unwrap_err();
        assert_eq!(error, "check WARP_API_KEY");
    }

    #[tokio::test]
    async fn a_rate_limit_is_retried_for_you() {
        let mock = MockServer::start().await;
        let empty: ListRunsResponse = ListRunsResponse::builder()
            .runs(vec![])
            .page_info(PageInfo::builder().has_next_page(false))
            .try_into()
            .unwrap();
        let calls = mock
            .list_runs(|_when, then| {
                then.rate_limited(std::time::Duration::from_secs(30))
                    .ok(&empty)
            })
            .await;
        // The mock's client does not wait the 30 s the server asks for.
        assert_eq!(
            titles_of_failed_runs(&mock.client()).await.unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(calls.count(), 2);
    }
}
