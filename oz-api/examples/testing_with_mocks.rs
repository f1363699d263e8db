//! Testing your own code that calls Oz, without a network: the typed mocks of
//! feature `mock`. The code under test is `titles_of_failed_runs`; its unit
//! tests are at the bottom, as they would be in your crate (with
//! `oz-api = { version = "0.1", features = ["mock"] }` in `[dev-dependencies]`).
//!
//! `cargo run -p oz-api --features mock --example testing_with_mocks`
//! (`main` runs the code against a mock too).

use oz_api::Client;
use oz_api::types::{ListRunsResponse, PageInfo, RunItem, RunState};

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

/// A run as the API would send it: `new` takes the required fields
/// (created_at, prompt, run_id, state, title, updated_at), the others are
/// `None` or empty; set more by assignment.
pub fn failed_run(id: &str, title: &str) -> RunItem {
    let now = oz_api::chrono::Utc::now();
    let mut run = RunItem::new(now, "Fix the flaky test", id, RunState::Failed, title, now);
    run.session_link = Some(format!("https://app.warp.dev/session/{id}"));
    run
}

#[tokio::main]
async fn main() {
    let mock = oz_api::mock::MockServer::start().await;
    let page = ListRunsResponse::new(
        PageInfo::new(false),
        vec![failed_run("r1", "Fix the flaky test")],
    );
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

    #[tokio::test]
    async fn lists_the_titles_of_failed_runs() {
        let mock = MockServer::start().await;
        let page = ListRunsResponse::new(
            PageInfo::new(false),
            vec![failed_run("r1", "Fix auth"), failed_run("r2", "Bump deps")],
        );
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
        let empty = ListRunsResponse::new(PageInfo::new(false), vec![]);
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
