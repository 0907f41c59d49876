//! Create, reuse and remove a session's worktree.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use boo_shared::config::CoderConfig;
use git2::{BranchType, Repository};
use sqlx::PgPool;
use uuid::Uuid;

use super::git::{self, GitCli, ProjectHead};
use super::store::{self, Worktree};
use super::{WorktreeError, blocking};

/// The session's live worktree, created on first use.
///
/// Two callers for one session never create two worktrees: the whole check-create-
/// record runs in one transaction under a per-session advisory lock (and the partial
/// unique index `worktrees_session_live_key` backs it up).
#[tracing::instrument(skip_all, err, fields(%session_id, %project_id))]
pub async fn ensure(
    pool: &PgPool,
    cfg: &CoderConfig,
    project_id: Uuid,
    project_path: &Path,
    session_id: Uuid,
) -> Result<Worktree, WorktreeError> {
    let path = project_path.to_path_buf();
    let project = blocking(move || git::inspect_project(&path)).await?;
    let root = prepare_root(&cfg.worktree_root).await?;
    let cli = GitCli::new(root.join(".git-home"));

    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("boo.worktree:{session_id}"))
        .execute(&mut *tx)
        .await?;
    let live = store::lock_live_for_session(&mut tx, session_id).await?;
    let mut recorded_base = None;
    if let Some(row) = live {
        if row.project_id != project_id {
            return Err(WorktreeError::ProjectMismatch {
                session_id,
                project_id: row.project_id,
            });
        }
        let (dir, top, branch) = (
            row.dir().to_path_buf(),
            project.toplevel.clone(),
            row.branch.clone(),
        );
        if blocking(move || Ok::<_, WorktreeError>(git::is_worktree_of(&dir, &top, &branch)))
            .await?
        {
            let row = store::touch(&mut tx, row.id).await?;
            tx.commit().await?;
            return Ok(row);
        }
        tracing::warn!(worktree_id = %row.id, path = %row.path,
            "worktree directory vanished or is broken; re-creating it");
        store::mark_removed(&mut tx, row.id).await?;
        recorded_base = Some(row.base_commit);
    } else if let Some(prev) = store::latest_for_session(&mut tx, session_id).await? {
        recorded_base = Some(prev.base_commit);
    }

    let dir = root.join(session_id.to_string());
    let branch = git::branch_name(session_id);
    let made = checkout(&cli, &project, &dir, &branch, recorded_base).await?;
    let dir_text = dir.to_string_lossy().into_owned();
    let recorded = async {
        let row = store::insert(
            &mut tx,
            session_id,
            project_id,
            &dir_text,
            &branch,
            &made.base.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, WorktreeError>(row)
    }
    .await;
    match recorded {
        Ok(row) => {
            tracing::info!(worktree_id = %row.id, path = %row.path, base = %row.base_commit,
                reattached = !made.created_branch, "session worktree ready");
            Ok(row)
        }
        Err(e) => {
            undo_checkout(&cli, &project.toplevel, &dir, &branch, made.created_branch).await;
            Err(e)
        }
    }
}

/// Remove a worktree: `git worktree remove --force`, the branch and base ref only when
/// `delete_branch`, the session's checkpoints (refs and rows) when the worktree was
/// live, then the row is marked `removed`. Idempotent.
#[tracing::instrument(skip_all, err, fields(%worktree_id))]
pub async fn remove(
    pool: &PgPool,
    cfg: &CoderConfig,
    worktree_id: Uuid,
    delete_branch: bool,
) -> Result<Worktree, WorktreeError> {
    let root = prepare_root(&cfg.worktree_root).await?;
    let cli = GitCli::new(root.join(".git-home"));
    let mut tx = pool.begin().await?;
    let (row, project_path) = store::lock_with_project(&mut tx, worktree_id).await?;
    let project = PathBuf::from(project_path);
    let dir = row.dir().to_path_buf();
    if project.is_dir() {
        if dir.exists() {
            cli.run(
                &project,
                &[
                    OsStr::new("worktree"),
                    OsStr::new("remove"),
                    OsStr::new("--force"),
                    OsStr::new("--force"),
                    dir.as_os_str(),
                ],
            )
            .await?;
        } else {
            cli.run(&project, &[OsStr::new("worktree"), OsStr::new("prune")])
                .await?;
        }
        if delete_branch {
            delete_branch_and_base(&cli, &project, &row.branch).await?;
        }
    } else if dir.starts_with(&root) && dir != root && dir.exists() {
        // The project is gone, so git cannot help; the directory is ours to delete.
        let d = dir.clone();
        blocking(move || std::fs::remove_dir_all(&d).map_err(WorktreeError::io(&d))).await?;
    }
    // The session is the row's, or (an orphan whose session was deleted) its branch's.
    let session = row
        .session_id
        .or_else(|| super::checkpoint::session_of_branch(&row.branch));
    if row.is_live()
        && let Some(sid) = session
    {
        let repo = project.is_dir().then_some(project.as_path());
        super::checkpoint::prune(&mut tx, repo, sid).await?;
    }
    let row = if row.is_live() {
        store::mark_removed(&mut tx, row.id).await?
    } else {
        row
    };
    tx.commit().await?;
    Ok(row)
}

/// [`remove`] the session's live worktree, if it has one.
pub async fn remove_for_session(
    pool: &PgPool,
    cfg: &CoderConfig,
    session_id: Uuid,
    delete_branch: bool,
) -> Result<Option<Worktree>, WorktreeError> {
    match store::live_for_session(pool, session_id).await? {
        Some(row) => remove(pool, cfg, row.id, delete_branch).await.map(Some),
        None => Ok(None),
    }
}

