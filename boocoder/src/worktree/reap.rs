//! The worktree half of the orphan reaper (CODER-9), run at start and every
//! `coder.reaper_interval_secs`:
//!
//! 1. a `live` row whose session was deleted (`session_id` NULL: the chat's delete
//!    guard already asked about its risk) is removed with its branch ([`remove`]);
//! 2. a directory `<coder.worktree_root>/<session-id>` that no live row points at
//!    is removed (`git worktree remove --force` in the repository its `.git` file
//!    names, else deleted), its branch too when the session is gone;
//! 3. a branch `boo/<session-id>` in a project's repository whose session is gone
//!    and that no live worktree uses is deleted with its base ref.
//!
//! Each directory is checked and removed under the same per-session advisory
//! lock [`super::ensure`] holds while it creates one, so a worktree being created
//! right now (directory there, row not committed yet) is never taken for a stray.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use boo_shared::config::CoderConfig;
use git2::{BranchType, Repository};
use sqlx::PgPool;
use uuid::Uuid;

use super::git::{GitCli, branch_name};
use super::lifecycle::{delete_branch_and_base, prepare_root, remove};
use super::{WorktreeError, blocking};

/// What one pass removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reaped {
    /// Live worktrees of deleted sessions (their directories).
    pub orphans: Vec<PathBuf>,
    /// Directories under the root no live row owned.
    pub stray_dirs: Vec<PathBuf>,
    /// `boo/<session-id>` branches of deleted sessions (directory removals included).
    pub stray_branches: Vec<String>,
}

/// One pass of the reaper over worktrees. A failure on one item is logged and
/// the pass goes on.
pub async fn reap(pool: &PgPool, cfg: &CoderConfig) -> Result<Reaped, WorktreeError> {
    let mut out = Reaped::default();
    let orphans: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM worktrees WHERE status = 'live' AND session_id IS NULL ORDER BY created_at",
    )
    .fetch_all(pool)
    .await?;
    for id in orphans {
        match remove(pool, cfg, id, true).await {
            Ok(row) => {
                tracing::info!(worktree_id = %id, path = %row.path, "reaped the worktree of a deleted session");
                out.orphans.push(PathBuf::from(row.path));
                out.stray_branches.push(row.branch);
            }
            Err(e) => {
                tracing::warn!(worktree_id = %id, error = %e, "cannot reap an orphan worktree")
            }
        }
    }
    let root = prepare_root(&cfg.worktree_root).await?;
    let cli = GitCli::new(root.join(".git-home"));
    let r = root.clone();
    let dirs: Vec<(Uuid, PathBuf)> = blocking(move || {
        let entries = std::fs::read_dir(&r).map_err(WorktreeError::io(&r))?;
        Ok::<_, WorktreeError>(
            entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let sid = e.file_name().to_str()?.parse::<Uuid>().ok()?;
                    Some((sid, e.path()))
                })
                .collect(),
        )
    })
    .await?;
    for (sid, dir) in dirs {
        match stray_dir(pool, &cli, &root, sid, &dir).await {
            Ok(Some(branch)) => {
                tracing::info!(path = %dir.display(), "reaped a stray worktree directory");
                out.stray_dirs.push(dir);
                out.stray_branches.extend(branch);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(path = %dir.display(), error = %e, "cannot reap a stray worktree directory");
            }
        }
    }
    let projects: Vec<String> = sqlx::query_scalar("SELECT DISTINCT path FROM projects")
        .fetch_all(pool)
        .await?;
    for project in projects {
        match stray_branches(pool, &cli, Path::new(&project)).await {
            Ok(gone) => out.stray_branches.extend(gone),
            Err(e) => tracing::warn!(project, error = %e, "cannot reap stray branches"),
        }
    }
    out.stray_branches.sort();
    out.stray_branches.dedup();
    Ok(out)
}

