//! What a running turn writes: parts and content to Postgres (text batched every
//! [`FLUSH_EVERY`], tool calls and results at once) and frames to the hub.
//!
//! A client may load a streaming message over REST (the text written so far) and
//! then apply the live frames; it places each delta by its `offset`, the length in
//! Unicode scalar values of the message's text (or reasoning) before it. Two things
//! make that exact: every flush writes whole deltas, so a snapshot always ends at a
//! delta boundary; and a new part is only inserted after everything before it was
//! flushed, so in any snapshot every part but the last is complete, and text a
//! snapshot lacks always belongs at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chat::{MessageStatus, PartKind, Usage};
use crate::frames::{PromptProgress, ServerFrame, UsagePhase};
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self as messages, NewPart};
use crate::hub::Hub;

/// Post a system notice in a chat (`role = system`, `metadata.kind` names it; never
/// sent to the model) and show it at once as a `sentinel` frame. A notice never
/// fails what it reports on: when it cannot be written, that is logged (and
/// `None` returned); else the stored row is returned.
pub async fn post_notice(
    pool: &PgPool,
    hub: &Hub,
    session_id: Uuid,
    chat_id: Uuid,
    text: &str,
    metadata: serde_json::Value,
) -> Option<crate::chat::Message> {
    let kind = metadata["kind"].as_str().unwrap_or("notice").to_owned();
    let inserted = messages::insert(
        pool,
        chat_id,
        crate::chat::Role::System,
        MessageStatus::Complete,
        text,
        metadata,
    )
    .await;
    match inserted {
        Ok(id) => match messages::get(pool, id).await {
            Ok(message) => {
                hub.publish(
                    session_id,
                    ServerFrame::Sentinel {
                        chat_id,
                        message: message.clone(),
                    },
                );
                Some(message)
            }
            Err(e) => {
                tracing::error!(error = %e, kind, "cannot read back a chat notice");
                None
            }
        },
        Err(e) => {
            tracing::error!(error = %e, kind, "cannot write a chat notice");
            None
        }
    }
}

/// A kill loses at most this much streamed text.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);

struct TextPart {
    id: Uuid,
    text: String,
    dirty: bool,
}

pub struct TurnWriter {
    pool: PgPool,
    hub: Arc<Hub>,
    pub session_id: Uuid,
    pub chat_id: Uuid,
    pub message_id: Uuid,
    parts: Vec<TextPart>,
    /// Index in `parts` of the text/reasoning part being appended to, if the last
    /// part written was that kind.
    open: Option<(PartKind, usize)>,
    next_ordinal: i32,
    /// Visible text: every text part concatenated.
    pub content: String,
    content_dirty: bool,
    /// `content` and all reasoning so far, in Unicode scalar values (the delta offsets).
    content_chars: u32,
    reasoning_chars: u32,
    last_flush: Instant,
    /// Agent tool calls already written: call id → (tool_call part, result written).
    agent_calls: std::collections::HashMap<String, (Uuid, bool)>,
}

impl TurnWriter {
    pub fn new(
        pool: PgPool,
        hub: Arc<Hub>,
        session_id: Uuid,
        chat_id: Uuid,
        message_id: Uuid,
    ) -> Self {
        Self {
            pool,
            hub,
            session_id,
            chat_id,
            message_id,
            parts: Vec::new(),
            open: None,
            next_ordinal: 0,
            content: String::new(),
            content_dirty: false,
            content_chars: 0,
            reasoning_chars: 0,
            last_flush: Instant::now(),
            agent_calls: std::collections::HashMap::new(),
        }
    }

    pub fn publish(&self, frame: ServerFrame) {
        self.hub.publish(self.session_id, frame);
    }

    /// Inserts a part after flushing the text before it (see the module doc).
    async fn new_part(&mut self, p: NewPart<'_>) -> Result<Uuid, sqlx::Error> {
        self.flush().await?;
        let ordinal = self.next_ordinal;
        self.next_ordinal += 1;
        messages::insert_part(&self.pool, self.message_id, ordinal, &p).await
    }

