//! What removing a session's worktrees would lose (CODER-10): the data behind
//! `WorktreeRisk` (gRPC and HTTP) and boochat's session-delete guard.

use std::path::Path;

use git2::{DiffOptions, Oid, Repository, RepositoryState};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, Worktree};
use super::{WorktreeError, blocking};

/// Risk report for one worktree. A report that could not be completed carries
/// `error` and counts as at risk (the guard fails closed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorktreeRisk {
    pub worktree_id: Uuid,
    pub path: String,
    pub branch: String,
    /// Files whose content differs from the base commit: work not yet applied to the
    /// project (tracked, untracked, or committed on the branch). Applied changes are
    /// in the base and do not count. Sorted.
    pub dirty_files: Vec<String>,
    /// Commits on the branch not reachable from the project's current HEAD.
    pub unpushed_commits: u32,
    /// Non-zero while a merge/rebase/cherry-pick/revert/am is in progress: for a merge,
    /// the commits of `MERGE_HEAD` not yet in HEAD; otherwise 1. (A bisect loses nothing.)
    pub unmerged_commits: u32,
    /// `merge`, `rebase`, `cherry-pick`, `revert`, `am`, `bisect` when in progress.
    pub operation: Option<String>,
    /// Paths with conflict entries in the worktree's index. Sorted.
    pub conflicted_files: Vec<String>,
    /// The worktree directory no longer exists (its branch may still hold commits).
    pub missing: bool,
    /// Why the report is incomplete.
    pub error: Option<String>,
}

impl WorktreeRisk {
    /// Removing the worktree (or its branch) could lose work, or we cannot tell.
    pub fn at_risk(&self) -> bool {
        !self.dirty_files.is_empty()
            || self.unpushed_commits > 0
            || self.unmerged_commits > 0
            || !self.conflicted_files.is_empty()
            || self.error.is_some()
    }
}

impl From<&WorktreeRisk> for boo_proto::coder::v1::WorktreeRisk {
    fn from(r: &WorktreeRisk) -> Self {
        Self {
            path: r.path.clone(),
            branch: r.branch.clone(),
            dirty_files: r.dirty_files.clone(),
            unpushed_commits: r.unpushed_commits,
            unmerged_commits: r
                .unmerged_commits
                .max(u32::try_from(r.conflicted_files.len()).unwrap_or(u32::MAX)),
            operation: r.operation.clone().unwrap_or_default(),
            conflicted_files: r.conflicted_files.clone(),
            missing: r.missing,
            error: r.error.clone().unwrap_or_default(),
        }
    }
}

/// Reports for the session's live worktrees (usually one; none when it never ran an
/// agent).
#[tracing::instrument(skip_all, err, fields(%session_id))]
pub async fn risk(pool: &PgPool, session_id: Uuid) -> Result<Vec<WorktreeRisk>, WorktreeError> {
    let rows = store::live_with_project(pool, session_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, project_path) in rows {
        out.push(
            blocking(move || Ok::<_, WorktreeError>(inspect(&row, Path::new(&project_path))))
                .await?,
        );
    }
    Ok(out)
}

/// Inspect one worktree (blocking); never fails, see [`WorktreeRisk::error`].
pub fn inspect(worktree: &Worktree, project_path: &Path) -> WorktreeRisk {
    let mut report = WorktreeRisk {
        worktree_id: worktree.id,
        path: worktree.path.clone(),
        branch: worktree.branch.clone(),
        ..WorktreeRisk::default()
    };
    if let Err(e) = fill(&mut report, worktree, project_path) {
        report.error = Some(e.to_string());
    }
    report
}

fn fill(r: &mut WorktreeRisk, wt: &Worktree, project_path: &Path) -> Result<(), WorktreeError> {
    // Commits only the branch has: measured in the project repository, which exists
    // even when the worktree directory is gone.
    let project = Repository::open(project_path)?;
    if let Ok(tip) = project.refname_to_id(&format!("refs/heads/{}", wt.branch)) {
        r.unpushed_commits =
            count_not_in(&project, tip, project.head().ok().and_then(|h| h.target()))?;
    }
    if wt.dir().symlink_metadata().is_err() {
        r.missing = true;
        return Ok(());
    }
    let repo = Repository::open(wt.dir())?;

    let base = repo.find_commit(Oid::from_str(&wt.base_commit)?)?.tree()?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true)
        .ignore_submodules(true);
    let diff = repo.diff_tree_to_workdir(Some(&base), Some(&mut opts))?;
    let mut dirty: Vec<String> = diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or_else(|| d.old_file().path())
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    dirty.sort();
    dirty.dedup();
    r.dirty_files = dirty;

    let index = repo.index()?;
    if index.has_conflicts() {
        let mut files: Vec<String> = index
            .conflicts()?
            .filter_map(Result::ok)
            .filter_map(|c| c.our.or(c.their).or(c.ancestor))
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        files.sort();
        files.dedup();
        r.conflicted_files = files;
    }

    r.operation = operation(repo.state()).map(str::to_owned);
    if r.operation.as_deref() == Some("merge") {
        let head = repo.head().ok().and_then(|h| h.target());
        let mut heads = Vec::new();
        // `mergehead_foreach` wants `&mut`; a second handle keeps the borrows simple.
        Repository::open(wt.dir())?.mergehead_foreach(|oid| {
            heads.push(*oid);
            true
        })?;
        let mut n = 0;
        for h in heads {
            n += count_not_in(&repo, h, head)?;
        }
        r.unmerged_commits = n.max(1);
    } else if r.operation.as_deref().is_some_and(|op| op != "bisect") {
        r.unmerged_commits = 1;
    }
    Ok(())
}

/// Commits reachable from `tip` but not from `hide`.
fn count_not_in(repo: &Repository, tip: Oid, hide: Option<Oid>) -> Result<u32, WorktreeError> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    if let Some(h) = hide {
        walk.hide(h)?;
    }
    let mut n: u32 = 0;
    for oid in walk {
        oid?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn operation(state: RepositoryState) -> Option<&'static str> {
    match state {
        RepositoryState::Clean => None,
        RepositoryState::Merge => Some("merge"),
        RepositoryState::Revert | RepositoryState::RevertSequence => Some("revert"),
        RepositoryState::CherryPick | RepositoryState::CherryPickSequence => Some("cherry-pick"),
        RepositoryState::Bisect => Some("bisect"),
        RepositoryState::Rebase
        | RepositoryState::RebaseInteractive
        | RepositoryState::RebaseMerge => Some("rebase"),
        RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => Some("am"),
    }
}
