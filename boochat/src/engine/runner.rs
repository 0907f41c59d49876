//! Per-chat turn ownership: one turn at a time per chat, messages sent meanwhile
//! are stored `queued` and run next, Stop cancels the running turn at once. Turns
//! belong to the server: closing the browser changes nothing.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use boo_shared::chat::{AttachmentKind, MessageAccepted, MessageStatus, Role, Status, Usage};
use boo_shared::error::ApiError;
use boo_shared::frames::ServerFrame;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Engine;
use super::turn::{self, Interrupt, TurnSpec};
use boo_shared::catalog::chats;
use boo_shared::transcript::attachments::{self, Attachment};
use boo_shared::transcript::store as messages;

/// Longest message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200_000;

/// The running turn of a chat.
pub struct Running {
    cancel: CancellationToken,
    reason: Arc<Mutex<Interrupt>>,
}

impl Running {
    fn new() -> Self {
        Self {
            cancel: CancellationToken::new(),
            reason: Arc::new(Mutex::new(Interrupt::Stopped)),
        }
    }
}

fn publish_chat(engine: &Engine, session_id: Uuid, chat: boo_shared::chat::Chat) {
    engine
        .hub
        .publish(session_id, ServerFrame::ChatUpdated { chat });
}

async fn publish_chat_state(engine: &Engine, session_id: Uuid, chat_id: Uuid) {
    if let Ok(chat) = chats::get(&engine.pool, chat_id).await {
        publish_chat(engine, session_id, chat);
    }
}

pub(super) async fn publish_user_message(engine: &Engine, session_id: Uuid, id: Uuid) {
    match messages::get(&engine.pool, id).await {
        Ok(message) => engine.hub.publish(
            session_id,
            ServerFrame::UserMessage {
                chat_id: message.chat_id,
                message,
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot read back a user message");
            0
        }
    };
}

/// A message's text is not empty and not longer than [`MAX_MESSAGE_CHARS`].
pub(super) fn check_content(content: &str) -> Result<(), ApiError> {
    if content.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_message",
            "content must not be empty",
        ));
    }
    if content.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::bad_request(
            "message_too_long",
            format!("content is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The chat, when it may get a new turn: not archived, and boochat not stopping.
pub(super) async fn writable_chat(
    engine: &Engine,
    chat_id: Uuid,
) -> Result<boo_shared::chat::Chat, ApiError> {
    let chat = chats::get(&engine.pool, chat_id).await?;
    if chat.status == Status::Archived {
        return Err(ApiError::conflict(
            "chat_archived",
            "the chat is archived; restore it first",
        ));
    }
    if engine.stopping.is_cancelled() {
        return Err(ApiError::unavailable(
            "shutting_down",
            "boochat is shutting down",
        ));
    }
    Ok(chat)
}

/// Accept a message: start a turn, or queue it behind the running one.
pub async fn submit(
    engine: &Arc<Engine>,
    chat_id: Uuid,
    content: &str,
) -> Result<MessageAccepted, ApiError> {
    submit_with(engine, chat_id, content, &[]).await
}

/// [`submit`] with attachments (already checked by [`super::attach::prepare`]):
/// stored with the message in one transaction, listed in its
/// `metadata.attachments`. The content may be empty when there are attachments.
/// Images are refused with 400 `model_no_vision` unless the model server says the
/// chat's model takes them; nothing is written then.
pub async fn submit_with(
    engine: &Arc<Engine>,
    chat_id: Uuid,
    content: &str,
    attachments: &[Attachment],
) -> Result<MessageAccepted, ApiError> {
    if attachments.is_empty() || !content.trim().is_empty() {
        check_content(content)?;
    }
    let chat = writable_chat(engine, chat_id).await?;
    if attachments
        .iter()
        .any(|a| a.info.kind == AttachmentKind::Image)
    {
        check_vision(engine, chat.agent.as_deref()).await?;
    }
    let reply_id = Uuid::new_v4();
    let _gate = engine.gate.lock().await;
    let busy = engine
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(&chat_id);
    let (status, mut metadata) = if busy {
        (MessageStatus::Queued, json!({"reply_id": reply_id}))
    } else {
        (MessageStatus::Complete, json!({}))
    };
    if !attachments.is_empty() {
        metadata["attachments"] = json!(attachments.iter().map(|a| &a.info).collect::<Vec<_>>());
    }
    let mut tx = engine.pool.begin().await.map_err(ApiError::from)?;
    let user_id =
        messages::insert(&mut *tx, chat_id, Role::User, status, content, metadata).await?;
    for a in attachments {
        attachments::insert(&mut *tx, user_id, a).await?;
    }
    tx.commit().await.map_err(ApiError::from)?;
    publish_user_message(engine, chat.session_id, user_id).await;
    if !busy {
        start(engine, chat_id, chat.session_id, reply_id);
    }
    Ok(MessageAccepted {
        user_message_id: user_id,
        assistant_message_id: reply_id,
        queued: busy,
    })
}

/// Refuse images unless the model server says the chat's model takes them.
async fn check_vision(engine: &Engine, agent: Option<&str>) -> Result<(), ApiError> {
    let agent = agent.and_then(|name| engine.kit.agents.get(name));
    let model = engine.kit.model_for(agent.as_ref()).await.map_err(|e| {
        ApiError::bad_request(
            "model_no_vision",
            format!("images cannot be sent: the chat's model is unknown ({e})"),
        )
    })?;
    match engine.kit.llm.vision(&model).await {
        Some(true) => Ok(()),
        Some(false) => Err(ApiError::bad_request(
            "model_no_vision",
            format!("the model {model} does not take images (its server reports no vision)"),
        )),
        None => Err(ApiError::bad_request(
            "model_no_vision",
            format!(
                "images cannot be sent: the model server does not say whether {model} takes images"
            ),
        )),
    }
}

/// Cancel the running turn of a chat. False when none runs (or it is already
/// stopping).
pub fn stop(engine: &Engine, chat_id: Uuid) -> bool {
    let running = engine.running.lock().unwrap_or_else(|e| e.into_inner());
    match running.get(&chat_id) {
        // Already stopped: the loop is letting go of it; this Stop stops nothing.
        Some(r) if r.cancel.is_cancelled() => false,
        Some(r) => {
            *r.reason.lock().unwrap_or_else(|e| e.into_inner()) = Interrupt::Stopped;
            r.cancel.cancel();
            true
        }
        None => false,
    }
}

/// Shutdown: every running turn ends as cancelled.
pub fn interrupt_all(engine: &Engine) {
    let running = engine.running.lock().unwrap_or_else(|e| e.into_inner());
    for r in running.values() {
        *r.reason.lock().unwrap_or_else(|e| e.into_inner()) = Interrupt::Shutdown;
        r.cancel.cancel();
    }
}

pub fn is_running(engine: &Engine, chat_id: Uuid) -> bool {
    engine
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(&chat_id)
}

/// Register the chat as running and spawn its loop. Call with the gate held.
pub(super) fn start(engine: &Arc<Engine>, chat_id: Uuid, session_id: Uuid, reply_id: Uuid) {
    engine
        .running
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(chat_id, Running::new());
    let engine2 = engine.clone();
    engine
        .tasks
        .spawn(async move { chat_loop(engine2, chat_id, session_id, reply_id).await });
}

/// Removes a chat's running entry if its loop ends any other way than through
/// the queue check (a panic), so the chat never stays busy forever.
struct Unregister<'a> {
    engine: &'a Engine,
    chat_id: Uuid,
}

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.engine
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.chat_id);
        }
    }
}

