//! `terminal/*`: the commands an agent runs, as booterm terminals.
//!
//! `terminal/create` asks booterm (`boo.term.v1.TermService/CreateSession`, through
//! the peer client of [`boo_shared::peers`]) for a terminal owned by the workspace
//! session the agent works for ([`TermHost::session_id`]): cwd the session worktree
//! (a requested `cwd` is confined to it by `boo_shared::pathguard`, like `fs/*`),
//! argv the agent's command and args (a lone command holding spaces, which some
//! agents send as a shell line, runs under `/bin/sh -c`), its `env`, title
//! `agent: <command line>`. booterm's terminal id is the ACP terminal id, and the
//! terminal is one of the session's terminals like any other: the owner's
//! workspace lists it as a tab. The rest ([`booterm`]):
//!
//! - `terminal/output`: `Snapshot` with the scrollback booterm keeps (plain text,
//!   escapes gone, wrapped lines joined); `GetSession` says whether, and how, it ended.
//! - `terminal/wait_for_exit`: `WaitSession`, which booterm answers when the
//!   program has exited.
//! - `terminal/kill`: `KillSession`: tmux hangs up the program (reported as
//!   `signal: SIGHUP`); the terminal stays in booterm's list as exited.
//! - `terminal/release`: kill if still running, then forget the id.
//!
//! When booterm cannot be reached (no peer configured, connect error,
//! `UNAVAILABLE`), the command runs as boocoder's own child instead ([`local`]):
//! its own process group (`crate::process`), killed with the group on kill,
//! release, after [`CHILD_TIMEOUT`] and when the connection goes away; stdout and
//! stderr in one pipe, bounded like booterm's output; the fallback is logged and
//! stated in the output's first line ([`FALLBACK_NOTE`]).
//!
//! Output is bounded by `outputByteLimit` (default and ceiling
//! [`MAX_OUTPUT_BYTES`]): the end is kept, cut at a UTF-8 character boundary, with
//! `truncated: true` ([`output::keep_end`]).

mod booterm;
mod local;
pub(crate) mod output;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Error, ErrorCode};
use boo_shared::pathguard::resolve;
use boo_shared::peers::TermClient;
use uuid::Uuid;

use self::booterm::BootermTerm;
use self::local::LocalTerm;

/// `outputByteLimit` when the agent gives none, and the most kept whatever it asks.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// A command run as boocoder's own child is killed after this long.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The first line of a fallback command's output (when the limit leaves room).
pub const FALLBACK_NOTE: &str = "[booterm unreachable: ran as boocoder's own child]\n";
/// Longest terminal title (booterm allows 200 characters).
const TITLE_CHARS: usize = 120;

/// Where agents' terminals go: booterm, for a workspace session.
#[derive(Clone, Debug, Default)]
pub struct TermHost {
    /// booterm's peer client; `None`: every command runs as boocoder's own child.
    pub client: Option<TermClient>,
    /// The workspace session the terminals belong to (booterm lists them under it).
    pub session_id: Option<Uuid>,
    /// The agent's HOME, PATH and sandbox, which its commands share; `None`: the
    /// commands get booterm's (or boocoder's locale) environment only.
    pub confine: Option<TermConfine>,
}

/// What an agent's commands share with the agent (see [`crate::sandbox`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermConfine {
    /// The agent's private HOME.
    pub home: PathBuf,
    /// The agent's `PATH`.
    pub path: Option<String>,
    /// The agent's sandbox; `None` when `coder.sandbox.mode` is `off`.
    pub plan: Option<crate::sandbox::Plan>,
}

