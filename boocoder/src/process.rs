//! Child processes without orphans (D2).
//!
//! Every child boocoder starts goes through this module: an explicit program, args,
//! working directory and environment; its own process group; `PR_SET_PDEATHSIG =
//! SIGKILL` so it dies with boocoder even after `kill -9`; stdin/stdout owned by the
//! caller; stderr kept as a bounded tail; killed with its whole group on drop and
//! always reaped (by [`Child::wait`]/[`Child::shutdown`], or by tokio's orphan
//! reaper after a drop).
//!
//! The parent-death signal fires when the *thread* that forked the child exits, not
//! the process. Children are therefore forked by one long-lived `boo-spawner`
//! thread, never by a tokio worker or blocking-pool thread that may retire while
//! the child still runs.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::{ExitStatus, Output, Stdio};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustix::process::{Pid, Signal};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::Instrument as _;

/// How much of a child's stderr is kept: the last 16 KiB.
pub const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// Marks a tail whose beginning was dropped.
pub const TRUNCATED_MARK: &str = "[…] ";

/// What to run. Nothing is inherited implicitly except the daemon's environment,
/// and that only while `clear_env` is false.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    /// Set on top of the inherited environment (or of an empty one with `clear_env`).
    pub env: Vec<(OsString, OsString)>,
    pub clear_env: bool,
}

impl Spec {
    pub fn new(program: impl Into<OsString>, cwd: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            clear_env: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = A>, A: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn clear_env(mut self, clear: bool) -> Self {
        self.clear_env = clear;
        self
    }

    /// The program's name for messages (lossy).
    pub fn program_name(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    /// `program arg1 arg2` for messages and diagnostics (lossy, unquoted).
    pub fn command_line(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|s| s.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn command(&self, stdin: Stdio) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).current_dir(&self.cwd);
        if self.clear_env {
            cmd.env_clear();
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        set_parent_death_signal(&mut cmd);
        cmd
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{program}: cannot start (cwd {}): {source}", cwd.display())]
    Spawn {
        program: String,
        cwd: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{program}: no tokio runtime to spawn on")]
    NoRuntime { program: String },
    #[error("{program}: timed out after {}s and was killed{}", timeout.as_secs_f32(), tail_suffix(stderr_tail))]
    Timeout {
        program: String,
        timeout: Duration,
        stderr_tail: String,
    },
    #[error("{program}: exited with {status}{}", tail_suffix(stderr_tail))]
    Failed {
        program: String,
        status: ExitStatus,
        stderr_tail: String,
    },
    #[error("{program}: {source}")]
    Io {
        program: String,
        #[source]
        source: io::Error,
    },
}

fn tail_suffix(tail: &str) -> String {
    let tail = tail.trim();
    if tail.is_empty() {
        String::new()
    } else {
        format!("; stderr: {tail}")
    }
}

/// A running child in its own process group. Dropping it kills the group.
#[derive(Debug)]
pub struct Child {
    inner: tokio::process::Child,
    program: String,
    /// The group id (= the leader's pid); `None` if the pid was unavailable.
    pgid: Option<Pid>,
    status: Option<ExitStatus>,
    stderr: Arc<OutputTail>,
    stderr_task: Option<JoinHandle<()>>,
}

impl Child {
    /// Start `spec` with piped stdin and stdout (handed to the caller) and stderr
    /// captured into a bounded ring.
    pub fn spawn_piped(spec: &Spec) -> Result<(Child, ChildStdin, ChildStdout), ProcessError> {
        let mut child = Self::spawn(spec, Stdio::piped())?;
        let program = spec.program_name();
        let (Some(stdin), Some(stdout)) = (child.inner.stdin.take(), child.inner.stdout.take())
        else {
            return Err(ProcessError::Io {
                program,
                source: io::Error::other("stdio pipe missing"),
            });
        };
        Ok((child, stdin, stdout))
    }

    /// Start `spec` with stdin closed and stdout and stderr into one pipe, the
    /// read end of which is handed to the caller: the output as a terminal shows
    /// it, interleaved (agents' commands run without booterm; `acp::terminals`).
    pub fn spawn_combined(
        spec: &Spec,
    ) -> Result<(Child, tokio::net::unix::pipe::Receiver), ProcessError> {
        let io = |source: io::Error| ProcessError::Io {
            program: spec.program_name(),
            source,
        };
        let (reader, writer) = io::pipe().map_err(io)?;
        let mut cmd = spec.command(Stdio::null());
        cmd.stdout(Stdio::from(writer.try_clone().map_err(io)?))
            .stderr(Stdio::from(writer));
        // The write ends go with `cmd` once the child has its copies.
        let child = Self::spawn_command(spec, cmd)?;
        let reader = tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into()).map_err(io)?;
        Ok((child, reader))
    }

    fn spawn(spec: &Spec, stdin: Stdio) -> Result<Child, ProcessError> {
        Self::spawn_command(spec, spec.command(stdin))
    }

    fn spawn_command(spec: &Spec, cmd: Command) -> Result<Child, ProcessError> {
        let program = spec.program_name();
        let handle =
            tokio::runtime::Handle::try_current().map_err(|_| ProcessError::NoRuntime {
                program: program.clone(),
            })?;
        let mut inner = spawn_on_spawner(cmd, handle).map_err(|source| ProcessError::Spawn {
            program: program.clone(),
            cwd: spec.cwd.clone(),
            source,
        })?;
        let pgid = inner
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        let stderr = Arc::new(OutputTail::new(STDERR_TAIL_BYTES));
        let stderr_task = inner
            .stderr
            .take()
            .map(|pipe| tokio::spawn(drain_into(pipe, stderr.clone()).in_current_span()));
        Ok(Child {
            inner,
            program,
            pgid,
            status: None,
            stderr,
            stderr_task,
        })
    }

    /// The leader's pid while it has not been reaped.
    pub fn pid(&self) -> Option<u32> {
        if self.status.is_some() {
            None
        } else {
            self.inner.id()
        }
    }

    /// The last [`STDERR_TAIL_BYTES`] of stderr, lossy UTF-8, prefixed with
    /// [`TRUNCATED_MARK`] when older output was dropped.
    pub fn stderr_tail(&self) -> String {
        self.stderr.tail()
    }

    /// Wait for the leader to exit and reap it. Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = self.inner.wait().await?;
        self.status = Some(status);
        Ok(status)
    }

    /// The exit status if the leader has exited (reaping it), without waiting.
    pub fn try_exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.inner.try_wait().ok().flatten();
        }
        self.status
    }

