//! Agent lifecycle (CODER-9) through the whole daemon: a chat's agent session
//! picked up again after boocoder restarts (`session/resume`, `session/load`, or
//! the chat's transcript), its mode and model re-applied; the LRU cap on warm
//! agents; the reaper; what else survives a restart ("always" answers, provider
//! enablement, plans and commands). The agent is the scripted `boo-fake-acp`,
//! keeping its sessions in a state directory so a new process can pick them up.

use std::path::Path;
use std::time::Duration;

use boo_shared::chat::MessageStatus;
use boo_shared::coder::{AgentPlan, AgentSessionStatus, TurnAccepted};
use boo_shared::providers::ProvidersSnapshot;
use boo_testkit::TestDb;
use boo_testkit::wait_for;
use boo_testkit::workspace::{alive, new_chat};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::turns::{Fx, fx_on, next_frame};

const LIMIT: Duration = Duration::from_secs(30);

/// Provider `fake` = `boo-fake-acp <flags> --state-dir <scratch>/state`.
fn fake_with(flags: &'static [&'static str]) -> impl FnOnce(&Path, &Path) {
    move |scratch, file| {
        let mut args: Vec<String> = flags.iter().map(|s| (*s).to_owned()).collect();
        args.push("--state-dir".into());
        args.push(scratch.join("state").display().to_string());
        std::fs::write(
            file,
            format!(
                "[providers.fake]\ncommand = {:?}\nargs = {:?}\n",
                boo_testkit::fake_acp::binary().display().to_string(),
                args
            ),
        )
        .unwrap();
    }
}

/// boocoder with the fake agent advertising `flags`; boochat unreachable (the
/// transcript comes from the database).
async fn fx_flags(
    flags: &'static [&'static str],
    tweak: impl FnOnce(&mut boo_shared::config::Settings),
) -> Fx {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    fx_on(TestDb::create().await, "fake", fake_with(flags), |s| {
        s.chat.grpc_addr = closed;
        tweak(s);
    })
    .await
}

/// Send a turn with a mode and a model; wait for it; its status and answer.
async fn turn_with(f: &Fx, prompt: &str, mode: &str, model: &str) -> (String, String) {
    let path = format!("/api/sessions/{}/chats/{}/messages", f.session, f.chat);
    let body = json!({"content": prompt, "provider": "fake", "mode": mode, "model": model});
    let resp = f.post(&path, Some(body)).await;
    assert_eq!(resp.status().as_u16(), 202);
    let acc: TurnAccepted = resp.json().await.unwrap();
    let (status, _) = f.wait_task(acc.task_id).await;
    (status, f.answer(acc.task_id).await.content)
}

