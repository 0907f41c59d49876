//! The chat engine (CHAT-2/3/4): the model client, the turn loop with its tools,
//! and the per-chat runner that queues messages sent while a turn runs. A library
//! module so `boochat acp` can reuse it.

pub mod attach;
pub mod branching;
pub mod compact;
pub mod context;
pub mod llm;
pub mod naming;
pub mod runner;
pub mod textcalls;
pub mod think;
pub mod toolkit;
pub mod turn;
pub mod turn_loop;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boo_shared::config::Settings;
use boo_shared::metrics::{Counter, Metrics, Outcomes};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::agents::{AgentDef, Registry};
use crate::tools::{OutputStore, SessionScope};
use boo_shared::hub::Hub;

pub use runner::Running;
pub use toolkit::Toolkit;

/// The engine-owned tool that waits for the owner.
pub const ASK_USER_INPUT: &str = "ask_user_input";

/// A tool call the model made (native or parsed from text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// A JSON object.
    pub arguments: serde_json::Value,
}

pub struct Engine {
    pub pool: PgPool,
    pub hub: Arc<Hub>,
    /// The model client, tools, agents and settings (no database).
    pub kit: Toolkit,
    /// boocoder over gRPC: the delete guard and closing what sessions and chats
    /// own (`None`: its address or token is unusable, so it counts as unreachable).
    pub coder: Option<boo_shared::peers::CoderClient>,
    /// booterm over gRPC, built once, connecting on first use (or why it could not
    /// be built): `read_terminal`/`read_tab_by_number`, and closing a session's
    /// terminals on delete and archive.
    pub term: Result<boo_shared::peers::TermClient, String>,
    /// Serialises "is a turn running? then queue, else start" per daemon.
    gate: tokio::sync::Mutex<()>,
    running: Mutex<HashMap<Uuid, Running>>,
    /// Open `ask_user_input` questions: (chat, call id) → the waiting turn.
    questions: Mutex<HashMap<(Uuid, String), oneshot::Sender<String>>>,
    tasks: TaskTracker,
    stopping: CancellationToken,
    /// Cancelled after the turns are finalised: WebSockets close on it, so clients
    /// get the last frames first.
    closing: CancellationToken,
    /// Finished turns by outcome (`boo_chat_turns_total`).
    pub turns: Outcomes,
    /// Completion tokens the model reported (`boo_chat_tokens_generated_total`).
    pub tokens: Counter,
}

/// Full tool outputs live in `message_parts.result`.
struct DbOutputs {
    pool: PgPool,
    chat_id: Uuid,
}

#[async_trait::async_trait]
impl OutputStore for DbOutputs {
    async fn full_output(&self, call_id: &str) -> Option<String> {
        boo_shared::transcript::store::tool_result(&self.pool, self.chat_id, call_id)
            .await
            .ok()
            .flatten()
    }
}

impl Engine {
    pub fn new(
        pool: PgPool,
        hub: Arc<Hub>,
        settings: Arc<Settings>,
        agents: Arc<Registry>,
    ) -> Result<Arc<Self>, reqwest::Error> {
        let coder = boo_shared::peers::coder(&settings)
            .inspect_err(
                |e| tracing::warn!(error = %e, "no boocoder peer: session deletes need force"),
            )
            .ok();
        Ok(Arc::new(Self {
            coder,
            pool,
            hub,
            term: boo_shared::peers::term(&settings).map_err(|e| {
                tracing::warn!(error = %e, "no booterm client: read_terminal refuses, session deletes need force");
                e.to_string()
            }),
            kit: Toolkit::new(settings, agents)?,
            gate: tokio::sync::Mutex::new(()),
            running: Mutex::new(HashMap::new()),
            questions: Mutex::new(HashMap::new()),
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
            closing: CancellationToken::new(),
            turns: Outcomes::with(&["complete", "cancelled", "failed"]),
            tokens: Counter::default(),
        }))
    }

    /// Register the engine's series with the daemon's metrics.
    pub fn register_metrics(&self, metrics: &Metrics) {
        metrics.register(
            "boo_chat_turns",
            "Finished turns by outcome (complete, cancelled, failed)",
            self.turns.clone(),
        );
        metrics.register(
            "boo_chat_tokens_generated",
            "Completion tokens the model reported; rate() of it is the throughput",
            self.tokens.clone(),
        );
    }