impl TermConfine {
    /// `launch` as run by `booterm` (in a tmux pane) or as boocoder's own child:
    /// HOME, PATH and TMPDIR first in its env (the agent's own names win), its argv
    /// inside the sandbox.
    fn apply(&self, launch: &Launch, in_booterm: bool) -> Launch {
        let mut env: Vec<(String, String)> = [
            Some(("HOME", self.home.to_string_lossy().into_owned())),
            self.path.clone().map(|p| ("PATH", p)),
            self.plan.as_ref().map(|_| ("TMPDIR", "/tmp".to_owned())),
        ]
        .into_iter()
        .flatten()
        .filter(|(name, _)| !launch.env.iter().any(|(n, _)| n == name))
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        env.extend(launch.env.iter().cloned());
        let argv = match &self.plan {
            Some(plan) => plan.wrap_argv(&launch.argv, &launch.cwd, !in_booterm),
            None => launch.argv.clone(),
        };
        Launch {
            argv,
            env,
            ..launch.clone()
        }
    }
}

/// One agent terminal.
enum Term {
    Booterm(BootermTerm),
    Local(LocalTerm),
}

struct Entry {
    /// The ACP session that created it (other sessions cannot reach it).
    session: String,
    term: Arc<Term>,
}

/// The terminals of one connection, by ACP terminal id.
pub(crate) struct Terminals {
    host: TermHost,
    map: Mutex<HashMap<String, Entry>>,
}

/// What to run, checked: argv, absolute cwd inside the worktree, env, byte limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Launch {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub limit: usize,
    /// `agent: <command and args as the agent gave them>`.
    pub title: String,
}

