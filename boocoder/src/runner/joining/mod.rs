//! An agent joining a chat mid-way: its first turn in a chat (no `agent_sessions`
//! row for the pair yet) may follow turns by the plain chat model or by other
//! agents that it never saw. That first prompt carries them, rendered compactly
//! within `coder.join_history_bytes` (see [`render`]); later turns send the prompt
//! alone, since the agent keeps its own session.
//!
//! The turns come from boochat, which owns chats: `boo.chat.v1.ChatService/
//! GetTranscript` with `before_message_id` = this turn's assistant message, so
//! neither that message nor anything after it is included. boochat leaves out
//! sentinels, queued and streaming rows, and answers its default window of the
//! newest 200 messages (older ones are neither shown nor counted). When boochat
//! cannot answer (down, slow past [`TRANSCRIPT_TIMEOUT`], or any error), the same
//! rows are read from the shared database with [`store::history`], which is what
//! boochat reads too. Only when that fails as well is the prompt sent without
//! history (logged as a warning): a turn never fails for want of history.
//!
//! An agent respawned after a crash, an idle eviction or a restart whose session
//! could not be resumed or loaded (start kind `history`, see
//! [`super::start`]) gets the same, its own earlier turns included and under
//! [`render::RESTART_HEADER`]: its new ACP session starts empty.

pub mod render;

use std::time::Duration;

use boo_proto::chat::v1::GetTranscriptRequest;
use boo_shared::chat::MessageStatus;
use boo_shared::peers::{ChatClient, is_unreachable};
use boo_shared::transcript::store;
use sqlx::PgPool;
use uuid::Uuid;

use render::Earlier;

/// How long boochat may take to answer `GetTranscript` before the database is read.
pub const TRANSCRIPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a joining agent's history comes from.
pub struct Source<'a> {
    /// boochat (`None`: its address or token is unusable).
    pub chat: Option<&'a ChatClient>,
    pub pool: &'a PgPool,
}

/// This turn of `agent` in `chat_id`, whose assistant message is `message_id`.
pub struct Joining<'a> {
    pub chat_id: Uuid,
    pub message_id: Uuid,
    pub agent: &'a str,
    pub prompt: &'a str,
    /// Bytes of history above the prompt at most.
    pub budget: usize,
    /// The agent had a session here that is lost: its own turns are shown too.
    pub restarting: bool,
}

/// The first prompt of a joining agent: the earlier turns it did not see, then the
/// user's prompt (the prompt alone when there are none or none could be read).
#[tracing::instrument(skip_all, fields(chat_id = %turn.chat_id, agent = turn.agent))]
pub async fn first_prompt(src: Source<'_>, turn: &Joining<'_>) -> String {
    let Some(all) = transcript(&src, turn.chat_id, turn.message_id).await else {
        return turn.prompt.to_owned();
    };
    let (earlier, header) = if turn.restarting {
        (
            render::up_to_prompt(all, turn.prompt),
            render::RESTART_HEADER,
        )
    } else {
        (
            render::before_prompt(all, turn.prompt, turn.agent),
            render::HEADER,
        )
    };
    if !earlier.is_empty() {
        tracing::info!(
            messages = earlier.len(),
            restarting = turn.restarting,
            "the agent's first prompt in this session carries the chat's earlier turns"
        );
    }
    render::render_under(header, &earlier, turn.prompt, turn.budget)
}

/// The chat's messages before `before`, oldest first: from boochat, else from the
/// database; `None` when neither could be read.
async fn transcript(src: &Source<'_>, chat_id: Uuid, before: Uuid) -> Option<Vec<Earlier>> {
    if let Some(client) = src.chat {
        let req = GetTranscriptRequest {
            chat_id: chat_id.to_string(),
            before_message_id: before.to_string(),
            limit: 0,
        };
        match tokio::time::timeout(TRANSCRIPT_TIMEOUT, client.clone().get_transcript(req)).await {
            Ok(Ok(resp)) => {
                return Some(
                    resp.into_inner()
                        .messages
                        .into_iter()
                        .filter_map(Earlier::from_proto)
                        .collect(),
                );
            }
            Ok(Err(status)) if is_unreachable(&status) => {
                tracing::info!("boochat is unreachable; reading the transcript from the database");
            }
            Ok(Err(status)) => {
                tracing::warn!(error = %status, "boochat GetTranscript failed; reading the transcript from the database");
            }
            Err(_) => {
                tracing::warn!(
                    "boochat GetTranscript timed out; reading the transcript from the database"
                );
            }
        }
    }
    match from_database(src.pool, chat_id, before).await {
        Ok(turns) => Some(turns),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the chat's earlier turns; the agent joins without them");
            None
        }
    }
}

/// What `GetTranscript` would answer, read from the shared database.
async fn from_database(
    pool: &PgPool,
    chat_id: Uuid,
    before: Uuid,
) -> Result<Vec<Earlier>, boo_shared::error::ApiError> {
    let seq = store::get(pool, before).await?.seq;
    Ok(store::history(pool, chat_id, Some(seq))
        .await?
        .iter()
        .filter(|m| !matches!(m.status, MessageStatus::Queued | MessageStatus::Streaming))
        .filter_map(Earlier::from_message)
        .collect())
}