/// Remove `dir` (the worktree directory of session `sid`) unless a live row owns
/// it. `Ok(Some(branch))`: removed (and the branch deleted, if the session is gone).
async fn stray_dir(
    pool: &PgPool,
    cli: &GitCli,
    root: &Path,
    sid: Uuid,
    dir: &Path,
) -> Result<Option<Option<String>>, WorktreeError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("boo.worktree:{sid}"))
        .execute(&mut *tx)
        .await?;
    let dir_text = dir.to_string_lossy().into_owned();
    let (owned, session_exists): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM worktrees WHERE status = 'live' AND path = $1),
                EXISTS (SELECT 1 FROM sessions WHERE id = $2)",
    )
    .bind(&dir_text)
    .bind(sid)
    .fetch_one(&mut *tx)
    .await?;
    if owned {
        return Ok(None);
    }
    let d = dir.to_path_buf();
    let project = blocking(move || Ok::<_, WorktreeError>(project_of(&d))).await?;
    let mut branch = None;
    match project {
        Some(top) => {
            let removed = cli
                .run(
                    &top,
                    &[
                        OsStr::new("worktree"),
                        OsStr::new("remove"),
                        OsStr::new("--force"),
                        OsStr::new("--force"),
                        dir.as_os_str(),
                    ],
                )
                .await;
            if let Err(e) = removed {
                // Not (or no longer) registered there: the directory is ours to delete.
                tracing::info!(path = %dir.display(), error = %e, "git cannot remove the worktree; deleting the directory");
                if !(dir.starts_with(root) && dir != root) {
                    return Err(e);
                }
                let d = dir.to_path_buf();
                blocking(move || std::fs::remove_dir_all(&d).map_err(WorktreeError::io(&d)))
                    .await?;
                cli.run(&top, &[OsStr::new("worktree"), OsStr::new("prune")])
                    .await?;
            }
            if !session_exists {
                let name = branch_name(sid);
                delete_branch_and_base(cli, &top, &name).await?;
                branch = Some(name);
            }
        }
        None if dir.starts_with(root) && dir != root => {
            let d = dir.to_path_buf();
            blocking(move || std::fs::remove_dir_all(&d).map_err(WorktreeError::io(&d))).await?;
        }
        None => return Ok(None),
    }
    tx.commit().await?;
    Ok(Some(branch))
}

/// The top level of the repository whose worktree `dir` is: its `.git` file says
/// `gitdir: <top>/.git/worktrees/<name>`. `None` when that is not readable or
/// the repository is gone.
fn project_of(dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join(".git")).ok()?;
    let gitdir = PathBuf::from(text.trim().strip_prefix("gitdir:")?.trim());
    let common = gitdir.parent()?.parent()?;
    if common.file_name()? != ".git" {
        return None;
    }
    let top = common.parent()?.to_path_buf();
    top.join(".git").is_dir().then_some(top)
}

/// Delete the `boo/<session>` branches of `project` whose session is gone and
/// that no live worktree uses.
async fn stray_branches(
    pool: &PgPool,
    cli: &GitCli,
    project: &Path,
) -> Result<Vec<String>, WorktreeError> {
    let top = project.to_path_buf();
    let ours: Vec<(String, Uuid)> = blocking(move || {
        let Ok(repo) = Repository::open(&top) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for b in repo.branches(Some(BranchType::Local))? {
            let (b, _) = b?;
            if let Some(name) = b.name()?
                && let Some(sid) = name.strip_prefix("boo/").and_then(|s| s.parse().ok())
            {
                out.push((name.to_owned(), sid));
            }
        }
        Ok::<_, WorktreeError>(out)
    })
    .await?;
    let mut gone = Vec::new();
    for (name, sid) in ours {
        let in_use: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)
                 OR EXISTS (SELECT 1 FROM worktrees WHERE status = 'live' AND branch = $2)",
        )
        .bind(sid)
        .bind(&name)
        .fetch_one(pool)
        .await?;
        if in_use {
            continue;
        }
        delete_branch_and_base(cli, project, &name).await?;
        tracing::info!(branch = name, project = %project.display(), "reaped the branch of a deleted session");
        gone.push(name);
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_worktree_names_its_project_through_its_git_file() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("proj");
        std::fs::create_dir_all(top.join(".git/worktrees/w1")).unwrap();
        let wt = tmp.path().join("wt");
        std::fs::create_dir_all(&wt).unwrap();
        let gitdir = top.join(".git/worktrees/w1");
        std::fs::write(wt.join(".git"), format!("gitdir: {}\n", gitdir.display())).unwrap();
        assert_eq!(project_of(&wt), Some(top));
        std::fs::write(wt.join(".git"), "gitdir: /nowhere/else\n").unwrap();
        assert_eq!(project_of(&wt), None);
        std::fs::remove_file(wt.join(".git")).unwrap();
        assert_eq!(project_of(&wt), None);
    }
}
