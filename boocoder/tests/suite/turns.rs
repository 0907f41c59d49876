//! Agent turns through the whole daemon: HTTP + WS, the dispatcher, a warm ACP
//! child (the scripted `boo-fake-acp`), a real git worktree, pending changes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boo_shared::chat::{MessageStatus, MessageWindow};
use boo_shared::coder::{AgentSessionInfo, AgentSessionStatus, PendingChange, TurnAccepted};
use boo_shared::config::{AuthMode, Settings};
use boo_testkit::workspace::{Catalog, alive, catalog, fake_acp_providers, git_repo, new_chat};
use boo_testkit::{RunningDaemon, TestDb, socket_listeners, wait_for};
use futures::StreamExt;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

const LIMIT: Duration = Duration::from_secs(30);

/// boocoder on a fresh database, with a project (a git repo), a session and a
/// chat in it; turns go to one provider.
pub struct Fx {
    pub daemon: Option<RunningDaemon>,
    pub _db: TestDb,
    pub pool: PgPool,
    pub http: reqwest::Client,
    pub project_dir: tempfile::TempDir,
    /// The providers file, the worktrees and whatever else the provider needs.
    pub _scratch: tempfile::TempDir,
    pub session: Uuid,
    pub chat: Uuid,
    /// The provider turns are sent to.
    pub provider: &'static str,
    /// What boocoder was started with (a restart starts it again with them).
    pub settings: Settings,
    /// The Unix socket boocoder serves HTTP on ([`Serve::Socket`]).
    pub socket: Option<PathBuf>,
}

/// Where the fixture's boocoder serves.
pub enum Serve {
    /// HTTP and gRPC on fresh loopback ports (the suites' default).
    Loopback,
    /// HTTP on `<scratch>/boocoder.sock`, production's shape (the systemd socket,
    /// where `Remote-*` headers are believed); gRPC on this listener, bound first so
    /// that peers can be pointed at it (`coder.grpc_addr` is set to its address).
    Socket(tokio::net::TcpListener),
}

/// Turns go to the scripted `boo-fake-acp`.
pub async fn fx() -> Fx {
    fx_with("fake", |_, file| fake_acp_providers(file)).await
}

/// Turns go to `provider`, which `write_providers(scratch dir, providers file)`
/// configures.
pub async fn fx_with(provider: &'static str, write_providers: impl FnOnce(&Path, &Path)) -> Fx {
    fx_on(TestDb::create().await, provider, write_providers, |_| {}).await
}

/// [`fx_with`] on `db`, with boocoder's settings adjusted by `tweak` before it starts.
pub async fn fx_on(
    db: TestDb,
    provider: &'static str,
    write_providers: impl FnOnce(&Path, &Path),
    tweak: impl FnOnce(&mut Settings),
) -> Fx {
    fx_in(&std::env::temp_dir(), db, provider, write_providers, tweak).await
}

/// [`fx_on`] with the project and scratch directories made in `base`.
pub async fn fx_in(
    base: &Path,
    db: TestDb,
    provider: &'static str,
    write_providers: impl FnOnce(&Path, &Path),
    tweak: impl FnOnce(&mut Settings),
) -> Fx {
    fx_served(base, db, provider, write_providers, tweak, Serve::Loopback).await
}

