//! Move a schedule to another time, keeping every setting (also those this
//! client does not know), and report errors as one line.
//!
//! `WARP_API_KEY=… cargo run -p oz-api --example reschedule -- <schedule id> "0 10 * * *"`

use oz_api::Client;
use oz_api::types::{ScheduledAgentItem, UpdateScheduledAgentRequest};

/// Reads the schedule, changes its cron expression, writes it back.
pub async fn run(
    client: &Client,
    id: &str,
    cron: &str,
) -> Result<ScheduledAgentItem, Box<dyn std::error::Error>> {
    let schedule = client.get_scheduled_agent().schedule_id(id).send().await?;
    let mut update = UpdateScheduledAgentRequest::try_from(schedule.into_inner())?;
    update.cron_schedule = cron.to_string();
    let updated = client
        .update_scheduled_agent()
        .schedule_id(id)
        .body(update)
        .send()
        .await?;
    Ok(updated.into_inner())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(id), Some(cron)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: reschedule <schedule id> <cron expression>");
        std::process::exit(2);
    };
    let result = async { run(&Client::from_env()?, id, cron).await }.await;
    match result {
        Ok(schedule) => println!("{} now runs at {}", schedule.id, schedule.cron_schedule),
        // One line: `GET /agent/schedules/s1: 404 Not Found: resource_not_found: …`
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
