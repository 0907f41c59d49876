//! The three daemons as one system (CHAT-8, CODER-9): boochat's session delete
//! guard and archive, asking boocoder (the real daemon, the scripted agent as a
//! real child, a real git worktree) and booterm (real tmux) over gRPC.

use std::path::{Path, PathBuf};

use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_proto::term::v1::{CreateSessionRequest, GetSessionRequest};
use boo_shared::chat::{SessionChange, SessionClosed, WorktreeReport};
use boo_shared::coder::AgentSessionStatus;
use boo_shared::config::{AuthMode, Settings};
use boo_testkit::fake_llm::{FakeLlm, Reply};
use boo_testkit::workspace::{alive, fake_acp_providers, new_chat};
use boo_testkit::{RunningDaemon, TestDb, channel, wait_for};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::terminals::Booterm;
use super::turns::{Fx, fx_on};

const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// boocoder (the fixture), booterm, and boochat pointed at both.
struct Trio {
    f: Fx,
    term: Booterm,
    chat: RunningDaemon,
    llm: FakeLlm,
}

async fn trio() -> Trio {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let term_grpc = term.grpc();
    let url = db.url.clone();
    let f = fx_on(
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| s.term.grpc_addr = term_grpc,
    )
    .await;
    let mut s: Settings = boo_testkit::settings_for(&url);
    s.auth.mode = AuthMode::None;
    s.coder.grpc_addr = f.daemon.as_ref().unwrap().grpc;
    s.term.grpc_addr = term_grpc;
    let llm = FakeLlm::start().await;
    s.llm.base_url = llm.base_url();
    let chat = RunningDaemon::spawn(s, boochat::run).await;
    Trio { f, term, chat, llm }
}

impl Trio {
    async fn delete(&self, session: Uuid, force: bool) -> (u16, Value) {
        let url = self
            .chat
            .url(&format!("/api/sessions/{session}?force={force}"));
        boo_testkit::http::call(&self.f.http, reqwest::Method::DELETE, &url, None).await
    }

    async fn patch(&self, path: &str, body: Value) -> Value {
        boo_testkit::http::patch(&self.f.http, &self.chat.url(path), body).await
    }

