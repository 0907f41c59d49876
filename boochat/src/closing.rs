//! Deleting and archiving a session, and archiving a chat, with what they own in
//! the other daemons (CHAT-8): boocoder's tasks, agents and worktree, booterm's
//! terminals.
//!
//! Delete is guarded: boocoder's `WorktreeRisk` must say nothing would be lost
//! (else 409 `worktree_at_risk` with the per-worktree report), and both peers must
//! answer (else 503), unless the owner forces it. Then it closes, in order, the
//! session's own chat turns, boocoder's side (tasks, agents, worktree), booterm's
//! terminals, and only then the rows; a step that fails stops the delete before the
//! rows go, so asking again finishes it (every step is idempotent). A forced delete
//! with a peer down leaves that peer's part to its reaper and says so in `notes`.

use std::time::Duration;

use boo_proto::coder::v1::{
    CloseChatRequest, CloseReason, CloseSessionRequest, WorktreePolicy, WorktreeRisk,
    WorktreeRiskRequest,
};
use boo_proto::term::v1::{KillSessionRequest, ListSessionsRequest};
use boo_shared::catalog::{chats, sessions};
use boo_shared::chat::{SessionClosed, WorktreeReport};
use boo_shared::error::ApiError;
use tonic::Status;
use uuid::Uuid;

use crate::engine::{Engine, runner};

/// How long the session's own chat turns get to end after their Stop.
const TURN_STOP_LIMIT: Duration = Duration::from_secs(5);

fn report(r: WorktreeRisk) -> WorktreeReport {
    let text = |s: String| (!s.is_empty()).then_some(s);
    WorktreeReport {
        path: r.path,
        branch: r.branch,
        dirty_files: r.dirty_files,
        unpushed_commits: r.unpushed_commits,
        unmerged_commits: r.unmerged_commits,
        operation: text(r.operation),
        conflicted_files: r.conflicted_files,
        missing: r.missing,
        error: text(r.error),
    }
}

fn coder_down(what: &str, e: &Status) -> ApiError {
    ApiError::unavailable(
        "coder_unavailable",
        format!(
            "boocoder cannot be reached to {what} ({}); nothing was deleted. \
             Delete with force=true to go on without it (its reaper removes the \
             worktree later).",
            e.message()
        ),
    )
}

fn term_down(e: &Status) -> ApiError {
    ApiError::unavailable(
        "term_unavailable",
        format!(
            "booterm cannot be reached to close the session's terminals ({}); nothing \
             was deleted. Delete with force=true to go on without it (its reaper kills \
             them later).",
            e.message()
        ),
    )
}

fn unconfigured() -> Status {
    Status::unavailable("no peer client (grpc address or token unusable)")
}

/// Ask boocoder whether removing the session's worktrees would lose work.
async fn risk(engine: &Engine, session_id: Uuid) -> Result<Vec<WorktreeReport>, Status> {
    let mut coder = engine.coder.clone().ok_or_else(unconfigured)?;
    let reply = coder
        .worktree_risk(WorktreeRiskRequest {
            session_id: session_id.to_string(),
        })
        .await?
        .into_inner();
    Ok(if reply.at_risk {
        reply.worktrees.into_iter().map(report).collect()
    } else {
        Vec::new()
    })
}

/// The session's live terminals, from booterm.
async fn terminals(engine: &Engine, session_id: Uuid) -> Result<Vec<String>, Status> {
    let mut term = engine.term.clone().map_err(Status::unavailable)?;
    Ok(term
        .list_sessions(ListSessionsRequest {
            session_id: session_id.to_string(),
        })
        .await?
        .into_inner()
        .sessions
        .into_iter()
        .filter(|t| t.status == "live")
        .map(|t| t.id)
        .collect())
}

async fn kill_terminals(engine: &Engine, ids: &[String]) -> Result<u32, Status> {
    let mut term = engine.term.clone().map_err(Status::unavailable)?;
    let mut killed = 0;
    for id in ids {
        if term
            .kill_session(KillSessionRequest { id: id.clone() })
            .await?
            .into_inner()
            .killed
        {
            killed += 1;
        }
    }
    Ok(killed)
}

