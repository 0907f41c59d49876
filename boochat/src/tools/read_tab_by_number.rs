//! `read_tab_by_number`: what one numbered tab of the session shows. A chat or an
//! agent chat gives its transcript (the newest messages, oldest first; who said
//! what, each tool call on a line of its own, results left out); a terminal gives
//! its screen, as `read_terminal` does. See [`super::workspace`] for what it may
//! reach.
//!
//! ```text
//! Tab 1: chat 6f9…; 2 messages, oldest first:
//!
//! user: what is in notes.txt?
//!
//! assistant (model): Let me read it.
//! - tool read_file {"path":"notes.txt"}
//! It says 42.
//! ```

use boo_shared::catalog::chats;
use boo_shared::chat::{Message, MessageStatus, PartKind, Role};
use boo_shared::transcript::store as messages;
use boo_shared::workspace::TabKind;
use serde::Deserialize;
use serde_json::{Value, json};

use super::workspace::{self, DEFAULT_LINES, MAX_LINES, SessionScope};
use super::{Tool, ToolContext, ToolError, ToolOutput, bounded, parse_args};
use crate::engine::context::is_sentinel;

/// Messages of a chat shown when the model does not say.
pub const DEFAULT_MESSAGES: usize = 50;
/// Most messages one read shows.
pub const MAX_MESSAGES: usize = 500;
/// A tool line shows at most this many characters of the arguments.
const ARGS_CHARS: usize = 200;

pub(crate) struct ReadTabByNumber;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    tab: u32,
    messages: Option<usize>,
    lines: Option<usize>,
}

#[async_trait::async_trait]
impl Tool for ReadTabByNumber {
    fn name(&self) -> &'static str {
        "read_tab_by_number"
    }

    fn description(&self) -> &'static str {
        "Read another tab of this workspace session by its tab number (the number the user \
         sees on the tab). A chat or agent chat tab returns its transcript: the newest \
         messages, oldest first, with who wrote each and the tool calls made; a terminal tab \
         returns its screen with some scrollback. Only the session's own tabs can be read."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "tab": { "type": "integer", "minimum": 1, "description": "The tab number." },
                "messages": { "type": "integer", "minimum": 1, "maximum": MAX_MESSAGES, "description": format!("For a chat: how many of its newest messages to show (default {DEFAULT_MESSAGES}).") },
                "lines": { "type": "integer", "minimum": 0, "maximum": MAX_LINES, "description": format!("For a terminal: lines of scrollback above the screen (default {DEFAULT_LINES}).") },
            },
            "required": ["tab"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let limit = bounded("messages", args.messages, DEFAULT_MESSAGES, 1, MAX_MESSAGES)?;
        let lines = bounded("lines", args.lines, DEFAULT_LINES, 0, MAX_LINES)?;
        let scope = workspace::scope(ctx, self.name())?;
        let tab = workspace::tab(scope, args.tab).await?;
        let text = match tab.kind {
            TabKind::Term => {
                workspace::terminal_screen(scope, tab.id, Some(args.tab), lines).await?
            }
            TabKind::Chat | TabKind::Coder => {
                chat_tab(scope, args.tab, tab.kind, tab.id, limit).await?
            }
        };
        Ok(ToolOutput::text(text))
    }
}

async fn chat_tab(
    scope: &SessionScope,
    number: u32,
    kind: TabKind,
    id: uuid::Uuid,
    limit: usize,
) -> Result<String, ToolError> {
    let failed = |e: boo_shared::store::StoreError| {
        ToolError::Failed(format!("cannot read the chat of tab {number}: {e}"))
    };
    let chat = chats::get(&scope.pool, id).await.map_err(failed)?;
    if chat.session_id != scope.session_id {
        // The layout only keeps the session's own chats; a chat moved away since.
        return Err(ToolError::Failed(format!(
            "tab {number} is not an open tab of this session"
        )));
    }
    let window = messages::window(
        &scope.pool,
        id,
        None,
        i64::try_from(limit).unwrap_or(i64::MAX),
    )
    .await
    .map_err(failed)?;
    let mut head = format!("Tab {number}: {} {id}", workspace::kind_label(kind));
    if let Some(title) = chat.title.as_deref().filter(|t| !t.is_empty()) {
        head.push_str(&format!(" {title:?}"));
    }
    if let Some(agent) = &chat.agent {
        head.push_str(&format!(", agent {agent}"));
    }
    if chat.busy {
        head.push_str(", a turn is running");
    }
    Ok(transcript(&head, &window.items, window.has_more))
}

