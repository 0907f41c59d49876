//! Sessions that outlive the agent's process: `session/resume` and `session/load`
//! against a new in-process fake agent sharing the old one's state directory.

use std::path::Path;

use boo_testkit::fake_acp::{self, FakeAcpOptions};
use pretty_assertions::assert_eq;

use super::tests::{TestHooks, turn};
use super::*;

/// A fresh fake agent on `state`, initialized.
async fn agent(state: &Path, resume: bool, load: bool) -> (Connection, AgentInfo) {
    let (reader, writer, _agent) = fake_acp::in_process(FakeAcpOptions {
        resume,
        load,
        state_dir: Some(state.to_path_buf()),
        ..FakeAcpOptions::default()
    });
    let conn = Connection::connect(reader, writer, TestHooks::new())
        .await
        .unwrap();
    let info = conn.initialize().await.unwrap();
    (conn, info)
}

#[tokio::test]
async fn a_new_process_resumes_or_loads_a_saved_session_and_replays_nothing_into_the_turn() {
    let state = tempfile::tempdir().unwrap();
    let cwd = state.path();
    let (first, info) = agent(state.path(), true, true).await;
    assert_eq!(
        (
            &info.capabilities["loadSession"],
            &info.capabilities["sessionCapabilities"]["resume"]
        ),
        (&serde_json::json!(true), &serde_json::json!({}))
    );
    let session = first.new_session(cwd).await.unwrap().id;
    first
        .set_config_option(&session, "model", "fake-smart")
        .await
        .unwrap();
    let (r, _) = turn(&first, &session, "say remember me").await;
    assert_eq!(r.unwrap(), StopReason::EndTurn);
    first.shutdown().await;

    // Resume: the same session, its model kept, one earlier turn.
    let (second, _) = agent(state.path(), true, false).await;
    let resumed = second.resume_session(&session, cwd).await.unwrap();
    assert_eq!(
        resumed.models().map(|(_, m)| m.to_owned()),
        Some("fake-smart".into())
    );
    let (_, events) = turn(&second, &session, "history").await;
    assert_eq!(
        events,
        vec![
            AgentEvent::Text("history: ".into()),
            AgentEvent::Text("1 ".into()),
            AgentEvent::Text("turns".into())
        ]
    );
    second.shutdown().await;

    // Load: the replayed turns (both of them) reach no turn's events.
    let (third, _) = agent(state.path(), false, true).await;
    third.load_session(&session, cwd).await.unwrap();
    let (_, events) = turn(&third, &session, "history").await;
    assert_eq!(
        events,
        vec![
            AgentEvent::Text("history: ".into()),
            AgentEvent::Text("2 ".into()),
            AgentEvent::Text("turns".into())
        ]
    );
    // Without the capability, or for an unknown session: an error.
    assert!(third.resume_session(&session, cwd).await.is_err());
    assert!(third.load_session("fake-nope", cwd).await.is_err());
    third.shutdown().await;
}
