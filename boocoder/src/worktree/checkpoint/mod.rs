//! Checkpoints (CODER-12): the worktree's whole state before each agent turn, and
//! restoring it.
//!
//! - [`before_turn`] (the runner calls it once per turn, before the prompt is sent)
//!   writes the worktree's files (tracked and untracked, `.gitignore`d ones left out,
//!   bytes as on disk) as a commit whose parent is HEAD, points the private ref
//!   `refs/boo/checkpoints/<session>/<n>` at it (n = 1, 2, … per session) and records
//!   a `checkpoints` row naming the turn. The worktree, its index and HEAD are not
//!   touched (see [`snapshot`]). A checkpoint that cannot be made is logged and shown
//!   in the chat (`metadata.kind = "checkpoint_failed"`); the turn goes on.
//! - [`restore`] puts the worktree back to checkpoint `n` byte for byte (files made
//!   since are deleted, ignored files are left alone, HEAD's branch and the index go
//!   back to where they were), marks the row restored and reports the checkpoints of
//!   the turns whose work it discarded (`n`'s own turn and every later one). It
//!   refuses while a turn of the session runs, and unless the caller confirmed the
//!   discard. The caller re-stages the pending changes.
//! - The agents of the session learn about a restore on their next turn: `before_turn`
//!   returns a note ("The owner restored the worktree to checkpoint 3 …") for the
//!   prompt when the session's latest restore came after that agent's last turn in
//!   the chat.
//! - [`prune`] deletes a session's refs and rows; worktree removal calls it.
//!
//! A per-session advisory lock serialises checkpoints and restores, and a restore
//! holds the worktree row too (like a re-baseline): a turn claimed during a restore
//! makes its checkpoint, and sends its prompt, only after the restore.

mod snapshot;
mod store;
#[cfg(test)]
mod tests;

use std::path::Path;

use axum::http::StatusCode;
use boo_shared::error::ApiError;
use boo_shared::hub::Hub;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Worktree, WorktreeError, blocking};
pub use snapshot::{FilesRestored, ref_name};
pub use store::{CheckpointRow, prompt_line};

/// `metadata.kind` of the chat notice of a checkpoint that could not be made.
pub const FAILED_KIND: &str = "checkpoint_failed";

/// The newest checkpoints [`list`] returns.
pub const LIST_LIMIT: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("session {session_id} has no checkpoint {n}")]
    NotFound { session_id: Uuid, n: i32 },
    #[error("a turn of this session is running; restore once it has ended")]
    TurnRunning,
    #[error(
        "restoring checkpoint {n} discards the work of {} turn(s) (this checkpoint's turn and every later one); send {{\"discard_later\": true}} to go ahead",
        discarded.len()
    )]
    DiscardsLater {
        n: i32,
        discarded: Vec<CheckpointRow>,
    },
    #[error("session {0} has no live worktree to restore into")]
    NoWorktree(Uuid),
    #[error("the worktree directory {0} is gone; the next agent turn makes it again, then restore")]
    WorktreeMissing(String),
    #[error("cannot restore: {0}")]
    Blocked(String),
    #[error(transparent)]
    Worktree(#[from] WorktreeError),
    #[error(transparent)]
    Git(#[from] git2::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("background git task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl CheckpointError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            Self::TurnRunning => (StatusCode::CONFLICT, "turn_running"),
            Self::DiscardsLater { .. } => (StatusCode::CONFLICT, "checkpoint_discards_later"),
            Self::NoWorktree(_) => (StatusCode::CONFLICT, "no_worktree"),
            Self::WorktreeMissing(_) => (StatusCode::CONFLICT, "worktree_missing"),
            Self::Blocked(_) => (StatusCode::CONFLICT, "checkpoint_blocked"),
            Self::Worktree(e) => e.status_and_code(),
            Self::Git(_) | Self::Db(_) | Self::Join(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "checkpoint_failed")
            }
        }
    }
}

impl From<CheckpointError> for ApiError {
    fn from(e: CheckpointError) -> Self {
        let (status, code) = e.status_and_code();
        ApiError::new(status, code, e.to_string())
    }
}