    /// Stop the whole group: SIGINT, wait ~grace/3, SIGTERM, wait ~grace/3, SIGKILL,
    /// then reap. Returns the leader's exit status. Safe to call again (it only
    /// sweeps the group once more and returns the same status).
    pub async fn shutdown(&mut self, grace: Duration) -> Result<ExitStatus, ProcessError> {
        let step = grace / 3;
        for signal in [Signal::INT, Signal::TERM] {
            if self.group_gone() {
                break;
            }
            self.signal_group(signal);
            if self.settle(step).await {
                break;
            }
        }
        if !self.group_gone() {
            self.signal_group(Signal::KILL);
            // SIGKILL cannot be caught; only a process stuck in the kernel outlives it.
            self.settle(Duration::from_secs(5)).await;
        }
        let Some(status) = self.try_exited() else {
            return Err(ProcessError::Io {
                program: self.program.clone(),
                source: io::Error::other("still running 5 s after SIGKILL"),
            });
        };
        // Let the stderr reader see EOF so the tail is complete.
        if let Some(task) = self.stderr_task.as_mut()
            && tokio::time::timeout(Duration::from_millis(200), task)
                .await
                .is_ok()
        {
            self.stderr_task = None;
        }
        Ok(status)
    }

    /// Waits up to `limit` for the leader to be reaped and the group to empty.
    async fn settle(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        if self.status.is_none()
            && let Ok(Ok(status)) = tokio::time::timeout_at(deadline, self.inner.wait()).await
        {
            self.status = Some(status);
        }
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

    /// True once the leader is reaped and no process is left in its group.
    fn group_gone(&mut self) -> bool {
        if self.try_exited().is_none() {
            return false;
        }
        match self.pgid {
            Some(pgid) => {
                rustix::process::test_kill_process_group(pgid).is_err()
                    || !group_has_live_members(pgid)
            }
            None => true,
        }
    }

    fn signal_group(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH: the group is already empty.
            let _ = rustix::process::kill_process_group(pgid, signal);
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // kill_on_drop only reaches the leader; take the whole group down. While the
        // leader is unreaped its pid (and so the group id) cannot be reused.
        if self.status.is_none() {
            self.signal_group(Signal::KILL);
        }
        if let Some(task) = self.stderr_task.take() {
            task.abort();
        }
    }
}

/// Run a one-shot command (git, `--version`) with stdin closed, collecting stdout
/// and the last [`STDERR_TAIL_BYTES`] of stderr. On timeout the whole group is
/// killed and reaped. A non-zero exit is not an error here; see [`run_checked`].
pub async fn run_output(spec: &Spec, timeout: Duration) -> Result<Output, ProcessError> {
    let mut child = Child::spawn(spec, Stdio::null())?;
    let mut stdout_pipe = child.inner.stdout.take();
    let collect = async {
        let mut stdout = Vec::new();
        if let Some(pipe) = stdout_pipe.as_mut() {
            pipe.read_to_end(&mut stdout).await?;
        }
        let status = child.wait().await?;
        if let Some(task) = child.stderr_task.take() {
            let _ = task.await;
        }
        Ok::<_, io::Error>((status, stdout))
    };
    match tokio::time::timeout(timeout, collect).await {
        Ok(Ok((status, stdout))) => Ok(Output {
            status,
            stdout,
            stderr: child.stderr.bytes(),
        }),
        Ok(Err(source)) => {
            let program = child.program.clone();
            let _ = child.shutdown(Duration::ZERO).await;
            Err(ProcessError::Io { program, source })
        }
        Err(_) => {
            let _ = child.shutdown(Duration::ZERO).await;
            Err(ProcessError::Timeout {
                program: child.program.clone(),
                timeout,
                stderr_tail: child.stderr_tail(),
            })
        }
    }
}

/// [`run_output`], failing with [`ProcessError::Failed`] on a non-zero exit.
pub async fn run_checked(spec: &Spec, timeout: Duration) -> Result<Output, ProcessError> {
    let output = run_output(spec, timeout).await?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(ProcessError::Failed {
            program: spec.program_name(),
            status: output.status,
            stderr_tail: lossy_tail(&output.stderr, false),
        })
    }
}