/// The row's (status, start kind, agent session id, mode, model).
async fn row(
    f: &Fx,
) -> (
    AgentSessionStatus,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    let rows = f.agent_sessions().await;
    let r = rows.iter().find(|r| r.chat_id == f.chat).unwrap();
    (
        r.status,
        r.start_kind.clone(),
        r.agent_session_id.clone(),
        r.mode_id.clone(),
        r.model.clone(),
    )
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[tokio::test]
async fn after_a_restart_a_resumable_agent_resumes_its_session_with_the_chats_mode_and_model() {
    let mut f = fx_flags(&["--resume"], |_| {}).await;
    let (status, first) = turn_with(&f, "session\nsay |\nconfig", "ask", "fake-smart").await;
    assert_eq!(status, "completed", "{first}");
    let sid = first.split('|').next().unwrap().to_owned();
    assert_eq!(first, format!("{sid}|config: mode=ask model=fake-smart"));
    assert_eq!(
        row(&f).await,
        (
            AgentSessionStatus::Idle,
            s("new"),
            Some(sid.clone()),
            s("ask"),
            s("fake-smart")
        )
    );

    f.restart().await;
    // The restart marked the row evicted (its child is gone).
    assert_eq!(row(&f).await.0, AgentSessionStatus::Evicted);
    let (status, second) = f.turn("session\nsay |\nconfig\nsay |\nhistory").await;
    assert_eq!(status, "completed", "{}", second.content);
    assert_eq!(
        second.content,
        format!("{sid}|config: mode=ask model=fake-smart|history: 1 turns")
    );
    assert_eq!(
        row(&f).await,
        (
            AgentSessionStatus::Idle,
            s("resumed"),
            Some(sid),
            s("ask"),
            s("fake-smart")
        )
    );
}

#[tokio::test]
async fn an_agent_that_can_only_load_loads_its_session_without_replaying_it_into_the_turn() {
    let mut f = fx_flags(&["--load"], |_| {}).await;
    let (status, first) = f.turn("session\nsay |\nsay the first answer").await;
    assert_eq!(status, "completed", "{}", first.content);
    let sid = first.content.split('|').next().unwrap().to_owned();
    f.restart().await;
    let (status, second) = f.turn("session\nsay |\nhistory").await;
    assert_eq!(status, "completed", "{}", second.content);
    // The replayed turn (prompt and "the first answer") is not in this message.
    assert_eq!(second.content, format!("{sid}|history: 1 turns"));
    assert_eq!(row(&f).await.1, s("loaded"));
}

#[tokio::test]
async fn an_agent_that_cannot_resume_gets_the_chats_transcript_and_its_settings_again() {
    let mut f = fx_flags(&[], |_| {}).await;
    // One line: rendered into the next prompt as `user: session`, which the fake
    // echoes instead of running.
    let (status, old_sid) = turn_with(&f, "session", "ask", "fake-smart").await;
    assert_eq!(status, "completed", "{old_sid}");
    f.restart().await;
    let (status, second) = f.turn("config\nsay |\nhistory").await;
    assert_eq!(status, "completed", "{}", second.content);
    // Each line of the prompt the agent does not know comes back as `Echo: <line>`:
    // the earlier turn (its own answer included), then the new prompt's output in
    // a fresh session, with the chat's mode and model set again.
    assert_eq!(
        second.content,
        format!(
            "Echo: Earlier in this chat (your previous session could not be resumed):\
             Echo: user: session\
             Echo: assistant (fake): {old_sid}\
             Echo: ---\
             config: mode=ask model=fake-smart|history: 0 turns"
        )
    );
    let (status, kind, sid, mode, model) = row(&f).await;
    assert_eq!(
        (status, kind, mode, model),
        (
            AgentSessionStatus::Idle,
            s("history"),
            s("ask"),
            s("fake-smart")
        )
    );
    assert_ne!(sid, Some(old_sid));
    // The next turn is a plain one again.
    let (_, third) = f.turn("say plain").await;
    assert_eq!(third.content, "plain");
}

#[tokio::test]
async fn a_setting_the_agent_does_not_take_is_shown_in_the_chat_and_not_kept() {
    let f = fx_flags(&[], |_| {}).await;
    let (status, said) = turn_with(&f, "config", "ask", "gpt-9").await;
    assert_eq!(status, "completed", "{said}");
    assert_eq!(said, "config: mode=ask model=fake-fast");
    let notices: Vec<(String, Value)> = sqlx::query_as(
        "SELECT content, metadata FROM messages WHERE chat_id = $1 AND role = 'system'",
    )
    .bind(f.chat)
    .fetch_all(&f.pool)
    .await
    .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let (text, meta) = &notices[0];
    assert!(
        text.starts_with("fake did not take this chat's settings:\nmodel \"gpt-9\" was refused (")
            && text.ends_with("); the agent reports fake-fast"),
        "{text}"
    );
    assert_eq!(
        (
            &meta["kind"],
            &meta["agent"],
            &meta["settings"][0]["wanted"],
            &meta["settings"][0]["reported"]
        ),
        (
            &json!("config_mismatch"),
            &json!("fake"),
            &json!("gpt-9"),
            &json!("fake-fast")
        )
    );
    // The confirmed mode is kept, the refused model is not.
    let (_, _, _, mode, model) = row(&f).await;
    assert_eq!((mode, model), (s("ask"), None));
}

/// A second session of the fixture's project with a chat; (session, chat).
async fn another_session(f: &Fx) -> (Uuid, Uuid) {
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO sessions (project_id) SELECT project_id FROM sessions WHERE id = $1 RETURNING id",
    )
    .bind(f.session)
    .fetch_one(&f.pool)
    .await
    .unwrap();
    (session, new_chat(&f.pool, session).await)
}

