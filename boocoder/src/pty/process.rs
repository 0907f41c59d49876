//! One CLI run on a fresh pseudo-terminal, its whole process group stopped on
//! request and always reaped.
//!
//! portable-pty forks the child with `setsid()` and the PTY as its controlling
//! terminal, so the child leads a new session and a new process group whose id is
//! its pid; everything it starts stays in that session (and, unless it asks for
//! job control, in that group). Signals therefore go to the group, and the final
//! sweep also reaches members of the session that moved to groups of their own.
//!
//! Three pieces run apart from the caller's task:
//!
//! - a reader thread moves the PTY master's output into a **bounded** channel of
//!   chunks (a slow consumer slows the reader, and so the CLI, instead of growing
//!   memory) and into a ring of the last [`TAIL_BYTES`] for error messages. It ends
//!   at EOF/EIO, which comes once no process holds the terminal any more.
//! - a waiter thread blocks in `waitpid` for the child, so the child is always
//!   reaped, whatever the caller does, and reports the exit status.
//! - [`PtyProcess::stop`] escalates SIGINT → SIGTERM → SIGKILL to the group, each
//!   step waiting a share of the grace period for the group to be gone.
//!
//! Orphans: dropping a [`PtyProcess`] SIGKILLs the session. If boocoder itself
//! dies, the kernel closes the PTY master, which hangs the terminal up and sends
//! SIGHUP to the CLI (the session leader) and its foreground group; a sandbox
//! wrapper with `--die-with-parent` (bwrap) adds a parent-death signal on top.

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{CommandBuilder, MasterPty, PtySize};
use rustix::process::{Pid, Signal};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::process::OutputTail;

/// How much terminal output is kept for error messages: the last 64 KiB.
pub const TAIL_BYTES: usize = 64 * 1024;
/// Bytes read from the PTY per chunk.
const READ_CHUNK: usize = 16 * 1024;
/// Chunks buffered between the reader thread and the consumer.
const CHANNEL_CHUNKS: usize = 16;

/// What to run, where, on how big a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtySpec {
    /// The program and its arguments (a sandbox wrapper may come first).
    pub argv: Vec<OsString>,
    pub cwd: PathBuf,
    /// Set on top of the inherited environment (or of an empty one with `clear_env`).
    pub env: Vec<(OsString, OsString)>,
    pub clear_env: bool,
    pub cols: u16,
    pub rows: u16,
}

