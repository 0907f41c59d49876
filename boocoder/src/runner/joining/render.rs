//! The first prompt of an agent that joins a chat mid-way, as pure functions.
//!
//! [`before_prompt`] picks what the agent did not see: the chat's messages up to
//! (not including) the user message that *is* this turn's prompt, without the
//! agent's own turns. [`render`] writes them as plain text above the prompt:
//!
//! ```text
//! Earlier in this chat (before you joined):
//! [2 earlier messages left out]
//!
//! user: what does parse() return?
//!
//! assistant (model): A list of commands.
//! - tool read_file {"path":"src/script.rs"}
//!
//! ---
//!
//! <the prompt>
//! ```
//!
//! Each message is its speaker (`user`, `assistant (model)` for the plain chat
//! model, `assistant (<agent>)` for another agent) and its visible text; each tool
//! exchange is one line, its name and arguments cut to [`ARGS_CHARS`] (results are
//! left out). The block above the separator stays within a byte budget: the newest
//! messages are kept, the oldest whole messages dropped (and counted in the
//! bracketed line); a newest message that alone is over the budget keeps its head,
//! cut at a char boundary. The separator and the prompt are not counted.

use boo_proto::chat::v1::TranscriptMessage;
use boo_shared::chat::{Message, PartKind, Role};

/// The first line of the history block.
pub const HEADER: &str = "Earlier in this chat (before you joined):\n";
/// The first line of the history block for an agent whose earlier session could
/// not be picked up again (its own turns included).
pub const RESTART_HEADER: &str =
    "Earlier in this chat (your previous session could not be resumed):\n";
/// Between the history block and the prompt.
pub const SEPARATOR: &str = "\n---\n\n";
/// A tool line shows at most this many characters of the arguments.
pub const ARGS_CHARS: usize = 120;
/// Ends text that was cut to fit.
const CUT: &str = "…\n";

/// Who wrote an earlier message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Speaker {
    User,
    /// The plain chat model (boochat).
    Model,
    /// An agent (boocoder), by provider id.
    Agent(String),
}

/// One tool exchange of an earlier message: what was called, not what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolLine {
    pub name: String,
    /// The arguments as JSON text.
    pub args: String,
    pub failed: bool,
}

/// One earlier message as the joining agent is shown it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Earlier {
    pub speaker: Speaker,
    pub text: String,
    pub tools: Vec<ToolLine>,
}

fn speaker(role: Role, agent: Option<&str>) -> Option<Speaker> {
    match (role, agent) {
        (Role::User, _) => Some(Speaker::User),
        (Role::Assistant, None) => Some(Speaker::Model),
        (Role::Assistant, Some(a)) => Some(Speaker::Agent(a.to_owned())),
        // System rows are sentinels or instructions, not turns; tool results live
        // in parts.
        (Role::System | Role::Tool, _) => None,
    }
}

impl Earlier {
    /// A message of boochat's `GetTranscript`; `None` for roles that are not turns.
    pub fn from_proto(m: TranscriptMessage) -> Option<Self> {
        let role = match m.role.as_str() {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            _ => return None,
        };
        let agent = (!m.agent.is_empty()).then_some(m.agent.as_str());
        Some(Self {
            speaker: speaker(role, agent)?,
            tools: m
                .tool_calls
                .into_iter()
                .map(|t| ToolLine {
                    name: t.name,
                    args: t.arguments_json,
                    failed: t.is_error,
                })
                .collect(),
            text: m.content,
        })
    }

    /// A stored message (the database fallback); `None` for roles that are not turns.
    pub fn from_message(m: &Message) -> Option<Self> {
        let mut tools: Vec<(Option<&str>, ToolLine)> = Vec::new();
        for p in &m.parts {
            match p.kind {
                PartKind::ToolCall => tools.push((
                    p.call_id.as_deref(),
                    ToolLine {
                        name: p.tool_name.clone().unwrap_or_default(),
                        args: p
                            .args
                            .as_ref()
                            .map_or_else(|| "{}".to_owned(), ToString::to_string),
                        failed: false,
                    },
                )),
                PartKind::ToolResult => {
                    if let Some((_, t)) = tools
                        .iter_mut()
                        .find(|(id, _)| id.is_some() && *id == p.call_id.as_deref())
                    {
                        t.failed = p.is_error;
                    }
                }
                _ => {}
            }
        }
        Some(Self {
            speaker: speaker(m.role, m.agent.as_deref())?,
            text: m.content.clone(),
            tools: tools.into_iter().map(|(_, t)| t).collect(),
        })
    }
}

