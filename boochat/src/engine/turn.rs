//! One assistant turn in a chat: the chat's history and system prompt into the
//! shared [`turn_loop`], its output into the chat's transcript and stream, its
//! tools the engine's read-only ones and `ask_user_input`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use boo_shared::chat::{MessageStatus, Usage};
use boo_shared::frames::{PromptProgress, UsagePhase};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use super::turn_loop::{self, Sink, SinkError, ToolResult, Tools};
use super::{ASK_USER_INPUT, Engine, ToolCall};
use crate::agents::AgentDef;
use boo_shared::transcript::store as messages;
use boo_shared::transcript::writer::TurnWriter;

/// Why a turn stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// The owner pressed Stop.
    Stopped,
    /// boochat is shutting down.
    Shutdown,
}

pub struct TurnSpec {
    pub session_id: Uuid,
    pub chat_id: Uuid,
    pub message_id: Uuid,
    pub agent: Option<AgentDef>,
    pub model: String,
    pub project_root: Option<PathBuf>,
    /// The owner's settings when the turn started (sampling defaults, compaction).
    pub owner: boo_shared::settings::OwnerSettings,
}

pub async fn run(
    engine: Arc<Engine>,
    spec: TurnSpec,
    cancel: CancellationToken,
    reason: Arc<std::sync::Mutex<Interrupt>>,
) {
    let span = tracing::info_span!(
        "turn",
        session_id = %spec.session_id,
        chat_id = %spec.chat_id,
        message_id = %spec.message_id,
        model = %spec.model,
    );
    async move {
        let mut sink = ChatSink {
            engine: &engine,
            w: TurnWriter::new(
                engine.pool.clone(),
                engine.hub.clone(),
                spec.session_id,
                spec.chat_id,
                spec.message_id,
            ),
        };
        let (status, usage, error) = drive(&engine, &spec, &mut sink, &cancel, &reason).await;
        engine.count_turn(status, usage.completion_tokens);
        if let Err(e) = sink.w.finish(status, &usage, error.as_deref()).await {
            tracing::error!(error = %e, "cannot finalise the turn");
        }
        tracing::info!(status = ?status, "turn finished");
    }
    .instrument(span)
    .await;
}

async fn drive(
    engine: &Arc<Engine>,
    spec: &TurnSpec,
    sink: &mut ChatSink<'_>,
    cancel: &CancellationToken,
    reason: &std::sync::Mutex<Interrupt>,
) -> (MessageStatus, Usage, Option<String>) {
    let history = match messages::history(&engine.pool, spec.chat_id, None).await {
        Ok(h) => h,
        Err(e) => return (MessageStatus::Failed, Usage::default(), Some(e.to_string())),
    };
    let mut history: Vec<_> = history
        .into_iter()
        .filter(|m| m.id != spec.message_id)
        .collect();
    // Attachments go to the model with their message on every turn; images only
    // to a model whose server reports vision.
    let vision = super::attach::has_images(&history)
        && engine.kit.llm.vision(&spec.model).await == Some(true);
    if let Err(e) = super::attach::hydrate(&engine.pool, &mut history, vision).await {
        return (MessageStatus::Failed, Usage::default(), Some(e.to_string()));
    }
    let cap = engine.kit.settings.chat.tool_output_bytes;
    let system = system_prompt(spec);
    let convo = super::context::build(Some(&system), &history, cap);
    let tools = engine.kit.tool_specs(spec.agent.as_ref());
    // A server that answers `/props` is llama.cpp's: it knows its context size
    // and reports prompt progress when asked.
    let size = engine.kit.llm.ctx_size(&spec.model).await;
    let convo = engine
        .fit(spec, &history, &system, convo, &tools, size)
        .await;
    // The owner's sampling defaults, the agent's own values over them.
    let mut sampling = crate::settings_store::sampling_body(&spec.owner);
    if size.is_some() {
        sampling.insert("return_progress".into(), Value::Bool(true));
    }
    if let Some(agent) = &spec.agent {
        agent.sampling.merge_into(&mut sampling);
    }
    let loop_spec = turn_loop::Spec {
        llm: &engine.kit.llm,
        model: spec.model.clone(),
        sampling,
        tools,
        budget: spec
            .agent
            .as_ref()
            .and_then(|a| a.max_tool_calls)
            .unwrap_or(engine.kit.settings.chat.max_tool_calls) as usize,
        output_cap: cap,
    };
    let interrupted = || match reason
        .lock()
        .map(|r| r.clone())
        .unwrap_or(Interrupt::Stopped)
    {
        Interrupt::Stopped => "stopped by the owner".to_owned(),
        Interrupt::Shutdown => "boochat shut down during the turn".to_owned(),
    };
    let tools = ChatTools { engine, spec };
    let out = turn_loop::drive(loop_spec, convo, sink, &tools, cancel, &interrupted).await;
    match out.error {
        // The server refused the request for length: say so plainly and offer
        // to compact (a notice the pane shows with a Compact button).
        Some(e) if super::compact::is_length_refusal(&e) => {
            tracing::warn!(error = %e, "the model server refused the request for length");
            let size = engine.kit.llm.ctx_size(&spec.model).await;
            let (text, meta) = super::compact::overflow(size);
            sentinel(engine, &sink.w, super::compact::OVERFLOW_KIND, meta, &text).await;
            (MessageStatus::Failed, out.usage, Some(text))
        }
        error => (out.status, out.usage, error),
    }
}