async fn chat_loop(engine: Arc<Engine>, chat_id: Uuid, session_id: Uuid, mut reply_id: Uuid) {
    let _unregister = Unregister {
        engine: &engine,
        chat_id,
    };
    loop {
        run_one(&engine, chat_id, session_id, reply_id).await;
        let _gate = engine.gate.lock().await;
        let next = if engine.stopping.is_cancelled() {
            None
        } else {
            match messages::next_queued(&engine.pool, chat_id).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(error = %e, %chat_id, "cannot read the queue");
                    None
                }
            }
        };
        match next {
            Some((user_id, reply)) => {
                let message_seq = match messages::dequeue(&engine.pool, user_id).await {
                    Ok(seq) => seq,
                    Err(e) => {
                        tracing::error!(error = %e, %chat_id, "cannot dequeue");
                        engine
                            .running
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&chat_id);
                        break;
                    }
                };
                engine.hub.publish(
                    session_id,
                    ServerFrame::MessageStatus {
                        chat_id,
                        message_id: user_id,
                        status: MessageStatus::Complete,
                        message_seq,
                    },
                );
                engine
                    .running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(chat_id, Running::new());
                reply_id = reply;
            }
            None => {
                engine
                    .running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&chat_id);
                break;
            }
        }
    }
    publish_chat_state(&engine, session_id, chat_id).await;
}

async fn project_root(engine: &Engine, session_id: Uuid) -> Option<PathBuf> {
    match boo_shared::catalog::sessions::project_path(&engine.pool, session_id).await {
        Ok(path) => path.map(PathBuf::from),
        Err(e) => {
            tracing::warn!(error = %e, %session_id, "cannot read the session's project path");
            None
        }
    }
}

