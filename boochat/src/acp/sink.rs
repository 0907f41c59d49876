//! A turn's output as ACP `session/update` notifications, and the stored history
//! replayed the same way for `session/load`.

use std::time::Duration;

use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Client, Error};
use boo_shared::chat::Usage;
use boo_shared::frames::UsagePhase;
use serde_json::Value;

use super::tools::kind_of;
use crate::engine::ToolCall;
use crate::engine::turn_loop::{Sink, SinkError, ToolResult};

pub struct AcpSink {
    pub cx: ConnectionTo<Client>,
    pub session: acp::SessionId,
    /// The model's context size (from the model server), for `usage_update`.
    pub context_size: Option<u32>,
    /// The turn's token counts (prompt and completion of the last round).
    pub usage: Usage,
}

impl AcpSink {
    fn send(&self, update: acp::SessionUpdate) -> Result<(), SinkError> {
        send(&self.cx, &self.session, update).map_err(|e| SinkError(e.message))
    }
}

fn send(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    update: acp::SessionUpdate,
) -> Result<(), Error> {
    cx.send_notification(acp::SessionNotification::new(session.clone(), update))
}

fn chunk(text: &str) -> acp::ContentChunk {
    acp::ContentChunk::new(text.to_owned().into())
}

/// The `tool_call` announcing a call.
pub fn tool_call(call: &ToolCall, status: acp::ToolCallStatus) -> acp::ToolCall {
    let locations = call
        .arguments
        .get("path")
        .and_then(Value::as_str)
        .map(|p| vec![acp::ToolCallLocation::new(p.to_owned())])
        .unwrap_or_default();
    acp::ToolCall::new(call.id.clone(), call.name.clone())
        .kind(kind_of(&call.name))
        .status(status)
        .raw_input(call.arguments.clone())
        .locations(locations)
}

/// The `tool_call_update` with a call's result.
pub fn tool_done(call_id: &str, text: &str, failed: bool) -> acp::ToolCallUpdate {
    let status = if failed {
        acp::ToolCallStatus::Failed
    } else {
        acp::ToolCallStatus::Completed
    };
    acp::ToolCallUpdate::new(
        call_id.to_owned(),
        acp::ToolCallUpdateFields::new()
            .status(status)
            .content(vec![text.to_owned().into()]),
    )
}

#[async_trait::async_trait]
impl Sink for AcpSink {
    async fn text(&mut self, text: &str) -> Result<(), SinkError> {
        self.send(acp::SessionUpdate::AgentMessageChunk(chunk(text)))
    }

    async fn reasoning(&mut self, text: &str) -> Result<(), SinkError> {
        self.send(acp::SessionUpdate::AgentThoughtChunk(chunk(text)))
    }

    async fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn tool_call(&mut self, call: &ToolCall) -> Result<(), SinkError> {
        self.send(acp::SessionUpdate::ToolCall(tool_call(
            call,
            acp::ToolCallStatus::InProgress,
        )))
    }

    async fn tool_result(
        &mut self,
        call: &ToolCall,
        result: &ToolResult,
        shown: &str,
        _elapsed: Duration,
    ) -> Result<(), SinkError> {
        self.send(acp::SessionUpdate::ToolCallUpdate(tool_done(
            &call.id,
            shown,
            result.is_error,
        )))
    }

    fn usage(&mut self, phase: UsagePhase, usage: &Usage) {
        self.usage = usage.clone();
        if phase != UsagePhase::Done {
            return;
        }
        let used = usage.prompt_tokens.unwrap_or(0).max(0) as u64
            + usage.completion_tokens.unwrap_or(0).max(0) as u64;
        if let Some(size) = self.context_size {
            let _ = self.send(acp::SessionUpdate::UsageUpdate(acp::UsageUpdate::new(
                used,
                u64::from(size),
            )));
        }
    }

    async fn sentinel(&mut self, _kind: &str, _meta: Value, text: &str) {
        let _ = self.send(acp::SessionUpdate::AgentMessageChunk(chunk(&format!(
            "\n\n[{text}]"
        ))));
    }
}

/// Replay a stored conversation as the updates a live turn would have sent.
pub fn replay(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    history: &[Value],
) -> Result<(), Error> {
    for m in history {
        let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
        let content = m.get("content").and_then(Value::as_str).unwrap_or_default();
        match role {
            "user" => send(
                cx,
                session,
                acp::SessionUpdate::UserMessageChunk(chunk(content)),
            )?,
            "assistant" => {
                if !content.is_empty() {
                    send(
                        cx,
                        session,
                        acp::SessionUpdate::AgentMessageChunk(chunk(content)),
                    )?;
                }
                for c in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let call = ToolCall {
                        id: c["id"].as_str().unwrap_or_default().to_owned(),
                        name: c["function"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        arguments: c["function"]["arguments"]
                            .as_str()
                            .and_then(|a| serde_json::from_str(a).ok())
                            .unwrap_or(Value::Null),
                    };
                    send(
                        cx,
                        session,
                        acp::SessionUpdate::ToolCall(tool_call(
                            &call,
                            acp::ToolCallStatus::InProgress,
                        )),
                    )?;
                }
            }
            "tool" => {
                let id = m
                    .get("tool_call_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let failed = content.starts_with("error:");
                send(
                    cx,
                    session,
                    acp::SessionUpdate::ToolCallUpdate(tool_done(id, content, failed)),
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}