/// `head`, then `shown` (oldest first) as text; `more`: older messages exist.
fn transcript(head: &str, shown: &[Message], more: bool) -> String {
    let blocks: Vec<String> = shown
        .iter()
        .filter(|m| !is_sentinel(m))
        .filter_map(block)
        .collect();
    let n = blocks.len();
    let count = match (n, more) {
        (0, false) => return format!("{head}; no messages yet"),
        (1, false) => "1 message".to_owned(),
        (n, false) => format!("{n} messages, oldest first"),
        (n, true) => format!(
            "the newest {n} message{}, oldest first (earlier ones left out: pass a larger \
             \"messages\", up to {MAX_MESSAGES}, to see more)",
            if n == 1 { "" } else { "s" }
        ),
    };
    let mut out = format!("{head}; {count}:\n");
    for b in blocks {
        out.push('\n');
        out.push_str(&b);
    }
    out
}

/// One message: `who: text`, tool calls on lines of their own where they happened.
fn block(m: &Message) -> Option<String> {
    let (speaker, mut tags) = match (m.role, m.agent.as_deref()) {
        (Role::User, _) => ("user", Vec::new()),
        (Role::Assistant, None) => ("assistant", vec!["model"]),
        (Role::Assistant, Some(a)) => ("assistant", vec![a]),
        (Role::System, _) => ("system", Vec::new()),
        (Role::Tool, _) => return None,
    };
    let state = match m.status {
        MessageStatus::Complete => None,
        MessageStatus::Queued => Some("queued"),
        MessageStatus::Streaming => Some("streaming"),
        MessageStatus::Cancelled => Some("cancelled"),
        MessageStatus::Failed => Some("failed"),
    };
    tags.extend(state);
    let who = if tags.is_empty() {
        speaker.to_owned()
    } else {
        format!("{speaker} ({})", tags.join(", "))
    };
    let mut lines: Vec<String> = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, lines: &mut Vec<String>| {
        let t = text.trim();
        if !t.is_empty() {
            lines.push(t.to_owned());
        }
        text.clear();
    };
    let mut any_part = false;
    for p in &m.parts {
        match p.kind {
            PartKind::Text => {
                any_part = true;
                text.push_str(p.content.as_deref().unwrap_or_default());
            }
            PartKind::ToolCall => {
                any_part = true;
                flush(&mut text, &mut lines);
                lines.push(tool_line(m, p));
            }
            PartKind::Reasoning | PartKind::ToolResult | PartKind::Plan => {}
        }
    }
    if any_part {
        flush(&mut text, &mut lines);
    } else {
        let t = m.content.trim();
        if !t.is_empty() {
            lines.push(t.to_owned());
        }
    }
    if let Some(e) = m.error.as_deref().filter(|e| !e.is_empty()) {
        lines.push(format!("[error: {e}]"));
    }
    if lines.is_empty() {
        return (state == Some("streaming")).then(|| format!("{who}: (nothing yet)\n"));
    }
    let body = lines.join("\n");
    Some(if body.starts_with("- tool ") {
        format!("{who}:\n{body}\n")
    } else {
        format!("{who}: {body}\n")
    })
}

