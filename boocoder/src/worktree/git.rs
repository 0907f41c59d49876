//! The git CLI (for what moves a working tree) and the libgit2 reads shared by the
//! worktree functions.
//!
//! Every `git` process gets an explicit cwd, a cleared environment (no `GIT_DIR`
//! leaking in from a hook, no system/global config, no terminal prompts, hooks
//! disabled, fixed identity) and a timeout, through [`crate::process::run_output`].

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{Oid, Repository};
use uuid::Uuid;

use super::WorktreeError;
use crate::process::{Spec, run_output};

/// `git worktree add` checks out a whole tree; big repositories need a while.
const ADD_TIMEOUT: Duration = Duration::from_secs(300);
/// Everything else the CLI does here is quick.
const SHORT_TIMEOUT: Duration = Duration::from_secs(60);
/// Fallback `PATH` when the daemon has none.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Identity of commits boocoder writes (re-baselines).
pub(crate) const SIGNATURE_NAME: &str = "BooCode";
pub(crate) const SIGNATURE_EMAIL: &str = "boocode@localhost";

/// The all-zero object id git prints for "no such side".
pub const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// `boo/<session-id>`: the branch a session's worktree is on.
pub fn branch_name(session_id: Uuid) -> String {
    format!("boo/{session_id}")
}

/// `refs/boo/base/<session-id>` for branch `boo/<session-id>`: keeps the current base
/// commit (and the re-baseline chain) reachable.
pub fn base_ref(branch: &str) -> String {
    let tail = branch.strip_prefix("boo/").unwrap_or(branch);
    format!("refs/boo/base/{tail}")
}

/// How `git` is run: a private, empty `HOME` so no user config or credential helper
/// is picked up.
#[derive(Clone, Debug)]
pub(crate) struct GitCli {
    home: PathBuf,
}

impl GitCli {
    pub(crate) fn new(home: PathBuf) -> Self {
        Self { home }
    }

    fn spec(&self, cwd: &Path, args: &[&OsStr]) -> Spec {
        let mut full: Vec<OsString> = [
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
            "-c",
            &format!("user.name={SIGNATURE_NAME}"),
            "-c",
            &format!("user.email={SIGNATURE_EMAIL}"),
        ]
        .iter()
        .map(OsString::from)
        .collect();
        full.extend(args.iter().map(|a| a.to_os_string()));
        let path = std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
        let env = [
            ("PATH", path),
            ("HOME", self.home.clone().into_os_string()),
            ("XDG_CONFIG_HOME", self.home.clone().into_os_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("LC_ALL", "C".into()),
        ]
        .into_iter()
        .map(|(k, v)| (OsString::from(k), v))
        .collect();
        Spec {
            program: "git".into(),
            args: full,
            cwd: cwd.to_path_buf(),
            env,
            clear_env: true,
        }
    }

    /// Run `git <args>` in `cwd`; stdout on success, [`WorktreeError::GitCommand`]
    /// with stderr otherwise.
    pub(crate) async fn run(&self, cwd: &Path, args: &[&OsStr]) -> Result<String, WorktreeError> {
        let timeout = if args.first().is_some_and(|a| *a == "worktree")
            && args.get(1).is_some_and(|a| *a == "add")
        {
            ADD_TIMEOUT
        } else {
            SHORT_TIMEOUT
        };
        let out = run_output(&self.spec(cwd, args), timeout).await?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(WorktreeError::GitCommand {
                args: args
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }
}

/// What [`inspect_project`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProjectHead {
    /// Canonical top level of the project's working tree.
    pub toplevel: PathBuf,
    pub head: Oid,
}

/// The project must be the top level of a non-bare repository with at least one
/// commit; worktree paths are then the project's paths.
pub(crate) fn inspect_project(path: &Path) -> Result<ProjectHead, WorktreeError> {
    let not_repo = |reason: String| WorktreeError::NotAGitRepo {
        path: path.to_path_buf(),
        reason,
    };
    let canonical = path
        .canonicalize()
        .map_err(|e| not_repo(format!("cannot open the directory: {e}")))?;
    let repo = Repository::discover(&canonical).map_err(|e| not_repo(e.message().to_owned()))?;
    let Some(workdir) = repo.workdir() else {
        return Err(not_repo("it is a bare repository".into()));
    };
    let toplevel = workdir
        .canonicalize()
        .map_err(|e| not_repo(format!("cannot open its working tree: {e}")))?;
    if toplevel != canonical {
        return Err(WorktreeError::NotTopLevel {
            path: path.to_path_buf(),
            toplevel,
        });
    }
    if repo.is_worktree() {
        return Err(not_repo(
            "it is itself a linked worktree; use the main checkout".into(),
        ));
    }
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .ok_or_else(|| WorktreeError::NoCommits {
            path: path.to_path_buf(),
        })?;
    Ok(ProjectHead {
        toplevel,
        head: head.id(),
    })
}

/// `dir` is a linked worktree of the repository at `project` with `branch` checked out.
pub(crate) fn is_worktree_of(dir: &Path, project: &Path, branch: &str) -> bool {
    let (Ok(repo), Ok(project_repo)) = (Repository::open(dir), Repository::open(project)) else {
        return false;
    };
    let same_store = match (
        repo.commondir().canonicalize(),
        project_repo.commondir().canonicalize(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let on_branch = repo
        .head()
        .ok()
        .and_then(|h| h.name().ok().map(str::to_owned))
        .is_some_and(|name| name == format!("refs/heads/{branch}"));
    repo.is_worktree() && same_store && on_branch
}

/// A commit id given as text, checked to exist as a commit in `repo`.
pub(crate) fn commit_oid(repo: &Repository, hex: &str) -> Option<Oid> {
    Oid::from_str(hex)
        .ok()
        .and_then(|oid| repo.find_commit(oid).ok())
        .map(|c| c.id())
}

/// The base for a worktree re-attached to an existing branch: the last recorded base
/// if it still exists, else the private base ref, else where the branch forked off.
pub(crate) fn choose_base(
    repo: &Repository,
    branch: &str,
    recorded: Option<&str>,
    head: Oid,
) -> Result<Oid, WorktreeError> {
    if let Some(oid) = recorded.and_then(|hex| commit_oid(repo, hex)) {
        return Ok(oid);
    }
    if let Ok(oid) = repo.refname_to_id(&base_ref(branch))
        && repo.find_commit(oid).is_ok()
    {
        return Ok(oid);
    }
    let tip = repo.refname_to_id(&format!("refs/heads/{branch}"))?;
    Ok(repo.merge_base(head, tip)?)
}

/// Point the private base ref at `base` (creating it if needed).
pub(crate) fn set_base_ref(
    repo: &Repository,
    branch: &str,
    base: Oid,
    why: &str,
) -> Result<(), git2::Error> {
    repo.reference(&base_ref(branch), base, true, why)
        .map(|_| ())
}
