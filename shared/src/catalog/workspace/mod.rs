//! A session's workspace layout (CHAT-7) in `sessions.workspace_panes`: read pruned,
//! written by compare-and-set on `version`.
//!
//! The column holds the [`WorkspaceState`] envelope, `version` included; NULL means
//! never saved and reads as [`WorkspaceState::initial`] (version 0). A tab names a row
//! of `chats` or `terminal_sessions`, and those can go while the layout stays: a read
//! drops such tabs ([`rules::prune`]) without writing, so the stored layout keeps them
//! until the next save.
//!
//! A write locks the session row (`SELECT … FOR UPDATE`), checks the layout
//! ([`rules::check`], then one `id = ANY($1)` query per table for the tabs), and
//! stores it as `version + 1` only if the stored version is the one the write was
//! based on; otherwise it returns the current layout for the client to rebase on. A
//! legacy pane array is migrated ([`legacy::migrate`]) and stored over whatever is
//! there: its writers know no versions.

pub mod legacy;
pub mod rules;
#[cfg(test)]
mod testing;

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::store::StoreError;
use crate::workspace::{TabKind, WorkspaceState, WorkspaceTab, WorkspaceWrite};
use rules::{Invalid, Known};

/// What a write did.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    /// Stored; the layout as stored (its new version).
    Stored(WorkspaceState),
    /// Refused: the write was based on `based_on`, the session is at `current`
    /// (pruned, as a read shows it).
    Conflict {
        based_on: u32,
        current: WorkspaceState,
    },
}

/// The session's layout as `GET` shows it: initial when never saved, pruned.
pub async fn load(pool: &PgPool, session_id: Uuid) -> Result<WorkspaceState, StoreError> {
    let mut conn = pool.acquire().await?;
    let stored = stored(&mut conn, session_id, false).await?;
    pruned(&mut conn, session_id, stored).await
}

/// Check and store a write (see the module doc).
pub async fn save(
    pool: &PgPool,
    session_id: Uuid,
    write: WorkspaceWrite,
) -> Result<Saved, StoreError> {
    let mut tx = pool.begin().await?;
    let stored = stored(&mut tx, session_id, true).await?;
    let next = match write {
        WorkspaceWrite::State(state) => {
            rules::check(&state)?;
            let known = known_in(&mut tx, session_id, &state).await?;
            rules::check_known(&state, &known)?;
            if state.version != stored.version {
                return Ok(Saved::Conflict {
                    based_on: state.version,
                    current: pruned(&mut tx, session_id, stored).await?,
                });
            }
            if state.next_tab_number < stored.next_tab_number {
                return Err(Invalid::NextTabNumberDecreased {
                    stored: stored.next_tab_number,
                    got: state.next_tab_number,
                }
                .into());
            }
            state
        }
        WorkspaceWrite::Legacy(panes) => {
            let chats: Vec<Uuid> = panes.iter().flat_map(|p| p.chat_ids.clone()).collect();
            let known = known(&mut tx, session_id, &chats, &[]).await?;
            let state = legacy::migrate(&panes, &known, &stored);
            rules::check(&state)?;
            state
        }
    };
    let state = WorkspaceState {
        version: stored.version.saturating_add(1),
        ..next
    };
    sqlx::query("UPDATE sessions SET workspace_panes = $2 WHERE id = $1")
        .bind(session_id)
        .bind(sqlx::types::Json(&state))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Saved::Stored(state))
}

/// The stored layout, unpruned; `lock` holds the session row until the transaction ends.
async fn stored(
    conn: &mut PgConnection,
    session_id: Uuid,
    lock: bool,
) -> Result<WorkspaceState, StoreError> {
    let sql = if lock {
        "SELECT workspace_panes FROM sessions WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT workspace_panes FROM sessions WHERE id = $1"
    };
    let column: Option<Option<Value>> = sqlx::query_scalar(sql)
        .bind(session_id)
        .fetch_optional(&mut *conn)
        .await?;
    match column {
        None => Err(StoreError::not_found(format!("no session {session_id}"))),
        Some(None) => Ok(WorkspaceState::initial()),
        Some(Some(value)) => Ok(decode(session_id, value)),
    }
}

/// An envelope saved before it had a version is version 0. One that no longer reads
/// (written by hand, or by a newer boochat) is served as the initial layout at its
/// version, so the next write replaces it instead of the session being stuck.
fn decode(session_id: Uuid, mut value: Value) -> WorkspaceState {
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
    if let Some(object) = value.as_object_mut() {
        object.entry("version").or_insert(Value::from(0));
    }
    serde_json::from_value(value).unwrap_or_else(|e| {
        tracing::warn!(%session_id, error = %e, "stored workspace layout does not read; serving the initial one");
        WorkspaceState {
            version,
            ..WorkspaceState::initial()
        }
    })
}

async fn pruned(
    conn: &mut PgConnection,
    session_id: Uuid,
    state: WorkspaceState,
) -> Result<WorkspaceState, StoreError> {
    let known = known_in(conn, session_id, &state).await?;
    Ok(rules::prune(state, &known))
}

/// Which of the layout's tabs (open or closed) the session has.
async fn known_in(
    conn: &mut PgConnection,
    session_id: Uuid,
    state: &WorkspaceState,
) -> Result<Known, StoreError> {
    let (terminals, chats): (Vec<&WorkspaceTab>, Vec<&WorkspaceTab>) =
        rules::all_tabs(state).partition(|t| t.kind == TabKind::Term);
    let ids = |tabs: Vec<&WorkspaceTab>| -> Vec<Uuid> { tabs.iter().map(|t| t.id).collect() };
    known(conn, session_id, &ids(chats), &ids(terminals)).await
}

/// Which of `chats` are chats of the session (and whether each has an agent), and which
/// of `terminals` are its terminals: one query per table.
async fn known(
    conn: &mut PgConnection,
    session_id: Uuid,
    chats: &[Uuid],
    terminals: &[Uuid],
) -> Result<Known, StoreError> {
    let chats: Vec<(Uuid, bool)> = if chats.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT id, agent IS NOT NULL FROM chats WHERE session_id = $1 AND id = ANY($2)",
        )
        .bind(session_id)
        .bind(chats)
        .fetch_all(&mut *conn)
        .await?
    };
    let terminals: Vec<Uuid> = if terminals.is_empty() {
        Vec::new()
    } else {
        sqlx::query_scalar(
            "SELECT id FROM terminal_sessions WHERE session_id = $1 AND id = ANY($2)",
        )
        .bind(session_id)
        .bind(terminals)
        .fetch_all(&mut *conn)
        .await?
    };
    Ok(Known::new(chats, terminals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn a_stored_envelope_without_version_is_version_0_and_garbage_reads_as_initial() {
        let mut pre_version = serde_json::to_value(WorkspaceState::initial()).unwrap();
        pre_version.as_object_mut().unwrap().remove("version");
        assert_eq!(decode(Uuid::nil(), pre_version), WorkspaceState::initial());
        assert_eq!(
            decode(Uuid::nil(), json!({"panes": "?", "version": 7})),
            WorkspaceState {
                version: 7,
                ..WorkspaceState::initial()
            }
        );
    }
}
