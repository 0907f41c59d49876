//! Move a worktree's base forward after a change was applied to (or reverted in) the
//! project tree, so the diff stops (or starts again) showing that file.
//!
//! The new base is a commit whose tree is the old base tree with each updated path
//! set to exactly the bytes now in the project (or removed), parented on the old base.
//! Nothing in the worktree directory, its index, HEAD or branch moves, so an agent
//! working there is not disturbed; the private ref `refs/boo/base/<session>` keeps the
//! commit alive and the row's `base_commit` records it.

use std::path::Path;

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, Signature};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::diff::mode;
use super::git::{self, SIGNATURE_EMAIL, SIGNATURE_NAME};
use super::store::{self, Worktree};
use super::{WorktreeError, blocking};

/// What the project now holds at `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineUpdate {
    /// Relative, `/`-separated (a pending row's path).
    pub path: String,
    /// The bytes written into the project; `None` = the file was deleted.
    pub content: Option<Vec<u8>>,
    /// git mode of the written file ([`mode::FILE`] or [`mode::EXECUTABLE`]).
    pub mode: u32,
}

/// Re-baseline the worktree `worktree_id` (row-locked for the duration); returns the
/// updated row.
#[tracing::instrument(skip_all, err, fields(%worktree_id))]
pub async fn rebaseline(
    pool: &PgPool,
    worktree_id: Uuid,
    updates: Vec<BaselineUpdate>,
) -> Result<Worktree, WorktreeError> {
    let mut tx = pool.begin().await?;
    let (row, _) = store::lock_with_project(&mut tx, worktree_id).await?;
    let row = rebaseline_in(&mut tx, &row, updates).await?;
    tx.commit().await?;
    Ok(row)
}

/// Re-baseline within the caller's transaction; the caller holds the row lock (see
/// [`store::lock_live_for_session`]) so concurrent applies chain their commits.
pub async fn rebaseline_in(
    conn: &mut PgConnection,
    worktree: &Worktree,
    updates: Vec<BaselineUpdate>,
) -> Result<Worktree, WorktreeError> {
    let (dir, base, branch) = (
        worktree.dir().to_path_buf(),
        worktree.base_commit.clone(),
        worktree.branch.clone(),
    );
    let new_base = blocking(move || commit_baseline(&dir, &base, &branch, &updates)).await?;
    if new_base.to_string() == worktree.base_commit {
        return Ok(worktree.clone());
    }
    store::set_base(conn, worktree.id, &new_base.to_string()).await
}

/// Write the new base commit (blocking); returns the old base when nothing changed.
pub(crate) fn commit_baseline(
    repo_dir: &Path,
    base: &str,
    branch: &str,
    updates: &[BaselineUpdate],
) -> Result<Oid, WorktreeError> {
    let repo = Repository::open(repo_dir)?;
    let base_commit = repo.find_commit(Oid::from_str(base)?)?;
    let base_tree = base_commit.tree()?;
    let mut builder = TreeUpdateBuilder::new();
    for u in updates {
        check_tree_path(&u.path)?;
        match &u.content {
            Some(bytes) => {
                let blob = repo.blob(bytes)?;
                let m = if u.mode == mode::EXECUTABLE {
                    FileMode::BlobExecutable
                } else {
                    FileMode::Blob
                };
                builder.upsert(&u.path, blob, m);
            }
            None => {
                if base_tree.get_path(Path::new(&u.path)).is_ok() {
                    builder.remove(&u.path);
                }
            }
        }
    }
    let tree_id = builder.create_updated(&repo, &base_tree)?;
    if tree_id == base_tree.id() {
        return Ok(base_commit.id());
    }
    let tree = repo.find_tree(tree_id)?;
    let sig = Signature::now(SIGNATURE_NAME, SIGNATURE_EMAIL)?;
    let paths: Vec<&str> = updates.iter().map(|u| u.path.as_str()).collect();
    let message = format!("boo: re-baseline after applying {}\n", paths.join(", "));
    let oid = repo.commit(None, &sig, &sig, &message, &tree, &[&base_commit])?;
    git::set_base_ref(&repo, branch, oid, "boo: re-baseline")?;
    Ok(oid)
}

/// Tree paths must be plain relative paths (the pending path check has run before;
/// this keeps a malformed update from building a broken tree).
fn check_tree_path(path: &str) -> Result<(), WorktreeError> {
    let bad = |reason| {
        Err(WorktreeError::BadPath {
            path: path.to_owned(),
            reason,
        })
    };
    if path.is_empty() || path.starts_with('/') || path.ends_with('/') {
        return bad("must be a relative file path");
    }
    if path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == ".." || c.eq_ignore_ascii_case(".git"))
    {
        return bad("has an empty, `.`, `..` or `.git` component");
    }
    if path.contains('\0') {
        return bad("contains a NUL byte");
    }
    Ok(())
}