/// What [`checkout`] did.
struct Checkout {
    base: git2::Oid,
    created_branch: bool,
}

/// Put `branch` into `dir`: a new branch at the project's HEAD, or the existing branch
/// (kept commits) when a previous worktree of the session left it behind.
async fn checkout(
    cli: &GitCli,
    project: &ProjectHead,
    dir: &Path,
    branch: &str,
    recorded_base: Option<String>,
) -> Result<Checkout, WorktreeError> {
    let top = project.toplevel.as_path();
    // Forget registrations of worktree directories that no longer exist.
    cli.run(top, &[OsStr::new("worktree"), OsStr::new("prune")])
        .await?;

    let (top_b, dir_b, branch_b) = (top.to_path_buf(), dir.to_path_buf(), branch.to_owned());
    let state = blocking(move || dir_state(&top_b, &dir_b, &branch_b)).await?;
    let top_b = top.to_path_buf();
    let branch_b = branch.to_owned();
    let branch_exists = blocking(move || {
        let repo = Repository::open(&top_b)?;
        Ok::<_, WorktreeError>(repo.find_branch(&branch_b, BranchType::Local).is_ok())
    })
    .await?;

    let created_branch = match state {
        DirState::Ours => false,
        DirState::Occupied => {
            return Err(WorktreeError::DirectoryOccupied {
                path: dir.to_path_buf(),
            });
        }
        DirState::Absent if branch_exists => {
            cli.run(
                top,
                &[
                    OsStr::new("worktree"),
                    OsStr::new("add"),
                    dir.as_os_str(),
                    OsStr::new(branch),
                ],
            )
            .await?;
            false
        }
        DirState::Absent => {
            let head = project.head.to_string();
            cli.run(
                top,
                &[
                    OsStr::new("worktree"),
                    OsStr::new("add"),
                    OsStr::new("-b"),
                    OsStr::new(branch),
                    dir.as_os_str(),
                    OsStr::new(&head),
                ],
            )
            .await?;
            true
        }
    };

    let (top_b, branch_b, head) = (top.to_path_buf(), branch.to_owned(), project.head);
    let based = blocking(move || {
        let repo = Repository::open(&top_b)?;
        let base = if created_branch {
            head
        } else {
            git::choose_base(&repo, &branch_b, recorded_base.as_deref(), head)?
        };
        git::set_base_ref(&repo, &branch_b, base, "boo: worktree base")?;
        Ok::<_, WorktreeError>(base)
    })
    .await;
    match based {
        Ok(base) => Ok(Checkout {
            base,
            created_branch,
        }),
        Err(e) => {
            undo_checkout(cli, top, dir, branch, created_branch).await;
            Err(e)
        }
    }
}

enum DirState {
    Absent,
    /// Already this session's worktree (left behind by a rolled-back attempt).
    Ours,
    Occupied,
}

fn dir_state(project: &Path, dir: &Path, branch: &str) -> Result<DirState, WorktreeError> {
    if dir.symlink_metadata().is_err() {
        return Ok(DirState::Absent);
    }
    if git::is_worktree_of(dir, project, branch) {
        return Ok(DirState::Ours);
    }
    let empty_dir = dir.is_dir()
        && std::fs::read_dir(dir)
            .map_err(WorktreeError::io(dir))?
            .next()
            .is_none();
    if empty_dir {
        std::fs::remove_dir(dir).map_err(WorktreeError::io(dir))?;
        return Ok(DirState::Absent);
    }
    Ok(DirState::Occupied)
}

/// Best-effort rollback of a checkout whose row could not be recorded.
async fn undo_checkout(cli: &GitCli, project: &Path, dir: &Path, branch: &str, branch_too: bool) {
    let removed = cli
        .run(
            project,
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
        tracing::warn!(error = %e, path = %dir.display(), "could not roll back a new worktree");
    }
    if branch_too && let Err(e) = delete_branch_and_base(cli, project, branch).await {
        tracing::warn!(error = %e, branch, "could not roll back a new branch");
    }
}

pub(super) async fn delete_branch_and_base(
    cli: &GitCli,
    project: &Path,
    branch: &str,
) -> Result<(), WorktreeError> {
    let (top, b) = (project.to_path_buf(), branch.to_owned());
    let exists = blocking(move || {
        let repo = Repository::open(&top)?;
        if let Ok(mut r) = repo.find_reference(&git::base_ref(&b)) {
            r.delete()?;
        }
        Ok::<_, WorktreeError>(repo.find_branch(&b, BranchType::Local).is_ok())
    })
    .await?;
    if exists {
        cli.run(
            project,
            &[OsStr::new("branch"), OsStr::new("-D"), OsStr::new(branch)],
        )
        .await?;
    }
    Ok(())
}

/// Create the worktree root (and the empty `HOME` git runs with) and return it
/// canonical: rows must hold absolute paths without `.`/`..`.
pub(super) async fn prepare_root(root: &Path) -> Result<PathBuf, WorktreeError> {
    if !root.is_absolute() {
        return Err(WorktreeError::Root {
            root: root.to_path_buf(),
            reason: "coder.worktree_root must be an absolute path".into(),
        });
    }
    let root = root.to_path_buf();
    blocking(move || {
        let fail = |e: std::io::Error| WorktreeError::Root {
            root: root.clone(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(root.join(".git-home")).map_err(fail)?;
        root.canonicalize().map_err(fail)
    })
    .await
}