async fn status_of(f: &Fx, chat: Uuid) -> AgentSessionStatus {
    try_status_of(f, chat).await.unwrap()
}

async fn try_status_of(f: &Fx, chat: Uuid) -> Option<AgentSessionStatus> {
    sqlx::query_scalar("SELECT status FROM agent_sessions WHERE chat_id = $1")
        .bind(chat)
        .fetch_optional(&f.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn over_the_cap_the_least_recently_used_idle_agent_stops_and_a_running_one_never() {
    let mut f = fx_flags(&[], |s| s.coder.max_warm_agents = 2).await;
    let (a_session, a_chat) = (f.session, f.chat);
    let (b_session, b_chat) = another_session(&f).await;
    let (c_session, c_chat) = another_session(&f).await;
    // A: the oldest, held running.
    let a = f.send("slow 20000").await;
    wait_for("A to run", LIMIT, || async {
        (f.task_status(a.task_id).await.0 == "running").then_some(())
    })
    .await;
    wait_for("A's agent to be in its turn", LIMIT, || async {
        (try_status_of(&f, a_chat).await == Some(AgentSessionStatus::Active)).then_some(())
    })
    .await;
    // B: idle after its turn.
    (f.session, f.chat) = (b_session, b_chat);
    let (status, b) = f.turn("pid").await;
    assert_eq!(status, "completed", "{}", b.content);
    let b_pid: u32 = b.content.parse().unwrap();
    // C: a third agent; B (idle) goes, A (running, older) stays.
    (f.session, f.chat) = (c_session, c_chat);
    let (status, c) = f.turn("pid").await;
    assert_eq!(status, "completed", "{}", c.content);
    let c_pid: u32 = c.content.parse().unwrap();
    wait_for("B's child to be gone", LIMIT, || async {
        (!alive(b_pid)).then_some(())
    })
    .await;
    assert_eq!(status_of(&f, b_chat).await, AgentSessionStatus::Evicted);
    assert_eq!(status_of(&f, a_chat).await, AgentSessionStatus::Active);
    assert_eq!(status_of(&f, c_chat).await, AgentSessionStatus::Idle);
    assert!(alive(c_pid));
    assert_eq!(f.task_status(a.task_id).await.0, "running");
    // A's turn was never touched: cancelled by the owner, not failed.
    (f.session, f.chat) = (a_session, a_chat);
    let resp: Value = f.post_ok(&format!("/api/tasks/{}/cancel", a.task_id)).await;
    assert_eq!(resp, json!({"cancelled": true}));
    assert_eq!(f.wait_task(a.task_id).await.0, "cancelled");
    assert_eq!(f.answer(a.task_id).await.status, MessageStatus::Cancelled);
    // Two live children again: B's next turn starts a new one and stops the LRU idle (C or A).
    (f.session, f.chat) = (b_session, b_chat);
    let (status, again) = f.turn("pid").await;
    assert_eq!(status, "completed", "{}", again.content);
    let live = [AgentSessionStatus::Active, AgentSessionStatus::Idle];
    let mut live_rows = 0;
    for chat in [a_chat, b_chat, c_chat] {
        if live.contains(&status_of(&f, chat).await) {
            live_rows += 1;
        }
    }
    assert_eq!(live_rows, 2);
    assert_eq!(
        status_of(&f, c_chat).await,
        AgentSessionStatus::Evicted,
        "C was used before A ended"
    );
    f.daemon.take().unwrap().stop().await.unwrap();
}

fn branches(dir: &Path) -> String {
    let out = std::process::Command::new("git")
        .args(["branch", "--list", "boo/*", "--format=%(refname:short)"])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_reaper_removes_what_deleted_sessions_left_and_evicts_rows_nobody_holds() {
    let f = fx_flags(&[], |s| s.coder.reaper_interval_secs = 1).await;
    let (status, _) = f.turn("say hello").await;
    assert_eq!(status, "completed");
    let (wt_id, wt_path): (Uuid, String) =
        sqlx::query_as("SELECT id, path FROM worktrees WHERE session_id = $1 AND status = 'live'")
            .bind(f.session)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    let branch = format!("boo/{}", f.session);
    assert_eq!(branches(f.project_dir.path()), format!("{branch}\n"));
    assert!(Path::new(&wt_path).is_dir());
    // A branch of a session that no longer exists (its worktree long gone), one of
    // a session that does (kept), a stray directory under the root, and a row
    // claiming a child nobody holds.
    let gone_branch = format!("boo/{}", Uuid::new_v4());
    boo_testkit::workspace::git(f.project_dir.path(), &["branch", &gone_branch]);
    let stray = f
        .settings
        .coder
        .worktree_root
        .join(Uuid::new_v4().to_string());
    std::fs::create_dir_all(stray.join("src")).unwrap();
    std::fs::write(stray.join("src/left.txt"), "left behind").unwrap();
    let (other_session, other_chat) = another_session(&f).await;
    let kept_branch = format!("boo/{other_session}");
    boo_testkit::workspace::git(f.project_dir.path(), &["branch", &kept_branch]);
    sqlx::query(
        "INSERT INTO agent_sessions (chat_id, agent, session_id, backend, status)
         VALUES ($1, 'fake', $2, 'acp_warm', 'idle')",
    )
    .bind(other_chat)
    .bind(other_session)
    .execute(&f.pool)
    .await
    .unwrap();

    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(f.session)
        .execute(&f.pool)
        .await
        .unwrap();
    wait_for(
        "the reaper to remove the orphan worktree",
        LIMIT,
        || async {
            let st: String = sqlx::query_scalar("SELECT status FROM worktrees WHERE id = $1")
                .bind(wt_id)
                .fetch_one(&f.pool)
                .await
                .unwrap();
            let row = try_status_of(&f, other_chat).await;
            (st == "removed" && !stray.exists() && row == Some(AgentSessionStatus::Evicted))
                .then_some(())
        },
    )
    .await;
    assert!(!Path::new(&wt_path).exists(), "{wt_path}");
    assert_eq!(branches(f.project_dir.path()), format!("{kept_branch}\n"));
}

#[tokio::test]
async fn always_answers_provider_choices_plans_and_commands_survive_a_restart() {
    let mut f = fx_flags(&["--resume"], |_| {}).await;
    let mut ws = f.ws().await;
    let acc = f
        .send("ask\nplan write the tests; run them\nsay after")
        .await;
    let card = next_frame(&mut ws, "permission_requested").await;
    let request = card["request_id"].as_str().unwrap();
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "allow_always"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(f.wait_task(acc.task_id).await.0, "completed");
    let message_id = f.answer(acc.task_id).await.id;
    let resp = f
        .http
        .patch(f.url("/api/providers/fake"))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    drop(ws);

    f.restart().await;
    let snapshot: ProvidersSnapshot = f.get("/api/providers/snapshot").await;
    let fake = snapshot.providers.iter().find(|p| p.id == "fake").unwrap();
    assert!(!fake.enabled, "the owner's choice outlives the restart");
    let rows = f.agent_sessions().await;
    assert_eq!(
        rows[0].plan,
        Some(AgentPlan {
            message_id,
            entries: vec![
                json!({"content": "write the tests", "priority": "medium", "status": "pending"}),
                json!({"content": "run them", "priority": "medium", "status": "pending"}),
            ],
        })
    );
    let names: Vec<&str> = rows[0]
        .commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["review", "explain"]);

    let resp = f
        .http
        .patch(f.url("/api/providers/fake"))
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // The "always" answer holds in the new process: no card this time.
    let (status, again) = f.turn("ask\nsay done").await;
    assert_eq!(status, "completed", "{}", again.content);
    assert_eq!(again.content, "permission: allow_alwaysdone");
    let kept: Vec<(String, String, String)> =
        sqlx::query_as("SELECT agent, tool_kind, option_kind FROM permission_always")
            .fetch_all(&f.pool)
            .await
            .unwrap();
    assert_eq!(
        kept,
        vec![(
            "fake".to_owned(),
            "edit".to_owned(),
            "allow_always".to_owned()
        )]
    );
}