    /// Count a finished turn.
    pub fn count_turn(
        &self,
        status: boo_shared::chat::MessageStatus,
        completion_tokens: Option<i32>,
    ) {
        use boo_shared::chat::MessageStatus;
        self.turns.inc(match status {
            MessageStatus::Complete => "complete",
            MessageStatus::Cancelled => "cancelled",
            MessageStatus::Failed => "failed",
            MessageStatus::Queued | MessageStatus::Streaming => "other",
        });
        if let Some(n) = completion_tokens.and_then(|n| u64::try_from(n).ok()) {
            self.tokens.inc_by(n);
        }
    }

    fn allowed(agent: Option<&AgentDef>, name: &str) -> bool {
        agent.is_none_or(|a| a.allows_tool(name))
    }

    /// Run one call: `(stored result, is_error, truncated)`.
    async fn call_tool(&self, spec: &turn::TurnSpec, call: &ToolCall) -> (String, bool, bool) {
        if !Self::allowed(spec.agent.as_ref(), &call.name) {
            return (
                format!("error: tool {:?} is not available to this agent", call.name),
                true,
                false,
            );
        }
        if let Some(raw) = call.arguments.get("__unparsed") {
            return (
                format!("error: the arguments are not valid JSON: {raw}"),
                true,
                false,
            );
        }
        if call.name == ASK_USER_INPUT {
            return self.ask(spec.chat_id, call).await;
        }
        if crate::mcp::Mcp::handles(&call.name) {
            return self
                .kit
                .call_mcp(&call.id, &call.name, call.arguments.clone())
                .await;
        }
        let Some(root) = spec.project_root.clone() else {
            return (
                "error: this chat has no project directory to read".into(),
                true,
                false,
            );
        };
        let outputs = Arc::new(DbOutputs {
            pool: self.pool.clone(),
            chat_id: spec.chat_id,
        });
        let mut ctx =
            self.kit
                .tool_context(root, self.kit.settings.chat.project_roots.clone(), outputs);
        ctx.session = Some(self.session_scope(spec.session_id));
        match self
            .kit
            .tools
            .call(&ctx, &call.id, &call.name, call.arguments.clone())
            .await
        {
            Ok(out) => {
                let truncated = out.truncated;
                (out.full.unwrap_or(out.content), false, truncated)
            }
            Err(e) => (format!("error: {e}"), true, false),
        }
    }

    /// What the tools that read a workspace session's tabs reach.
    pub fn session_scope(&self, session_id: Uuid) -> SessionScope {
        SessionScope {
            session_id,
            pool: self.pool.clone(),
            term: self.term.clone(),
            term_addr: self.kit.settings.term.grpc_addr,
        }
    }

    /// Wait for the owner's answer to an `ask_user_input` card.
    async fn ask(&self, chat_id: Uuid, call: &ToolCall) -> (String, bool, bool) {
        let question = call
            .arguments
            .get("question")
            .and_then(|q| q.as_str())
            .unwrap_or_default();
        if question.trim().is_empty() {
            return (
                "error: ask_user_input needs a non-empty \"question\"".into(),
                true,
                false,
            );
        }
        let (tx, rx) = oneshot::channel();
        let key = (chat_id, call.id.clone());
        self.questions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), tx);
        // Withdraw the question however this wait ends (answer, Stop, shutdown).
        struct Withdraw<'a>(
            &'a Mutex<HashMap<(Uuid, String), oneshot::Sender<String>>>,
            (Uuid, String),
        );
        impl Drop for Withdraw<'_> {
            fn drop(&mut self) {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&self.1);
            }
        }
        let _withdraw = Withdraw(&self.questions, key);
        let answer = rx.await;
        match answer {
            Ok(a) => (a, false, false),
            Err(_) => ("error: the question was withdrawn".into(), true, false),
        }
    }

    /// Deliver an answer; false when no turn is waiting on that call.
    pub fn answer(&self, chat_id: Uuid, call_id: &str, answer: String) -> bool {
        let tx = self
            .questions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(chat_id, call_id.to_owned()));
        tx.is_some_and(|tx| tx.send(answer).is_ok())
    }

    /// Cancelled when the daemon begins to stop.
    pub fn stopping(&self) -> CancellationToken {
        self.stopping.clone()
    }

    /// Cancelled once stopping turns are finalised; live connections close then.
    pub fn closing(&self) -> CancellationToken {
        self.closing.clone()
    }

    /// Cancel every turn and wait (bounded) until each is finalised.
    pub async fn shutdown(&self, limit: Duration) {
        self.stopping.cancel();
        runner::interrupt_all(self);
        self.tasks.close();
        if tokio::time::timeout(limit, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "turns did not finish within {limit:?}; they are finalised at next start"
            );
        }
        self.closing.cancel();
    }
}
