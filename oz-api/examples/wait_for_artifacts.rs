//! Wait for a run to end (or to need a person) and print its artifacts.
//!
//! `WARP_API_KEY=… cargo run -p oz-api --example wait_for_artifacts -- <run id>`

use std::time::Duration;

use oz_api::Client;
use oz_api::types::{ArtifactItem, RunItem};

/// Waits for `run_id` (polling from every 2 s, backing off), then returns the
/// run and one line per artifact.
pub async fn run(
    client: &Client,
    run_id: &str,
) -> Result<(RunItem, Vec<String>), oz_api::WaitError> {
    let run = client
        .wait_for_run(run_id, Duration::from_secs(2), Duration::from_secs(30 * 60))
        .await?;
    let lines = run
        .artifacts
        .iter()
        .map(|artifact| match artifact {
            ArtifactItem::PullRequestArtifact(pr) => format!("pull request {}", pr.data.url),
            ArtifactItem::FileArtifact(file) => format!("file {}", file.data.filepath),
            ArtifactItem::PlanArtifact(_) => "plan".to_string(),
            // A type newer than this client (`Unknown`) says its tag too.
            other => format!("artifact {}", other.artifact_type()),
        })
        .collect();
    Ok((run, lines))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let run_id = std::env::args()
        .nth(1)
        .ok_or("usage: wait_for_artifacts <run id>")?;
    let (run, artifacts) = run(&client, &run_id).await?;
    println!("{} ended {}", run.run_id, run.state);
    for line in artifacts {
        println!("  {line}");
    }
    Ok(())
}