/// [`fx_in`], boocoder serving as `serve` says. The fixture's client stands in for
/// the auth proxy: every request says `Remote-User: owner` (ignored with
/// `auth.mode = "none"`, the suites' default).
pub async fn fx_served(
    base: &Path,
    db: TestDb,
    provider: &'static str,
    write_providers: impl FnOnce(&Path, &Path),
    tweak: impl FnOnce(&mut Settings),
    serve: Serve,
) -> Fx {
    let project_dir = tempfile::tempdir_in(base).unwrap();
    git_repo(project_dir.path());
    let scratch = tempfile::tempdir_in(base).unwrap();
    let providers = scratch.path().join("providers.toml");
    write_providers(scratch.path(), &providers);
    let mut settings: Settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = AuthMode::None;
    settings.coder.worktree_root = scratch.path().join("wt");
    settings.coder.providers_file = Some(providers);
    tweak(&mut settings);
    let (listeners, socket) = match serve {
        Serve::Loopback => (boo_testkit::loopback_listeners().await, None),
        Serve::Socket(grpc) => {
            settings.coder.grpc_addr = grpc.local_addr().unwrap();
            let path = scratch.path().join("boocoder.sock");
            (socket_listeners(&path, grpc), Some(path))
        }
    };
    let daemon = RunningDaemon::spawn_on(settings.clone(), listeners, boocoder::run).await;
    let http = daemon
        .client_builder()
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::HeaderName::from_static("remote-user"),
            reqwest::header::HeaderValue::from_static("owner"),
        )]))
        .build()
        .unwrap();
    let pool = PgPool::connect(&db.url).await.unwrap();
    let Catalog { session, chat, .. } = catalog(&pool, project_dir.path()).await;
    Fx {
        daemon: Some(daemon),
        _db: db,
        pool,
        http,
        project_dir,
        _scratch: scratch,
        session,
        chat,
        provider,
        settings,
        socket,
    }
}

