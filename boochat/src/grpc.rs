//! `boo.chat.v1.ChatService`: `GetTranscript` lets an agent switched into a chat
//! see the turns before it; `NameChat` names an agent chat from its first
//! exchange (boocoder asks after an agent's first answer).

use boo_proto::chat::v1::chat_service_server::ChatService;
use std::sync::Arc;

use boo_proto::chat::v1::{
    GetTranscriptRequest, GetTranscriptResponse, NameChatRequest, NameChatResponse, ToolExchange,
    TranscriptMessage,
};
use boo_shared::chat::{Message, MessageStatus, PartKind, Role};
use boo_shared::grpc::reject_nul;
use boo_shared::grpc::uuid_field;
use sqlx::PgPool;
use tonic::{Request, Response, Status};

use crate::engine::Engine;
use crate::engine::context::is_sentinel;
use boo_shared::transcript::store as messages;

/// Messages returned when the request sets no limit.
const DEFAULT_LIMIT: usize = 200;

pub struct ChatServiceImpl {
    pool: PgPool,
    engine: Arc<Engine>,
}

impl ChatServiceImpl {
    pub fn new(pool: PgPool, engine: Arc<Engine>) -> Self {
        Self { pool, engine }
    }
}

/// The proto carries the role as its wire (and column) spelling.
fn role(r: Role) -> &'static str {
    match r {
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::System => "system",
        Role::Tool => "tool",
    }
}

fn to_proto(m: Message) -> TranscriptMessage {
    let mut calls: Vec<ToolExchange> = Vec::new();
    for p in &m.parts {
        match p.kind {
            PartKind::ToolCall => calls.push(ToolExchange {
                call_id: p.call_id.clone().unwrap_or_default(),
                name: p.tool_name.clone().unwrap_or_default(),
                arguments_json: p
                    .args
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "{}".into()),
                result: String::new(),
                is_error: false,
            }),
            PartKind::ToolResult => {
                if let Some(c) = calls
                    .iter_mut()
                    .find(|c| Some(&c.call_id) == p.call_id.as_ref())
                {
                    c.result = p.result.clone().unwrap_or_default();
                    c.is_error = p.is_error;
                }
            }
            _ => {}
        }
    }
    TranscriptMessage {
        id: m.id.to_string(),
        role: role(m.role).into(),
        content: m.content,
        agent: m.agent.unwrap_or_default(),
        created_at: Some(prost_types::Timestamp {
            seconds: m.created_at.timestamp(),
            nanos: i32::try_from(m.created_at.timestamp_subsec_nanos()).unwrap_or(0),
        }),
        tool_calls: calls,
    }
}

#[tonic::async_trait]
impl ChatService for ChatServiceImpl {
    #[tracing::instrument(skip_all, err, fields(chat_id = %req.get_ref().chat_id))]
    async fn get_transcript(
        &self,
        req: Request<GetTranscriptRequest>,
    ) -> Result<Response<GetTranscriptResponse>, Status> {
        let req = req.into_inner();
        reject_nul([
            ("chat_id", req.chat_id.as_str()),
            ("before_message_id", &req.before_message_id),
        ])?;
        let chat_id = uuid_field("chat_id", &req.chat_id)?;
        // Stores' errors map to statuses once (boo_shared::store): no such chat is
        // NOT_FOUND, a message of another chat INVALID_ARGUMENT.
        boo_shared::catalog::chats::get(&self.pool, chat_id).await?;
        let before_seq = if req.before_message_id.is_empty() {
            None
        } else {
            let mid = uuid_field("before_message_id", &req.before_message_id)?;
            Some(messages::seq_in_chat(&self.pool, chat_id, mid).await?)
        };
        let all = messages::history(&self.pool, chat_id, before_seq).await?;
        let mut turns: Vec<Message> = all
            .into_iter()
            .filter(|m| {
                !is_sentinel(m)
                    && !matches!(m.status, MessageStatus::Queued | MessageStatus::Streaming)
            })
            .collect();
        let limit = if req.limit == 0 {
            DEFAULT_LIMIT
        } else {
            req.limit as usize
        };
        let truncated = turns.len() > limit;
        if truncated {
            turns.drain(..turns.len() - limit);
        }
        Ok(Response::new(GetTranscriptResponse {
            messages: turns.into_iter().map(to_proto).collect(),
            truncated,
        }))
    }

    #[tracing::instrument(skip_all, err, fields(chat_id = %req.get_ref().chat_id))]
    async fn name_chat(
        &self,
        req: Request<NameChatRequest>,
    ) -> Result<Response<NameChatResponse>, Status> {
        let req = req.into_inner();
        reject_nul([
            ("chat_id", req.chat_id.as_str()),
            ("reply_id", &req.reply_id),
        ])?;
        let chat_id = uuid_field("chat_id", &req.chat_id)?;
        let reply_id = uuid_field("reply_id", &req.reply_id)?;
        let chat = boo_shared::catalog::chats::get(&self.pool, chat_id).await?;
        messages::seq_in_chat(&self.pool, chat_id, reply_id).await?;
        if !self.engine.kit.settings.chat.auto_name || chat.title.is_some() {
            return Ok(Response::new(NameChatResponse { started: false }));
        }
        // An agent's answer: the title comes from the task model, else boochat's own.
        let model = self
            .engine
            .kit
            .model_for(None)
            .await
            .map_err(|e| Status::unavailable(format!("no model to name the chat: {e}")))?;
        crate::engine::naming::after_turn(&self.engine, chat.session_id, chat_id, reply_id, &model);
        Ok(Response::new(NameChatResponse { started: true }))
    }
}
