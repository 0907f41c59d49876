//! booterm's private tmux server, driven through the `tmux` CLI (3.3).
//!
//! Every call runs `tmux -u -S <socket> -f /dev/null …` with an explicit
//! environment (only [`PASSED_ENV`] of booterm's own, plus `TERM` and a UTF-8
//! `LANG`; never `TMUX`), in its own process group, with a timeout, and is always
//! reaped (`kill_on_drop` + tokio's orphan reaper after a timeout).
//!
//! **The tmux server outlives booterm.** booterm never forks the server itself: the
//! short-lived `tmux new-session` client does, and tmux daemonises it
//! (`fork` + `daemon(3)`: `setsid`, reparented to init). So the server is in its
//! own session and process group, is not booterm's child, and has no parent-death
//! signal; `kill -9` of booterm (or of booterm's process group) leaves it and every
//! shell running. Under systemd the unit needs `KillMode=process` for the same
//! reason (deploy/systemd/booterm.service has it). Only the attach clients
//! (`attach_argv`, run on a PTY) are booterm's children.
//!
//! Sessions are created with `remain-on-exit on` and a `pane-died` hook that detaches
//! the session's clients: a finished pane stays (dead) until booterm reads its exit
//! status and kills it, so the status survives even a booterm restart, and attach
//! clients end the moment the program exits.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::Command;

/// Every terminal's tmux session is called `bc-<uuid>`.
pub const NAME_PREFIX: &str = "bc-";

/// Every pane's output also goes here (see [`Tmux::new_session`]): one `cat` per
/// pane, which ends when its session is killed.
pub const PANE_SINK: &str = "exec cat >/dev/null";

/// How long one tmux CLI call may take before it is killed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// booterm's own environment variables that reach tmux (and through the server's
/// global environment, the shells). Everything else (`DATABASE_URL`, `BOO_*`,
/// `TMUX`, …) stays out.
pub const PASSED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TMUX_TMPDIR",
    "XDG_RUNTIME_DIR",
    "SSH_AUTH_SOCK",
];

/// Longest unix socket path (`sun_path` is 108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 107;

/// How long the tmux server gets to reap after a nudge.
const NUDGE_WAIT: Duration = Duration::from_millis(50);

/// Field separator of `list-sessions -F` (ASCII unit separator; tmux prints it raw).
const SEP: char = '\u{1f}';

const LIST_FORMAT: &str = "#{session_name}\u{1f}#{pid}\u{1f}#{session_created}\u{1f}#{window_width}\u{1f}\
#{window_height}\u{1f}#{pane_pid}\u{1f}#{pane_dead}\u{1f}#{pane_dead_status}\u{1f}\
#{pane_dead_signal}\u{1f}#{session_attached}\u{1f}#{pane_current_command}\u{1f}\
#{pane_start_command}\u{1f}#{pane_current_path}";

#[derive(Debug, thiserror::Error)]
pub enum TmuxError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("tmux {command} timed out after {}s", CALL_TIMEOUT.as_secs())]
    Timeout { command: &'static str },
    #[error("no tmux server is running on {}", .0.display())]
    NoServer(PathBuf),
    #[error("no tmux session {0}")]
    NoSession(String),
    #[error("tmux {command} failed ({status}): {stderr}")]
    Failed {
        command: &'static str,
        status: ExitStatus,
        stderr: String,
    },
    #[error("tmux socket {}: {message}", path.display())]
    Socket { path: PathBuf, message: String },
}

/// Server-wide settings applied (idempotently) with every `new-session`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmuxOptions {
    /// The tmux binary (looked up on `PATH` when bare).
    pub program: OsString,
    /// `history-limit`: scrollback lines kept per pane.
    pub history_limit: u32,
    /// `default-terminal`: `TERM` inside the panes.
    pub default_terminal: String,
    /// `default-shell`; tmux runs it as a login shell when a session has no command.
    pub default_shell: Option<PathBuf>,
}

impl Default for TmuxOptions {
    fn default() -> Self {
        Self {
            program: "tmux".into(),
            history_limit: 50_000,
            default_terminal: default_terminal(),
            default_shell: None,
        }
    }
}

/// `tmux-256color` when this host has its terminfo entry, else `screen-256color`.
pub fn default_terminal() -> String {
    let known = ["/usr/share/terminfo", "/lib/terminfo", "/etc/terminfo"]
        .iter()
        .any(|dir| Path::new(dir).join("t/tmux-256color").exists());
    if known {
        "tmux-256color"
    } else {
        "screen-256color"
    }
    .into()
}

