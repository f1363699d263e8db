//! List the runs that failed in the last day, across every page.
//!
//! `WARP_API_KEY=… cargo run -p oz-api --example failed_runs`

use futures::TryStreamExt;
use oz_api::Client;
use oz_api::types::{RunItem, RunState};

/// The failed (or errored) runs created since a day ago.
pub async fn run(client: &Client) -> Result<Vec<RunItem>, oz_api::Error> {
    let since = oz_api::chrono::Utc::now() - oz_api::chrono::Duration::days(1);
    client
        .list_runs()
        .state([RunState::Failed, RunState::Error])
        .created_after(since)
        .limit(100)
        .stream()
        .try_collect()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    for run in run(&client).await? {
        println!("{} {} {}", run.run_id, run.state, run.title);
    }
    Ok(())
}