/// Makes the child get SIGKILL when the spawning thread (the spawner) dies.
#[allow(unsafe_code)]
fn set_parent_death_signal(cmd: &mut Command) {
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe work is allowed. It makes two raw syscalls (prctl,
    // getppid) through rustix, allocates nothing, takes no locks, and touches only
    // the `Copy` pid captured before the fork.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The parent may have died between fork and prctl; then no signal will
            // ever come, so give up instead of running as an orphan.
            if rustix::process::getppid() != Some(parent) {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        });
    }
}

type SpawnJob = Box<dyn FnOnce() + Send>;

/// Forks `cmd` on the process-lifetime spawner thread (see the module docs).
fn spawn_on_spawner(
    mut cmd: Command,
    handle: tokio::runtime::Handle,
) -> io::Result<tokio::process::Child> {
    static SPAWNER: OnceLock<Mutex<std_mpsc::Sender<SpawnJob>>> = OnceLock::new();
    let sender = match SPAWNER.get() {
        Some(sender) => sender,
        None => {
            let (tx, rx) = std_mpsc::channel::<SpawnJob>();
            std::thread::Builder::new()
                .name("boo-spawner".into())
                .spawn(move || {
                    while let Ok(job) = rx.recv() {
                        // This thread must never die: its children would get SIGKILL.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })?;
            // A racing first caller may have installed its sender first; then this
            // thread's channel closes and it ends before spawning anything.
            SPAWNER.get_or_init(|| Mutex::new(tx))
        }
    };
    let (reply_tx, reply_rx) = std_mpsc::sync_channel(1);
    let job: SpawnJob = Box::new(move || {
        let _runtime = handle.enter();
        let _ = reply_tx.send(cmd.spawn());
    });
    let gone = || io::Error::other("the boo-spawner thread is gone");
    sender
        .lock()
        .map_err(|_| gone())?
        .send(job)
        .map_err(|_| gone())?;
    // Blocks only for fork + exec, as a plain `Command::spawn` would. No reply means
    // the spawn panicked (e.g. a runtime without I/O enabled).
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("spawning panicked (does the runtime enable I/O?)"))?
}

/// Whether any process of group `pgid` is still running: zombies waiting for a
/// reaper (init may be slow or absent in containers) do not count.
fn group_has_live_members(pgid: Pid) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    let pgid = pgid.as_raw_pid().to_string();
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{name}/stat")) else {
            return false;
        };
        // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
        let Some(after_comm) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let mut fields = after_comm.split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let group = fields.nth(1).unwrap_or("");
        group == pgid && state != "Z" && state != "X"
    })
}

