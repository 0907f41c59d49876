//! The auto-namer (CHAT-9): an untitled chat, and its untitled session, are named
//! from the chat's first exchange by the task model.
//!
//! When a chat's first answer completes, the runner calls [`after_turn`], which
//! spawns the naming off the turn's path: the turn's `message_complete` frame is
//! already out, and the next queued message starts without waiting. The task asks
//! the task model (`chat.task_model`, else the chat's own model) one bounded,
//! non-streamed question — `max_tokens` [`MAX_TOKENS`], at most
//! `chat.auto_name_timeout_secs` — and cleans the answer into a one-line title of
//! at most [`MAX_TITLE_CHARS`] characters ([`clean_title`]). A hang, an error or an
//! empty answer leaves the titles unset and is logged.
//!
//! The titles are written with a conditional UPDATE (`WHERE title IS NULL`), so a
//! name the owner set — before the namer started or while it waited — is never
//! replaced; the rows are marked `auto_named`. Each write that lands is announced
//! like a rename: `chat_updated` to the session's viewers, `session_updated` to
//! every sidebar. Shutdown cancels a naming in flight.

use std::sync::Arc;
use std::time::Duration;

use boo_shared::chat::{Message, MessageStatus, Role};
use boo_shared::frames::ServerFrame;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Engine;
use boo_shared::catalog::{chats, sessions};
use boo_shared::transcript::store as messages;

/// Tokens the task model may spend on a title.
pub const MAX_TOKENS: u32 = 24;
/// Longest title the namer writes, in characters (the columns allow 500).
pub const MAX_TITLE_CHARS: usize = 80;
/// Characters of each side of the exchange the task model is shown.
const EXCERPT_CHARS: usize = 1500;

/// The system prompt of the naming request.
pub const SYSTEM_PROMPT: &str = "You name conversations. Reply with a short title \
    (at most six words) for the conversation you are shown: no quotes, no final \
    punctuation, nothing else.";

/// After a turn of `chat_id` ended: if `reply_id` is the chat's first complete
/// answer and the chat or its session is untitled, name them (spawned; returns at
/// once). `model` is the model that answered.
pub fn after_turn(
    engine: &Arc<Engine>,
    session_id: Uuid,
    chat_id: Uuid,
    reply_id: Uuid,
    model: &str,
) {
    if !engine.kit.settings.chat.auto_name {
        return;
    }
    let engine2 = engine.clone();
    let model = model.to_owned();
    engine.tasks.spawn(async move {
        let stopping = engine2.stopping();
        tokio::select! {
            () = stopping.cancelled() => {}
            () = name(&engine2, session_id, chat_id, reply_id, &model) => {}
        }
    });
}

#[tracing::instrument(skip_all, fields(%session_id, %chat_id))]
async fn name(engine: &Engine, session_id: Uuid, chat_id: Uuid, reply_id: Uuid, model: &str) {
    let pool = &engine.pool;
    let (chat, session) = match (
        chats::get(pool, chat_id).await,
        sessions::get(pool, session_id).await,
    ) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "auto-name: cannot read the chat or session");
            return;
        }
    };
    if chat.title.is_some() && session.title.is_some() {
        return;
    }
    let history = match messages::history(pool, chat_id, None).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "auto-name: cannot read the transcript");
            return;
        }
    };
    let Some((question, answer)) = first_exchange(&history, reply_id) else {
        return;
    };
    let task_model = engine
        .kit
        .settings
        .chat
        .task_model
        .clone()
        .unwrap_or_else(|| model.to_owned());
    let limit = Duration::from_secs(engine.kit.settings.chat.auto_name_timeout_secs);
    let raw = match engine
        .kit
        .llm
        .complete(request(&task_model, question, answer), limit)
        .await
    {
        Ok(raw) => raw,
        Err(e) => {
            tracing::warn!(error = %e, model = %task_model, "auto-name: the task model gave no title");
            return;
        }
    };
    let Some(title) = clean_title(&raw) else {
        tracing::warn!(answer = %raw, "auto-name: the task model's answer holds no title");
        return;
    };
    if chat.title.is_none() {
        match chats::set_auto_title(pool, chat_id, &title).await {
            Ok(Some(chat)) => {
                engine
                    .hub
                    .publish(session_id, ServerFrame::ChatUpdated { chat });
            }
            Ok(None) => tracing::info!("auto-name: the chat was named meanwhile; kept"),
            Err(e) => tracing::warn!(error = %e, "auto-name: cannot write the chat title"),
        }
    }
    if session.title.is_none() {
        match sessions::set_auto_title(pool, session_id, &title).await {
            Ok(Some(session)) => engine.hub.session_updated(&session),
            Ok(None) => tracing::info!("auto-name: the session was named meanwhile; kept"),
            Err(e) => tracing::warn!(error = %e, "auto-name: cannot write the session title"),
        }
    }
}

/// The user message and answer of the chat's first exchange, when `reply_id` is
/// its first complete answer with text (else `None`: not the first exchange).
pub fn first_exchange(history: &[Message], reply_id: Uuid) -> Option<(&str, &str)> {
    let pos = history.iter().position(|m| {
        m.role == Role::Assistant
            && m.status == MessageStatus::Complete
            && !m.content.trim().is_empty()
    })?;
    let answer = &history[pos];
    if answer.id != reply_id {
        return None;
    }
    let question = history[..pos].iter().rev().find(|m| m.role == Role::User)?;
    Some((&question.content, &answer.content))
}

fn excerpt(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= EXCERPT_CHARS {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(EXCERPT_CHARS).collect();
    cut.push('…');
    cut
}

/// The naming request's body (without `stream`, which the client sets).
pub fn request(model: &str, question: &str, answer: &str) -> Map<String, Value> {
    let shown = format!(
        "User: {}\n\nAssistant: {}",
        excerpt(question),
        excerpt(answer)
    );
    let body = json!({
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": shown},
        ],
        "max_tokens": MAX_TOKENS,
        "temperature": 0.2,
    });
    match body {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The title in a task model's answer: without `<think>` blocks, the first
/// non-empty line, a leading `Title:` dropped, surrounding quotes, backticks,
/// asterisks and `#`s and trailing punctuation stripped, whitespace collapsed,
/// cut at a word boundary to [`MAX_TITLE_CHARS`]. `None` when nothing is left.
pub fn clean_title(raw: &str) -> Option<String> {
    let mut text = raw.to_owned();
    while let Some(start) = text.find("<think>") {
        match text[start..].find("</think>") {
            Some(end) => text.replace_range(start..start + end + "</think>".len(), ""),
            None => text.truncate(start),
        }
    }
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = match line.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("title:") => &line[6..],
        _ => line,
    };
    const WRAP: &[char] = &['"', '\'', '`', '*', '#', '“', '”', '‘', '’', '«', '»', '_'];
    const TRAIL: &[char] = &['.', '!', '?', ':', ';', ',', '…', '-', '–', '—'];
    let mut t = line.trim().trim_matches(WRAP).trim();
    loop {
        let next = t.trim_end_matches(TRAIL).trim_end_matches(WRAP).trim();
        if next.len() == t.len() {
            break;
        }
        t = next;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let extra = usize::from(!out.is_empty()) + w.chars().count();
        if out.chars().count() + extra > MAX_TITLE_CHARS {
            if out.is_empty() {
                out = w.chars().take(MAX_TITLE_CHARS).collect();
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    let out = out.trim_end_matches(TRAIL).trim().to_owned();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests;
