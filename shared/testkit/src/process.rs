//! The one way the suites start a daemon's real binary: a clean environment (only
//! `PATH`, and what the test adds), fresh loopback ports, `auth.mode = "none"`,
//! killed when dropped, and started only once `/healthz` answers.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use boo_shared::config::DaemonKind;
use tokio::process::{Child, Command};

use crate::workspace::free_port;

/// How long a daemon may take to answer `/healthz`.
const START_LIMIT: Duration = Duration::from_secs(30);

/// `bin` with a clean environment (only `PATH`), no stdin, stdout and stderr
/// piped, killed when dropped: for tests of how a binary starts or fails.
pub fn command(bin: &str) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// A daemon binary to start with `serve` (see [`DaemonBinary::start`]).
pub struct DaemonBinary {
    cmd: Command,
    kind: DaemonKind,
    http: u16,
}

/// A started daemon process and where its HTTP listens.
pub struct DaemonProcess {
    pub child: Child,
    pub http: u16,
    /// `http://127.0.0.1:<http>`.
    pub base: String,
}

impl DaemonBinary {
    /// `bin serve` as `kind`, against `database_url`, HTTP on a fresh port (see
    /// [`Self::http_port`]) and gRPC on another; output discarded (see
    /// [`Self::log_to`]).
    pub fn new(bin: &str, kind: DaemonKind, database_url: &str) -> Self {
        let mut cmd = command(bin);
        cmd.arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("BOO_DATABASE__URL", database_url)
            .env("BOO_AUTH__MODE", "none")
            .env(
                format!("BOO_{}__GRPC_ADDR", section(kind)),
                format!("127.0.0.1:{}", free_port()),
            );
        Self {
            cmd,
            kind,
            http: free_port(),
        }
    }

    /// Serve HTTP on `port` (a restart on the address the test already uses).
    #[must_use]
    pub fn http_port(mut self, port: u16) -> Self {
        self.http = port;
        self
    }

    /// One more environment variable (`BOO_*` settings, `HOME`, …).
    #[must_use]
    pub fn env(
        mut self,
        key: impl AsRef<std::ffi::OsStr>,
        value: impl AsRef<std::ffi::OsStr>,
    ) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Append the daemon's stderr (its log) to `path`.
    #[must_use]
    pub fn log_to(mut self, path: &Path) -> Self {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        self.cmd.stderr(file);
        self
    }

    /// Run it in a process group of its own (so the test can signal the group).
    #[must_use]
    pub fn own_process_group(mut self) -> Self {
        self.cmd.process_group(0);
        self
    }

    /// Start it and wait until `/healthz` answers.
    pub async fn start(mut self) -> DaemonProcess {
        let name = self.kind.name();
        let child = self
            .cmd
            .env(
                format!("BOO_{}__HTTP_ADDR", section(self.kind)),
                format!("127.0.0.1:{}", self.http),
            )
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let base = format!("http://127.0.0.1:{}", self.http);
        crate::wait_healthy(name, &base, START_LIMIT).await;
        DaemonProcess {
            child,
            http: self.http,
            base,
        }
    }
}

/// The config section (and env prefix) of a daemon: `CHAT`, `CODER`, `TERM`.
fn section(kind: DaemonKind) -> &'static str {
    match kind {
        DaemonKind::Chat => "CHAT",
        DaemonKind::Coder => "CODER",
        DaemonKind::Term => "TERM",
    }
}
