//! booterm's terminal stream next to ttyd 1.7.7: how fast a WebSocket client gets
//! through a fixed 200 MB burst of output, and how long one keystroke takes to come
//! back as its echo.
//!
//! Throughput: in a fresh terminal running `bash --noprofile --norc` the client types
//! `yes <99 zeros> | head -c 200000000; echo DONE""MARK` and reads until `DONEMARK`
//! arrives. booterm's client sees tmux's rendering of the pane, not the raw bytes:
//! tmux stops drawing to a client that falls behind and redraws the screen once it
//! catches up, so the figure is the effective rate (200 MB / time from typing the
//! command to seeing the marker) and the bytes that actually crossed the socket are
//! reported beside it (median of three runs). The booterm client acknowledges every
//! binary frame at once.
//!
//! Echo: in a fresh terminal the client runs `stty raw -echo; cat`, then sends one
//! character at a time and waits for it to come back (1000 samples after 20 warm-up
//! ones, a 5 ms pause between them).
//!
//! Servers: the real `booterm` binary (the shell runs in its tmux server); `ttyd`
//! running the shell directly on its PTY; and `ttyd` running `tmux attach` to a
//! session created through booterm (same tmux server and options), which separates
//! what tmux costs from what booterm adds. The ttyd rows need `BOO_TTYD` (the path of a ttyd 1.7.7
//! binary; `deploy/lib/ttyd.sh` fetches it) and are skipped without it.
//! Run with `deploy/bench`, which provides a throwaway Postgres.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use boo_testkit::TestDb;
use boo_testkit::workspace::free_port;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const BIN: &str = env!("CARGO_BIN_EXE_booterm");
/// Output bytes the throughput command writes (before the PTY turns `\n` into `\r\n`).
const STREAM_BYTES: u64 = 200_000_000;
/// 2,000,000 lines of 99 zeros and a newline.
const STREAM_CMD: &str = "yes $(printf %099d 0) | head -c 200000000; echo DONE\"\"MARK\r";
const STREAM_MARK: &[u8] = b"DONEMARK";
const STREAM_RUNS: usize = 3;
const STREAM_LIMIT: Duration = Duration::from_secs(600);
const ECHO_SAMPLES: usize = 1000;
const ECHO_WARMUP: usize = 20;
const ECHO_GAP: Duration = Duration::from_millis(5);
const LIMIT: Duration = Duration::from_secs(30);
const SHELL: [&str; 3] = ["bash", "--noprofile", "--norc"];
const COLS: u16 = 120;
const ROWS: u16 = 40;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A client socket with `TCP_NODELAY`, as browsers open them: without it a keystroke
/// sent right after an `ack` waits for the server's delayed ACK (Nagle).
async fn connect(req: impl IntoClientRequest + Unpin) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true)
        .await
        .unwrap();
    ws
}

/// Which framing a terminal socket speaks.
#[derive(Clone, Copy)]
enum Proto {
    /// Binary frames both ways, `ack` text frames back.
    Booterm,
    /// Subprotocol `tty`: a one-byte command before every message (`0` = input/output).
    Ttyd,
}

/// A terminal WebSocket of either server, reduced to typing and reading output.
struct Term {
    ws: Ws,
    proto: Proto,
    /// Output bytes received (ttyd's command byte not counted).
    received: u64,
}