/// What the joining `agent` has not seen of `turns` (a chat's messages, oldest
/// first): everything before the user message that is this turn's `prompt`, minus
/// `agent`'s own turns. That user message is the first of the trailing run of
/// user messages with the prompt's text (later ones are queued turns not answered
/// yet); when none matches, every message counts as earlier.
pub fn before_prompt(turns: Vec<Earlier>, prompt: &str, agent: &str) -> Vec<Earlier> {
    let mut turns = up_to_prompt(turns, prompt);
    turns.retain(|t| !matches!(&t.speaker, Speaker::Agent(a) if a == agent));
    turns
}

/// Like [`before_prompt`], the agent's own turns included (it lost its session).
pub fn up_to_prompt(mut turns: Vec<Earlier>, prompt: &str) -> Vec<Earlier> {
    let unanswered = turns
        .iter()
        .rposition(|t| t.speaker != Speaker::User)
        .map_or(0, |i| i + 1);
    if let Some(at) = turns[unanswered..]
        .iter()
        .position(|t| t.text == prompt)
        .map(|i| unanswered + i)
    {
        turns.truncate(at);
    }
    turns
}

/// The prompt an agent joining the chat receives: `earlier` (oldest first) within
/// `budget` bytes, then `prompt`. Nothing earlier to show: `prompt` as it is.
pub fn render(earlier: &[Earlier], prompt: &str, budget: usize) -> String {
    render_under(HEADER, earlier, prompt, budget)
}

/// [`render`] with another first line.
pub fn render_under(header: &str, earlier: &[Earlier], prompt: &str, budget: usize) -> String {
    let blocks: Vec<String> = earlier.iter().filter_map(block).collect();
    if blocks.is_empty() {
        return prompt.to_owned();
    }
    let mut room = budget.saturating_sub(header.len() + left_out(blocks.len()).len());
    let mut kept: Vec<&str> = Vec::new();
    let mut cut_newest = String::new();
    for b in blocks.iter().rev() {
        if b.len() <= room {
            room -= b.len();
            kept.push(b);
            continue;
        }
        if kept.is_empty() && room > CUT.len() {
            cut_newest = format!("{}{CUT}", head(b, room - CUT.len()));
        }
        break;
    }
    let mut out = String::from(header);
    let shown = kept.len() + usize::from(!cut_newest.is_empty());
    if shown < blocks.len() {
        out.push_str(&left_out(blocks.len() - shown));
    }
    out.push_str(&cut_newest);
    for b in kept.iter().rev() {
        out.push_str(b);
    }
    out.push_str(SEPARATOR);
    out.push_str(prompt);
    out
}

/// The bracketed line that counts the dropped messages.
fn left_out(n: usize) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("[{n} earlier message{s} left out]\n")
}

