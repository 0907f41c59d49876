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
//!    as one opaque entry), and is not ignored by git unless the base tree has it
//!    (the diff leaves ignored files out) → [`Refused::Unstageable`].
//!
//! After the write, [`write`] asks the same libgit2 diff, limited to that one path,
//! whether it shows the change; when it does not (git attributes such as `text=auto`
//! hide a line-ending-only change), the file is put back and the write refused.
//!
//! The converse — whatever lands in the worktree by other means (a command the agent
//! ran) shows up after the turn, or is reported as unstageable — is the diff's job
//! ([`crate::worktree::scan`]).

use std::path::{Path, PathBuf};

use boo_shared::pathguard::{PathError, ResolveOptions, resolve_with};
use git2::{DiffOptions, Repository};

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

/// [`check`], then create the directories and write `content`; then make sure the
/// worktree diff shows the change (git attributes such as `text=auto` can make a
/// line-ending-only change invisible to it), else put everything back and refuse.
pub fn write(root: &Path, requested: &str, content: &[u8]) -> Result<Landing, Refused> {
    let landing = check(root, requested)?;
    let io = |source| Refused::Io {
        path: requested.to_owned(),
        source,
    };
    let previous =
        tree::read_current(&landing.full, &landing.path).map_err(|e| policy(requested, e))?;
    let created = first_missing_dir(&landing.full);
    let undo = |written: bool| {
        if written {
            let _ = match &previous {
                Some(bytes) => std::fs::write(&landing.full, bytes),
                None => std::fs::remove_file(&landing.full),
            };
        }
        if let Some(dir) = &created {
            let _ = std::fs::remove_dir_all(dir);
        }
    };
    if let Some(dir) = landing.full.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Re-check now that the directories exist (narrows a swap-in-a-symlink race).
    match check(root, requested) {
        Ok(again) if again == landing => {}
        Ok(_) => {
            undo(false);
            return Err(Refused::unstageable(
                requested,
                "it resolved differently after its directories were created",
            ));
        }
        Err(e) => {
            undo(false);
            return Err(e);
        }
    }
    std::fs::write(&landing.full, content).map_err(io)?;
    if let Err(reason) = shown_by_the_diff(root, &landing.path, content) {
        undo(true);
        return Err(Refused::unstageable(requested, reason));
    }
    Ok(landing)
}

/// The outermost directory on the way to `full` that does not exist yet (what a
/// refused write must remove again).
fn first_missing_dir(full: &Path) -> Option<PathBuf> {
    let mut missing = None;
    let mut dir = full.parent();
    while let Some(d) = dir {
        if d.symlink_metadata().is_ok() {
            break;
        }
        missing = Some(d.to_path_buf());
        dir = d.parent();
    }
    missing
}

/// `Ok` when the worktree's diff against its base lists `path` (or `content` is what
/// the base holds, so there is nothing to list). Uses the same libgit2 diff, limited
/// to the one path, as the post-turn staging.
fn shown_by_the_diff(root: &Path, path: &str, content: &[u8]) -> Result<(), String> {
    let Ok(repo) = Repository::open(root) else {
        return Ok(()); // not a git worktree: nothing stages it anyway
    };
    let Some(base) = base_tree(&repo) else {
        return Ok(());
    };
    let unchanged = base
        .get_path(Path::new(path))
        .ok()
        .and_then(|e| repo.find_blob(e.id()).ok())
        .is_some_and(|b| b.content() == content);
    if unchanged {
        return Ok(());
    }
    let mut opts = DiffOptions::new();
    opts.pathspec(path)
        .disable_pathspec_match(true)
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true)
        .ignore_submodules(true);
    let listed = repo
        .diff_tree_to_workdir(Some(&base), Some(&mut opts))
        .map(|d| {
            d.deltas()
                .any(|delta| delta.new_file().path() == Some(Path::new(path)))
        })
        .unwrap_or(true); // cannot tell: the post-turn diff reports what it cannot stage
    if listed {
        Ok(())
    } else {
        Err(
            "git would not show this change (its attributes, e.g. .gitattributes \
             `text=auto`, make it no change: only line endings differ?)"
                .into(),
        )
    }
}

/// The worktree's base tree: the private base ref of its `boo/<session>` branch, or
/// its HEAD for a worktree boocoder did not make.
fn base_tree(repo: &Repository) -> Option<git2::Tree<'_>> {
    let head = repo.head().ok();
    let base = head
        .as_ref()
        .and_then(|h| h.shorthand().ok().map(base_ref))
        .and_then(|r| repo.refname_to_id(&r).ok())
        .or_else(|| head.and_then(|h| h.target()))?;
    repo.find_commit(base).and_then(|c| c.tree()).ok()
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

/// Whether the worktree's base tree has `path`. Only the base counts: the diff
/// compares the base tree with the directory, so an ignored file the branch's HEAD or
/// the index knows (but the base does not) is still left out of it.
fn tracked(repo: &Repository, path: &str) -> bool {
    base_tree(repo).is_some_and(|t| t.get_path(Path::new(path)).is_ok())
}
