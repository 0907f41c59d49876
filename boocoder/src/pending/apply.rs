//! approve / apply / reject / revert.
//!
//! Each runs in one transaction holding the change row and the session's live
//! worktree row (`FOR UPDATE`), so two applies in one session chain their
//! re-baselines instead of losing one. A failed apply/revert leaves the row's status
//! alone and records the reason in `error`.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use sqlx::PgPool;
use uuid::Uuid;

use super::PendingError;
use super::store::{self, PendingChange, PendingStatus};
use super::tree::{self, Expect, TreeWrite, Written};
use crate::worktree::{self, BaselineUpdate, ChangeKind, Worktree, ZERO_OID, blocking, mode};

/// pending → approved (the owner's decision; [`apply`] writes it).
pub async fn approve(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    let mut tx = pool.begin().await?;
    let row = store::lock(&mut tx, id).await?;
    require(&row, &[PendingStatus::Pending], "approve")?;
    let row = store::set_status(&mut tx, id, PendingStatus::Approved, None).await?;
    tx.commit().await?;
    Ok(row)
}

/// pending | approved → applied: write the change into the project tree (refusing
/// when the project file is not what the change was computed against), then
/// re-baseline the session worktree (rows staged from its diff, i.e. with a
/// `base_commit`). Re-applying after a crash between the write and
/// the status update finds the result already there and just completes.
#[tracing::instrument(skip_all, err, fields(%id))]
pub async fn apply(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    record_failure(pool, id, apply_in_tx(pool, id).await).await
}

/// applied → reverted: restore the project file (old content back; a created file
/// deleted; a deleted file recreated), refusing when it changed since the apply, and
/// re-baseline the worktree to match — the worktree still holds the agent's version,
/// so the change shows up as pending again after the next diff.
#[tracing::instrument(skip_all, err, fields(%id))]
pub async fn revert(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    record_failure(pool, id, revert_in_tx(pool, id).await).await
}

/// pending | approved → rejected. With `discard_in_worktree`, the session worktree's
/// file is put back to its base version when it still holds exactly the rejected
/// content, so the next turn's diff does not stage the same change again (a file the
/// agent changed since is left alone).
#[tracing::instrument(skip_all, err, fields(%id))]
pub async fn reject(
    pool: &PgPool,
    id: Uuid,
    discard_in_worktree: bool,
) -> Result<PendingChange, PendingError> {
    let mut tx = pool.begin().await?;
    let row = store::lock(&mut tx, id).await?;
    require(
        &row,
        &[PendingStatus::Pending, PendingStatus::Approved],
        "reject",
    )?;
    if discard_in_worktree
        && let Some(wt) = worktree::lock_live_for_session(&mut tx, row.session_id).await?
    {
        discard(&row, &wt).await;
    }
    let row = store::set_status(&mut tx, id, PendingStatus::Rejected, None).await?;
    tx.commit().await?;
    Ok(row)
}

async fn apply_in_tx(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    let mut tx = pool.begin().await?;
    let row = store::lock(&mut tx, id).await?;
    require(
        &row,
        &[PendingStatus::Pending, PendingStatus::Approved],
        "apply",
    )?;
    let project = PathBuf::from(store::project_path(&mut tx, row.session_id).await?);
    let wt = worktree::lock_live_for_session(&mut tx, row.session_id).await?;
    let facts = Facts::of(&row)?;

    let expect = match facts.kind {
        ChangeKind::Create => Expect::Absent,
        ChangeKind::Edit | ChangeKind::Delete => Expect::Blob(facts.old_id(&row)?),
    };
    let new_bytes = match facts.kind {
        ChangeKind::Delete => None,
        _ => Some(new_bytes(&row, &facts, wt.as_ref()).await?),
    };
    let (path, write) = (row.path.clone(), new_bytes.clone());
    let new_mode = facts.new_mode;
    let written = blocking(move || {
        let w = TreeWrite {
            path: &path,
            expect,
            write: write.as_deref().map(|b| (b, new_mode)),
        };
        tree::write(&project, &w)
    })
    .await?;
    if written == Written::AlreadyThere {
        tracing::info!(path = %row.path, "project already holds the change; completing the apply");
    }
    // Only a change staged from the worktree diff (it carries the base it was computed
    // against) moves the base; a manual or native-tool change never was in the
    // worktree, and re-baselining it would make the worktree look like it deleted it.
    let warning = match wt.as_ref().filter(|_| row.base_commit.is_some()) {
        Some(wt) => {
            let update = BaselineUpdate {
                path: row.path.clone(),
                content: new_bytes,
                mode: facts.new_mode,
            };
            rebaseline_warning(&mut tx, wt, update, "applied").await
        }
        None => None,
    };
    let row = store::set_status(&mut tx, id, PendingStatus::Applied, warning.as_deref()).await?;
    tx.commit().await?;
    Ok(row)
}

