//! The generated type builders as a caller writes them: plain values, nested
//! builders, every mistake reported at once and with its reason.

use oz_api::types::{AmbientAgentConfig, RunAgentRequest, UpdateScheduledAgentRequest};
use serde_json::json;

#[test]
fn optional_setters_take_plain_values_and_nested_builders() {
    let request: RunAgentRequest = RunAgentRequest::builder()
        .prompt("Fix the flaky test")
        .title(String::from("flaky"))
        .config(
            AmbientAgentConfig::builder()
                .model_id("auto")
                .idle_timeout_minutes(30),
        )
        .try_into()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"prompt": "Fix the flaky test", "title": "flaky",
               "config": {"model_id": "auto", "idle_timeout_minutes": 30}})
    );
}

#[test]
fn the_option_style_keeps_compiling() {
    let config: AmbientAgentConfig = AmbientAgentConfig::builder().try_into().unwrap();
    let request: RunAgentRequest = RunAgentRequest::builder()
        .prompt(Some("Fix the flaky test".into()))
        .title(None)
        .config(Some(config))
        .try_into()
        .unwrap();
    assert_eq!(request.prompt.as_deref(), Some("Fix the flaky test"));
    assert!(request.title.is_none());
}

#[test]
fn every_missing_field_is_reported_at_once() {
    let e = UpdateScheduledAgentRequest::try_from(UpdateScheduledAgentRequest::builder())
        .unwrap_err()
        .to_string();
    for field in ["cron_schedule", "enabled", "name"] {
        assert!(e.contains(&format!("no value supplied for {field}")), "{e}");
    }
    // One missing field: typify's own message, unchanged.
    let e = UpdateScheduledAgentRequest::try_from(
        UpdateScheduledAgentRequest::builder()
            .name("nightly")
            .enabled(true),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "no value supplied for cron_schedule");
}

#[test]
fn a_bad_value_says_which_field_and_why() {
    let e = RunAgentRequest::try_from(
        RunAgentRequest::builder().config(AmbientAgentConfig::builder().idle_timeout_minutes(0)),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("config"), "{e}");
    assert!(
        e.contains("idle_timeout_minutes: must be from 1 to 4294967295, got 0"),
        "{e}"
    );
}

fn offline_client() -> oz_api::Client {
    // Nothing is sent: every case below fails before a request is made.
    oz_api::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn operation_parameters_take_plain_values_and_say_what_is_wrong() {
    let client = offline_client();
    let e = client.list_runs().limit(0).send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /agent/runs: invalid request: limit: must be from 1 to 18446744073709551615, got 0"
    );
    // Plain values and `None` compile; so does the old `NonZeroU64` style.
    let _ = client
        .list_runs()
        .limit(100)
        .cursor(None)
        .state([oz_api::types::RunState::Failed])
        .limit(std::num::NonZeroU64::new(5).unwrap());

    let e = client.update_scheduled_agent().send().await.unwrap_err();
    let text = e.to_string();
    // The path parameter and the body's three required fields, at once.
    for missing in [
        "schedule_id was not initialized",
        "no value supplied for cron_schedule",
        "no value supplied for enabled",
        "no value supplied for name",
    ] {
        assert!(text.contains(missing), "{text}");
    }
}

/// `maxItems: 5` (a fix: the spec says "max 5" in prose) is checked by the builder.
#[test]
fn a_sixth_attachment_is_refused_before_sending() {
    let attachment = oz_api::types::AttachmentInput::from_bytes("a.txt", "x").unwrap();
    let five = vec![attachment.clone(); 5];
    RunAgentRequest::try_from(RunAgentRequest::builder().attachments(five.clone())).unwrap();
    let mut six = five;
    six.push(attachment);
    let e = RunAgentRequest::try_from(RunAgentRequest::builder().attachments(six))
        .unwrap_err()
        .to_string();
    assert_eq!(e, "attachments: at most 5 items, got 6");
}

/// The docs never list two items of one name: a type's builder is `XBuilder`
/// (typify names it `X`; patch `builder_names`), and no operation builder,
/// type or mock shares a name either.
#[test]
fn no_two_generated_structs_share_a_name() {
    let _: oz_api::types::builder::RunItemBuilder = oz_api::types::RunItem::builder();
    let read = |file: &str| std::fs::read_to_string(tests::root().join(file)).unwrap();
    let code = read(codegen::GENERATED_RUST) + &read(codegen::GENERATED_MOCKS);
    let mut names: Vec<&str> = code
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("pub struct "))
        .map(|rest| {
            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap()
        })
        .collect();
    assert!(names.len() > 100, "{names:?}");
    names.sort_unstable();
    let twice: Vec<&&str> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(twice.is_empty(), "structs of one name: {twice:?}");
}

/// Fix `attachment-image-types`: the image types the spec lists in prose are
/// checked before sending; other types pass.
#[test]
fn unsupported_image_types_are_refused_before_sending() {
    let attachment = |mime: &str| -> Result<oz_api::types::AttachmentInput, _> {
        oz_api::types::AttachmentInput::builder()
            .file_name("a")
            .mime_type(mime)
            .data("AA==")
            .try_into()
    };
    for fine in ["image/png", "image/webp", "application/pdf", "text/plain"] {
        assert!(attachment(fine).is_ok(), "{fine}");
    }
    let refused = attachment("image/bmp").unwrap_err().to_string();
    assert!(
        refused.contains("mime_type") && refused.contains("\"image/bmp\""),
        "{refused}"
    );
}
