//! Fixtures for terminal tests: a private tmux socket per test (killed at the end),
//! booterm in-process or as its real binary, and small HTTP/tmux helpers.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use boo_shared::config::{DaemonKind, Settings};
use boo_testkit::process::DaemonBinary;
use boo_testkit::{RunningDaemon, TestDb, wait_for};
use booterm::wire::Terminal;
use serde_json::Value;
use uuid::Uuid;

pub const LIMIT: Duration = Duration::from_secs(30);
pub const BIN: &str = env!("CARGO_BIN_EXE_booterm");

/// A temp dir holding the tmux socket (short path under /tmp: unix sockets allow
/// 107 bytes) and a working directory for shells. Dropping it kills the server.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("bt")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        // The host user's dotfiles stay out: a bash with a private HOME, no rc files
        // and a plain prompt (tmux starts it as a login shell: argv[0] "-shell").
        let shell = dir.path().join("shell");
        std::fs::write(
            &shell,
            format!(
                "#!/bin/sh\nHOME={home} PS1='$ ' exec /bin/bash --noprofile --norc\n",
                home = dir.path().join("home").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    /// The shell terminals run (`term.shell`).
    pub fn shell(&self) -> PathBuf {
        self.dir.path().join("shell")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("tmux/sock")
    }

    /// Where shells start (the configured `term.default_cwd`).
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn settings(&self, db: &TestDb) -> Settings {
        let mut s = boo_testkit::settings_for(&db.url);
        s.auth.mode = boo_shared::config::AuthMode::None;
        s.term.tmux_socket = Some(self.socket());
        s.term.default_cwd = Some(self.work());
        s.term.shell = self.shell().to_string_lossy().into_owned();
        s.term.history_lines = 5000;
        s
    }

    /// The tmux CLI on this sandbox's socket; (success, stdout + stderr).
    pub fn tmux(&self, args: &[&str]) -> (bool, String) {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.socket())
            .args(args)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// Names of the sessions on the server (sorted).
    pub fn sessions(&self) -> Vec<String> {
        let (ok, out) = self.tmux(&["list-sessions", "-F", "#{session_name}"]);
        let mut names: Vec<String> = if ok {
            out.lines().map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        names.sort();
        names
    }

    /// Type a line into a terminal's pane.
    pub fn type_line(&self, id: Uuid, line: &str) {
        let target = format!("=bc-{id}:");
        let (ok, out) = self.tmux(&["send-keys", "-t", &target, "-l", line]);
        assert!(ok, "send-keys: {out}");
        let (ok, out) = self.tmux(&["send-keys", "-t", &target, "Enter"]);
        assert!(ok, "send-keys Enter: {out}");
    }

    /// A pane's format value (`#{pane_pid}`, `#{pid}` …).
    pub fn pane_format(&self, id: Uuid, format: &str) -> String {
        let (ok, out) = self.tmux(&["display-message", "-p", "-t", &format!("=bc-{id}:"), format]);
        assert!(ok, "display-message: {out}");
        out.trim().to_owned()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// A throwaway database, a sandbox and booterm in-process on them.
pub struct Env {
    /// Held so the database outlives the test.
    pub _db: TestDb,
    pub sandbox: Sandbox,
    pub daemon: RunningDaemon,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

pub async fn start() -> Env {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    Env {
        _db: db,
        sandbox,
        daemon,
        base,
    }
}

pub async fn spawn(sandbox: &Sandbox, db: &TestDb) -> RunningDaemon {
    RunningDaemon::spawn(sandbox.settings(db), booterm::run).await
}

pub async fn spawn_with(settings: Settings) -> RunningDaemon {
    RunningDaemon::spawn(settings, booterm::run).await
}

/// `POST /api/terminals`; (status, body).
pub async fn post(base: &str, body: Value) -> (u16, Value) {
    call(
        &reqwest::Client::new(),
        reqwest::Method::POST,
        &format!("{base}/api/terminals"),
        Some(body),
    )
    .await
}

pub async fn create(base: &str, body: Value) -> Terminal {
    let (status, body) = post(base, body).await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).unwrap()
}

pub use boo_testkit::http::call;

pub async fn get_terminal(base: &str, id: Uuid) -> Terminal {
    boo_testkit::http::get(
        &reqwest::Client::new(),
        &format!("{base}/api/terminals/{id}"),
    )
    .await
}

/// Wait until the snapshot has a line equal to `line`; the whole text.
pub async fn wait_for_line(base: &str, id: Uuid, line: &str) -> String {
    let url = format!("{base}/api/terminals/{id}/snapshot?lines=100");
    wait_for(&format!("line {line:?} on the screen"), LIMIT, || {
        let url = url.clone();
        async move {
            let (status, body) =
                call(&reqwest::Client::new(), reqwest::Method::GET, &url, None).await;
            let text = body["text"].as_str().unwrap_or_default().to_owned();
            (status == 200 && text.lines().any(|l| l == line)).then_some(text)
        }
    })
    .await
}

/// Wait until the terminal has exited; the terminal.
pub async fn wait_exited(base: &str, id: Uuid) -> Terminal {
    wait_for("the terminal to exit", LIMIT, || async move {
        let t = get_terminal(base, id).await;
        (t.status == booterm::wire::TerminalStatus::Exited).then_some(t)
    })
    .await
}

/// Wait until the table says terminal `id` exited; its exit code. Reads the
/// table, not the API (a read through the API looks at tmux and settles the
/// terminal itself), and gives up well before the periodic reconcile: this is
/// for exits booterm must notice by itself.
pub async fn wait_row_exited(db: &TestDb, id: Uuid) -> Option<i32> {
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let code = wait_for("the row to end", booterm::RECONCILE_EVERY / 2, || {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<i32>)>(
                "SELECT status, exit_code FROM terminal_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .ok()
            .filter(|(status, _)| status == "exited")
            .map(|(_, code)| code)
        }
    })
    .await;
    pool.close().await;
    code
}

/// The real binary, in its own process group, on fresh ports, its log appended
/// to `log`; (child, base URL).
pub async fn spawn_binary(
    sandbox: &Sandbox,
    db: &TestDb,
    log: &Path,
) -> (tokio::process::Child, String) {
    let started = DaemonBinary::new(BIN, DaemonKind::Term, &db.url)
        .env("HOME", std::env::var("HOME").unwrap_or_else(|_| "/".into()))
        .env("BOO_TERM__TMUX_SOCKET", sandbox.socket())
        .env("BOO_TERM__DEFAULT_CWD", sandbox.work())
        .env("BOO_TERM__SHELL", sandbox.shell())
        .env("BOO_LOG__FORMAT", "pretty")
        .log_to(log)
        .own_process_group()
        .start()
        .await;
    (started.child, started.base)
}

/// A terminal WebSocket client that records every output byte.
pub struct TermWs {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    /// The `hello` frame.
    pub hello: Value,
    /// Every binary byte received so far.
    pub output: Vec<u8>,
    /// Text frames after `hello`.
    pub texts: Vec<Value>,
    /// Acknowledge each binary frame as it arrives (a client keeping up).
    pub auto_ack: bool,
    /// The close frame's code, once closed.
    pub closed: Option<u16>,
}

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

impl TermWs {
    /// Connect to `/api/terminals/{id}/ws{query}` and read `hello`.
    pub async fn connect(base: &str, id: Uuid, query: &str) -> Self {
        let url = format!(
            "{}/api/terminals/{id}/ws{query}",
            base.replace("http://", "ws://")
        );
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut me = Self {
            ws,
            hello: Value::Null,
            output: Vec::new(),
            texts: Vec::new(),
            auto_ack: true,
            closed: None,
        };
        let first = tokio::time::timeout(LIMIT, me.ws.next()).await.unwrap();
        match first {
            Some(Ok(Message::Text(t))) => me.hello = serde_json::from_str(&t).unwrap(),
            other => panic!("expected hello, got {other:?}"),
        }
        assert_eq!(me.hello["type"], "hello", "{}", me.hello);
        me
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// Keystrokes (a binary frame).
    pub async fn send(&mut self, keys: &str) {
        self.ws
            .send(Message::Binary(keys.as_bytes().to_vec().into()))
            .await
            .unwrap();
    }

    /// A control message (a text frame).
    pub async fn control(&mut self, msg: Value) {
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
    }

    /// Read one frame (with a deadline); `false` once the socket is closed.
    async fn read_one(&mut self, deadline: tokio::time::Instant) -> bool {
        let Ok(next) = tokio::time::timeout_at(deadline, self.ws.next()).await else {
            return true;
        };
        match next {
            Some(Ok(Message::Binary(b))) => {
                self.output.extend_from_slice(&b);
                if self.auto_ack {
                    let ack = serde_json::json!({"type": "ack", "bytes": b.len()});
                    let _ = self.ws.send(Message::Text(ack.to_string().into())).await;
                }
                true
            }
            Some(Ok(Message::Text(t))) => {
                self.texts.push(serde_json::from_str(&t).unwrap());
                true
            }
            Some(Ok(Message::Close(frame))) => {
                self.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                false
            }
            Some(Ok(_)) => true,
            Some(Err(_)) | None => {
                self.closed.get_or_insert(1006);
                false
            }
        }
    }

    /// Read until `done(self)` holds; panics after [`LIMIT`] with what arrived.
    pub async fn until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + LIMIT;
        while !done(self) {
            if tokio::time::Instant::now() >= deadline
                || !self.read_one(deadline).await && !done(self)
            {
                panic!(
                    "{what}: not seen (closed: {:?}); texts {:?}; output tail {:?}",
                    self.closed,
                    self.texts,
                    tail(&self.text(), 2000)
                );
            }
        }
    }

    /// Read until the output contains `needle`.
    pub async fn until_output(&mut self, needle: &str) {
        self.until(&format!("output {needle:?}"), |me| {
            me.text().contains(needle)
        })
        .await;
    }

    /// Read for `dur`, whatever comes.
    pub async fn drain_for(&mut self, dur: Duration) {
        let deadline = tokio::time::Instant::now() + dur;
        while tokio::time::Instant::now() < deadline && self.read_one(deadline).await {}
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

fn tail(s: &str, n: usize) -> &str {
    let start = s.len().saturating_sub(n);
    let start = (start..s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[start..]
}

/// Resident memory of a process, in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