/// The last `cap` bytes of a stream (an agent's stderr, a server's or a
/// terminal's output), for error messages and diagnostics.
#[derive(Debug)]
pub struct OutputTail {
    cap: usize,
    state: Mutex<(VecDeque<u8>, bool)>,
}

impl OutputTail {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            state: Mutex::new((VecDeque::with_capacity(cap.min(4096)), false)),
        }
    }

    pub fn push(&self, chunk: &[u8]) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let (buf, truncated) = &mut *state;
        let chunk = if chunk.len() > self.cap {
            *truncated = true;
            &chunk[chunk.len() - self.cap..]
        } else {
            chunk
        };
        let overflow = (buf.len() + chunk.len()).saturating_sub(self.cap);
        if overflow > 0 {
            buf.drain(..overflow);
            *truncated = true;
        }
        buf.extend(chunk);
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.snapshot().0
    }

    /// How many bytes it keeps.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The bytes kept, and whether older ones were dropped.
    pub fn snapshot(&self) -> (Vec<u8>, bool) {
        self.state
            .lock()
            .map(|s| (s.0.iter().copied().collect(), s.1))
            .unwrap_or_default()
    }

    /// The bytes as text (lossy UTF-8), marked when older ones were dropped.
    pub fn tail(&self) -> String {
        let Ok(state) = self.state.lock() else {
            return String::new();
        };
        let bytes: Vec<u8> = state.0.iter().copied().collect();
        lossy_tail(&bytes, state.1)
    }
}

/// Lossy UTF-8; a truncated tail drops the split character at its start.
fn lossy_tail(bytes: &[u8], truncated: bool) -> String {
    if !truncated {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let skip = bytes
        .iter()
        .take(3)
        .take_while(|b| (**b & 0b1100_0000) == 0b1000_0000)
        .count();
    format!(
        "{TRUNCATED_MARK}{}",
        String::from_utf8_lossy(&bytes[skip..])
    )
}

/// Keep the child's stderr in `ring`, and log each line at debug (target
/// `boocoder::agent`) in the span the child was started in: an agent's lines
/// carry the session, chat and task of the turn that started it.
async fn drain_into(mut pipe: impl AsyncRead + Unpin, ring: Arc<OutputTail>) {
    /// A longer line is logged in pieces.
    const MAX_LINE: usize = 16 * 1024;
    let mut buf = [0u8; 4096];
    let mut line: Vec<u8> = Vec::new();
    let log = |bytes: &[u8]| {
        tracing::debug!(target: "boocoder::agent", line = %String::from_utf8_lossy(bytes).trim_end());
    };
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                ring.push(&buf[..n]);
                if !tracing::enabled!(target: "boocoder::agent", tracing::Level::DEBUG) {
                    continue;
                }
                for piece in buf[..n].split_inclusive(|&b| b == b'\n') {
                    line.extend_from_slice(piece);
                    if line.ends_with(b"\n") || line.len() >= MAX_LINE {
                        log(&line);
                        line.clear();
                    }
                }
            }
        }
    }
    if !line.is_empty() {
        log(&line);
    }
}

#[cfg(test)]
mod tests;