impl Term {
    async fn booterm(base: &str, id: &str) -> Self {
        let url = format!(
            "{}/api/terminals/{id}/ws?cols={COLS}&rows={ROWS}",
            base.replace("http://", "ws://")
        );
        let mut ws = connect(url).await;
        match tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => {
                let hello: Value = serde_json::from_str(&t).unwrap();
                assert_eq!(hello["type"], "hello", "{hello}");
            }
            other => panic!("expected booterm's hello, got {other:?}"),
        }
        Self {
            ws,
            proto: Proto::Booterm,
            received: 0,
        }
    }

    /// `query`: e.g. `?arg=…` for a ttyd started with `--url-arg`.
    async fn ttyd(port: u16, query: &str) -> Self {
        let mut req = format!("ws://127.0.0.1:{port}/ws{query}")
            .into_client_request()
            .unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", "tty".parse().unwrap());
        let mut ws = connect(req).await;
        // The first message starts the command at this size (ttyd's JSON_DATA, `{`).
        let start = json!({"AuthToken": "", "columns": COLS, "rows": ROWS}).to_string();
        ws.send(Message::Binary(start.into_bytes().into()))
            .await
            .unwrap();
        Self {
            ws,
            proto: Proto::Ttyd,
            received: 0,
        }
    }

    async fn type_keys(&mut self, keys: &[u8]) {
        let frame = match self.proto {
            Proto::Booterm => keys.to_vec(),
            Proto::Ttyd => [b"0".as_slice(), keys].concat(),
        };
        self.ws.send(Message::Binary(frame.into())).await.unwrap();
    }

    /// The next piece of terminal output (acknowledged at once for booterm).
    async fn output(&mut self) -> Vec<u8> {
        loop {
            let frame = match self.ws.next().await {
                Some(Ok(frame)) => frame,
                other => panic!("the terminal socket ended: {other:?}"),
            };
            let Message::Binary(bytes) = frame else {
                continue;
            };
            let out = match self.proto {
                Proto::Booterm => {
                    let ack = json!({"type": "ack", "bytes": bytes.len()}).to_string();
                    self.ws.send(Message::Text(ack.into())).await.unwrap();
                    bytes.to_vec()
                }
                Proto::Ttyd => match bytes.split_first() {
                    Some((b'0', rest)) => rest.to_vec(),
                    // Window title and preferences.
                    _ => continue,
                },
            };
            self.received += out.len() as u64;
            return out;
        }
    }

    /// Read until `needle` has arrived (across frame boundaries too).
    async fn wait_for(&mut self, needle: &[u8], limit: Duration) {
        let finder = memchr::memmem::Finder::new(needle);
        let mut carry: Vec<u8> = Vec::new();
        let wait = async {
            loop {
                let chunk = self.output().await;
                let seam = needle.len().saturating_sub(1).min(chunk.len());
                carry.extend_from_slice(&chunk[..seam]);
                if finder.find(&carry).is_some() || finder.find(&chunk).is_some() {
                    return;
                }
                let keep = needle.len().saturating_sub(1);
                if chunk.len() >= keep {
                    carry.clear();
                    carry.extend_from_slice(&chunk[chunk.len() - keep..]);
                } else {
                    let drop = carry.len().saturating_sub(keep);
                    carry.drain(..drop);
                }
            }
        };
        assert!(
            tokio::time::timeout(limit, wait).await.is_ok(),
            "{:?} did not arrive within {limit:?}",
            String::from_utf8_lossy(needle)
        );
    }

    /// Wait for an interactive shell: it runs `setup`, then prints a marker.
    async fn ready(&mut self, setup: &str) {
        self.type_keys(format!("unset HISTFILE; {setup}echo READY\"\"MARK\r").as_bytes())
            .await;
        self.wait_for(b"READYMARK", LIMIT).await;
    }

    async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

struct Stream {
    elapsed: Duration,
    received: u64,
}

/// Type the 200 MB command into a fresh shell and time it until the marker shows.
async fn stream(mut term: Term) -> Stream {
    term.ready("").await;
    let before = term.received;
    let t0 = Instant::now();
    term.type_keys(STREAM_CMD.as_bytes()).await;
    term.wait_for(STREAM_MARK, STREAM_LIMIT).await;
    let elapsed = t0.elapsed();
    let received = term.received - before;
    term.close().await;
    Stream { elapsed, received }
}

/// Keystroke → echo round trips through `cat` on a raw, non-echoing TTY.
async fn echo(mut term: Term) -> Vec<Duration> {
    term.ready("stty raw -echo; ").await;
    term.type_keys(b"cat\r").await;
    let mut lat = Vec::with_capacity(ECHO_SAMPLES);
    for i in 0..ECHO_WARMUP + ECHO_SAMPLES {
        let key = if i % 2 == 0 { b"x" } else { b"y" };
        let t0 = Instant::now();
        term.type_keys(key).await;
        term.wait_for(key, LIMIT).await;
        if i >= ECHO_WARMUP {
            lat.push(t0.elapsed());
        }
        tokio::time::sleep(ECHO_GAP).await;
    }
    term.close().await;
    lat.sort();
    lat
}