/// Where booterm's socket goes when `term.tmux_socket` is unset: where
/// `tmux -L booterm` would put it, `${TMUX_TMPDIR:-/tmp}/tmux-<uid>/booterm`.
pub fn default_socket() -> PathBuf {
    let base = std::env::var_os("TMUX_TMPDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    base.join(format!("tmux-{}", rustix::process::getuid().as_raw()))
        .join("booterm")
}

/// One tmux session as `list-sessions` reports it (its active pane's details).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TmuxSession {
    pub name: String,
    /// The tmux server's pid.
    pub server_pid: u32,
    /// Unix seconds.
    pub created: i64,
    pub width: u16,
    pub height: u16,
    pub pane_pid: Option<u32>,
    /// The pane's pty is closed (`pane_dead`): its program is ending or has ended.
    pub closed: bool,
    /// The pane's program has exited and tmux has its status (the pane stays:
    /// `remain-on-exit on`).
    pub dead: bool,
    pub dead_status: Option<i32>,
    pub dead_signal: Option<i32>,
    /// Attached clients.
    pub attached: u32,
    /// The pane's foreground program (`vim`, `bash`).
    pub current_command: String,
    /// The command the pane was started with, as tmux quotes it; empty = default shell.
    pub start_command: String,
    pub current_path: String,
}

impl TmuxSession {
    /// The dead pane's exit code; `128 + signal` when a signal ended it.
    pub fn exit_code(&self) -> Option<i32> {
        if !self.dead {
            return None;
        }
        self.dead_status
            .or_else(|| self.dead_signal.map(|s| 128 + s))
    }

    fn parse(line: &str) -> Option<Self> {
        let f: Vec<&str> = line.splitn(13, SEP).collect();
        let [
            name,
            server,
            created,
            w,
            h,
            pid,
            dead,
            status,
            signal,
            attached,
            cur,
            start,
            path,
        ] = f.as_slice()
        else {
            return None;
        };
        Some(Self {
            name: (*name).to_owned(),
            server_pid: server.parse().ok()?,
            created: created.parse().ok()?,
            width: w.parse().ok()?,
            height: h.parse().ok()?,
            pane_pid: pid.parse().ok(),
            // tmux closes a pane's pty before it has reaped the program; dead counts
            // from when the exit status is known (when the `pane-died` hook fires).
            closed: *dead == "1",
            dead: *dead == "1" && (status.parse::<i32>().is_ok() || signal.parse::<i32>().is_ok()),
            dead_status: status.parse().ok(),
            dead_signal: signal.parse().ok(),
            attached: attached.parse().unwrap_or(0),
            current_command: (*cur).to_owned(),
            start_command: (*start).to_owned(),
            current_path: (*path).to_owned(),
        })
    }
}

/// A handle on booterm's private tmux server (started on demand by `new_session`).
#[derive(Clone, Debug)]
pub struct Tmux {
    socket: PathBuf,
    options: TmuxOptions,
    env: Vec<(OsString, OsString)>,
}

impl Tmux {
    pub fn new(socket: PathBuf) -> Self {
        Self::with_options(socket, TmuxOptions::default())
    }