async fn revert_in_tx(pool: &PgPool, id: Uuid) -> Result<PendingChange, PendingError> {
    let mut tx = pool.begin().await?;
    let row = store::lock(&mut tx, id).await?;
    require(&row, &[PendingStatus::Applied], "revert")?;
    let project = PathBuf::from(store::project_path(&mut tx, row.session_id).await?);
    let wt = worktree::lock_live_for_session(&mut tx, row.session_id).await?;
    let facts = Facts::of(&row)?;

    let expect = match facts.kind {
        ChangeKind::Create | ChangeKind::Edit => Expect::Blob(facts.new_id(&row)?),
        ChangeKind::Delete => Expect::Absent,
    };
    let old_bytes = match facts.kind {
        ChangeKind::Create => None,
        _ => Some(old_bytes(&row, &facts, &project).await?),
    };
    let (path, write, old_mode) = (row.path.clone(), old_bytes.clone(), facts.old_mode);
    let project_b = project.clone();
    blocking(move || {
        let w = TreeWrite {
            path: &path,
            expect,
            write: write.as_deref().map(|b| (b, old_mode)),
        };
        tree::write(&project_b, &w)
    })
    .await?;
    let warning = match wt.as_ref().filter(|_| row.base_commit.is_some()) {
        Some(wt) => {
            let update = BaselineUpdate {
                path: row.path.clone(),
                content: old_bytes,
                mode: facts.old_mode,
            };
            rebaseline_warning(&mut tx, wt, update, "reverted").await
        }
        None => None,
    };
    let row = store::set_status(&mut tx, id, PendingStatus::Reverted, warning.as_deref()).await?;
    tx.commit().await?;
    Ok(row)
}

/// Re-baseline; a failure does not undo the project write (it is done and correct),
/// it is recorded on the row and heals itself: the next diff stages the file again,
/// and applying that finds it already there and re-baselines.
async fn rebaseline_warning(
    conn: &mut sqlx::PgConnection,
    wt: &Worktree,
    update: BaselineUpdate,
    done: &str,
) -> Option<String> {
    match worktree::rebaseline_in(conn, wt, vec![update]).await {
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, worktree_id = %wt.id, "re-baseline failed");
            Some(format!(
                "{done}, but re-baselining the worktree failed: {e}"
            ))
        }
    }
}

async fn record_failure(
    pool: &PgPool,
    id: Uuid,
    result: Result<PendingChange, PendingError>,
) -> Result<PendingChange, PendingError> {
    if let Err(e) = &result
        && !matches!(
            e,
            PendingError::NotFound(_) | PendingError::InvalidTransition { .. }
        )
        && let Err(record) = store::set_error(pool, id, &e.to_string()).await
    {
        tracing::warn!(error = %record, "could not record the failure on the change");
    }
    result
}

fn require(
    row: &PendingChange,
    from: &[PendingStatus],
    action: &'static str,
) -> Result<(), PendingError> {
    if from.contains(&row.status) {
        Ok(())
    } else {
        Err(PendingError::InvalidTransition {
            id: row.id,
            status: row.status,
            action,
        })
    }
}

/// What a row says about its two sides (kind, modes, blob ids from the diff header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Facts {
    pub kind: ChangeKind,
    pub old_mode: u32,
    pub new_mode: u32,
    pub old_oid: Option<Oid>,
    pub new_oid: Option<Oid>,
}

impl Facts {
    pub(crate) fn of(row: &PendingChange) -> Result<Self, PendingError> {
        let path = row.path.as_str();
        if path == "." {
            return Err(PendingError::unsupported(
                path,
                "a whole-worktree row cannot be applied file by file",
            ));
        }
        let kind = row.kind;
        let mut f = Facts {
            kind,
            old_mode: mode::FILE,
            new_mode: mode::FILE,
            old_oid: None,
            new_oid: None,
        };
        for line in row.diff.as_deref().unwrap_or("").lines() {
            if ["--- ", "@@", "Binary files ", "Large file "]
                .iter()
                .any(|p| line.starts_with(p))
            {
                break;
            }
            let octal = |s: &str| u32::from_str_radix(s.trim(), 8).ok();
            if let Some(m) = line.strip_prefix("new file mode ") {
                f.new_mode = octal(m).unwrap_or(mode::FILE);
            } else if let Some(m) = line.strip_prefix("deleted file mode ") {
                f.old_mode = octal(m).unwrap_or(mode::FILE);
            } else if let Some(m) = line.strip_prefix("old mode ") {
                f.old_mode = octal(m).unwrap_or(mode::FILE);
            } else if let Some(m) = line.strip_prefix("new mode ") {
                f.new_mode = octal(m).unwrap_or(mode::FILE);
            } else if let Some(rest) = line.strip_prefix("index ") {
                let mut parts = rest.split(' ');
                let ids = parts.next().unwrap_or("");
                if let Some(m) = parts.next().and_then(octal) {
                    (f.old_mode, f.new_mode) = (m, m);
                }
                if let Some((a, b)) = ids.split_once("..") {
                    let id = |s: &str| {
                        (s != ZERO_OID && s.len() == 40)
                            .then(|| Oid::from_str(s).ok())
                            .flatten()
                    };
                    (f.old_oid, f.new_oid) = (id(a), id(b));
                }
            }
        }
        if f.old_mode == mode::SYMLINK || f.new_mode == mode::SYMLINK {
            return Err(PendingError::unsupported(
                path,
                "symlink changes are not applied",
            ));
        }
        Ok(f)
    }