/// A temp dir under /tmp (tmux's socket path must stay short) with booterm's tmux
/// socket and the shells' working directory.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("btb")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        Self { dir }
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("tmux/sock")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn log(&self, name: &str) -> std::fs::File {
        std::fs::File::create(self.log_path(name)).unwrap()
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.socket())
            .arg("kill-server")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The real booterm binary on fresh ports, waited for through `READY=1`.
struct Booterm {
    child: tokio::process::Child,
    base: String,
    http: reqwest::Client,
    /// Its stderr.
    log: PathBuf,
}

/// The last lines of a log, for failure messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl Booterm {
    async fn start(db_url: &str, sandbox: &Sandbox) -> Self {
        let notify = sandbox.dir.path().join("notify.sock");
        let sock = UnixDatagram::bind(&notify).unwrap();
        sock.set_read_timeout(Some(LIMIT)).unwrap();
        let port = free_port();
        let child = tokio::process::Command::new(BIN)
            .arg("serve")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("NOTIFY_SOCKET", &notify)
            .env("BOO_DATABASE__URL", db_url)
            .env("BOO_AUTH__MODE", "none")
            .env("BOO_LOG__LEVEL", "warn")
            .env("BOO_TERM__HTTP_ADDR", format!("127.0.0.1:{port}"))
            .env("BOO_TERM__GRPC_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("BOO_TERM__TMUX_SOCKET", sandbox.socket())
            .env("BOO_TERM__DEFAULT_CWD", sandbox.work())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(sandbox.log("booterm.log"))
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let ready = tokio::task::spawn_blocking(move || {
            let mut buf = [0u8; 64];
            let n = sock.recv(&mut buf).expect("booterm sends READY=1");
            String::from_utf8_lossy(&buf[..n]).into_owned()
        })
        .await
        .unwrap();
        assert_eq!(ready.trim(), "READY=1");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            log: sandbox.log_path("booterm.log"),
        }
    }

    /// A new terminal running the benchmark shell; its id and tmux session name.
    async fn create(&self) -> (String, String) {
        let resp = self
            .http
            .post(format!("{}/api/terminals", self.base))
            .json(&json!({"command": SHELL, "cols": COLS, "rows": ROWS}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let t: Value = resp.json().await.unwrap_or_default();
        assert_eq!(
            status,
            201,
            "POST /api/terminals: {t}\nbooterm.log:\n{}",
            log_tail(&self.log)
        );
        (
            t["id"].as_str().unwrap().to_owned(),
            t["tmux_name"].as_str().unwrap().to_owned(),
        )
    }

    async fn delete(&self, id: &str) {
        let resp = self
            .http
            .delete(format!("{}/api/terminals/{id}", self.base))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "DELETE: {}", resp.status());
    }

    async fn stop(mut self) {
        if let Some(pid) = self
            .child
            .id()
            .and_then(|p| rustix::process::Pid::from_raw(p as i32))
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        if tokio::time::timeout(LIMIT, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// ttyd on a fresh loopback port, writable, running `command`.
struct Ttyd {
    child: tokio::process::Child,
    port: u16,
}

impl Ttyd {
    async fn start(
        bin: &Path,
        sandbox: &Sandbox,
        log: &str,
        options: &[&str],
        command: &[&str],
    ) -> Self {
        let port = free_port();
        let child = tokio::process::Command::new(bin)
            .args(["-p", &port.to_string(), "-i", "127.0.0.1", "-W"])
            .arg("-w")
            .arg(sandbox.work())
            .args(options)
            // ttyd finds its command by parsing options across the whole argv.
            .arg("--")
            .args(command)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(sandbox.log(log))
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(
                t0.elapsed() < LIMIT,
                "ttyd did not listen on {port}; {log}:\n{}",
                log_tail(&sandbox.log_path(log))
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self { child, port }
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The servers measured; each `open` is a fresh terminal.
enum Server<'a> {
    Booterm(&'a Booterm),
    Ttyd(&'a Ttyd),
    /// ttyd (`--url-arg`) attaching to a booterm-created session.
    TtydTmux(&'a Ttyd, &'a Booterm),
}

impl Server<'_> {
    /// A fresh terminal, and the booterm terminal to delete afterwards.
    async fn open(&self) -> (Term, Option<String>) {
        match self {
            Server::Booterm(b) => {
                let (id, _) = b.create().await;
                (Term::booterm(&b.base, &id).await, Some(id))
            }
            Server::Ttyd(t) => (Term::ttyd(t.port, "").await, None),
            Server::TtydTmux(t, b) => {
                let (id, name) = b.create().await;
                (Term::ttyd(t.port, &format!("?arg={name}")).await, Some(id))
            }
        }
    }

    async fn done(&self, id: Option<String>) {
        if let (Server::Booterm(b) | Server::TtydTmux(_, b), Some(id)) = (self, id) {
            b.delete(&id).await;
        }
    }
}

struct Row {
    name: &'static str,
    mb_per_s: f64,
    received_mb: f64,
    p50: Duration,
    p99: Duration,
}

async fn measure(name: &'static str, server: Server<'_>) -> Row {
    let mut runs = Vec::new();
    for _ in 0..STREAM_RUNS {
        let (term, id) = server.open().await;
        runs.push(stream(term).await);
        server.done(id).await;
    }
    runs.sort_by_key(|r| r.elapsed);
    let median = &runs[runs.len() / 2];
    let (term, id) = server.open().await;
    let lat = echo(term).await;
    server.done(id).await;
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let row = Row {
        name,
        mb_per_s: STREAM_BYTES as f64 / 1e6 / median.elapsed.as_secs_f64(),
        received_mb: median.received as f64 / 1e6,
        p50: pct(0.50),
        p99: pct(0.99),
    };
    eprintln!(
        "{name}: 200 MB runs {:?}",
        runs.iter().map(|r| r.elapsed).collect::<Vec<_>>()
    );
    row
}

fn print(row: &Row) {
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "| {} | {:.0} MB/s | {:.1} MB | {} | {} |",
        row.name,
        row.mb_per_s,
        row.received_mb,
        ms(row.p50),
        ms(row.p99)
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let ttyd_bin = std::env::var_os("BOO_TTYD").map(PathBuf::from);
    if ttyd_bin.is_none() {
        eprintln!(
            "BOO_TTYD is not set: skipping the ttyd rows (deploy/lib/ttyd.sh fetches ttyd 1.7.7)"
        );
    }
    let sandbox = Sandbox::new();
    let db = TestDb::create().await;
    let booterm = Booterm::start(&db.url, &sandbox).await;

    println!("| server | 200 MB stream | bytes the client received | keystroke echo p50 | p99 |");
    println!("|---|---|---|---|---|");
    print(&measure("booterm (tmux)", Server::Booterm(&booterm)).await);
    if let Some(bin) = &ttyd_bin {
        let direct = Ttyd::start(bin, &sandbox, "ttyd.log", &[], &SHELL).await;
        print(&measure("ttyd 1.7.7, shell on its PTY", Server::Ttyd(&direct)).await);
        direct.stop().await;

        let socket = sandbox.socket();
        let socket = socket.to_str().unwrap();
        let attach = [
            "tmux",
            "-u",
            "-S",
            socket,
            "-f",
            "/dev/null",
            "attach-session",
            "-t",
        ];
        let tmux = Ttyd::start(bin, &sandbox, "ttyd-tmux.log", &["-a"], &attach).await;
        print(
            &measure(
                "ttyd 1.7.7, `tmux attach`",
                Server::TtydTmux(&tmux, &booterm),
            )
            .await,
        );
        tmux.stop().await;
    }
    booterm.stop().await;
}
