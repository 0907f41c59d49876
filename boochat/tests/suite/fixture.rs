//! A boochat daemon wired to a scripted model server, with a project on disk, a
//! session, a chat, and a WebSocket that collects the session's frames.

use std::time::Duration;

use boo_shared::chat::{
    Chat, Message, MessageAccepted, MessageStatus, MessageWindow, Project, Session,
};
use boo_shared::config::{AuthMode, Settings};
use boo_testkit::fake_llm::FakeLlm;
use boo_testkit::{RunningDaemon, TestDb};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

pub const LIMIT: Duration = Duration::from_secs(20);

pub struct Fx {
    pub daemon: RunningDaemon,
    pub llm: FakeLlm,
    /// Kept so the database and the project directory outlive the test body.
    pub _db: TestDb,
    pub _dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub project: Project,
    pub session: Session,
    pub chat: Chat,
}

impl Fx {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let llm = FakeLlm::start().await;
        let db = TestDb::create().await;
        let mut settings = boo_testkit::settings_for(&db.url);
        settings.auth.mode = AuthMode::None;
        settings.llm.base_url = llm.base_url();
        tweak(&mut settings);
        Self::with(settings, llm, db).await
    }

    pub async fn with(settings: Settings, llm: FakeLlm, db: TestDb) -> Self {
        let daemon = RunningDaemon::spawn(settings, boochat::run).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "the answer is 42\n").unwrap();
        let http = reqwest::Client::new();
        let path = dir
            .path()
            .canonicalize()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let project: Project = post(
            &http,
            &daemon.url("/api/projects"),
            json!({"name": "demo", "path": path}),
            201,
        )
        .await;
        let session: Session = post(
            &http,
            &daemon.url("/api/sessions"),
            json!({"project_id": project.id}),
            201,
        )
        .await;
        let chat: Chat = post(
            &http,
            &daemon.url(&format!("/api/sessions/{}/chats", session.id)),
            json!({}),
            201,
        )
        .await;
        Self {
            daemon,
            llm,
            _db: db,
            _dir: dir,
            http,
            project,
            session,
            chat,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.daemon.url(path)
    }

    pub async fn send(&self, content: &str) -> MessageAccepted {
        post(
            &self.http,
            &self.url(&format!("/api/chats/{}/messages", self.chat.id)),
            json!({"content": content}),
            202,
        )
        .await
    }

    pub async fn messages(&self) -> Vec<Message> {
        let w: MessageWindow = get(
            &self.http,
            &self.url(&format!("/api/chats/{}/messages", self.chat.id)),
        )
        .await;
        w.items
    }

    /// Wait until `id` is final and return the whole transcript.
    pub async fn wait_final(&self, id: Uuid) -> Vec<Message> {
        boo_testkit::wait_for("message to finish", LIMIT, || async {
            let all = self.messages().await;
            let done = all.iter().any(|m| {
                m.id == id && !matches!(m.status, MessageStatus::Streaming | MessageStatus::Queued)
            });
            done.then_some(all)
        })
        .await
    }

    pub async fn ws(&self, last_seq: Option<u64>) -> Ws {
        let mut url = format!(
            "ws://{}/api/ws?session_id={}",
            self.daemon.http, self.session.id
        );
        if let Some(s) = last_seq {
            url.push_str(&format!("&last_seq={s}"));
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let hello = next_json(&mut socket).await;
        assert_eq!(hello["type"], "hello");
        Ws { socket }
    }
}

pub struct Ws {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

async fn next_json(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    loop {
        let msg = tokio::time::timeout(LIMIT, socket.next())
            .await
            .expect("a frame within the limit")
            .expect("socket open")
            .expect("frame ok");
        if let WsMessage::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

impl Ws {
    pub async fn next(&mut self) -> Value {
        next_json(&mut self.socket).await
    }

    /// Frames up to and including the first that matches.
    pub async fn until(&mut self, mut stop: impl FnMut(&Value) -> bool) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let f = self.next().await;
            let done = stop(&f);
            out.push(f);
            if done {
                return out;
            }
        }
    }

    /// Frames up to the `message_complete` of `message_id`.
    pub async fn until_complete(&mut self, message_id: Uuid) -> Vec<Value> {
        let id = message_id.to_string();
        self.until(|f| f["type"] == "message_complete" && f["message_id"] == id.as_str())
            .await
    }
}

/// Concatenated `text` of the frames of one type for one message.
pub fn joined(frames: &[Value], kind: &str, message_id: Uuid) -> String {
    let id = message_id.to_string();
    frames
        .iter()
        .filter(|f| f["type"] == kind && f["message_id"] == id.as_str())
        .map(|f| f["text"].as_str().unwrap_or_default())
        .collect()
}

pub use boo_testkit::http::{call, get, post};
