//! Context compaction (CHAT-6): a conversation never hits the model's context
//! wall silently.
//!
//! Before each request the turn estimates its size ([`estimate`]: the request's
//! JSON at about four bytes a token, tools included). Past the owner's share of
//! the model's context (`chat.compact_threshold`, 0.8 by default) it first prunes
//! the outputs of tool calls older than the last exchange ([`prune_tool_outputs`]:
//! the model can run them again); still too big, it has the model summarise the
//! older turns ([`summarize`]) and stores the summary as a `system` row with
//! `metadata.kind = "compaction"`. From then on the model sees that summary (in
//! its system prompt) instead of the turns it covers (`metadata.through`, the last
//! covered message), while the owner still sees, searches and exports every
//! message; the UI shows the summary as a collapsible card. `/compact` and the
//! pane's button do the same on demand ([`compact_now`]).
//!
//! A request the server refuses for length anyway ([`is_length_refusal`]) fails
//! its turn with a clear message and a `context_overflow` notice that offers to
//! compact.

use boo_shared::chat::{Message, Role};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::llm::{LlmClient, LlmError, StreamEvent};

#[cfg(test)]
mod tests;

/// `metadata.kind` of a compaction summary row.
pub const KIND: &str = "compaction";
/// `metadata.kind` of the notice a length refusal leaves.
pub const OVERFLOW_KIND: &str = "context_overflow";
/// The owner's default share of the context past which a turn compacts.
pub const DEFAULT_THRESHOLD: f64 = boo_shared::settings::DEFAULT_COMPACT_THRESHOLD;
/// What a pruned tool output says instead.
pub const PRUNED: &str = "(output pruned to save context; call the tool again if you need it)";
/// The summary's own answer is bounded.
const SUMMARY_MAX_TOKENS: u64 = 1024;
/// The turns a compaction leaves as they are: the last exchange.
const KEEP_USER_TURNS: usize = 1;

/// Why a compaction could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("nothing to compact: the chat has no turns before its last exchange")]
    Nothing,
    #[error("the model could not summarise the conversation: {0}")]
    Model(#[from] LlmError),
    #[error("the model's summary was empty")]
    Empty,
    #[error("the summary could not be stored")]
    Store,
}

/// The request's size in tokens, roughly: its JSON at four bytes a token, each
/// attached image as [`super::attach::IMAGE_TOKENS`] instead of its `data:` URL.
pub fn estimate(convo: &[Value], tools: &[Value]) -> u64 {
    let (images, url_bytes) = super::attach::image_parts(convo);
    let bytes = serde_json::to_string(convo).map_or(0, |s| s.len())
        + serde_json::to_string(tools).map_or(0, |s| s.len());
    let tokens = bytes.saturating_sub(url_bytes) / 4 + images * super::attach::IMAGE_TOKENS;
    u64::try_from(tokens).unwrap_or(u64::MAX)
}

/// The budget of `size` tokens at share `threshold` (clamped to (0, 1]).
pub fn budget(size: u32, threshold: f64) -> u64 {
    let share = if threshold.is_finite() && threshold > 0.0 {
        threshold.min(1.0)
    } else {
        DEFAULT_THRESHOLD
    };
    // Both factors are small and positive: the product fits.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let b = (f64::from(size) * share) as u64;
    b
}

/// Replace the outputs of tool calls made before the last `keep` user messages
/// with [`PRUNED`]; how many were pruned.
pub fn prune_tool_outputs(convo: &mut [Value], keep: usize) -> usize {
    let users: Vec<usize> = convo
        .iter()
        .enumerate()
        .filter(|(_, m)| m["role"] == "user")
        .map(|(i, _)| i)
        .collect();
    let Some(&cut) = users.len().checked_sub(keep).and_then(|i| users.get(i)) else {
        return 0;
    };
    let mut pruned = 0;
    for m in &mut convo[..cut] {
        if m["role"] == "tool" && m["content"] != PRUNED {
            m["content"] = json!(PRUNED);
            pruned += 1;
        }
    }
    pruned
}

