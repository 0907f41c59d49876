//! An agent terminal run as boocoder's own child, when booterm is unreachable.
//!
//! The child (through `crate::process`: own process group, parent-death signal)
//! writes stdout and stderr into one pipe; a reader task keeps the last
//! `outputByteLimit` bytes. A keeper task owns the child: it waits for the exit,
//! or for kill / release / [`CHILD_TIMEOUT`] / the terminal being dropped, and then
//! takes the whole group down (SIGINT → SIGTERM → SIGKILL) and reaps it; the exit
//! status is published once the reader has drained what the program wrote.

use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_client_protocol::v1::schema as acp;
use tokio::io::AsyncReadExt as _;
use tokio::sync::watch;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::output::Tail;
use super::{CHILD_TIMEOUT, FALLBACK_NOTE, Launch};
use crate::process::{self, Child, ProcessError};

/// SIGINT → SIGTERM → SIGKILL steps when killing the group.
const KILL_GRACE: Duration = Duration::from_millis(600);
/// How long after the program exits its output may take to drain (a background
/// process still holding the pipe is killed with the group anyway).
const DRAIN: Duration = Duration::from_secs(1);
/// Variables of boocoder's own environment a fallback command gets (nothing
/// else: no `DATABASE_URL`, no `BOO_*`).
const PASSED_ENV: [&str; 9] = [
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ",
];

type Shared<T> = Arc<Mutex<T>>;

pub(super) struct LocalTerm {
    output: Shared<Tail>,
    limit: usize,
    exit: watch::Receiver<Option<acp::TerminalExitStatus>>,
    kill: CancellationToken,
    /// Dropping the terminal (released, connection gone) kills the child.
    _guard: DropGuard,
}

impl LocalTerm {
    pub(super) fn spawn(launch: &Launch) -> Result<Self, ProcessError> {
        let Some((program, args)) = launch.argv.split_first() else {
            return Err(ProcessError::Io {
                program: String::new(),
                source: std::io::Error::other("no program"),
            });
        };
        let mut spec = process::Spec::new(program, &launch.cwd)
            .args(args)
            .clear_env(true);
        for name in PASSED_ENV {
            if let Some(value) = std::env::var_os(name) {
                spec = spec.env(name, value);
            }
        }
        spec = spec.env("TERM", "dumb");
        for (name, value) in &launch.env {
            spec = spec.env(name, value);
        }
        let (child, mut pipe) = Child::spawn_combined(&spec)?;
        tracing::info!(pid = ?child.pid(), command = %spec.command_line(), "agent command running as boocoder's own child");
        let output = Arc::new(Mutex::new(Tail::new(launch.limit)));
        let sink = output.clone();
        let mut reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            loop {
                match pipe.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => lock(&sink).push(&buf[..n]),
                }
            }
        });
        let (tx, exit) = watch::channel(None);
        let kill = CancellationToken::new();
        let stop = kill.clone();
        tokio::spawn(async move {
            let mut child = child;
            let status = tokio::select! {
                status = child.wait() => status.ok(),
                () = stop.cancelled() => None,
                () = tokio::time::sleep(CHILD_TIMEOUT) => {
                    tracing::warn!(timeout = ?CHILD_TIMEOUT, "an agent's command ran too long; killing it");
                    None
                }
            };
            // The leader is gone or must go: take the group down either way.
            let status = match (status, child.shutdown(KILL_GRACE).await) {
                (Some(status), _) | (None, Ok(status)) => Some(status),
                (None, Err(e)) => {
                    tracing::warn!(error = %e, "cannot stop an agent's command");
                    None
                }
            };
            if tokio::time::timeout(DRAIN, &mut reader).await.is_err() {
                reader.abort();
            }
            let _ = tx.send(Some(
                status.map_or_else(acp::TerminalExitStatus::new, exit_status),
            ));
        });
        Ok(LocalTerm {
            output,
            limit: launch.limit,
            exit,
            _guard: kill.clone().drop_guard(),
            kill,
        })
    }

    pub(super) fn output(&self) -> acp::TerminalOutputResponse {
        let status = self.exit.borrow().clone();
        let (text, truncated) = lock(&self.output).text(FALLBACK_NOTE, self.limit);
        acp::TerminalOutputResponse::new(text, truncated).exit_status(status)
    }

    pub(super) async fn wait(&self) -> acp::TerminalExitStatus {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(status) => status.clone().unwrap_or_default(),
            // The keeper is gone without a word: nothing more to learn.
            Err(_) => acp::TerminalExitStatus::new(),
        }
    }

    /// Kill the group and wait until it is reaped.
    pub(super) async fn kill(&self) {
        self.kill.cancel();
        let _ = self.wait().await;
    }
}

fn lock(tail: &Mutex<Tail>) -> std::sync::MutexGuard<'_, Tail> {
    tail.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An exit code, or the signal's name.
fn exit_status(status: ExitStatus) -> acp::TerminalExitStatus {
    let out = acp::TerminalExitStatus::new();
    match (status.code(), status.signal()) {
        (Some(code), _) => out.exit_code(u32::try_from(code).ok()),
        (None, Some(signal)) => out.signal(signal_name(signal)),
        (None, None) => out,
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        3 => "SIGQUIT".into(),
        6 => "SIGABRT".into(),
        9 => "SIGKILL".into(),
        13 => "SIGPIPE".into(),
        15 => "SIGTERM".into(),
        n => format!("SIG{n}"),
    }
}