    pub fn with_options(socket: PathBuf, options: TmuxOptions) -> Self {
        let env = client_env(std::env::vars_os());
        Self {
            socket,
            options,
            env,
        }
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The environment every tmux client gets (also for attach clients on a PTY).
    pub fn env(&self) -> &[(OsString, OsString)] {
        &self.env
    }

    /// Start session `name` detached, running `command` (argv; `None` = the default
    /// shell as a login shell) in `cwd` with `env` added. Starts the server if needed
    /// and (re)applies the server options first.
    pub async fn new_session(
        &self,
        name: &str,
        cwd: &Path,
        cols: u16,
        rows: u16,
        command: Option<&[String]>,
        env: &[(String, String)],
    ) -> Result<(), TmuxError> {
        self.ensure_socket_dir()?;
        let mut args = self.server_options();
        let target = format!("={name}:");
        args.extend(["new-session", "-d", "-s", name, "-x"].map(OsString::from));
        args.push(cols.to_string().into());
        args.push("-y".into());
        args.push(rows.to_string().into());
        args.push("-c".into());
        // -c is format-expanded: `#` must be doubled or `#(…)` would run.
        args.push(escape(&cwd.to_string_lossy().replace('#', "##")));
        for (k, v) in env {
            args.push("-e".into());
            args.push(escape(&format!("{k}={v}")));
        }
        if let Some(argv) = command {
            args.push("--".into());
            match argv {
                // One argument would go through `default-shell -c`; run it directly.
                [one] => args.extend(["env".into(), "--".into(), escape(one)]),
                _ => args.extend(argv.iter().map(|a| escape(a))),
            }
        }
        args.push(";".into());
        // Targets are not format-expanded, so the hook names the session literally.
        args.extend(["set-hook", "-t", &target, "pane-died"].map(OsString::from));
        // Only with clients attached: a bare `detach-client` fails ("no current
        // client") and tmux shows that error over the next pane it creates.
        args.push(format!("if-shell -F '#{{session_attached}}' 'detach-client -s ={name}'").into());
        // tmux 3.3a waits for a finished pane's unread output only while a pipe is
        // attached to the pane (`window_pane_destroy_ready` checks FIONREAD only
        // then); without one it drops what a program wrote just before it exited
        // about one time in 40 (tmux 3.7 checks every pane: GitHub issue 4807). So
        // a pipe that discards, in the same command list: it is in place before tmux
        // reads anything from the pane.
        args.push(";".into());
        args.extend(["pipe-pane", "-O", "-t", &target, PANE_SINK].map(OsString::from));
        self.run("new-session", args).await.map(drop)
    }

    /// Every session on the server; empty when no server runs.
    pub async fn list(&self) -> Result<Vec<TmuxSession>, TmuxError> {
        let sessions = self.list_once().await?;
        let Some(stuck) = sessions.iter().find(|s| s.closed && !s.dead) else {
            return Ok(sessions);
        };
        // tmux 3.3a now and then misses a SIGCHLD: the pane's pty is closed, its
        // program a zombie, and tmux never learns the exit status (nor fires
        // `pane-died`). Another SIGCHLD makes it reap every exited child.
        nudge(stuck.server_pid);
        tokio::time::sleep(NUDGE_WAIT).await;
        self.list_once().await
    }

    async fn list_once(&self) -> Result<Vec<TmuxSession>, TmuxError> {
        let out = match self
            .run("list-sessions", args(&["list-sessions", "-F", LIST_FORMAT]))
            .await
        {
            Ok(out) => out,
            Err(TmuxError::NoServer(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(out
            .lines()
            .filter_map(|line| {
                let parsed = TmuxSession::parse(line);
                if parsed.is_none() {
                    tracing::warn!(line, "skipping unreadable tmux list-sessions line");
                }
                parsed
            })
            .collect())
    }

    /// Kill session `name`; `false` when there was none.
    pub async fn kill(&self, name: &str) -> Result<bool, TmuxError> {
        let target = format!("={name}");
        match self
            .run("kill-session", args(&["kill-session", "-t", &target]))
            .await
        {
            Ok(_) => Ok(true),
            Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The pane's visible screen plus `scrollback` lines above it; wrapped lines are
    /// joined; with `escapes`, colours and attributes as escape sequences.
    pub async fn capture(
        &self,
        name: &str,
        scrollback: u32,
        escapes: bool,
    ) -> Result<String, TmuxError> {
        let target = format!("={name}:");
        let start = if scrollback == 0 {
            "0".to_owned()
        } else {
            format!("-{scrollback}")
        };
        let mut argv = args(&["capture-pane", "-p", "-J", "-t", &target, "-S", &start]);
        if escapes {
            argv.push("-e".into());
        }
        self.run("capture-pane", argv).await
    }

    /// `tmux … attach-session -t =<name>` for a PTY; read-only clients neither type
    /// nor resize the window.
    pub fn attach_argv(&self, name: &str, readonly: bool) -> Vec<OsString> {
        let mut argv = vec![self.options.program.clone()];
        argv.extend(self.base_args());
        argv.extend(args(&["attach-session", "-t", &format!("={name}")]));
        if readonly {
            argv.extend(args(&["-f", "read-only,ignore-size"]));
        }
        argv
    }

    fn base_args(&self) -> Vec<OsString> {
        vec![
            "-u".into(),
            "-S".into(),
            self.socket.clone().into_os_string(),
            "-f".into(),
            "/dev/null".into(),
        ]
    }

    /// `set …` commands, each followed by `;`, applied before `new-session`.
    fn server_options(&self) -> Vec<OsString> {
        let o = &self.options;
        let history = o.history_limit.to_string();
        let mut sets: Vec<[&str; 3]> = vec![
            ["-s", "escape-time", "0"],
            ["-s", "exit-empty", "on"],
            // No alternate screen in xterm.js: output that scrolls off tmux's screen lands
            // in the browser's own scrollback. RGB: xterm.js does true colour.
            ["-s", "terminal-overrides[90]", "xterm*:smcup@:rmcup@"],
            ["-s", "terminal-features[90]", "xterm*:RGB"],
            ["-g", "history-limit", &history],
            ["-g", "status", "off"],
            ["-g", "default-terminal", &o.default_terminal],
            // tmux is an implementation detail: no prefix key swallows Ctrl-B.
            ["-g", "prefix", "None"],
            ["-g", "prefix2", "None"],
            ["-g", "destroy-unattached", "off"],
            ["-wg", "remain-on-exit", "on"],
            // The dead pane shows its last output only: booterm reports the exit.
            ["-wg", "remain-on-exit-format", ""],
            ["-wg", "window-size", "latest"],
        ];
        let shell = o.default_shell.as_ref().map(|s| s.to_string_lossy());
        if let Some(shell) = &shell {
            sets.push(["-g", "default-shell", shell]);
        }
        let mut argv = args(&["start-server", ";"]);
        for [scope, key, value] in sets {
            argv.extend(args(&["set-option", scope, key]));
            argv.push(escape(value));
            argv.push(";".into());
        }
        argv
    }

    fn ensure_socket_dir(&self) -> Result<(), TmuxError> {
        let bad = |message: String| TmuxError::Socket {
            path: self.socket.clone(),
            message,
        };
        let len = self.socket.as_os_str().len();
        if len > MAX_SOCKET_PATH {
            return Err(bad(format!(
                "path is {len} bytes; unix sockets allow at most {MAX_SOCKET_PATH}"
            )));
        }
        let Some(dir) = self.socket.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| bad(format!("cannot create {}: {e}", dir.display())))
    }

    /// Run one tmux client; its stdout on success.
    async fn run(&self, command: &'static str, argv: Vec<OsString>) -> Result<String, TmuxError> {
        let program = &self.options.program;
        let mut cmd = Command::new(program);
        cmd.args(self.base_args())
            .args(&argv)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            // The server started by this client inherits its cwd: never pin a directory.
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let child = cmd.spawn().map_err(|source| TmuxError::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
        let out = tokio::time::timeout(CALL_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| TmuxError::Timeout { command })?
            .map_err(|source| TmuxError::Spawn {
                program: program.to_string_lossy().into_owned(),
                source,
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(classify(&self.socket, command, out.status, stderr))
    }
}

/// Send SIGCHLD to the tmux server (see [`Tmux::list`]).
fn nudge(server_pid: u32) {
    let Some(pid) = i32::try_from(server_pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    if let Err(e) = rustix::process::kill_process(pid, rustix::process::Signal::CHILD) {
        tracing::debug!(error = %e, server_pid, "cannot nudge the tmux server");
    }
}

fn classify(socket: &Path, command: &'static str, status: ExitStatus, stderr: String) -> TmuxError {
    // With `exit-empty`, the server exits when its last session is killed; a client
    // that reached it just then hears one of the last two.
    if stderr.starts_with("no server running on")
        || stderr == "server exited unexpectedly"
        || stderr == "no current target"
        || (stderr.starts_with("error connecting to")
            && (stderr.contains("No such file or directory")
                || stderr.contains("Connection refused")))
    {
        return TmuxError::NoServer(socket.to_owned());
    }
    if let Some(rest) = stderr
        .strip_prefix("can't find session: ")
        .or_else(|| stderr.strip_prefix("no such session: "))
    {
        return TmuxError::NoSession(rest.trim_start_matches('=').to_owned());
    }
    TmuxError::Failed {
        command,
        status,
        stderr,
    }
}

/// The explicit environment of tmux clients, from booterm's own.
fn client_env(vars: impl Iterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = vars
        .filter(|(k, _)| PASSED_ENV.iter().any(|p| k == p))
        .collect();
    if !env.iter().any(|(k, _)| k == "LANG") {
        env.push(("LANG".into(), "C.UTF-8".into()));
    }
    env.push(("TERM".into(), "xterm-256color".into()));
    env.sort();
    env
}

/// tmux's command-line parser ends a command at an argument ending in `;`; a
/// trailing `;` is kept by escaping it as `\;`.
fn escape(arg: &str) -> OsString {
    match arg.strip_suffix(';') {
        Some(head) => format!("{head}\\;").into(),
        None => arg.into(),
    }
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

#[cfg(test)]
mod tests;