/// Is `m` a compaction summary row?
pub fn is_summary(m: &Message) -> bool {
    m.role == Role::System && m.metadata.get("kind").and_then(Value::as_str) == Some(KIND)
}

/// The newest compaction in `history` (in its order): its summary and the
/// index just past the last message it covers.
pub fn latest(history: &[Message]) -> Option<(&str, usize)> {
    let summary = history.iter().rev().find(|m| is_summary(m))?;
    let through = summary
        .metadata
        .get("through")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Uuid>().ok())?;
    let at = history.iter().position(|m| m.id == through)?;
    Some((summary.content.as_str(), at + 1))
}

/// Where the kept tail of `history` begins: at its last `keep` user messages.
/// `None` when there is nothing before them to compact.
pub fn split(history: &[Message], keep: usize) -> Option<usize> {
    let users: Vec<usize> = history
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == Role::User)
        .map(|(i, _)| i)
        .collect();
    let at = *users.get(users.len().checked_sub(keep)?)?;
    (at > 0).then_some(at)
}

/// The conversation `head` (already built for the model, without its system
/// prompt) as one text to summarise: each message on its own lines, tool calls
/// and results named.
fn transcript_of(head: &[Value]) -> String {
    let mut out = String::new();
    for m in head {
        let role = m["role"].as_str().unwrap_or("?");
        let text = super::attach::content_text(&m["content"]);
        if !text.trim().is_empty() {
            out.push_str(&format!("{role}: {}\n\n", text.trim()));
        }
        for call in m["tool_calls"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "assistant called {}({})\n\n",
                call["function"]["name"].as_str().unwrap_or("?"),
                call["function"]["arguments"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

/// The request that asks `model` to summarise `head`: the earlier summary (if
/// any) and the turns since, cut from the front to fit `room` tokens.
pub fn summary_request(
    model: &str,
    earlier: Option<&str>,
    head: &[Value],
    room: u64,
) -> Map<String, Value> {
    let mut text = String::new();
    if let Some(s) = earlier {
        text.push_str(&format!("Summary so far:\n{s}\n\nThen:\n\n"));
    }
    text.push_str(&transcript_of(head));
    let max_bytes = usize::try_from(room.saturating_mul(4)).unwrap_or(usize::MAX);
    if text.len() > max_bytes {
        let mut from = text.len() - max_bytes;
        while !text.is_char_boundary(from) {
            from += 1;
        }
        text = format!("(the start is cut)\n{}", &text[from..]);
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("max_tokens".into(), json!(SUMMARY_MAX_TOKENS));
    body.insert(
        "messages".into(),
        json!([
            {"role": "system", "content": "You compact a conversation between a user and a coding assistant so it can go on in less space. Write a concise summary that keeps what the rest of the conversation needs: the user's goals and constraints, decisions made, facts learned (file paths, names, commands, errors), what was done and what is still open. Plain text, no preamble."},
            {"role": "user", "content": format!("Summarise this conversation:\n\n{text}")},
        ]),
    );
    body
}

/// Ask the model for the summary of `body` ([`summary_request`]).
pub async fn summarize(llm: &LlmClient, body: Map<String, Value>) -> Result<String, CompactError> {
    use futures::StreamExt as _;
    let mut stream = std::pin::pin!(llm.stream(body).await?);
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        if let StreamEvent::Content(piece) = event? {
            text.push_str(&piece);
        }
    }
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(CompactError::Empty);
    }
    Ok(text)
}

/// The metadata of a compaction row covering through `through`.
pub fn metadata(through: Uuid, covered: usize, tokens_before: u64, auto: bool) -> Value {
    json!({
        "kind": KIND,
        "through": through,
        "covered": covered,
        "tokens_before": tokens_before,
        "auto": auto,
    })
}

/// Whether a failed request's error says the prompt does not fit the context
/// (llama-server's `exceed_context_size_error`, OpenAI's `context_length_exceeded`).
pub fn is_length_refusal(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    [
        "exceed_context_size_error",
        "exceeds the available context size",
        "context_length_exceeded",
        "maximum context length",
        "context window",
    ]
    .iter()
    .any(|m| e.contains(m))
}

/// What a turn refused for length says, and its notice's metadata.
pub fn overflow(size: Option<u32>) -> (String, Value) {
    let text = match size {
        Some(n) => format!(
            "The conversation no longer fits the model's context ({n} tokens). Compact it (/compact) and send again."
        ),
        None => "The conversation no longer fits the model's context. Compact it (/compact) and send again.".to_owned(),
    };
    (text, json!({"kind": OVERFLOW_KIND, "size": size}))
}

impl super::Engine {
    /// The request for a turn over `history`, made to fit the model's context
    /// (`size` tokens, from the server's `/props`):
    /// as built when it fits the owner's share of it, else with old tool
    /// outputs pruned, else with the older turns compacted into a summary (a
    /// compaction row is stored and shown). A model server that reports no
    /// context size, or a summary that fails, leaves the request as it can be.
    pub(super) async fn fit(
        &self,
        spec: &super::turn::TurnSpec,
        history: &[Message],
        system: &str,
        convo: Vec<Value>,
        tools: &[Value],
        size: Option<u32>,
    ) -> Vec<Value> {
        let Some(size) = size else {
            return convo;
        };
        // The owner's `chat.compact_threshold` (settings, read when the turn started).
        let budget = budget(size, spec.owner.compact_threshold);
        let before = estimate(&convo, tools);
        if before <= budget {
            return convo;
        }
        let mut pruned = convo;
        let n = prune_tool_outputs(&mut pruned, KEEP_USER_TURNS);
        if estimate(&pruned, tools) <= budget {
            tracing::info!(
                pruned = n,
                before,
                budget,
                "old tool outputs pruned to fit the context"
            );
            return pruned;
        }
        let cap = self.kit.settings.chat.tool_output_bytes;
        match self
            .compact(
                spec.session_id,
                spec.chat_id,
                &spec.model,
                history,
                true,
                Some(size),
            )
            .await
        {
            Ok(row) => {
                tracing::info!(before, budget, "older turns compacted to fit the context");
                let mut history = history.to_vec();
                history.push(row);
                let mut convo = super::context::build(Some(system), &history, cap);
                prune_tool_outputs(&mut convo, KEEP_USER_TURNS);
                convo
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot compact the conversation; sending it pruned");
                pruned
            }
        }
    }

    /// Compact `history` of a chat: summarise what lies between the last
    /// compaction and the last exchange, store the summary row (shown to the
    /// session's browsers) and return it.
    pub async fn compact(
        &self,
        session_id: Uuid,
        chat_id: Uuid,
        model: &str,
        history: &[Message],
        auto: bool,
        size: Option<u32>,
    ) -> Result<Message, CompactError> {
        let (earlier, from) = latest(history).map_or((None, 0), |(s, i)| (Some(s), i));
        let tail = split(history, KEEP_USER_TURNS).ok_or(CompactError::Nothing)?;
        if tail <= from {
            return Err(CompactError::Nothing);
        }
        let cap = self.kit.settings.chat.tool_output_bytes;
        let head = super::context::build(None, &history[from..tail], cap);
        if head.is_empty() {
            return Err(CompactError::Nothing);
        }
        // The summary request gets about half the context; the answer is bounded.
        let room = u64::from(size.unwrap_or(8192)) / 2;
        let body = summary_request(model, earlier, &head, room);
        let tokens_before = estimate(&head, &[]);
        let summary = summarize(&self.kit.llm, body).await?;
        let through = history[tail - 1].id;
        let meta = metadata(through, head.len(), tokens_before, auto);
        boo_shared::transcript::writer::post_notice(
            &self.pool, &self.hub, session_id, chat_id, &summary, meta,
        )
        .await
        .ok_or(CompactError::Store)
    }
}
