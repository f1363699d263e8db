//! Fixtures as easy as calls: every generated object type has `new` taking its
//! required fields alone, and every discriminated union a constructor per
//! variant that sets the tag, and an accessor for the tag (codegen
//! `constructors`). What they build is what the API sends: it round-trips
//! through serde, and a mock serves it to the client.

use chrono::{DateTime, Utc};
use oz_api::mock::MockServer;
use oz_api::types::{
    ArtifactItem, ConversationContentBlock, FileArtifactData, ListRunsResponse, PageInfo,
    PlanArtifactData, PullRequestArtifactData, RunItem, RunState, ScreenshotArtifactData,
};
use serde_json::json;

fn at() -> DateTime<Utc> {
    "2026-12-01T10:00:00Z".parse().unwrap()
}

#[test]
fn a_run_is_its_required_fields_and_nothing_else() {
    let run = RunItem::new(at(), "Fix it", "r1", RunState::Queued, "Fix the test", at());
    let value = serde_json::to_value(&run).unwrap();
    assert_eq!(
        value,
        json!({
            "created_at": "2026-12-01T10:00:00Z", "prompt": "Fix it", "run_id": "r1",
            "state": "QUEUED", "title": "Fix the test", "updated_at": "2026-12-01T10:00:00Z",
        })
    );
    // Optional fields are set after, and the value decodes as it was written.
    let mut run = run;
    run.session_link = Some("https://app.warp.dev/session/s1".into());
    run.artifacts = vec![ArtifactItem::plan(at(), PlanArtifactData::new("doc1"))];
    let value = serde_json::to_value(&run).unwrap();
    let back: RunItem = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), value);
    assert_eq!(back.artifacts[0].artifact_type(), "PLAN");
}

#[test]
fn each_variant_is_built_with_its_tag_set_and_reads_it_back() {
    let artifacts = [
        ArtifactItem::plan(at(), PlanArtifactData::new("doc1")),
        ArtifactItem::pull_request(
            at(),
            PullRequestArtifactData::new("fix-auth", "https://github.com/o/r/pull/1"),
        ),
        ArtifactItem::screenshot(at(), ScreenshotArtifactData::new("a1", "image/png")),
        ArtifactItem::file(
            at(),
            FileArtifactData::new("a2", "out.txt", "/tmp/out.txt", "text/plain"),
        ),
    ];
    for (artifact, tag) in artifacts
        .iter()
        .zip(["PLAN", "PULL_REQUEST", "SCREENSHOT", "FILE"])
    {
        assert_eq!(artifact.artifact_type(), tag);
        let value = serde_json::to_value(artifact).unwrap();
        assert_eq!(value["artifact_type"], tag, "{value}");
        assert_eq!(value["created_at"], "2026-12-01T10:00:00Z", "{value}");
        // The tag dispatch decodes it as the variant it was built as.
        let back: ArtifactItem = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(
            std::mem::discriminant(&back),
            std::mem::discriminant(artifact)
        );
        assert_eq!(back.artifact_type(), tag);
        assert_eq!(serde_json::to_value(&back).unwrap(), value);
    }
    let pr = serde_json::to_value(&artifacts[1]).unwrap();
    assert_eq!(
        pr["data"],
        json!({"branch": "fix-auth", "url": "https://github.com/o/r/pull/1"})
    );

    // Another union, whose tag is `type`: the accessor is typify's `type_`.
    let text = ConversationContentBlock::text("hello");
    assert_eq!(text.type_(), "text");
    assert_eq!(
        serde_json::to_value(&text).unwrap(),
        json!({"type": "text", "text": "hello"})
    );
}

#[test]
fn an_unknown_variant_reads_its_tag_from_the_json() {
    let video: ArtifactItem =
        serde_json::from_value(json!({"artifact_type": "VIDEO", "data": {}})).unwrap();
    assert!(matches!(video, ArtifactItem::Unknown(_)), "{video:?}");
    assert_eq!(video.artifact_type(), "VIDEO");
    let untagged: ArtifactItem = serde_json::from_value(json!({"data": {}})).unwrap();
    assert_eq!(untagged.artifact_type(), "");
    let odd: ArtifactItem = serde_json::from_value(json!({"artifact_type": 7})).unwrap();
    assert_eq!(odd.artifact_type(), "");
}

#[tokio::test]
async fn a_mock_serves_fixtures_built_with_constructors() {
    let mock = MockServer::start().await;
    let mut run = RunItem::new(
        at(),
        "Fix it",
        "r1",
        RunState::Succeeded,
        "Fix the test",
        at(),
    );
    run.artifacts = vec![ArtifactItem::pull_request(
        at(),
        PullRequestArtifactData::new("fix", "https://github.com/o/r/pull/2"),
    )];
    let page = ListRunsResponse::new(PageInfo::new(false), vec![run]);
    mock.list_runs(|_when, then| then.ok(&page)).await;
    let got = mock.client().list_runs().send().await.unwrap().into_inner();
    assert_eq!(got.runs[0].run_id, "r1");
    assert_eq!(got.runs[0].artifacts[0].artifact_type(), "PULL_REQUEST");
    match &got.runs[0].artifacts[0] {
        ArtifactItem::PullRequestArtifact(pr) => assert_eq!(pr.data.branch, "fix"),
        other => panic!("{other:?}"),
    }
}
