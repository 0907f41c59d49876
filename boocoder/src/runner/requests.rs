//! Permission and elicitation cards: an agent's request waits here until the owner
//! answers in the browser (or the turn ends). "Always" answers are remembered per
//! project + agent + tool kind in `permission_always` (so they survive a restart),
//! cached in memory.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use boo_shared::coder::{ElicitAction, PermissionChoice};
use boo_shared::frames::ServerFrame;
use boo_shared::hub::Hub;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::acp::{
    ClientHooks, ElicitOutcome, ElicitRequest, PermissionKind, PermissionOutcome, PermissionRequest,
};
use crate::providers::store as providers_store;

/// The owner's answer to a card.
#[derive(Debug)]
pub enum Answer {
    Permission(Option<String>),
    Elicit(ElicitAction, Option<serde_json::Value>),
}

/// Cards waiting for an answer, across all turns.
/// A card waiting for the owner: its session, the frame that announced it, and
/// the waiting agent.
struct Open {
    session_id: Uuid,
    frame: ServerFrame,
    tx: oneshot::Sender<Answer>,
}

type AlwaysKey = (Uuid, String, String);

#[derive(Default)]
pub struct Requests {
    open: Mutex<HashMap<Uuid, Open>>,
    /// (project, agent, tool kind) → option kind to pick automatically.
    always: Mutex<HashMap<AlwaysKey, PermissionKind>>,
    /// Where "always" answers are kept (`None`: memory only, for tests).
    pool: Option<sqlx::PgPool>,
}

impl Requests {
    /// Cards in memory, "always" answers in the database.
    pub fn with_pool(pool: sqlx::PgPool) -> Self {
        Requests {
            pool: Some(pool),
            ..Requests::default()
        }
    }

    /// The remembered "always" answer for `key`: memory, else the database.
    async fn always_for(&self, key: &AlwaysKey) -> Option<PermissionKind> {
        if let Some(k) = self
            .always
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Some(*k);
        }
        let pool = self.pool.as_ref()?;
        let kind = providers_store::remembered_answer(pool, key.0, &key.1, &key.2)
            .await
            .inspect_err(
                |e| tracing::warn!(error = %e, "cannot read remembered permission answers"),
            )
            .ok()
            .flatten();
        let kind = match kind.as_deref() {
            Some("allow_always") => PermissionKind::AllowAlways,
            Some("reject_always") => PermissionKind::RejectAlways,
            _ => return None,
        };
        self.always
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), kind);
        Some(kind)
    }

    /// Remember an "always" answer (memory and database).
    async fn remember(&self, key: AlwaysKey, kind: PermissionKind) {
        if let Some(pool) = &self.pool
            && let Err(e) =
                providers_store::remember_answer(pool, key.0, &key.1, &key.2, kind_str(&kind)).await
        {
            tracing::warn!(error = %e, "cannot keep the permission answer; remembered until restart");
        }
        self.always
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, kind);
    }

    /// Deliver an answer; false when nothing waits on `id`.
    pub fn answer(&self, id: Uuid, answer: Answer) -> bool {
        let open = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        open.is_some_and(|o| o.tx.send(answer).is_ok())
    }

    /// Register a card and announce it to the session's browsers.
    fn open(
        &self,
        hub: &Hub,
        id: Uuid,
        session_id: Uuid,
        frame: ServerFrame,
    ) -> oneshot::Receiver<Answer> {
        let (tx, rx) = oneshot::channel();
        self.open.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            Open {
                session_id,
                frame: frame.clone(),
                tx,
            },
        );
        hub.publish(session_id, frame);
        rx
    }

    /// The frames of the cards a session's agents still wait on (for a browser
    /// that reloads or reconnects after the announcement).
    pub fn open_for(&self, session_id: Uuid) -> Vec<ServerFrame> {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|o| o.session_id == session_id)
            .map(|o| o.frame.clone())
            .collect()
    }

    /// Forget a card; true when it was still open.
    fn close(&self, id: Uuid) -> bool {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
            .is_some()
    }
}

/// A card whose asking stopped before an answer (the turn ended, or the agent
/// settled the request itself) is withdrawn: forgotten, and the browsers told
/// (`request_resolved` with outcome `withdrawn`).
struct Withdraw<'a> {
    hooks: &'a Hooks,
    session_id: Uuid,
    id: Uuid,
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        if self.hooks.requests.close(self.id) {
            self.hooks.hub.publish(
                self.session_id,
                ServerFrame::RequestResolved {
                    request_id: self.id,
                    outcome: "withdrawn".into(),
                },
            );
        }
    }
}

/// Which turn a warm agent is serving right now.
#[derive(Clone, Debug)]
pub struct TurnCtx {
    pub session_id: Uuid,
    pub chat_id: Uuid,
    pub task_id: Uuid,
}

/// The client side an agent talks to: its worktree, and cards for the owner.
pub struct Hooks {
    /// Where a turn waiting on a card is marked `blocked` (the needs-you inbox).
    pub pool: sqlx::PgPool,
    pub project_id: Uuid,
    pub agent: String,
    pub worktree: PathBuf,
    pub hub: Arc<Hub>,
    pub requests: Arc<Requests>,
    pub turn: Mutex<Option<TurnCtx>>,
    /// booterm and the workspace session, for the agent's terminals.
    pub term: crate::acp::TermHost,
}