/// A chat turn's output: the transcript writer (parts, session stream frames).
struct ChatSink<'a> {
    engine: &'a Arc<Engine>,
    w: TurnWriter,
}

#[async_trait::async_trait]
impl Sink for ChatSink<'_> {
    async fn text(&mut self, text: &str) -> Result<(), SinkError> {
        Ok(self.w.text(text).await?)
    }

    async fn reasoning(&mut self, text: &str) -> Result<(), SinkError> {
        Ok(self.w.reasoning(text).await?)
    }

    async fn flush(&mut self) -> Result<(), SinkError> {
        Ok(self.w.flush().await?)
    }

    async fn tool_call(&mut self, call: &ToolCall) -> Result<(), SinkError> {
        Ok(self
            .w
            .tool_call(&call.id, &call.name, &call.arguments)
            .await?)
    }

    async fn tool_result(
        &mut self,
        call: &ToolCall,
        result: &ToolResult,
        shown: &str,
        elapsed: Duration,
    ) -> Result<(), SinkError> {
        Ok(self
            .w
            .tool_result(
                &call.id,
                &call.name,
                &result.stored,
                shown,
                result.is_error,
                result.truncated,
                elapsed,
            )
            .await?)
    }

    fn usage(&mut self, phase: UsagePhase, usage: &Usage) {
        self.w.usage(phase, usage);
    }

    fn progress(&mut self, usage: &Usage, progress: PromptProgress) {
        self.w.prompt_progress(usage, progress);
    }

    async fn sentinel(&mut self, kind: &str, meta: Value, text: &str) {
        sentinel(self.engine, &self.w, kind, meta, text).await;
    }
}

/// A chat turn's tools: the engine's read-only ones and `ask_user_input`.
struct ChatTools<'a> {
    engine: &'a Arc<Engine>,
    spec: &'a TurnSpec,
}

#[async_trait::async_trait]
impl Tools for ChatTools<'_> {
    async fn call(&self, call: &ToolCall) -> ToolResult {
        let (stored, is_error, truncated) = self.engine.call_tool(self.spec, call).await;
        ToolResult {
            stored,
            is_error,
            truncated,
        }
    }
}

fn system_prompt(spec: &TurnSpec) -> String {
    let mut s = String::from(
        "You are BooChat, a coding assistant. Your tools are read-only: you can read, list and \
         search files, check git status, read the web and read the other tabs of this \
         workspace (chats and terminals, by tab number), but you cannot change anything.",
    );
    if let Some(root) = &spec.project_root {
        s.push_str(&format!(
            " The project is at {}; tool paths are relative to it.",
            root.display()
        ));
    }
    if let Some(agent) = &spec.agent
        && !agent.prompt.trim().is_empty()
    {
        s.push_str("\n\n");
        s.push_str(agent.prompt.trim());
    }
    s
}

async fn sentinel(engine: &Arc<Engine>, w: &TurnWriter, kind: &str, extra: Value, text: &str) {
    let mut meta = json!({"kind": kind});
    if let (Value::Object(m), Value::Object(e)) = (&mut meta, extra) {
        m.extend(e);
    }
    boo_shared::transcript::writer::post_notice(
        &engine.pool,
        &engine.hub,
        w.session_id,
        w.chat_id,
        text,
        meta,
    )
    .await;
}

/// The `ask_user_input` tool's JSON schema (the engine owns it: the turn waits
/// for the owner's answer).
pub fn ask_user_input_spec() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": ASK_USER_INPUT,
            "description": "Ask the user a question and wait for the answer. Use when you need a decision or information only the user has.",
            "parameters": {
                "type": "object",
                "properties": {
                    "question": {"type": "string", "description": "The question to show the user"},
                    "options": {"type": "array", "items": {"type": "string"}, "description": "Suggested answers (optional)"}
                },
                "required": ["question"],
                "additionalProperties": false
            }
        }
    })
}
