//! What `read_terminal` and `read_tab_by_number` read: the chat's own workspace
//! session (CHAT-7) — its numbered tabs, its chats, its booterm terminals.
//!
//! Both tools reach only what belongs to the session the chat is in. A tab number
//! is looked up in the session's stored layout (`sessions.workspace_panes`, read
//! through [`workspace::load`], which drops every tab that is not a chat or a
//! terminal of this session), so a number only another session has is simply not
//! there. A terminal id must be a `terminal_sessions` row of this session before
//! booterm is asked for its screen; an id of another session's terminal and an
//! unknown id get the same answer, so nothing leaks about other sessions.
//!
//! The screen comes from booterm's `Snapshot` over gRPC, through the engine's one
//! lazily connecting [`TermClient`] (built at engine start; a booterm that is down
//! costs nothing until a call). Every call has a bound ([`TERM_TIMEOUT`]); an
//! unreachable booterm, a gone or exited terminal are tool errors the model reads,
//! never a failed turn.

use std::net::SocketAddr;
use std::time::Duration;

use boo_proto::term::v1::SnapshotRequest;
use boo_shared::catalog::workspace;
use boo_shared::peers::{TermClient, is_unreachable};
use boo_shared::workspace::{TabKind, WorkspaceTab};
use sqlx::PgPool;
use tonic::Code;
use uuid::Uuid;

use super::{ToolContext, ToolError};

/// Longest one booterm call may take.
pub const TERM_TIMEOUT: Duration = Duration::from_secs(10);
/// Scrollback lines above the screen when the model does not say.
pub const DEFAULT_LINES: usize = 100;
/// Most scrollback lines one read asks for.
pub const MAX_LINES: usize = 2000;

/// The chat's workspace session, for the tools that read its other tabs.
#[derive(Clone)]
pub struct SessionScope {
    pub session_id: Uuid,
    pub pool: PgPool,
    /// booterm's client, or why it could not be built (`grpc.token` unusable).
    pub term: Result<TermClient, String>,
    /// Where booterm is expected (`term.grpc_addr`), for error messages.
    pub term_addr: SocketAddr,
}

impl std::fmt::Debug for SessionScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionScope")
            .field("session_id", &self.session_id)
            .field("term_addr", &self.term_addr)
            .finish_non_exhaustive()
    }
}

/// The scope of `ctx`, or the error a tool gives outside a workspace session.
pub(crate) fn scope<'a>(ctx: &'a ToolContext, tool: &str) -> Result<&'a SessionScope, ToolError> {
    ctx.session.as_ref().ok_or_else(|| {
        ToolError::Failed(format!(
            "{tool} reads the tabs of a workspace session; this conversation has none"
        ))
    })
}

/// A tab's label as tools print it (`chat`, `agent chat`, `terminal`).
pub(crate) fn kind_label(kind: TabKind) -> &'static str {
    match kind {
        TabKind::Chat => "chat",
        TabKind::Coder => "agent chat",
        TabKind::Term => "terminal",
    }
}

/// The session's open tabs, by number.
pub(crate) async fn open_tabs(scope: &SessionScope) -> Result<Vec<(u32, WorkspaceTab)>, ToolError> {
    let state = workspace::load(&scope.pool, scope.session_id)
        .await
        .map_err(|e| ToolError::Failed(format!("cannot read the session's tabs: {e}")))?;
    let mut tabs: Vec<(u32, WorkspaceTab)> = state
        .panes
        .iter()
        .flat_map(|p| &p.tabs)
        .filter_map(|t| state.tab_numbers.get(&t.id).map(|n| (*n, *t)))
        .collect();
    tabs.sort_by_key(|(n, _)| *n);
    Ok(tabs)
}

/// The open tab numbered `number` in this session, or an error that lists the
/// session's tabs.
pub(crate) async fn tab(scope: &SessionScope, number: u32) -> Result<WorkspaceTab, ToolError> {
    if number == 0 {
        return Err(ToolError::InvalidArguments(
            "tab: tab numbers start at 1".to_owned(),
        ));
    }
    let tabs = open_tabs(scope).await?;
    if let Some((_, t)) = tabs.iter().find(|(n, _)| *n == number) {
        return Ok(*t);
    }
    let open = if tabs.is_empty() {
        "it has no open tabs".to_owned()
    } else {
        let list: Vec<String> = tabs
            .iter()
            .map(|(n, t)| format!("{n} ({})", kind_label(t.kind)))
            .collect();
        format!("its open tabs are {}", list.join(", "))
    };
    Err(ToolError::Failed(format!(
        "tab {number} is not an open tab of this session; {open}"
    )))
}

/// `Terminal <id> "title" (tab n), CxR, …:` and the screen of a terminal of this
/// session with up to `lines` lines of scrollback above it.
pub(crate) async fn terminal_screen(
    scope: &SessionScope,
    id: Uuid,
    tab: Option<u32>,
    lines: usize,
) -> Result<String, ToolError> {
    let title = boo_shared::catalog::sessions::terminal_title(&scope.pool, scope.session_id, id)
        .await
        .map_err(|e| ToolError::Failed(format!("cannot look up terminal {id}: {e}")))?;
    let Some(title) = title else {
        return Err(ToolError::Failed(format!(
            "terminal {id} is not a terminal of this session"
        )));
    };
    let mut client = scope
        .term
        .clone()
        .map_err(|e| ToolError::Failed(format!("booterm's client cannot be set up: {e}")))?;
    let unreachable = || {
        ToolError::Failed(format!(
            "booterm at {} is not reachable; terminal {id} cannot be read now",
            scope.term_addr
        ))
    };
    let req = SnapshotRequest {
        id: id.to_string(),
        scrollback_lines: u32::try_from(lines).unwrap_or(u32::MAX),
    };
    let snap = match tokio::time::timeout(TERM_TIMEOUT, client.snapshot(req)).await {
        Err(_) => {
            tracing::warn!(terminal_id = %id, "booterm did not answer Snapshot in time");
            return Err(unreachable());
        }
        Ok(Err(status)) if is_unreachable(&status) => {
            tracing::warn!(terminal_id = %id, error = %status.message(), "booterm unreachable");
            return Err(unreachable());
        }
        Ok(Err(status)) => {
            return Err(ToolError::Failed(match status.code() {
                Code::NotFound => format!("terminal {id} is gone"),
                Code::FailedPrecondition => {
                    format!("terminal {id} has exited and booterm kept nothing of its screen")
                }
                code => format!(
                    "booterm could not read terminal {id}: {code:?}: {}",
                    status.message()
                ),
            }));
        }
        Ok(Ok(snap)) => snap.into_inner(),
    };
    let mut head = format!("Terminal {id}");
    if let Some(t) = title.filter(|t| !t.is_empty()) {
        head.push_str(&format!(" {t:?}"));
    }
    if let Some(n) = tab {
        head.push_str(&format!(" (tab {n})"));
    }
    let body = if snap.text.is_empty() {
        "(the screen is empty)"
    } else {
        snap.text.as_str()
    };
    let what = if lines == 0 {
        "the screen".to_owned()
    } else {
        format!("the screen with up to {lines} lines of scrollback above it")
    };
    Ok(format!(
        "{head}, {}x{}; {what}:\n{body}",
        snap.cols, snap.rows
    ))
}