impl Hooks {
    fn current(&self) -> Option<TurnCtx> {
        self.turn.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The turn's task waits for the owner: `blocked` with what to do (the inbox
    /// lists it) until the card is answered. A card withdrawn because the turn ended
    /// needs nothing: the task's outcome replaces `blocked`.
    async fn waiting(&self, turn: &TurnCtx, reason: &str) {
        let reason: String = reason.chars().take(500).collect();
        if let Err(e) = crate::dispatcher::store::block(&self.pool, turn.task_id, &reason).await {
            tracing::warn!(error = %e, task_id = %turn.task_id, "cannot mark the task blocked");
        }
    }

    async fn answered(&self, turn: &TurnCtx) {
        if let Err(e) = crate::dispatcher::store::unblock(&self.pool, turn.task_id).await {
            tracing::warn!(error = %e, task_id = %turn.task_id, "cannot mark the task running again");
        }
    }
}

fn kind_str(k: &PermissionKind) -> &'static str {
    match k {
        PermissionKind::AllowOnce => "allow_once",
        PermissionKind::AllowAlways => "allow_always",
        PermissionKind::RejectOnce => "reject_once",
        PermissionKind::RejectAlways => "reject_always",
        PermissionKind::Other => "other",
    }
}

#[async_trait::async_trait]
impl ClientHooks for Hooks {
    async fn request_permission(&self, request: PermissionRequest) -> PermissionOutcome {
        let Some(turn) = self.current() else {
            return PermissionOutcome::Cancelled;
        };
        let key = (
            self.project_id,
            self.agent.clone(),
            request.tool_call.kind.clone(),
        );
        let remembered = self.requests.always_for(&key).await;
        if let Some(kind) = remembered
            && let Some(opt) = request.options.iter().find(|o| o.kind == kind)
        {
            return PermissionOutcome::Selected {
                option_id: opt.id.clone(),
            };
        }
        let id = Uuid::new_v4();
        let rx = self.requests.open(
            &self.hub,
            id,
            turn.session_id,
            ServerFrame::PermissionRequested {
                chat_id: turn.chat_id,
                task_id: turn.task_id,
                request_id: id,
                agent: self.agent.clone(),
                tool_call: serde_json::to_value(&request.tool_call).unwrap_or_default(),
                options: request
                    .options
                    .iter()
                    .map(|o| PermissionChoice {
                        id: o.id.clone(),
                        name: o.name.clone(),
                        kind: kind_str(&o.kind).into(),
                    })
                    .collect(),
            },
        );
        // Dropped (turn cancelled) → the card is withdrawn.
        let _w = Withdraw {
            hooks: self,
            session_id: turn.session_id,
            id,
        };
        let title = match request.tool_call.title.trim() {
            "" => "a tool call",
            t => t,
        };
        self.waiting(&turn, &format!("{} asks permission: {title}", self.agent))
            .await;
        let answer = rx.await;
        self.answered(&turn).await;
        let outcome = match answer {
            Ok(Answer::Permission(Some(option_id))) => {
                if let Some(opt) = request.options.iter().find(|o| o.id == option_id)
                    && matches!(
                        opt.kind,
                        PermissionKind::AllowAlways | PermissionKind::RejectAlways
                    )
                {
                    self.requests.remember(key, opt.kind).await;
                }
                PermissionOutcome::Selected { option_id }
            }
            _ => PermissionOutcome::Cancelled,
        };
        let label = match &outcome {
            PermissionOutcome::Selected { option_id } => option_id.clone(),
            PermissionOutcome::Cancelled => "cancelled".into(),
        };
        self.hub.publish(
            turn.session_id,
            ServerFrame::RequestResolved {
                request_id: id,
                outcome: label,
            },
        );
        outcome
    }

    async fn elicit(&self, request: ElicitRequest) -> ElicitOutcome {
        let Some(turn) = self.current() else {
            return ElicitOutcome::Cancel;
        };
        let id = Uuid::new_v4();
        let rx = self.requests.open(
            &self.hub,
            id,
            turn.session_id,
            ServerFrame::ElicitationRequested {
                chat_id: turn.chat_id,
                task_id: turn.task_id,
                request_id: id,
                agent: self.agent.clone(),
                message: request.message.clone(),
                schema: request.schema.clone(),
            },
        );
        let _w = Withdraw {
            hooks: self,
            session_id: turn.session_id,
            id,
        };
        self.waiting(
            &turn,
            &format!("{} asks for input: {}", self.agent, request.message),
        )
        .await;
        let answer = rx.await;
        self.answered(&turn).await;
        let outcome = match answer {
            Ok(Answer::Elicit(ElicitAction::Accept, content)) => ElicitOutcome::Accept {
                content: match content {
                    Some(serde_json::Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                },
            },
            Ok(Answer::Elicit(ElicitAction::Decline, _)) => ElicitOutcome::Decline,
            _ => ElicitOutcome::Cancel,
        };
        let label = match &outcome {
            ElicitOutcome::Accept { .. } => "accept",
            ElicitOutcome::Decline => "decline",
            ElicitOutcome::Cancel => "cancel",
        };
        self.hub.publish(
            turn.session_id,
            ServerFrame::RequestResolved {
                request_id: id,
                outcome: label.into(),
            },
        );
        outcome
    }

    fn term_host(&self) -> crate::acp::TermHost {
        self.term.clone()
    }

    fn worktree(&self) -> PathBuf {
        self.worktree.clone()
    }
}