    /// Appends to the open part of `kind` (or a new one); returns the offset of `text`.
    async fn append(&mut self, kind: PartKind, text: &str) -> Result<u32, sqlx::Error> {
        let idx = match self.open {
            Some((k, i)) if k == kind => i,
            _ => {
                let id = self
                    .new_part(NewPart {
                        kind: Some(kind),
                        content: Some(""),
                        ..NewPart::default()
                    })
                    .await?;
                self.parts.push(TextPart {
                    id,
                    text: String::new(),
                    dirty: false,
                });
                let i = self.parts.len() - 1;
                self.open = Some((kind, i));
                i
            }
        };
        let part = &mut self.parts[idx];
        part.text.push_str(text);
        part.dirty = true;
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let counter = if kind == PartKind::Text {
            self.content.push_str(text);
            self.content_dirty = true;
            &mut self.content_chars
        } else {
            &mut self.reasoning_chars
        };
        let offset = *counter;
        *counter = counter.saturating_add(chars);
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush().await?;
        }
        Ok(offset)
    }

    pub async fn text(&mut self, text: &str) -> Result<(), sqlx::Error> {
        if text.is_empty() {
            return Ok(());
        }
        let offset = self.append(PartKind::Text, text).await?;
        self.publish(ServerFrame::Delta {
            chat_id: self.chat_id,
            message_id: self.message_id,
            offset,
            text: text.to_owned(),
        });
        Ok(())
    }

    pub async fn reasoning(&mut self, text: &str) -> Result<(), sqlx::Error> {
        if text.is_empty() {
            return Ok(());
        }
        let offset = self.append(PartKind::Reasoning, text).await?;
        self.publish(ServerFrame::ReasoningDelta {
            chat_id: self.chat_id,
            message_id: self.message_id,
            offset,
            text: text.to_owned(),
        });
        Ok(())
    }

    /// Persist pending text now.
    pub async fn flush(&mut self) -> Result<(), sqlx::Error> {
        self.last_flush = Instant::now();
        let dirty: Vec<(Uuid, &str)> = self
            .parts
            .iter()
            .filter(|p| p.dirty)
            .map(|p| (p.id, p.text.as_str()))
            .collect();
        if dirty.is_empty() && !self.content_dirty {
            return Ok(());
        }
        messages::flush_text(&self.pool, self.message_id, &dirty, &self.content).await?;
        for p in &mut self.parts {
            p.dirty = false;
        }
        self.content_dirty = false;
        Ok(())
    }

    pub async fn tool_call(
        &mut self,
        call_id: &str,
        name: &str,
        args: &serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.open = None;
        self.new_part(NewPart {
            kind: Some(PartKind::ToolCall),
            tool_name: Some(name),
            call_id: Some(call_id),
            args: Some(args),
            ..NewPart::default()
        })
        .await?;
        self.publish(ServerFrame::ToolCall {
            chat_id: self.chat_id,
            message_id: self.message_id,
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            arguments: args.clone(),
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn tool_result(
        &mut self,
        call_id: &str,
        name: &str,
        stored: &str,
        shown: &str,
        is_error: bool,
        truncated: bool,
        duration: Duration,
    ) -> Result<(), sqlx::Error> {
        self.open = None;
        let duration_ms = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        self.new_part(NewPart {
            kind: Some(PartKind::ToolResult),
            tool_name: Some(name),
            call_id: Some(call_id),
            result: Some(stored),
            result_bytes: i32::try_from(stored.len()).ok(),
            truncated,
            is_error,
            duration_ms: i32::try_from(duration_ms).ok(),
            ..NewPart::default()
        })
        .await?;
        self.publish(ServerFrame::ToolResult {
            chat_id: self.chat_id,
            message_id: self.message_id,
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            result: shown.to_owned(),
            is_error,
            truncated,
            duration_ms,
        });
        Ok(())
    }

    /// An agent's tool call snapshot (ACP `tool_call` / `tool_call_update`): the
    /// tool_call part is written once and updated in place; when the call ends, its
    /// result part is written.
    pub async fn agent_tool_call(
        &mut self,
        call: &crate::coder::AgentToolCall,
    ) -> Result<(), sqlx::Error> {
        let meta = serde_json::json!({
            "title": call.title, "kind": call.kind, "status": call.status,
            "content": call.content, "locations": call.locations,
        });
        let name = if call.kind.is_empty() {
            "tool"
        } else {
            call.kind.as_str()
        };
        match self.agent_calls.get(&call.id).copied() {
            Some((part, _)) => {
                messages::update_tool_call(&self.pool, part, call.raw_input.as_ref(), &meta)
                    .await?;
            }
            None => {
                self.open = None;
                let part = self
                    .new_part(NewPart {
                        kind: Some(PartKind::ToolCall),
                        tool_name: Some(name),
                        call_id: Some(&call.id),
                        args: call.raw_input.as_ref(),
                        metadata: Some(&meta),
                        ..NewPart::default()
                    })
                    .await?;
                self.agent_calls.insert(call.id.clone(), (part, false));
            }
        }
        let ended = matches!(call.status.as_str(), "completed" | "failed");
        if ended
            && self
                .agent_calls
                .get(&call.id)
                .is_some_and(|(_, done)| !done)
        {
            let text: String = call
                .content
                .iter()
                .filter_map(|c| {
                    c.pointer("/content/text")
                        .or_else(|| c.get("text"))
                        .and_then(|t| t.as_str())
                })
                .collect::<Vec<_>>()
                .join("\n");
            self.open = None;
            self.new_part(NewPart {
                kind: Some(PartKind::ToolResult),
                tool_name: Some(name),
                call_id: Some(&call.id),
                result: Some(&text),
                result_bytes: i32::try_from(text.len()).ok(),
                is_error: call.status == "failed",
                ..NewPart::default()
            })
            .await?;
            if let Some(entry) = self.agent_calls.get_mut(&call.id) {
                entry.1 = true;
            }
        }
        self.publish(ServerFrame::AgentToolCall {
            chat_id: self.chat_id,
            message_id: self.message_id,
            call: call.clone(),
        });
        Ok(())
    }

    pub fn usage(&self, phase: UsagePhase, usage: &Usage) {
        self.publish(ServerFrame::Usage {
            chat_id: self.chat_id,
            message_id: self.message_id,
            phase,
            usage: usage.clone(),
            progress: None,
        });
    }

    /// The server is still reading the prompt: how far it got.
    pub fn prompt_progress(&self, usage: &Usage, progress: PromptProgress) {
        self.publish(ServerFrame::Usage {
            chat_id: self.chat_id,
            message_id: self.message_id,
            phase: UsagePhase::Prompt,
            usage: usage.clone(),
            progress: Some(progress),
        });
    }

    /// Final write and frame. Content is whatever arrived.
    pub async fn finish(
        mut self,
        status: MessageStatus,
        usage: &Usage,
        error: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let flushed = self.flush().await;
        let done = messages::finalize(
            &self.pool,
            self.message_id,
            status,
            &self.content,
            usage,
            error,
        )
        .await;
        self.publish(ServerFrame::MessageComplete {
            chat_id: self.chat_id,
            message_id: self.message_id,
            status,
            error: error.map(String::from),
            usage: usage.clone(),
        });
        flushed.and(done)
    }
}