async fn run_one(engine: &Arc<Engine>, chat_id: Uuid, session_id: Uuid, reply_id: Uuid) {
    let (cancel, reason) = {
        let running = engine.running.lock().unwrap_or_else(|e| e.into_inner());
        match running.get(&chat_id) {
            Some(r) => (r.cancel.clone(), r.reason.clone()),
            None => return,
        }
    };
    let chat = match chats::get(&engine.pool, chat_id).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, %chat_id, "chat vanished before its turn");
            return;
        }
    };
    // The owner's defaults (CHAT-11) for what the chat does not choose itself.
    let owner = crate::settings_store::get(&engine.pool)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the owner's settings; using the defaults");
            boo_shared::settings::OwnerSettings::default()
        });
    let (agent, agent_error) = match chat.agent.as_deref() {
        // A default agent that is gone from the registry leaves the plain model.
        None => match owner.default_agent.as_deref() {
            None => (None, None),
            Some(name) => {
                let found = engine.kit.agents.get(name);
                if found.is_none() {
                    tracing::warn!(
                        agent = name,
                        "chat.default_agent is not in the agents registry; using the plain model"
                    );
                }
                (found, None)
            }
        },
        Some(name) => match engine.kit.agents.get(name) {
            Some(a) => (Some(a), None),
            None => (
                None,
                Some(format!(
                    "agent {name:?} is not defined in the agents registry"
                )),
            ),
        },
    };
    let model = match &agent_error {
        Some(e) => Err(e.clone()),
        None => engine
            .kit
            .model_with_default(agent.as_ref(), owner.default_model.as_deref())
            .await
            .map_err(|e| e.to_string()),
    };
    let model_name = model.as_ref().ok().cloned();
    // The agent that answers: the chat's, else the owner's default.
    let agent_name = chat
        .agent
        .clone()
        .or_else(|| agent.as_ref().and(owner.default_agent.clone()));
    if let Err(e) = messages::start_assistant(
        &engine.pool,
        reply_id,
        chat_id,
        model_name.as_deref(),
        agent_name.as_deref(),
    )
    .await
    {
        tracing::error!(error = %e, %chat_id, "cannot start the assistant message");
        return;
    }
    match messages::get(&engine.pool, reply_id).await {
        Ok(message) => {
            engine
                .hub
                .publish(session_id, ServerFrame::MessageStarted { chat_id, message });
        }
        Err(e) => tracing::error!(error = %e, "cannot read back the assistant message"),
    }
    publish_chat_state(engine, session_id, chat_id).await;
    let model = match model {
        Ok(m) => m,
        Err(error) => {
            let w = boo_shared::transcript::writer::TurnWriter::new(
                engine.pool.clone(),
                engine.hub.clone(),
                session_id,
                chat_id,
                reply_id,
            );
            if let Err(e) = w
                .finish(MessageStatus::Failed, &Usage::default(), Some(&error))
                .await
            {
                tracing::error!(error = %e, "cannot finalise a failed turn");
            }
            engine.count_turn(MessageStatus::Failed, None);
            return;
        }
    };
    let spec = TurnSpec {
        session_id,
        chat_id,
        message_id: reply_id,
        agent,
        model: model.clone(),
        project_root: project_root(engine, session_id).await,
        owner,
    };
    turn::run(engine.clone(), spec, cancel, reason).await;
    // Off the turn's path: its frames are out, the queue goes on.
    super::naming::after_turn(engine, session_id, chat_id, reply_id, &model);
}

/// After a restart: run the queues that were waiting.
pub async fn resume_queued(engine: &Arc<Engine>) -> Result<usize, sqlx::Error> {
    let chats_with_queue = messages::chats_with_queue(&engine.pool).await?;
    let mut resumed = 0;
    for chat_id in chats_with_queue {
        let _gate = engine.gate.lock().await;
        if is_running(engine, chat_id) {
            continue;
        }
        let Some((user_id, reply)) = messages::next_queued(&engine.pool, chat_id).await? else {
            continue;
        };
        let Ok(session_id) = chats::session_of(&engine.pool, chat_id).await else {
            continue;
        };
        let message_seq = messages::dequeue(&engine.pool, user_id).await?;
        engine.hub.publish(
            session_id,
            ServerFrame::MessageStatus {
                chat_id,
                message_id: user_id,
                status: MessageStatus::Complete,
                message_seq,
            },
        );
        start(engine, chat_id, session_id, reply);
        resumed += 1;
    }
    Ok(resumed)
}