impl PtySpec {
    /// `argv` in `cwd` on a 200×50 terminal (wide, so a CLI that wraps its own
    /// output wraps late), with the daemon's environment and
    /// `TERM=xterm-256color` (unless `env` sets another).
    pub fn new<I, S>(argv: I, cwd: impl Into<PathBuf>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Self {
            argv: argv.into_iter().map(Into::into).collect(),
            cwd: cwd.into(),
            env: Vec::new(),
            clear_env: false,
            cols: 200,
            rows: 50,
        }
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The program's name for messages (lossy).
    pub fn program_name(&self) -> String {
        self.argv
            .first()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// The CLI could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("no program to run (empty argv)")]
    EmptyArgv,
    #[error("cannot open a pseudo-terminal: {0}")]
    Pty(String),
    #[error("{program}: cannot start (cwd {}): {message}", cwd.display())]
    Spawn {
        program: String,
        cwd: PathBuf,
        message: String,
    },
    #[error("{program}: started but its pid is unknown")]
    NoPid { program: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// How the CLI ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtyExit {
    /// The exit code (1 when killed by a signal, as portable-pty reports it).
    pub code: u32,
    /// The signal that killed it, by name (`Interrupt`, `Killed`, …).
    pub signal: Option<String>,
}

impl PtyExit {
    pub fn success(&self) -> bool {
        self.signal.is_none() && self.code == 0
    }
}

impl std::fmt::Display for PtyExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.signal {
            Some(signal) => write!(f, "killed by signal ({signal})"),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

/// A running CLI on a PTY. Dropping it kills its whole session.
pub struct PtyProcess {
    program: String,
    pid: u32,
    /// The group (and session) id: the child's pid.
    pgid: Pid,
    exit: watch::Receiver<Option<PtyExit>>,
    output: Option<mpsc::Receiver<Vec<u8>>>,
    reader_done: watch::Receiver<bool>,
    tail: Arc<OutputTail>,
    /// Held so the terminal stays up (closing every master fd hangs it up) and
    /// for resizes.
    master: Mutex<Box<dyn MasterPty + Send>>,
}

impl std::fmt::Debug for PtyProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtyProcess")
            .field("program", &self.program)
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

impl PtyProcess {
    /// Open a PTY of `spec`'s size and start `spec.argv` on it.
    pub fn spawn(spec: &PtySpec) -> Result<Self, SpawnError> {
        if spec.argv.is_empty() {
            return Err(SpawnError::EmptyArgv);
        }
        let program = spec.program_name();
        let pair = portable_pty::native_pty_system()
            .openpty(PtySize {
                rows: spec.rows,
                cols: spec.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| SpawnError::Pty(e.to_string()))?;
        let mut cmd = CommandBuilder::from_argv(spec.argv.clone());
        if spec.clear_env {
            cmd.env_clear();
        }
        // What the daemon's own TERM says is not this terminal.
        cmd.env("TERM", "xterm-256color");
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        cmd.cwd(&spec.cwd);
        let mut child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| SpawnError::Spawn {
                program: program.clone(),
                cwd: spec.cwd.clone(),
                message: e.to_string(),
            })?;
        // Only the child may hold the slave: the reader sees EOF once it is gone.
        drop(pair.slave);
        let Some((pid, pgid)) = child
            .process_id()
            .and_then(|pid| Some((pid, Pid::from_raw(i32::try_from(pid).ok()?)?)))
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SpawnError::NoPid { program });
        };
        let reader = match pair.master.try_clone_reader() {
            Ok(reader) => reader,
            Err(e) => {
                let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
                let _ = child.wait();
                return Err(SpawnError::Pty(e.to_string()));
            }
        };

        let (exit_tx, exit) = watch::channel(None);
        std::thread::Builder::new()
            .name("pty-wait".into())
            .spawn(move || {
                let status = match child.wait() {
                    Ok(s) => PtyExit {
                        code: s.exit_code(),
                        signal: s.signal().map(str::to_owned),
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "waiting for a PTY child");
                        PtyExit {
                            code: 1,
                            signal: None,
                        }
                    }
                };
                let _ = exit_tx.send(Some(status));
            })
            .inspect_err(|_| {
                // No waiter: kill now; the zombie goes when this process reaps it.
                let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
            })?;

        let tail = Arc::new(OutputTail::new(TAIL_BYTES));
        let (out_tx, output) = mpsc::channel(CHANNEL_CHUNKS);
        let (done_tx, reader_done) = watch::channel(false);
        let ring = tail.clone();
        std::thread::Builder::new()
            .name("pty-read".into())
            .spawn(move || {
                read_loop(reader, &out_tx, &ring);
                let _ = done_tx.send(true);
            })
            .inspect_err(|_| {
                let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
            })?;
        Ok(Self {
            program,
            pid,
            pgid,
            exit,
            output: Some(output),
            reader_done,
            tail,
            master: Mutex::new(pair.master),
        })
    }

    /// The child's pid (also its process group and session id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn program(&self) -> &str {
        &self.program
    }

    /// The output chunks, once: closed when no process holds the terminal any
    /// more (or the reader gave up).
    pub fn take_output(&mut self) -> Option<mpsc::Receiver<Vec<u8>>> {
        self.output.take()
    }

    /// The last [`TAIL_BYTES`] of output, lossy UTF-8, with escape sequences and
    /// carriage-return overwrites resolved (see [`super::raw`]).
    pub fn tail(&self) -> String {
        screen_tail(&self.tail)
    }

    /// The exit status, once the child has been reaped.
    pub fn exited(&self) -> Option<PtyExit> {
        self.exit.borrow().clone()
    }