/// One message as text (a blank line before it); `None` when it says nothing.
fn block(m: &Earlier) -> Option<String> {
    let text = m.text.trim();
    if text.is_empty() && m.tools.is_empty() {
        return None;
    }
    let who = match &m.speaker {
        Speaker::User => "user".to_owned(),
        Speaker::Model => "assistant (model)".to_owned(),
        Speaker::Agent(a) => format!("assistant ({a})"),
    };
    let mut out = if text.is_empty() {
        format!("\n{who}:\n")
    } else {
        format!("\n{who}: {text}\n")
    };
    for t in &m.tools {
        let args = one_line(&t.args);
        let args = match args.char_indices().nth(ARGS_CHARS) {
            Some((i, _)) => format!("{}…", &args[..i]),
            None => args,
        };
        let failed = if t.failed { " (failed)" } else { "" };
        out.push_str(&format!("- tool {}{failed} {args}\n", one_line(&t.name)));
    }
    Some(out)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The longest prefix of `s` of at most `max` bytes that ends at a char boundary.
fn head(s: &str, max: usize) -> &str {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

#[cfg(test)]
mod tests {
    use super::*;
    use boo_proto::chat::v1::ToolExchange;
    use boo_shared::chat::Part;
    use pretty_assertions::assert_eq;
    use uuid::Uuid;

    fn user(text: &str) -> Earlier {
        Earlier {
            speaker: Speaker::User,
            text: text.into(),
            tools: vec![],
        }
    }

    fn model(text: &str) -> Earlier {
        Earlier {
            speaker: Speaker::Model,
            text: text.into(),
            tools: vec![],
        }
    }

    fn agent(name: &str, text: &str) -> Earlier {
        Earlier {
            speaker: Speaker::Agent(name.into()),
            text: text.into(),
            tools: vec![],
        }
    }

    #[test]
    fn nothing_earlier_is_the_bare_prompt() {
        assert_eq!(render(&[], "fix it", 1000), "fix it");
        assert_eq!(render(&[model("  \n")], "fix it", 1000), "fix it");
    }

    #[test]
    fn speakers_text_and_tool_lines() {
        let mut m = model("Let me look.");
        m.tools = vec![
            ToolLine {
                name: "read_file".into(),
                args: "{\"path\":\"src/a.rs\"}".into(),
                failed: false,
            },
            ToolLine {
                name: "grep".into(),
                args: format!("{{\"pattern\":\"{}\"}}", "x".repeat(200)),
                failed: true,
            },
        ];
        let mut silent = agent("claude", "");
        silent.tools = vec![ToolLine {
            name: "run".into(),
            args: "{\n  \"cmd\": \"ls\"\n}".into(),
            failed: false,
        }];
        let got = render(
            &[user("what is in a.rs?\nand b?"), m, silent],
            "say hi",
            10_000,
        );
        let long = format!("{{\"pattern\":\"{}…", "x".repeat(ARGS_CHARS - 12));
        assert_eq!(
            got,
            format!(
                "Earlier in this chat (before you joined):\n\
                 \n\
                 user: what is in a.rs?\nand b?\n\
                 \n\
                 assistant (model): Let me look.\n\
                 - tool read_file {{\"path\":\"src/a.rs\"}}\n\
                 - tool grep (failed) {long}\n\
                 \n\
                 assistant (claude):\n\
                 - tool run {{ \"cmd\": \"ls\" }}\n\
                 \n\
                 ---\n\
                 \n\
                 say hi"
            )
        );
    }

    #[test]
    fn over_budget_the_oldest_whole_messages_go_first() {
        let turns = [user("one"), model("two"), user("three"), model("four")];
        // Header 42 + note 30 + "\nuser: three\n" 13 + "\nassistant (model): four\n" 25.
        let got = render(&turns, "P", 42 + 30 + 13 + 25);
        assert_eq!(
            got,
            "Earlier in this chat (before you joined):\n\
             [2 earlier messages left out]\n\
             \n\
             user: three\n\
             \n\
             assistant (model): four\n\
             \n---\n\nP"
        );
        let block_part = got.split(SEPARATOR).next().unwrap();
        assert_eq!(block_part.len(), 42 + 30 + 13 + 25, "exactly the budget");
        // One byte less: "three" no longer fits, and nothing older is tried.
        assert_eq!(
            render(&turns, "P", 42 + 30 + 13 + 24),
            "Earlier in this chat (before you joined):\n\
             [3 earlier messages left out]\n\
             \n\
             assistant (model): four\n\
             \n---\n\nP"
        );
    }

    #[test]
    fn a_newest_message_over_the_budget_keeps_its_head_cut_at_a_char_boundary() {
        // "\nuser: " is 7 bytes, then 2-byte 'é's; room for the block is 20 - "…\n" (4).
        let turns = [user("old"), user(&"é".repeat(50))];
        let budget = HEADER.len() + "[2 earlier messages left out]\n".len() + 20;
        let got = render(&turns, "P", budget);
        assert_eq!(
            got,
            format!(
                "Earlier in this chat (before you joined):\n\
                 [1 earlier message left out]\n\
                 \n\
                 user: {}…\n\
                 \n---\n\nP",
                "é".repeat(4)
            )
        );
        assert!(got.split(SEPARATOR).next().unwrap().len() <= budget);
        // No room at all: only the count.
        assert_eq!(
            render(&turns, "P", 0),
            "Earlier in this chat (before you joined):\n\
             [2 earlier messages left out]\n\
             \n---\n\nP"
        );
    }

    #[test]
    fn the_prompt_itself_queued_turns_and_the_agents_own_turns_are_not_earlier() {
        let turns = vec![
            user("hello"),
            model("hi"),
            agent("fake", "mine"),
            agent("codex", "theirs"),
            user("go"),
            user("later, queued"),
        ];
        assert_eq!(
            before_prompt(turns.clone(), "go", "fake"),
            vec![user("hello"), model("hi"), agent("codex", "theirs")]
        );
        // The same text asked twice in a row: the first unanswered one is this turn.
        let twice = vec![model("hi"), user("go"), user("go")];
        assert_eq!(before_prompt(twice, "go", "fake"), vec![model("hi")]);
        // An earlier, answered "hello" is history, not the prompt.
        assert_eq!(
            before_prompt(turns[..2].to_vec(), "hello", "fake"),
            vec![user("hello"), model("hi")]
        );
    }

    #[test]
    fn from_a_transcript_message_results_are_left_out() {
        let m = TranscriptMessage {
            role: "assistant".into(),
            content: "done".into(),
            agent: String::new(),
            tool_calls: vec![ToolExchange {
                call_id: "c1".into(),
                name: "grep".into(),
                arguments_json: "{}".into(),
                result: "a very long result nobody needs".into(),
                is_error: true,
            }],
            ..Default::default()
        };
        let want = Earlier {
            speaker: Speaker::Model,
            text: "done".into(),
            tools: vec![ToolLine {
                name: "grep".into(),
                args: "{}".into(),
                failed: true,
            }],
        };
        assert_eq!(Earlier::from_proto(m), Some(want));
        let system = TranscriptMessage {
            role: "system".into(),
            ..Default::default()
        };
        assert_eq!(Earlier::from_proto(system), None);
    }

    fn part(kind: PartKind, call_id: &str) -> Part {
        Part {
            id: Uuid::nil(),
            ordinal: 0,
            kind,
            content: None,
            tool_name: Some("run".into()),
            call_id: Some(call_id.into()),
            args: None,
            result: None,
            is_error: false,
            truncated: false,
            duration_ms: None,
            metadata: None,
        }
    }

    #[test]
    fn from_a_stored_message_tool_calls_pair_with_their_results() {
        let mut ok = part(PartKind::ToolCall, "a");
        ok.args = Some(serde_json::json!({"cmd": "ls"}));
        let mut bad_result = part(PartKind::ToolResult, "b");
        bad_result.is_error = true;
        bad_result.result = Some("exit 1: a long output".into());
        let m = Message {
            id: Uuid::nil(),
            chat_id: Uuid::nil(),
            seq: 1,
            role: Role::Assistant,
            status: boo_shared::chat::MessageStatus::Cancelled,
            content: "partial".into(),
            metadata: serde_json::json!({}),
            model: None,
            agent: Some("codex".into()),
            usage: boo_shared::chat::Usage::default(),
            error: None,
            created_at: chrono::Utc::now(),
            finished_at: None,
            parts: vec![ok, part(PartKind::ToolCall, "b"), bad_result],
        };
        assert_eq!(
            Earlier::from_message(&m),
            Some(Earlier {
                speaker: Speaker::Agent("codex".into()),
                text: "partial".into(),
                tools: vec![
                    ToolLine {
                        name: "run".into(),
                        args: "{\"cmd\":\"ls\"}".into(),
                        failed: false,
                    },
                    ToolLine {
                        name: "run".into(),
                        args: "{}".into(),
                        failed: true,
                    },
                ],
            })
        );
        let sentinel = Message {
            role: Role::System,
            ..m
        };
        assert_eq!(Earlier::from_message(&sentinel), None);
    }
}
