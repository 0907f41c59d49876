//! An agent's `fs/write_text_file`: a write lands in the session worktree only when
//! the next diff can stage it as a pending change under the same name.
//!
//! The worktree's diff becomes the session's pending changes after every turn, so a
//! file that lands but cannot be staged would vanish from the owner's view: the
//! agent believes it wrote it, the owner never sees it. [`check`] refuses such a
//! write *before* anything touches disk, in this order:
//!
//! 1. `boo_shared::pathguard` (with `.git` denied): escapes by `..`, absolute paths
//!    elsewhere, symlinks that leave the worktree → [`Refused::Outside`];
//! 2. the pending path policy ([`tree::target`]: no `~`, backslashes,
//!    percent-escapes, control/bidi/zero-width characters, look-alikes of `.` and
//!    `/`, empty or `.`/`..` components, over-long names) on the path relative to
//!    the worktree, and no symlink as the file itself → [`Refused::Unstageable`];
//! 3. where the write really lands (after in-worktree symlinked directories) passes
//!    the policy too, is not inside a nested git repository (the diff reports those
//!    as one opaque entry), and is not ignored by git unless the base, HEAD or index
//!    tracks it (the diff leaves ignored files out) → [`Refused::Unstageable`].
//!
//! The converse — whatever lands in the worktree by other means (a command the agent
//! ran) shows up after the turn, or is reported as unstageable — is the diff's job
//! ([`crate::worktree::scan`]).

use std::path::{Path, PathBuf};

use boo_shared::pathguard::{PathError, ResolveOptions, resolve_with};
use git2::Repository;

use super::PendingError;
use super::tree::{self, check_path};
use crate::worktree::base_ref;

/// Why an agent's write was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Outside the worktree (or inside `.git`): the path guard's message.
    #[error("{0}")]
    Outside(PathError),
    /// Inside, but not something a pending change can hold.
    #[error("path {path:?} cannot be staged as a pending change: {reason}")]
    Unstageable { path: String, reason: String },
    #[error("cannot write {path:?}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Refused {
    fn unstageable(path: &str, reason: impl Into<String>) -> Self {
        Self::Unstageable {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Where an accepted write lands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landing {
    /// Relative to the worktree, `/`-separated: the path its pending change will have
    /// (differs from the requested one only through an in-worktree symlinked directory).
    pub path: String,
    /// Absolute, under the canonical worktree.
    pub full: PathBuf,
}

/// Decide whether `requested` (relative to `root`, or absolute inside it) may be
/// written, and where it lands. Blocking (touches the disk and the repository).
pub fn check(root: &Path, requested: &str) -> Result<Landing, Refused> {
    let guard = ResolveOptions { deny_git_dir: true };
    match resolve_with(root, requested, guard) {
        Ok(_) => {}
        Err(PathError::NulByte { .. }) => {
            return Err(Refused::unstageable(requested, "contains a NUL byte"));
        }
        Err(e) => return Err(Refused::Outside(e)),
    }
    let canonical = root.canonicalize().map_err(|source| Refused::Io {
        path: requested.to_owned(),
        source,
    })?;
    let relative = relative(root, &canonical, requested)
        .map_err(|reason| Refused::unstageable(requested, reason))?;
    let full = tree::target(root, relative).map_err(|e| policy(requested, e))?;
    let landed = full
        .strip_prefix(&canonical)
        .ok()
        .and_then(Path::to_str)
        .map(str::to_owned)
        .ok_or_else(|| Refused::unstageable(requested, "does not land inside the worktree"))?;
    if landed != relative {
        check_path(&landed).map_err(|e| match policy(&landed, e) {
            Refused::Unstageable { reason, .. } => Refused::unstageable(
                requested,
                format!("it leads (through a symlink) to {landed:?}, which {reason}"),
            ),
            other => other,
        })?;
    }
    if let Ok(repo) = Repository::open(&canonical) {
        git_checks(&repo, &canonical, &landed).map_err(|r| Refused::unstageable(requested, r))?;
    }
    Ok(Landing { path: landed, full })
}

/// [`check`], then create the directories and write `content`.
pub fn write(root: &Path, requested: &str, content: &[u8]) -> Result<Landing, Refused> {
    let landing = check(root, requested)?;
    let io = |source| Refused::Io {
        path: requested.to_owned(),
        source,
    };
    if let Some(dir) = landing.full.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Re-check now that the directories exist (narrows a swap-in-a-symlink race).
    if check(root, requested)? != landing {
        return Err(Refused::unstageable(
            requested,
            "it resolved differently after its directories were created",
        ));
    }
    std::fs::write(&landing.full, content).map_err(io)?;
    Ok(landing)
}

/// A policy refusal from [`tree`] as a [`Refused`].
fn policy(requested: &str, e: PendingError) -> Refused {
    match e {
        PendingError::UnsafePath { reason, .. } => Refused::unstageable(requested, reason),
        PendingError::Io { source, .. } => Refused::Io {
            path: requested.to_owned(),
            source,
        },
        other => Refused::unstageable(requested, other.to_string()),
    }
}

/// `requested` relative to the worktree: as is, or an absolute path with the
/// worktree's directory (as configured or canonical) taken off, textually, so the
/// policy sees exactly the components that were sent.
fn relative<'a>(root: &Path, canonical: &Path, requested: &'a str) -> Result<&'a str, String> {
    if !requested.starts_with('/') {
        return Ok(requested);
    }
    for dir in [root, canonical] {
        let Some(dir) = dir.to_str() else { continue };
        let Some(rest) = requested.strip_prefix(dir) else {
            continue;
        };
        if rest.is_empty() || rest == "/" {
            return Err("names the worktree itself, not a file".into());
        }
        if let Some(rest) = rest.strip_prefix('/') {
            if rest.starts_with('/') {
                return Err("empty path component".into());
            }
            return Ok(rest);
        }
    }
    Err("an absolute path that does not start with the worktree's directory".into())
}

/// The git side of "the diff will show it": not in a nested repository, not ignored
/// (unless tracked).
fn git_checks(repo: &Repository, root: &Path, landed: &str) -> Result<(), String> {
    let parts: Vec<&str> = landed.split('/').collect();
    for depth in 1..parts.len() {
        let dir = parts[..depth].join("/");
        if root.join(&dir).join(".git").symlink_metadata().is_ok() {
            return Err(format!(
                "it is inside the nested git repository {dir:?}, whose files the worktree diff does not list"
            ));
        }
    }
    let ignored = repo
        .status_should_ignore(Path::new(landed))
        .map_err(|e| format!("git cannot tell whether it is ignored: {e}"))?;
    if ignored && !tracked(repo, landed) {
        return Err(
            "git ignores it (.gitignore), and ignored files are not staged as pending changes"
                .into(),
        );
    }
    Ok(())
}

/// Whether the worktree's base, its HEAD or its index has `path`.
fn tracked(repo: &Repository, path: &str) -> bool {
    let p = Path::new(path);
    let in_tree = |oid: git2::Oid| {
        repo.find_commit(oid)
            .and_then(|c| c.tree())
            .is_ok_and(|t| t.get_path(p).is_ok())
    };
    let head = repo.head().ok();
    let base = head
        .as_ref()
        .and_then(|h| h.shorthand().ok().map(base_ref))
        .and_then(|r| repo.refname_to_id(&r).ok());
    base.is_some_and(in_tree)
        || head.and_then(|h| h.target()).is_some_and(in_tree)
        || repo.index().is_ok_and(|i| i.get_path(p, 0).is_some())
}