/// The turn a checkpoint precedes.
#[derive(Clone, Copy, Debug)]
pub struct Turn<'a> {
    pub task_id: Uuid,
    /// `None` for a chat-less (one-shot) task.
    pub chat_id: Option<Uuid>,
    /// The turn's assistant message.
    pub message_id: Option<Uuid>,
    pub agent: &'a str,
    pub prompt: &'a str,
}

/// Record checkpoint `n` (the session's next) of `worktree` before `turn`.
#[tracing::instrument(skip_all, err, fields(session_id = ?worktree.session_id, task_id = %turn.task_id))]
pub async fn record(
    pool: &PgPool,
    worktree: &Worktree,
    turn: &Turn<'_>,
) -> Result<CheckpointRow, CheckpointError> {
    let Some(session_id) = worktree.session_id else {
        return Err(CheckpointError::Blocked(
            "the worktree belongs to no session".into(),
        ));
    };
    let mut tx = pool.begin().await?;
    store::lock_session(&mut tx, session_id).await?;
    let n = store::next_n(&mut tx, session_id).await?;
    let name = ref_name(session_id, n);
    let message = format!(
        "boo: checkpoint {n} before task {}\n\n{}\n",
        turn.task_id,
        prompt_line(turn.prompt)
    );
    let (dir, r) = (worktree.dir().to_path_buf(), name.clone());
    let commit = blocking(move || snapshot::record(&dir, &r, &message)).await?;
    let line = prompt_line(turn.prompt);
    let row = store::NewRow {
        session_id,
        task_id: turn.task_id,
        chat_id: turn.chat_id,
        message_id: turn.message_id,
        agent: turn.agent,
        prompt_line: &line,
    };
    let inserted = async {
        let row = store::insert(&mut tx, &row, n, &commit.to_string()).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(row)
    }
    .await;
    match inserted {
        Ok(row) => Ok(row),
        Err(e) => {
            let dir = worktree.dir().to_path_buf();
            if let Err(undo) = blocking(move || snapshot::delete_ref(&dir, &name)).await {
                tracing::warn!(error = %undo, "cannot remove the ref of an unrecorded checkpoint");
            }
            Err(e.into())
        }
    }
}

/// The runner's hook, once per turn before the prompt is sent: the note to put
/// before the prompt (a restore this agent has not heard of), then the checkpoint.
/// Never fails the turn: a checkpoint that cannot be made is logged, and shown in
/// the chat when the turn has one.
pub async fn before_turn(
    pool: &PgPool,
    hub: &Hub,
    worktree: &Worktree,
    turn: &Turn<'_>,
) -> Option<String> {
    let note = match (worktree.session_id, turn.chat_id) {
        (Some(sid), Some(chat)) => match pool.acquire().await {
            Ok(mut conn) => store::untold_restore(&mut conn, sid, chat, turn.agent)
                .await
                .inspect_err(
                    |e| tracing::warn!(error = %e, "cannot tell whether the worktree was restored"),
                )
                .ok()
                .flatten()
                .map(|r| note_text(&r, chat, turn.agent)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell whether the worktree was restored");
                None
            }
        },
        _ => None,
    };
    if let Err(e) = record(pool, worktree, turn).await {
        tracing::error!(error = %e, "cannot make the checkpoint before the turn; the turn goes on");
        if let (Some(sid), Some(chat)) = (worktree.session_id, turn.chat_id) {
            show_failure(pool, hub, sid, chat, &e).await;
        }
    }
    note
}

/// The line an agent is told after the owner restored checkpoint `r`.
pub fn note_text(r: &CheckpointRow, chat_id: Uuid, agent: &str) -> String {
    let whose = if r.chat_id == Some(chat_id) && r.agent == agent {
        "your turn".to_owned()
    } else {
        format!("{}'s turn", r.agent)
    };
    format!(
        "The owner restored the worktree to checkpoint {} (before {whose} {:?}); later changes were discarded.",
        r.n, r.prompt_line
    )
}

/// `prompt`, after `note` and a blank line when there is one.
pub fn with_note(note: Option<String>, prompt: String) -> String {
    match note {
        Some(n) => format!("{n}\n\n{prompt}"),
        None => prompt,
    }
}