impl Fx {
    /// Stop boocoder and start a new one on the same database and settings.
    pub async fn restart(&mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop().await.unwrap();
        }
        let listeners = match &self.socket {
            Some(path) => {
                let grpc = tokio::net::TcpListener::bind(self.settings.coder.grpc_addr)
                    .await
                    .unwrap();
                socket_listeners(path, grpc)
            }
            None => boo_testkit::loopback_listeners().await,
        };
        self.daemon =
            Some(RunningDaemon::spawn_on(self.settings.clone(), listeners, boocoder::run).await);
    }

    pub fn url(&self, path: &str) -> String {
        self.daemon.as_ref().unwrap().url(path)
    }

    /// `GET path` (an `/api/…` path), decoded.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        boo_testkit::http::get(&self.http, &self.url(path)).await
    }

    /// `POST path` with an optional JSON body; the response, whatever its status.
    pub async fn post(&self, path: &str, body: Option<Value>) -> reqwest::Response {
        let req = self.http.post(self.url(path));
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        req.send().await.unwrap()
    }

    /// `POST path` answered 200, decoded.
    pub async fn post_ok<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let url = self.url(path);
        boo_testkit::http::expect(&self.http, reqwest::Method::POST, &url, None, 200).await
    }

    pub async fn send(&self, prompt: &str) -> TurnAccepted {
        let path = format!(
            "/api/sessions/{}/chats/{}/messages",
            self.session, self.chat
        );
        let body = json!({"content": prompt, "provider": self.provider});
        boo_testkit::http::post(&self.http, &self.url(&path), body, 202).await
    }

    pub async fn task_status(&self, id: Uuid) -> (String, Option<String>) {
        sqlx::query_as("SELECT status, error FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn wait_task(&self, id: Uuid) -> (String, Option<String>) {
        self.wait_task_within(id, LIMIT).await
    }

    pub async fn wait_task_within(&self, id: Uuid, limit: Duration) -> (String, Option<String>) {
        wait_for("the task to end", limit, || async {
            let s = self.task_status(id).await;
            // `blocked` = waiting on a card: still in flight.
            (!matches!(s.0.as_str(), "queued" | "running" | "blocked")).then_some(s)
        })
        .await
    }

    /// The assistant message a task produced.
    pub async fn answer(&self, task: Uuid) -> boo_shared::chat::Message {
        let w: MessageWindow = self
            .get(&format!("/api/chats/{}/messages", self.chat))
            .await;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM messages WHERE task_id = $1")
            .bind(task)
            .fetch_one(&self.pool)
            .await
            .unwrap();
        w.items.into_iter().find(|m| m.id == id).unwrap()
    }

    pub async fn turn(&self, prompt: &str) -> (String, boo_shared::chat::Message) {
        let (status, _, message) = self.turn_within(prompt, LIMIT).await;
        (status, message)
    }

    /// Send `prompt`, wait up to `limit` for its task to end; the task's status and
    /// error, and its assistant message.
    pub async fn turn_within(
        &self,
        prompt: &str,
        limit: Duration,
    ) -> (String, Option<String>, boo_shared::chat::Message) {
        let acc = self.send(prompt).await;
        let (status, error) = self.wait_task_within(acc.task_id, limit).await;
        (status, error, self.answer(acc.task_id).await)
    }

    /// Send a turn that runs for 20 s, cancel it once it runs and the prompt has
    /// reached the agent (a cancel before that fails the task), and see the task end
    /// cancelled.
    pub async fn cancel_a_slow_turn(&self) -> TurnAccepted {
        let acc = self.send("slow 20000").await;
        wait_for("the slow turn to run", LIMIT, || async {
            (self.task_status(acc.task_id).await.0 == "running").then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let resp: Value = self
            .post_ok(&format!("/api/tasks/{}/cancel", acc.task_id))
            .await;
        assert_eq!(resp, json!({"cancelled": true}));
        let (status, _) = self.wait_task(acc.task_id).await;
        assert_eq!(status, "cancelled");
        acc
    }

    pub async fn agent_sessions(&self) -> Vec<AgentSessionInfo> {
        self.get(&format!("/api/sessions/{}/agent-sessions", self.session))
            .await
    }

    pub async fn ws(
        &self,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        let d = self.daemon.as_ref().unwrap();
        assert!(d.socket.is_none(), "ws() speaks TCP only");
        let (mut ws, _) = tokio_tungstenite::connect_async(format!(
            "ws://{}/api/ws?session_id={}",
            d.http, self.session
        ))
        .await
        .unwrap();
        let _hello = ws.next().await;
        ws
    }

    pub async fn pending(&self) -> Vec<PendingChange> {
        self.get(&format!("/api/sessions/{}/pending", self.session))
            .await
    }
}

pub async fn next_frame(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    want: &str,
) -> Value {
    loop {
        let msg = tokio::time::timeout(LIMIT, ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let WsMessage::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == want {
                return v;
            }
        }
    }
}

/// Prompts put `say |` between outputs, so the pid is the all-digit piece.
fn said_pid(m: &boo_shared::chat::Message) -> u32 {
    m.content
        .split('|')
        .find_map(|w| w.trim().parse().ok())
        .unwrap_or_else(|| panic!("a pid in {:?}", m.content))
}

#[tokio::test]
async fn a_warm_agent_serves_turns_streams_them_and_survives_cancel() {
    let mut f = fx().await;
    let mut ws = f.ws().await;
    let (status, first) = f
        .turn("think planning\nsay hello from the agent\nsay |\npid\nsay |\nsession")
        .await;
    assert_eq!(status, "completed");
    assert_eq!(first.status, MessageStatus::Complete);
    assert_eq!(first.agent.as_deref(), Some("fake"));
    assert!(
        first.content.contains("hello from the agent"),
        "{}",
        first.content
    );
    let pid = said_pid(&first);
    let started = next_frame(&mut ws, "message_started").await;
    assert_eq!(started["message"]["agent"], "fake");
    // The second turn reuses the same child and ACP session.
    let (_, second) = f.turn("say |\npid\nsay |\nsession").await;
    assert_eq!(said_pid(&second), pid);
    let session_line =
        |m: &boo_shared::chat::Message| m.content.rsplit('|').next().unwrap_or_default().to_owned();
    assert_eq!(session_line(&second), session_line(&first));
    let rows = f.agent_sessions().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].agent.as_str(),
            rows[0].status,
            rows[0].backend.as_str()
        ),
        ("fake", AgentSessionStatus::Idle, "acp_warm")
    );

    // Cancel a slow turn: the turn ends cancelled, the child lives on.
    let acc = f.cancel_a_slow_turn().await;
    assert_eq!(f.answer(acc.task_id).await.status, MessageStatus::Cancelled);
    assert!(alive(pid));
    let (_, after) = f.turn("pid").await;
    assert_eq!(said_pid(&after), pid);

    // Stopping boocoder stops the child.
    f.daemon.take().unwrap().stop().await.unwrap();
    wait_for("the agent child to be gone", LIMIT, || async {
        (!alive(pid)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_crashed_agent_fails_its_turn_and_the_next_turn_respawns_it() {
    let f = fx().await;
    let (_, first) = f.turn("pid").await;
    let pid = said_pid(&first);
    // One line: the respawned agent cannot resume (the fake is not asked to), so
    // its first prompt carries the chat's transcript, where this turn shows as
    // `user: crash` (echoed, not run again).
    let (status, crashed) = f.turn("crash").await;
    assert_eq!(status, "failed");
    assert_eq!(crashed.status, MessageStatus::Failed);
    let row: AgentSessionStatus =
        sqlx::query_scalar("SELECT status FROM agent_sessions WHERE chat_id = $1")
            .bind(f.chat)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    assert_eq!(row, AgentSessionStatus::Crashed);
    let (status, again) = f.turn("say |\npid").await;
    assert_eq!(status, "completed", "{}", again.content);
    assert_ne!(said_pid(&again), pid);
}

#[tokio::test]
async fn a_written_file_becomes_a_pending_change_that_applies_and_rebaselines() {
    let f = fx().await;
    let mut ws = f.ws().await;
    let (status, _) = f.turn("write notes/todo.txt buy milk\nsay written").await;
    assert_eq!(status, "completed");
    let frame = next_frame(&mut ws, "pending_changed").await;
    assert_eq!(frame["changes"][0]["path"], "notes/todo.txt");
    let pending = f.pending().await;
    assert_eq!(pending.len(), 1);
    let change = &pending[0];
    assert_eq!(
        (
            change.path.as_str(),
            change.agent.as_deref(),
            format!("{:?}", change.status)
        ),
        ("notes/todo.txt", Some("fake"), "Pending".into())
    );
    assert!(
        !f.project_dir.path().join("notes/todo.txt").exists(),
        "nothing touches the project before approval"
    );
    let applied: PendingChange = f
        .post_ok(&format!("/api/pending/{}/approve", change.id))
        .await;
    assert_eq!(format!("{:?}", applied.status), "Applied");
    assert_eq!(
        std::fs::read_to_string(f.project_dir.path().join("notes/todo.txt")).unwrap(),
        "buy milk"
    );
    // The next turn's diff no longer carries the applied file.
    let (_, _) = f.turn("say nothing new").await;
    let still: Vec<PendingChange> = f
        .pending()
        .await
        .into_iter()
        .filter(|c| format!("{:?}", c.status) == "Pending")
        .collect();
    assert_eq!(still, Vec::new());
    // Approving again is refused.
    let resp = f
        .post(&format!("/api/pending/{}/approve", change.id), None)
        .await;
    assert_eq!(resp.status().as_u16(), 409);
    // Writes outside the worktree are refused by the agent's client.
    let (_, escape) = f.turn("write ../../outside.txt nope").await;
    assert!(
        !PathBuf::from(f.project_dir.path())
            .join("../../outside.txt")
            .exists()
    );
    assert!(
        escape.content.to_lowercase().contains("error") || escape.status == MessageStatus::Failed,
        "{}",
        escape.content
    );
}

#[tokio::test]
async fn permission_cards_wait_for_the_owner() {
    let f = fx().await;
    let mut ws = f.ws().await;
    let acc = f.send("ask\nsay after").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    let options: Vec<&str> = card["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(options.contains(&"allow_once"), "{options:?}");
    let request = card["request_id"].as_str().unwrap();
    // A browser that reloads now still finds the card.
    let open: Vec<Value> = f
        .get(&format!("/api/sessions/{}/requests", f.session))
        .await;
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0]["type"].as_str(), open[0]["request_id"].as_str()),
        (Some("permission_requested"), Some(request))
    );
    let resp = f
        .post(
            &format!("/api/permissions/{}", Uuid::new_v4()),
            Some(json!({"option_id": "allow_once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 409);
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "allow_once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    let resolved = next_frame(&mut ws, "request_resolved").await;
    assert_eq!(resolved["outcome"], "allow_once");
    let open: Vec<Value> = f
        .get(&format!("/api/sessions/{}/requests", f.session))
        .await;
    assert_eq!(open, Vec::<Value>::new());
    let (status, _) = f.wait_task(acc.task_id).await;
    assert_eq!(status, "completed");
    let answer = f.answer(acc.task_id).await;
    assert!(answer.content.contains("allow_once"), "{}", answer.content);
    assert!(answer.content.contains("after"), "{}", answer.content);
}

#[tokio::test]
async fn bad_submissions_are_refused_clearly() {
    let f = fx().await;
    let url = f.url(&format!(
        "/api/sessions/{}/chats/{}/messages",
        f.session, f.chat
    ));
    for (body, status, code) in [
        (
            json!({"content": "x", "provider": "nope"}),
            400,
            "unknown_provider",
        ),
        (
            json!({"content": " ", "provider": "fake"}),
            400,
            "empty_message",
        ),
        (json!({"content": "x"}), 400, "invalid_body"),
    ] {
        let resp = f.http.post(&url).json(&body).send().await.unwrap();
        let got = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap();
        assert_eq!((got, v["code"].as_str()), (status, Some(code)), "{body}");
    }
    let other = f.url(&format!(
        "/api/sessions/{}/chats/{}/messages",
        Uuid::new_v4(),
        f.chat
    ));
    let resp = f
        .http
        .post(&other)
        .json(&json!({"content": "x", "provider": "fake"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn chats_of_one_session_get_their_own_agents_sharing_the_worktree() {
    let mut f = fx().await;
    let (_, a) = f.turn("write shared.txt from chat a\nsay |\npid").await;
    let other = new_chat(&f.pool, f.session).await;
    let first_chat = std::mem::replace(&mut f.chat, other);
    // A second child: its session id may repeat the first child's ("fake-session-1").
    let (status, b) = f.turn("read shared.txt\nsay |\npid").await;
    assert_eq!(status, "completed");
    assert!(
        b.content.contains("from chat a"),
        "one worktree per session: {}",
        b.content
    );
    assert_ne!(said_pid(&a), said_pid(&b));
    let rows: Vec<(Uuid, AgentSessionStatus)> =
        sqlx::query_as("SELECT chat_id, status FROM agent_sessions ORDER BY created_at")
            .fetch_all(&f.pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            (first_chat, AgentSessionStatus::Idle),
            (other, AgentSessionStatus::Idle)
        ]
    );
}

#[tokio::test]
async fn one_task_reads_like_its_entry_in_the_list() {
    let f = fx().await;
    let (status, _) = f.turn("say hello").await;
    assert_eq!(status, "completed");
    let list: Vec<Value> = f.get(&format!("/api/sessions/{}/tasks", f.session)).await;
    assert_eq!(list.len(), 1);
    let id = list[0]["id"].as_str().unwrap();
    let one: Value = f.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(one, list[0]);
    assert_eq!(
        (one["status"].as_str(), one["agent"].as_str()),
        (Some("completed"), Some("fake"))
    );

    let unknown = Uuid::new_v4();
    for (path, status, body) in [
        (
            format!("/api/tasks/{unknown}"),
            404,
            json!({"error": format!("no task {unknown}"), "code": "not_found"}),
        ),
        (
            "/api/tasks/not-a-uuid".to_owned(),
            400,
            json!({"code": "invalid_path_parameter"}),
        ),
    ] {
        let resp = f.http.get(f.url(&path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let mut v: Value = resp.json().await.unwrap();
        if status == 400 {
            assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
            v.as_object_mut().unwrap().remove("error");
        }
        assert_eq!(v, body, "{path}");
    }
}