/// `- tool NAME ARGS` (or `- tool NAME: TITLE` for an agent's call), marked
/// `(failed)` when its result was an error.
fn tool_line(m: &Message, call: &boo_shared::chat::Part) -> String {
    let name = one_line(call.tool_name.as_deref().unwrap_or("tool"));
    let title = call
        .metadata
        .as_ref()
        .and_then(|meta| meta.get("title"))
        .and_then(Value::as_str)
        .map(one_line)
        .filter(|t| !t.is_empty());
    let what = match title {
        Some(t) => format!("{name}: {}", cut(&t)),
        None => {
            let args = call
                .args
                .as_ref()
                .map_or_else(|| "{}".to_owned(), ToString::to_string);
            format!("{name} {}", cut(&one_line(&args)))
        }
    };
    let failed = m.parts.iter().any(|r| {
        r.kind == PartKind::ToolResult
            && r.call_id.is_some()
            && r.call_id == call.call_id
            && r.is_error
    });
    format!("- tool {what}{}", if failed { " (failed)" } else { "" })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most [`ARGS_CHARS`] characters, `…` when cut.
fn cut(s: &str) -> String {
    match s.char_indices().nth(ARGS_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::testing::{MemoryStore, context, error};
    use boo_shared::chat::{Part, Usage};
    use pretty_assertions::assert_eq;
    use uuid::Uuid;

    fn message(role: Role, status: MessageStatus, content: &str, parts: Vec<Part>) -> Message {
        Message {
            id: Uuid::nil(),
            chat_id: Uuid::nil(),
            seq: 0,
            role,
            status,
            content: content.to_owned(),
            metadata: json!({}),
            model: None,
            agent: None,
            usage: Usage::default(),
            error: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            finished_at: None,
            parts,
        }
    }

    fn part(kind: PartKind, call_id: Option<&str>) -> Part {
        Part {
            id: Uuid::nil(),
            ordinal: 0,
            kind,
            content: None,
            tool_name: None,
            call_id: call_id.map(str::to_owned),
            args: None,
            result: None,
            is_error: false,
            truncated: false,
            duration_ms: None,
            metadata: None,
        }
    }

    fn text(s: &str) -> Part {
        Part {
            content: Some(s.to_owned()),
            ..part(PartKind::Text, None)
        }
    }

    fn call(id: &str, name: &str, args: Value) -> Part {
        Part {
            tool_name: Some(name.to_owned()),
            args: Some(args),
            ..part(PartKind::ToolCall, Some(id))
        }
    }

    fn result(id: &str, is_error: bool) -> Part {
        Part {
            result: Some("…".to_owned()),
            is_error,
            ..part(PartKind::ToolResult, Some(id))
        }
    }

    #[test]
    fn a_transcript_shows_speakers_text_and_tool_lines_where_they_happened() {
        let user = message(
            Role::User,
            MessageStatus::Complete,
            "what is in notes.txt?",
            vec![],
        );
        let model = message(
            Role::Assistant,
            MessageStatus::Complete,
            "Let me read it.It says 42.",
            vec![
                text("Let me read it."),
                call("c1", "read_file", json!({"path": "notes.txt"})),
                result("c1", false),
                part(PartKind::Reasoning, None),
                call("c2", "grep", json!({"pattern": "a\n  b"})),
                result("c2", true),
                text("It says 42."),
            ],
        );
        let mut agent_call = call("t1", "read", json!({"path": "x"}));
        agent_call.metadata = Some(json!({"title": "Read  src/x.rs"}));
        let agent = Message {
            agent: Some("opencode".into()),
            ..message(Role::Assistant, MessageStatus::Failed, "", vec![agent_call])
        };
        let agent = Message {
            error: Some("agent crashed".into()),
            ..agent
        };
        let sentinel = Message {
            metadata: json!({"kind": "cap_hit", "limit": 2}),
            ..message(
                Role::System,
                MessageStatus::Complete,
                "Stopped after 2 tool calls",
                vec![],
            )
        };
        let queued = message(Role::User, MessageStatus::Queued, "and then?", vec![]);
        let streaming = message(Role::Assistant, MessageStatus::Streaming, "", vec![]);
        let all = [user, model, agent, sentinel, queued, streaming];
        assert_eq!(
            transcript("Tab 1: chat X", &all, false),
            "Tab 1: chat X; 5 messages, oldest first:\n\
             \n\
             user: what is in notes.txt?\n\
             \n\
             assistant (model): Let me read it.\n\
             - tool read_file {\"path\":\"notes.txt\"}\n\
             - tool grep {\"pattern\":\"a\\n b\"} (failed)\n\
             It says 42.\n\
             \n\
             assistant (opencode, failed):\n\
             - tool read: Read src/x.rs\n\
             [error: agent crashed]\n\
             \n\
             user (queued): and then?\n\
             \n\
             assistant (model, streaming): (nothing yet)\n"
        );
        assert_eq!(
            transcript("Tab 2: chat Y", &all[..1], true),
            "Tab 2: chat Y; the newest 1 message, oldest first (earlier ones left out: pass \
             a larger \"messages\", up to 500, to see more):\n\nuser: what is in notes.txt?\n"
        );
        assert_eq!(
            transcript("Tab 3: chat Z", &all[3..4], false),
            "Tab 3: chat Z; no messages yet"
        );
    }

    #[test]
    fn long_arguments_are_cut() {
        let long = "x".repeat(300);
        let m = message(
            Role::Assistant,
            MessageStatus::Complete,
            "",
            vec![call("c1", "grep", json!({ "pattern": long }))],
        );
        let line = tool_line(&m, &m.parts[0]);
        assert_eq!(line.chars().count(), "- tool grep ".len() + ARGS_CHARS + 1);
        assert!(line.ends_with("xx…"), "{line}");
    }

    #[tokio::test]
    async fn arguments_are_checked_before_anything_is_read() {
        let (_dir, ctx) = context(MemoryStore::default());
        let cases = [
            (
                json!({}),
                "invalid arguments for read_tab_by_number: missing field `tab`",
            ),
            (
                json!({"tab": 1, "messages": 0}),
                "messages: 0 is out of range (1..=500)",
            ),
            (
                json!({"tab": 1, "lines": 5000}),
                "lines: 5000 is out of range (0..=2000)",
            ),
            (
                json!({"tab": 1}),
                "read_tab_by_number reads the tabs of a workspace session; this conversation has none",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "read_tab_by_number", args).await, want);
        }
    }
}