impl Terminals {
    pub(crate) fn new(host: TermHost) -> Self {
        Terminals {
            host,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, session: &acp::SessionId, id: &acp::TerminalId) -> Result<Arc<Term>, Error> {
        self.lock()
            .get(&*id.0)
            .filter(|e| *e.session == *session.0)
            .map(|e| e.term.clone())
            .ok_or_else(|| unknown(id))
    }

    /// `terminal/create`: in booterm, else (unreachable) as our own child.
    pub(crate) async fn create(
        &self,
        worktree: &Path,
        req: acp::CreateTerminalRequest,
    ) -> Result<acp::CreateTerminalResponse, Error> {
        let launch = launch(worktree, &req)?;
        let confined = |in_booterm| match &self.host.confine {
            Some(c) => c.apply(&launch, in_booterm),
            None => launch.clone(),
        };
        let fallback_reason = match &self.host.client {
            None => "no booterm peer is configured".to_owned(),
            Some(client) => {
                match booterm::create(client.clone(), self.host.session_id, &confined(true)).await?
                {
                    Ok(term) => {
                        return Ok(self.insert(
                            &req.session_id,
                            term.id().to_owned(),
                            Term::Booterm(term),
                        ));
                    }
                    Err(unreachable) => unreachable,
                }
            }
        };
        tracing::warn!(
            reason = %fallback_reason,
            command = %launch.argv.join(" "),
            "booterm unreachable: running the agent's command as boocoder's own child"
        );
        let term = LocalTerm::spawn(&confined(false)).map_err(|e| {
            Error::new(
                ErrorCode::INTERNAL_ERROR,
                format!("booterm is unreachable ({fallback_reason}) and {e}"),
            )
        })?;
        let id = format!("local-{}", Uuid::new_v4());
        Ok(self.insert(&req.session_id, id, Term::Local(term)))
    }

    fn insert(
        &self,
        session: &acp::SessionId,
        id: String,
        term: Term,
    ) -> acp::CreateTerminalResponse {
        self.lock().insert(
            id.clone(),
            Entry {
                session: session.0.to_string(),
                term: Arc::new(term),
            },
        );
        acp::CreateTerminalResponse::new(id)
    }

    pub(crate) async fn output(
        &self,
        req: acp::TerminalOutputRequest,
    ) -> Result<acp::TerminalOutputResponse, Error> {
        match &*self.get(&req.session_id, &req.terminal_id)? {
            Term::Booterm(t) => t.output().await,
            Term::Local(t) => Ok(t.output()),
        }
    }

    pub(crate) async fn wait_for_exit(
        &self,
        req: acp::WaitForTerminalExitRequest,
    ) -> Result<acp::WaitForTerminalExitResponse, Error> {
        let status = match &*self.get(&req.session_id, &req.terminal_id)? {
            Term::Booterm(t) => t.wait().await?,
            Term::Local(t) => t.wait().await,
        };
        Ok(acp::WaitForTerminalExitResponse::new(status))
    }

    pub(crate) async fn kill(
        &self,
        req: acp::KillTerminalRequest,
    ) -> Result<acp::KillTerminalResponse, Error> {
        match &*self.get(&req.session_id, &req.terminal_id)? {
            Term::Booterm(t) => t.kill().await?,
            Term::Local(t) => t.kill().await,
        }
        Ok(acp::KillTerminalResponse::new())
    }

    /// Kill if running, then forget: the id is unknown afterwards.
    pub(crate) async fn release(
        &self,
        req: acp::ReleaseTerminalRequest,
    ) -> Result<acp::ReleaseTerminalResponse, Error> {
        let term = self.get(&req.session_id, &req.terminal_id)?;
        self.lock().remove(&*req.terminal_id.0);
        match &*term {
            Term::Booterm(t) => t.kill().await?,
            Term::Local(t) => t.kill().await,
        }
        Ok(acp::ReleaseTerminalResponse::new())
    }
}

fn unknown(id: &acp::TerminalId) -> Error {
    Error::new(
        ErrorCode::INVALID_PARAMS,
        format!("no terminal {} (never created, or released)", id.0),
    )
}

/// Check a `terminal/create` against the worktree: the cwd confined to it, a
/// program named, env names usable.
pub(crate) fn launch(worktree: &Path, req: &acp::CreateTerminalRequest) -> Result<Launch, Error> {
    let invalid = |m: String| Error::new(ErrorCode::INVALID_PARAMS, m);
    let cwd = match &req.cwd {
        None => worktree.to_path_buf(),
        Some(cwd) => {
            let requested = cwd
                .to_str()
                .ok_or_else(|| invalid("cwd is not valid UTF-8".to_owned()))?;
            let resolved = resolve(worktree, requested).map_err(|e| {
                invalid(format!(
                    "refused cwd: {e}; terminals run inside the session worktree"
                ))
            })?;
            if !resolved.is_dir() {
                return Err(invalid(format!(
                    "cwd {} is not a directory in the session worktree",
                    cwd.display()
                )));
            }
            resolved
        }
    };
    if req.command.trim().is_empty() {
        return Err(invalid("command must name a program".to_owned()));
    }
    let argv = if req.args.is_empty() && req.command.trim().contains(char::is_whitespace) {
        vec!["/bin/sh".to_owned(), "-c".to_owned(), req.command.clone()]
    } else {
        std::iter::once(req.command.clone())
            .chain(req.args.iter().cloned())
            .collect()
    };
    if argv.iter().any(|a| a.contains('\0')) {
        return Err(invalid("command contains NUL".to_owned()));
    }
    let mut env = Vec::with_capacity(req.env.len());
    for v in &req.env {
        if v.name.is_empty() || v.name.contains(['=', '\0']) || v.value.contains('\0') {
            return Err(invalid(format!(
                "{:?} is not a usable environment variable",
                v.name
            )));
        }
        env.push((v.name.clone(), v.value.clone()));
    }
    let limit = req
        .output_byte_limit
        .map_or(MAX_OUTPUT_BYTES, |l| {
            usize::try_from(l).unwrap_or(usize::MAX)
        })
        .min(MAX_OUTPUT_BYTES);
    let given: Vec<String> = std::iter::once(req.command.clone())
        .chain(req.args.iter().cloned())
        .collect();
    Ok(Launch {
        title: title(&given),
        argv,
        cwd,
        env,
        limit,
    })
}

/// `agent: <command line>`, shortened to [`TITLE_CHARS`].
pub(crate) fn title(argv: &[String]) -> String {
    let line = argv.join(" ");
    let mut title = format!("agent: {line}");
    if title.chars().count() > TITLE_CHARS {
        title = title.chars().take(TITLE_CHARS - 1).collect::<String>() + "…";
    }
    title
}