    fn old_id(&self, row: &PendingChange) -> Result<Oid, PendingError> {
        match (&row.old_content, self.old_oid) {
            (Some(text), _) => tree::blob_id(text.as_bytes()),
            (None, Some(oid)) => Ok(oid),
            (None, None) => Err(PendingError::unsupported(
                &row.path,
                "the change records no previous content",
            )),
        }
    }

    fn new_id(&self, row: &PendingChange) -> Result<Oid, PendingError> {
        match (&row.new_content, self.new_oid) {
            (Some(text), _) => tree::blob_id(text.as_bytes()),
            (None, Some(oid)) => Ok(oid),
            (None, None) => Err(PendingError::unsupported(
                &row.path,
                "the change records no new content",
            )),
        }
    }
}

/// The bytes a create/edit writes: the stored text, or for binary/oversized content
/// the worktree's file, which must still hash to the recorded id.
async fn new_bytes(
    row: &PendingChange,
    facts: &Facts,
    wt: Option<&Worktree>,
) -> Result<Vec<u8>, PendingError> {
    if let Some(text) = &row.new_content {
        return Ok(text.as_bytes().to_vec());
    }
    let Some(want) = facts.new_oid else {
        return Err(PendingError::unsupported(
            &row.path,
            "the change records no new content",
        ));
    };
    let Some(wt) = wt else {
        return Err(PendingError::Stale {
            path: row.path.clone(),
        });
    };
    let (dir, path) = (wt.dir().to_path_buf(), row.path.clone());
    blocking(move || {
        let full = tree::target(&dir, &path)?;
        match tree::read_current(&full, &path)? {
            Some(bytes) if tree::blob_id(&bytes)? == want => Ok(bytes),
            _ => Err(PendingError::Stale { path }),
        }
    })
    .await
}

/// The bytes a revert restores: the stored text, or the old blob from the repository.
async fn old_bytes(
    row: &PendingChange,
    facts: &Facts,
    project: &Path,
) -> Result<Vec<u8>, PendingError> {
    if let Some(text) = &row.old_content {
        return Ok(text.as_bytes().to_vec());
    }
    let Some(oid) = facts.old_oid else {
        return Err(PendingError::unsupported(
            &row.path,
            "the change records no previous content",
        ));
    };
    let project = project.to_path_buf();
    blocking(move || {
        let repo = Repository::open(&project)?;
        let blob = repo.find_blob(oid)?;
        Ok::<_, PendingError>(blob.content().to_vec())
    })
    .await
}

/// Put the worktree file back to the base version when it still holds the rejected
/// content. Best effort: logged, never fails the reject.
async fn discard(row: &PendingChange, wt: &Worktree) {
    let outcome = async {
        let facts = Facts::of(row)?;
        let expect = match facts.kind {
            ChangeKind::Delete => Expect::Absent,
            _ => Expect::Blob(facts.new_id(row)?),
        };
        let (dir, base, path) = (
            wt.dir().to_path_buf(),
            wt.base_commit.clone(),
            row.path.clone(),
        );
        blocking(move || {
            let repo = Repository::open(&dir)?;
            let tree = repo.find_commit(Oid::from_str(&base)?)?.tree()?;
            let base_side = match tree.get_path(Path::new(&path)) {
                Ok(entry) => {
                    let m = u32::try_from(entry.filemode()).unwrap_or(mode::FILE);
                    Some((repo.find_blob(entry.id())?.content().to_vec(), m))
                }
                Err(_) => None,
            };
            let w = TreeWrite {
                path: &path,
                expect,
                write: base_side.as_ref().map(|(b, m)| (b.as_slice(), *m)),
            };
            tree::write(&dir, &w)
        })
        .await
    }
    .await;
    match outcome {
        Ok(_) => tracing::info!(path = %row.path, "rejected change discarded from the worktree"),
        Err(e) => tracing::info!(path = %row.path, reason = %e,
            "rejected change left in the worktree"),
    }
}