    /// Wait for the child to exit (it is reaped by then). Cancel-safe.
    pub async fn wait(&self) -> PtyExit {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(status) => status.clone().unwrap_or_else(lost_waiter),
            // The waiter thread always sends before it ends; this is unreachable.
            Err(_) => self.exited().unwrap_or_else(lost_waiter),
        }
    }

    /// Wait (at most `limit`) for the reader to reach EOF, so every byte the CLI
    /// wrote is in the channel and the tail.
    pub async fn drained(&self, limit: Duration) -> bool {
        let mut done = self.reader_done.clone();
        tokio::time::timeout(limit, done.wait_for(|d| *d))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Send `signal` to the child's process group (nothing once it is gone).
    pub fn signal(&self, signal: Signal) {
        if !self.group_gone() {
            // ESRCH: the group is already empty.
            let _ = rustix::process::kill_process_group(self.pgid, signal);
        }
    }

    /// Interrupt the CLI: SIGINT to its group, as Ctrl-C on its terminal would.
    pub fn interrupt(&self) {
        self.signal(Signal::INT);
    }

    /// Stop the whole session: SIGINT, wait up to a third of `grace`, SIGTERM, wait
    /// another third, then SIGKILL every process of the session. Returns once the
    /// child is reaped. Safe to call again, and after the child exited on its own
    /// (then it only sweeps what is left of its session).
    pub async fn stop(&self, grace: Duration) -> PtyExit {
        let step = grace / 3;
        for signal in [Signal::INT, Signal::TERM] {
            if self.group_gone() {
                break;
            }
            self.signal(signal);
            if self.settle(step).await {
                break;
            }
        }
        self.kill_session();
        // SIGKILL cannot be caught; only a process stuck in the kernel outlives it.
        if !self.settle(Duration::from_secs(5)).await {
            tracing::warn!(program = %self.program, "PTY session still has processes 5 s after SIGKILL");
        }
        self.wait().await
    }

    /// Resize the terminal (the CLI gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        let master = self
            .master
            .lock()
            .map_err(|_| io::Error::other("the PTY lock is poisoned"))?;
        master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(io::Error::other)
    }

    /// SIGKILL the group and every other live process of the session. While the
    /// leader is unreaped its pid (the group and session id) cannot be reused; once
    /// it is reaped, only processes still found in the session are signalled.
    fn kill_session(&self) {
        if self.exited().is_none() {
            let _ = rustix::process::kill_process_group(self.pgid, Signal::KILL);
        }
        for pid in session_members(self.pgid) {
            let _ = rustix::process::kill_process(pid, Signal::KILL);
        }
    }

    /// Waits up to `limit` for the child to be reaped and its group to empty.
    async fn settle(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let _ = tokio::time::timeout_at(deadline, self.wait()).await;
        loop {
            if self.group_gone() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// True once the child is reaped and no live process is left in its session.
    pub fn group_gone(&self) -> bool {
        self.exited().is_some() && session_members(self.pgid).is_empty()
    }
}

impl Drop for PtyProcess {
    fn drop(&mut self) {
        // The waiter thread reaps the child after this.
        self.kill_session();
    }
}

fn lost_waiter() -> PtyExit {
    PtyExit {
        code: 1,
        signal: None,
    }
}

fn read_loop(mut reader: Box<dyn Read + Send>, out: &mpsc::Sender<Vec<u8>>, tail: &OutputTail) {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut consumer = true;
    loop {
        match reader.read(&mut buf) {
            // EOF, or EIO: Linux's answer once the slave side is closed.
            Ok(0) => return,
            Ok(n) => {
                tail.push(&buf[..n]);
                // Blocks while the consumer is behind: this is the backpressure.
                // Once the consumer is gone, keep draining (into the tail) so the
                // CLI never blocks writing to a terminal nobody reads.
                if consumer && out.blocking_send(buf[..n].to_vec()).is_err() {
                    consumer = false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if e.raw_os_error() != Some(rustix::io::Errno::IO.raw_os_error()) {
                    tracing::debug!(error = %e, "reading a PTY");
                }
                return;
            }
        }
    }
}

/// Live (not zombie) processes whose session id is `sid`: the CLI and everything
/// it started, whatever group they moved to.
pub fn session_members(sid: Pid) -> Vec<Pid> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let sid = sid.as_raw_pid().to_string();
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let name = name.to_str()?;
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let stat = std::fs::read_to_string(format!("/proc/{name}/stat")).ok()?;
            // "pid (comm) state ppid pgrp session ..."; comm may hold spaces and
            // parentheses.
            let after_comm = &stat[stat.rfind(')')? + 1..];
            let mut fields = after_comm.split_whitespace();
            let state = fields.next()?;
            let session = fields.nth(2)?;
            (session == sid && state != "Z" && state != "X")
                .then(|| Pid::from_raw(name.parse().ok()?))
                .flatten()
        })
        .collect()
}

/// The last bytes of the terminal's output, as a terminal shows them.
fn screen_tail(tail: &OutputTail) -> String {
    let (bytes, truncated) = tail.snapshot();
    let text = super::raw::plain_text(&bytes);
    if truncated {
        format!("{}{}", crate::process::TRUNCATED_MARK, text.trim_start())
    } else {
        text
    }
}
