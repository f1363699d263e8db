//! Start a run with a config and an attachment, and print its id.
//!
//! `WARP_API_KEY=… cargo run -p oz-api --example start_run -- screenshot.png`

use oz_api::Client;
use oz_api::types::{AmbientAgentConfig, AttachmentInput, RunAgentRequest};

/// Starts the run; returns its id.
pub async fn run(client: &Client, screenshot: AttachmentInput) -> Result<String, oz_api::Error> {
    let request = RunAgentRequest::builder()
        .prompt("Why does the login test fail? The screenshot shows the page.")
        .title("login test")
        .config(
            AmbientAgentConfig::builder()
                .model_id("auto")
                .idle_timeout_minutes(30),
        )
        .attachments(vec![screenshot]);
    let created = client.create_run().body(request).send().await?;
    Ok(created.run_id.clone())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "screenshot.png".into());
    let run_id = run(&client, AttachmentInput::from_path(path)?).await?;
    println!("started {run_id}");
    Ok(())
}