async fn show_failure(
    pool: &PgPool,
    hub: &Hub,
    session_id: Uuid,
    chat_id: Uuid,
    e: &CheckpointError,
) {
    let text = format!("No checkpoint was made before this turn (it cannot be restored to): {e}");
    let meta = serde_json::json!({"kind": FAILED_KIND});
    boo_shared::transcript::writer::post_notice(pool, hub, session_id, chat_id, &text, meta).await;
}

/// The session's checkpoints, newest first (at most [`LIST_LIMIT`]).
pub async fn list(pool: &PgPool, session_id: Uuid) -> Result<Vec<CheckpointRow>, sqlx::Error> {
    store::list(pool, session_id, LIST_LIMIT).await
}

/// What [`restore`] did.
#[derive(Clone, Debug)]
pub struct Restored {
    pub checkpoint: CheckpointRow,
    /// Checkpoint `n` and every later one: the turns whose work is gone.
    pub discarded: Vec<CheckpointRow>,
    /// The checkpoint before `n`, if any: its turn's work is what the worktree holds
    /// last (re-staged changes are attributed to that turn).
    pub previous: Option<CheckpointRow>,
    pub worktree: Worktree,
    pub files: FilesRestored,
}

/// Put the session's worktree back to checkpoint `n` (see the module docs).
#[tracing::instrument(skip_all, err, fields(%session_id, n))]
pub async fn restore(
    pool: &PgPool,
    session_id: Uuid,
    n: i32,
    discard_later: bool,
) -> Result<Restored, CheckpointError> {
    let mut tx = pool.begin().await?;
    store::lock_session(&mut tx, session_id).await?;
    let target = store::get(&mut tx, session_id, n)
        .await?
        .ok_or(CheckpointError::NotFound { session_id, n })?;
    if store::turn_running(&mut tx, session_id).await? {
        return Err(CheckpointError::TurnRunning);
    }
    let discarded = store::from_n(&mut tx, session_id, n).await?;
    if !discard_later {
        return Err(CheckpointError::DiscardsLater { n, discarded });
    }
    let worktree = super::lock_live_for_session(&mut tx, session_id)
        .await?
        .ok_or(CheckpointError::NoWorktree(session_id))?;
    if worktree.dir().symlink_metadata().is_err() {
        return Err(CheckpointError::WorktreeMissing(worktree.path.clone()));
    }
    let previous = store::before(&mut tx, session_id, n).await?;
    let (dir, commit) = (worktree.dir().to_path_buf(), target.commit_id.clone());
    let files = blocking(move || snapshot::restore_files(&dir, &commit)).await?;
    let checkpoint = store::mark_restored(&mut tx, session_id, n).await?;
    tx.commit().await?;
    tracing::info!(
        written = files.written,
        deleted = files.deleted,
        "worktree restored to a checkpoint"
    );
    Ok(Restored {
        checkpoint,
        discarded,
        previous,
        worktree,
        files,
    })
}

/// The session of a worktree branch `boo/<session-id>`.
pub(crate) fn session_of_branch(branch: &str) -> Option<Uuid> {
    branch
        .strip_prefix("boo/")
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Delete the session's checkpoint refs (in the repository at `repo_dir`, when there
/// is one) and rows. A ref that cannot be deleted is logged, not fatal: the rows go
/// regardless, and the worktree removal that calls this goes on.
pub(crate) async fn prune(
    conn: &mut PgConnection,
    repo_dir: Option<&Path>,
    session_id: Uuid,
) -> Result<u64, sqlx::Error> {
    if let Some(dir) = repo_dir.map(Path::to_path_buf) {
        let pruned: Result<usize, CheckpointError> =
            blocking(move || snapshot::prune_refs(&dir, session_id)).await;
        match pruned {
            Ok(n) if n > 0 => tracing::info!(%session_id, refs = n, "checkpoint refs pruned"),
            Ok(_) => {}
            Err(e) => tracing::warn!(%session_id, error = %e, "cannot prune checkpoint refs"),
        }
    }
    store::delete_for_session(conn, session_id).await
}