/// Stop the session's running chat turns and wait (bounded) until they ended.
async fn stop_chat_turns(engine: &Engine, session_id: Uuid) -> Result<(), ApiError> {
    let chat_ids = chats::ids_in_session(&engine.pool, session_id).await?;
    for &chat in &chat_ids {
        runner::stop(engine, chat);
    }
    let deadline = tokio::time::Instant::now() + TURN_STOP_LIMIT;
    while chat_ids.iter().any(|&c| runner::is_running(engine, c)) {
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::conflict(
                "turn_still_running",
                "a chat of the session did not stop its turn in time; try again",
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// boocoder's side of a close: tasks, agents, worktree.
async fn close_coder(
    engine: &Engine,
    session_id: Uuid,
    reason: CloseReason,
    worktree: WorktreePolicy,
) -> Result<boo_proto::coder::v1::CloseSessionResponse, Status> {
    let mut coder = engine.coder.clone().ok_or_else(unconfigured)?;
    Ok(coder
        .close_session(CloseSessionRequest {
            session_id: session_id.to_string(),
            reason: reason.into(),
            worktree: worktree.into(),
        })
        .await?
        .into_inner())
}

fn record_coder(out: &mut SessionClosed, r: boo_proto::coder::v1::CloseSessionResponse) {
    out.cancelled_tasks = r.cancelled_tasks;
    out.closed_agent_sessions = r.closed_agent_sessions;
    out.worktree_removed = r.worktree_removed;
    out.worktrees_kept = r.kept.into_iter().map(report).collect();
}

/// `DELETE /api/sessions/{id}`: see the module docs.
#[tracing::instrument(skip_all, err, fields(%session_id, force))]
pub async fn delete_session(
    engine: &Engine,
    session_id: Uuid,
    force: bool,
) -> Result<SessionClosed, ApiError> {
    sessions::get(&engine.pool, session_id).await?;
    let mut out = SessionClosed::default();

    // The guard, before anything is touched.
    let coder_up = match risk(engine, session_id).await {
        Ok(at_risk) if !at_risk.is_empty() && !force => {
            let n = at_risk.len();
            return Err(ApiError::conflict(
                "worktree_at_risk",
                format!(
                    "the session's worktree{} hold{} work that deleting would lose; \
                     delete with force=true to discard it",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" },
                ),
            )
            .with_details(serde_json::json!({ "worktrees": at_risk })));
        }
        Ok(_) => true,
        Err(e) if !force => return Err(coder_down("check the session's worktrees", &e)),
        Err(e) => {
            out.notes.push(format!(
                "boocoder was not reached ({}): its agents and worktree are left to its reaper",
                e.message()
            ));
            false
        }
    };
    let terminals = match terminals(engine, session_id).await {
        Ok(ids) => Some(ids),
        Err(e) if !force => return Err(term_down(&e)),
        Err(e) => {
            out.notes.push(format!(
                "booterm was not reached ({}): the session's terminals are left to its reaper",
                e.message()
            ));
            None
        }
    };

    stop_chat_turns(engine, session_id).await?;
    if coder_up {
        match close_coder(
            engine,
            session_id,
            CloseReason::Deleted,
            WorktreePolicy::Remove,
        )
        .await
        {
            Ok(r) => record_coder(&mut out, r),
            Err(e) if !force => {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "coder_failed",
                    format!(
                        "boocoder could not close the session: {}; the session is kept, \
                         try again",
                        e.message()
                    ),
                ));
            }
            Err(e) => out.notes.push(format!(
                "boocoder could not close the session ({}): its reaper removes the rest",
                e.message()
            )),
        }
    }
    if let Some(ids) = terminals {
        match kill_terminals(engine, &ids).await {
            Ok(n) => out.terminals_killed = n,
            Err(e) if !force => {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "term_failed",
                    format!(
                        "booterm could not close the session's terminals: {}; the session \
                         is kept, try again",
                        e.message()
                    ),
                ));
            }
            Err(e) => out.notes.push(format!(
                "booterm could not kill the session's terminals ({}): its reaper does",
                e.message()
            )),
        }
    }
    if !sessions::delete(&engine.pool, session_id).await? {
        return Err(ApiError::not_found(format!("no session {session_id}")));
    }
    engine.hub.session_deleted(session_id);
    Ok(out)
}

/// Archiving a session: its chat turns stop, boocoder cancels its tasks, stops its
/// agents and removes its worktree when that loses nothing (kept and reported
/// otherwise), booterm kills its terminals. Best effort, after the row says
/// `archived`: what could not be done is in `notes` (restore brings the session
/// back; worktree and terminals are made again on use).
pub async fn archive_session(engine: &Engine, session_id: Uuid) -> SessionClosed {
    let mut out = SessionClosed::default();
    if let Err(e) = stop_chat_turns(engine, session_id).await {
        out.notes.push(e.message);
    }
    match close_coder(
        engine,
        session_id,
        CloseReason::Archived,
        WorktreePolicy::RemoveIfClean,
    )
    .await
    {
        Ok(r) => record_coder(&mut out, r),
        Err(e) => out.notes.push(format!(
            "boocoder could not close the session's agents and worktree: {}",
            e.message()
        )),
    }
    match terminals(engine, session_id).await {
        Ok(ids) => match kill_terminals(engine, &ids).await {
            Ok(n) => out.terminals_killed = n,
            Err(e) => out.notes.push(format!(
                "booterm could not kill the session's terminals: {}",
                e.message()
            )),
        },
        Err(e) => out.notes.push(format!(
            "booterm could not list the session's terminals: {}",
            e.message()
        )),
    }
    out
}

/// Archiving a chat: boocoder stops its agents (their rows say `chat_archived`).
/// Best effort: the archive itself never waits on boocoder.
pub async fn archive_chat(engine: &Engine, chat_id: Uuid) {
    let Some(mut coder) = engine.coder.clone() else {
        return;
    };
    if let Err(e) = coder
        .close_chat(CloseChatRequest {
            chat_id: chat_id.to_string(),
            reason: CloseReason::Archived.into(),
            remove_worktree: false,
        })
        .await
    {
        tracing::warn!(%chat_id, error = %e.message(), "boocoder could not close the archived chat's agents");
    }
}