    async fn terminal(&self, session: Uuid) -> String {
        let mut c = TermServiceClient::new(channel(&format!("http://{}", self.term.grpc())).await);
        c.create_session(CreateSessionRequest {
            session_id: session.to_string(),
            cwd: "/tmp".into(),
            cols: 80,
            rows: 24,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
        .id
    }

    async fn terminal_status(&self, id: &str) -> String {
        let mut c = TermServiceClient::new(channel(&format!("http://{}", self.term.grpc())).await);
        c.get_session(GetSessionRequest { id: id.into() })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap()
            .status
    }

    /// A turn that says the agent's pid and writes `files`; the pid.
    async fn turn_writing(&self, files: &[&str]) -> u32 {
        let mut script = String::from("pid\n");
        for f in files {
            script.push_str(&format!("write {f} content of {f}\\n\n"));
        }
        let (status, answer) = self.f.turn(&script).await;
        assert_eq!(status, "completed", "{}", answer.content);
        pid_of(&answer.content)
    }

    async fn worktree(&self, session: Uuid) -> (PathBuf, String) {
        sqlx::query_as::<_, (String, String)>(
            "SELECT path, branch FROM worktrees WHERE session_id = $1 AND status = 'live'",
        )
        .bind(session)
        .fetch_one(&self.f.pool)
        .await
        .map(|(p, b)| (PathBuf::from(p), b))
        .unwrap()
    }

    async fn agent_row(&self, chat: Uuid) -> (AgentSessionStatus, Option<String>) {
        sqlx::query_as("SELECT status, closed_reason FROM agent_sessions WHERE chat_id = $1")
            .bind(chat)
            .fetch_one(&self.f.pool)
            .await
            .unwrap()
    }

    async fn count(&self, sql: &str, id: Uuid) -> i64 {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(&self.f.pool)
            .await
            .unwrap()
    }
}

/// The pid the scripted agent said first (`pid` command).
fn pid_of(content: &str) -> u32 {
    let digits: String = content.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no pid in {content:?}"))
}

fn branch_exists(project: &Path, branch: &str) -> bool {
    let out = std::process::Command::new("git")
        .args(["branch", "--list", branch])
        .current_dir(project)
        .output()
        .unwrap();
    !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

async fn gone(pid: u32) {
    wait_for("the agent process to end", LIMIT, || async {
        (!alive(pid)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_session_delete_is_guarded_by_the_worktree_and_then_removes_everything() {
    let t = trio().await;
    let sid = t.f.session;
    let pid = t.turn_writing(&["notes.txt"]).await;
    let term = t.terminal(sid).await;
    let (dir, branch) = t.worktree(sid).await;

    // Unapplied work: refused, with the report, and nothing touched.
    let (status, body) = t.delete(sid, false).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "worktree_at_risk");
    let report: Vec<WorktreeReport> =
        serde_json::from_value(body["details"]["worktrees"].clone()).unwrap();
    assert_eq!(
        report,
        vec![WorktreeReport {
            path: dir.display().to_string(),
            branch: branch.clone(),
            dirty_files: vec!["notes.txt".into()],
            ..WorktreeReport::default()
        }]
    );
    assert!(dir.join("notes.txt").is_file());
    assert!(alive(pid));
    assert_eq!(t.terminal_status(&term).await, "live");
    assert_eq!(
        t.count("SELECT count(*) FROM sessions WHERE id = $1", sid)
            .await,
        1
    );

    // Forced: agent, worktree (directory and branch), terminal, rows — all gone.
    let (status, body) = t.delete(sid, true).await;
    assert_eq!(status, 200, "{body}");
    let closed: SessionClosed = serde_json::from_value(body).unwrap();
    assert_eq!(
        closed,
        SessionClosed {
            cancelled_tasks: 0,
            closed_agent_sessions: 1,
            worktree_removed: true,
            worktrees_kept: vec![],
            terminals_killed: 1,
            notes: vec![],
        }
    );
    gone(pid).await;
    assert!(!dir.exists(), "worktree directory left behind");
    assert!(
        !branch_exists(t.f.project_dir.path(), &branch),
        "branch left behind"
    );
    assert_eq!(t.terminal_status(&term).await, "exited");
    for sql in [
        "SELECT count(*) FROM sessions WHERE id = $1",
        "SELECT count(*) FROM chats WHERE session_id = $1",
        "SELECT count(*) FROM tasks WHERE session_id = $1",
        "SELECT count(*) FROM worktrees WHERE session_id = $1",
    ] {
        assert_eq!(t.count(sql, sid).await, 0, "{sql}");
    }
    let (status, body) = t.delete(sid, true).await;
    assert_eq!((status, &body["code"]), (404, &json!("not_found")));
}

#[tokio::test]
async fn a_session_delete_fails_closed_when_a_peer_is_down_unless_forced() {
    let mut t = trio().await;
    let sid = t.f.session;

    // booterm down: refused before anything is touched.
    t.term.stop().await;
    let (status, body) = t.delete(sid, false).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "term_unavailable");

    t.f.daemon.take().unwrap().stop().await.unwrap();

    let (status, body) = t.delete(sid, false).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "coder_unavailable");
    assert_eq!(
        t.count("SELECT count(*) FROM sessions WHERE id = $1", sid)
            .await,
        1
    );

    let (status, body) = t.delete(sid, true).await;
    assert_eq!(status, 200, "{body}");
    let closed: SessionClosed = serde_json::from_value(body).unwrap();
    assert_eq!(closed.notes.len(), 2, "{:?}", closed.notes);
    assert!(
        closed.notes[0].starts_with("boocoder was not reached")
            && closed.notes[1].starts_with("booterm was not reached"),
        "{:?}",
        closed.notes
    );
    assert_eq!(
        t.count("SELECT count(*) FROM sessions WHERE id = $1", sid)
            .await,
        0
    );
}

#[tokio::test]
async fn archiving_closes_what_chats_and_sessions_own() {
    let t = trio().await;
    let sid = t.f.session;

    // A chat: its agent stops, its row says why.
    let pid = t.turn_writing(&[]).await;
    t.patch(
        &format!("/api/chats/{}", t.f.chat),
        json!({"status": "archived"}),
    )
    .await;
    gone(pid).await;
    assert_eq!(
        t.agent_row(t.f.chat).await,
        (AgentSessionStatus::Closed, Some("chat_archived".into()))
    );

    // A session with a clean worktree: the worktree goes, the terminal too.
    let term = t.terminal(sid).await;
    let (dir, _) = t.worktree(sid).await;
    let change: SessionChange = serde_json::from_value(
        t.patch(
            &format!("/api/sessions/{sid}"),
            json!({"status": "archived"}),
        )
        .await,
    )
    .unwrap();
    assert_eq!(change.session.status, boo_shared::chat::Status::Archived);
    assert_eq!(
        change.closed,
        Some(SessionClosed {
            worktree_removed: true,
            terminals_killed: 1,
            ..SessionClosed::default()
        })
    );
    assert!(!dir.exists());
    assert_eq!(t.terminal_status(&term).await, "exited");

    // Restored, it works again: a new worktree on the next turn.
    t.patch(&format!("/api/sessions/{sid}"), json!({"status": "open"}))
        .await;
    let chat = new_chat(&t.f.pool, sid).await;
    let f2 = Fx { chat, ..t.f };
    let (status, answer) = f2.turn("pid\nwrite kept.txt unapplied\\n").await;
    assert_eq!(status, "completed", "{}", answer.content);
    let dir: String =
        sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1 AND status = 'live'")
            .bind(sid)
            .fetch_one(&f2.pool)
            .await
            .unwrap();
    let dir = PathBuf::from(dir);
    assert!(dir.join("kept.txt").is_file());
    let pid = pid_of(&answer.content);

    // A session with unapplied work: the agent stops, the worktree is kept and
    // reported.
    let resp = f2
        .http
        .patch(t.chat.url(&format!("/api/sessions/{sid}")))
        .json(&json!({"status": "archived"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let change: SessionChange = resp.json().await.unwrap();
    let closed = change.closed.unwrap();
    assert_eq!(
        (
            closed.closed_agent_sessions,
            closed.worktree_removed,
            closed.terminals_killed
        ),
        (1, false, 0)
    );
    assert_eq!(
        closed
            .worktrees_kept
            .iter()
            .map(|w| w.dirty_files.clone())
            .collect::<Vec<_>>(),
        vec![vec!["kept.txt".to_owned()]]
    );
    gone(pid).await;
    assert!(dir.join("kept.txt").is_file());
    drop(t.term);
}

#[tokio::test]
async fn the_inbox_lists_what_waits_on_the_owner_across_sessions() {
    let t = trio().await;
    let inbox = || async {
        let resp = t.f.http.get(t.chat.url("/api/inbox")).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        resp.json::<boo_shared::chat::Inbox>().await.unwrap().items
    };

    // Session A: an agent turn waits on a permission card.
    let acc = t.f.send("ask\nsay done").await;
    wait_for("the turn to wait on its card", LIMIT, || async {
        (t.f.task_status(acc.task_id).await.0 == "blocked").then_some(())
    })
    .await;

    // Session B: the chat model asks the owner a question.
    let project: Uuid = sqlx::query_scalar("SELECT project_id FROM sessions WHERE id = $1")
        .bind(t.f.session)
        .fetch_one(&t.f.pool)
        .await
        .unwrap();
    let post = |path: String, body: Value| {
        let req = t.f.http.post(t.chat.url(&path)).json(&body);
        async move {
            let resp = req.send().await.unwrap();
            assert!(resp.status().is_success(), "POST {path}: {}", resp.status());
            resp.json::<Value>().await.unwrap()
        }
    };
    let other = post(
        "/api/sessions".into(),
        json!({"project_id": project, "title": "Other"}),
    )
    .await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let chat = post(format!("/api/sessions/{other_id}/chats"), json!({})).await;
    let chat_id = chat["id"].as_str().unwrap().to_owned();
    t.llm.push(Reply::tool_call(
        "q1",
        "ask_user_input",
        json!({"question": "Which file?"}),
    ));
    post(
        format!("/api/chats/{chat_id}/messages"),
        json!({"content": "help"}),
    )
    .await;

    let items = wait_for("both items in the inbox", LIMIT, || async {
        let items = inbox().await;
        (items.len() == 2).then_some(items)
    })
    .await;
    let seen: Vec<(boo_shared::chat::InboxKind, String, Option<String>, String)> = items
        .iter()
        .map(|i| {
            (
                i.kind,
                i.session_id.to_string(),
                i.session_title.clone(),
                i.summary.clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                boo_shared::chat::InboxKind::UserInput,
                other_id.clone(),
                Some("Other".into()),
                "Which file?".into()
            ),
            (
                boo_shared::chat::InboxKind::TaskBlocked,
                t.f.session.to_string(),
                None,
                "fake asks permission: Edit src/lib.rs".into()
            ),
        ]
    );
    assert_eq!(items[1].item_id, acc.task_id);
    assert_eq!(items[1].chat_id, Some(t.f.chat));

    // Answered, the card leaves the inbox and the turn runs on.
    let cards: Vec<Value> =
        t.f.get(&format!("/api/sessions/{}/requests", t.f.session))
            .await;
    let request = cards[0]["request_id"].as_str().unwrap().to_owned();
    let resp =
        t.f.post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "allow_once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    wait_for("the answered turn to complete", LIMIT, || async {
        let status = t.f.task_status(acc.task_id).await.0;
        (!matches!(status.as_str(), "running" | "blocked")).then_some(status)
    })
    .await;
    assert_eq!(t.f.task_status(acc.task_id).await.0, "completed");
    let left: Vec<_> = inbox().await.into_iter().map(|i| i.kind).collect();
    assert_eq!(left, vec![boo_shared::chat::InboxKind::UserInput]);

    // A failed turn waits until the owner dismisses it; only failed ones can be.
    let failed = t.f.send("refuse").await;
    assert_eq!(t.f.wait_task(failed.task_id).await.0, "failed");
    let kinds = || async {
        inbox()
            .await
            .into_iter()
            .map(|i| (i.kind, i.item_id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds().await[0],
        (boo_shared::chat::InboxKind::TaskFailed, failed.task_id)
    );
    let f = &t.f;
    let dismiss = |id: Uuid| {
        let path = format!("/api/tasks/{id}/dismiss");
        async move { f.post(&path, None).await }
    };
    assert_eq!(dismiss(failed.task_id).await.status().as_u16(), 204);
    assert_eq!(kinds().await.len(), 1);
    let resp = dismiss(acc.task_id).await;
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "not_failed");
    assert_eq!(dismiss(Uuid::new_v4()).await.status().as_u16(), 404);
}
