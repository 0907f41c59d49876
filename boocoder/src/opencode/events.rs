//! opencode 1.x event JSON → [`Mapped`]: what one opencode session's events mean
//! for a running turn, in the vocabulary the ACP runner already speaks
//! ([`AgentEvent`]).
//!
//! Pure: a [`SessionMapper`] keeps only what deduplication needs (the text
//! emitted per part, the user messages, the tool call snapshots) and never does
//! I/O. Events of other sessions map to [`Mapped::Ignore`]; routing them is the
//! demultiplexer's business ([`session_of`]). A sub-agent's session (the `task`
//! tool's child, announced by a `session.created` whose `parentID` is followed)
//! is followed too: its tool calls, requests and usage count for the turn.
//!
//! Text and reasoning arrive twice in opencode 1.18.33: as `message.part.delta`
//! pieces (field `text`) after a `message.part.updated` that announces the part
//! with empty text, and again as a final `message.part.updated` carrying the whole
//! text. The mapper remembers what it emitted per part id and emits only the
//! part of a full text that extends it, so every character reaches the turn
//! exactly once (and a delta of a part never announced is dropped: the final
//! update delivers it). The user's own message comes back as a text part too; it
//! is recognised by its `message.updated` (role `user`) and skipped.
//!
//! A later opencode 2.x mapper (its `/api/...` routes, `session.next.*` events)
//! sits beside this module; 1.18.33 does not send `session.next.*` on `/event`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::acp::{AgentEvent, ToolCallSnapshot};

#[cfg(test)]
pub(crate) mod tests;
mod tools;

/// What one opencode event means for the turn of its session.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // like AgentEvent: tool calls are the common case
pub enum Mapped {
    /// Something to stream into the turn (text, reasoning, a tool call, the plan).
    Agent(AgentEvent),
    /// `permission.asked`: a tool waits for the owner's answer
    /// (`POST /permission/{id}/reply`).
    Permission(PermissionAsk),
    /// `question.asked`: the `question` tool waits for answers
    /// (`POST /question/{id}/reply` or `/reject`).
    Question(QuestionAsk),
    /// `permission.replied`, `question.replied`, `question.rejected`: the request
    /// with this id is answered (maybe by another client); drop it from the UI.
    Settled(String),
    /// A `step-finish` part: the tokens and cost of one model call. A turn with
    /// tool calls has several; sum them.
    StepUsage(StepUsage),
    /// `session.idle`: the session's loop stopped (the turn ended, however).
    Idle,
    /// `session.error` with `MessageAbortedError`: the turn was aborted.
    Aborted,
    /// `session.error` with any other error, as `Name: message`.
    Error(String),
    /// Nothing for the turn (other sessions, statuses, echoes, duplicates).
    Ignore,
}

/// A tool's request for permission (`permission.asked`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PermissionAsk {
    /// `per_…`: the id to reply to.
    pub id: String,
    /// The session asking (`sessionID`): the turn's own, or a sub-agent's.
    #[serde(default)]
    pub session: String,
    /// What is asked for: the tool's permission key (`bash`, `edit`, `webfetch`, …).
    pub permission: String,
    /// What exactly (for `bash`, the command).
    pub patterns: Vec<String>,
    /// The patterns an `always` reply would allow from now on.
    pub always: Vec<String>,
    /// Tool-specific details (for `bash`: `{"command": …}`).
    pub metadata: Value,
    /// The tool call asking (its `callID`), when a tool asks.
    pub tool_call_id: Option<String>,
    /// The snapshot of that tool call as known when the request came.
    pub tool_call: Option<ToolCallSnapshot>,
}

/// The `question` tool's request (`question.asked`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionAsk {
    /// `que_…`: the id to reply to.
    pub id: String,
    /// The session asking (`sessionID`).
    #[serde(default)]
    pub session: String,
    pub questions: Vec<Question>,
    /// The tool call asking (its `callID`).
    pub tool_call_id: Option<String>,
}

/// One question; the reply gives, per question in order, the labels chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub question: String,
    /// A very short label (at most 30 characters).
    pub header: String,
    pub options: Vec<QuestionOption>,
    /// Several options may be chosen.
    #[serde(default)]
    pub multiple: bool,
    /// A typed answer is allowed besides the options (opencode's default: yes).
    #[serde(default)]
    pub custom: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionOption {
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// Tokens and cost of one model call, normalised: `input` folds in the cache
/// reads and writes (what the provider billed as context), `output` folds in the
/// reasoning tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepUsage {
    pub input: u64,
    pub output: u64,
    /// In the provider's currency (USD for the catalogue's models; 0 when unknown).
    pub cost: f64,
}

impl StepUsage {
    /// The sum of two steps.
    #[must_use]
    pub fn plus(self, other: StepUsage) -> StepUsage {
        StepUsage {
            input: self.input + other.input,
            output: self.output + other.output,
            cost: self.cost + other.cost,
        }
    }
}

/// The opencode session an event belongs to (`properties.sessionID`, or the
/// session of the message or part it carries); `None` for server-wide events
/// (`server.connected`, `server.heartbeat`, `project.updated`, …).
pub fn session_of(event: &Value) -> Option<&str> {
    let p = event.get("properties")?;
    p.get("sessionID")
        .or_else(|| p.get("info").and_then(|i| i.get("sessionID")))
        .or_else(|| p.get("part").and_then(|i| i.get("sessionID")))
        .and_then(Value::as_str)
}

/// The parent of the session a `session.created` / `session.updated` event
/// describes (`properties.info.parentID`): set for a sub-agent's session.
pub fn parent_of(event: &Value) -> Option<&str> {
    if !matches!(event_type(event), "session.created" | "session.updated") {
        return None;
    }
    event
        .get("properties")?
        .get("info")?
        .get("parentID")?
        .as_str()
}

/// The `type` of an event (`""` when it has none).
pub fn event_type(event: &Value) -> &str {
    event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether a text/reasoning part streams answer text or reasoning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Text,
    Reasoning,
}

/// Per part id: what kind of text it is and what was emitted of it so far.
#[derive(Debug)]
struct PartText {
    stream: Stream,
    emitted: String,
    /// False after a catch-up: the final update completes the part instead.
    deltas: bool,
}

/// The mapper of one opencode session: feed it every event of the session in
/// order, across turns (it is cheap; call [`SessionMapper::forget_parts`]
/// between turns to bound its memory in long sessions).
#[derive(Debug)]
pub struct SessionMapper {
    session: String,
    user_messages: HashSet<String>,
    parts: HashMap<String, PartText>,
    /// Tool call snapshots by `callID`.
    tools: HashMap<String, ToolCallSnapshot>,
    /// `step-finish` parts already counted.
    steps: HashSet<String>,
    /// The assistant message that produced the last streamed event.
    last_assistant: Option<String>,
    /// Sub-agent sessions (the `task` tool's children, and theirs), whose
    /// events the server's stream routes here too ([`parent_of`]).
    children: HashSet<String>,
}

impl SessionMapper {
    /// A mapper for the opencode session `session` (`ses_…`).
    pub fn new(session: impl Into<String>) -> Self {
        Self {
            session: session.into(),
            user_messages: HashSet::new(),
            parts: HashMap::new(),
            tools: HashMap::new(),
            steps: HashSet::new(),
            last_assistant: None,
            children: HashSet::new(),
        }
    }

    /// The opencode session this mapper follows.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The assistant message (`msg_…`) whose part was mapped last: the message of
    /// the turn in flight, which [`super::guard::TurnGuard::arm`] wants on abort.
    pub fn last_assistant_message(&self) -> Option<&str> {
        self.last_assistant.as_deref()
    }

    /// Drop the per-part bookkeeping of finished turns (text, tool calls, steps).
    /// User message ids are kept: their parts may still be echoed.
    pub fn forget_parts(&mut self) {
        self.parts.clear();
        self.tools.clear();
        self.steps.clear();
    }

    /// Whether `session` is this mapper's session or one of its sub-agents'.
    pub fn follows(&self, session: &str) -> bool {
        session == self.session || self.children.contains(session)
    }

    /// Map one event (the bare event object, not the `/global/event` envelope).
    pub fn map(&mut self, event: &Value) -> Mapped {
        let Some(session) = session_of(event) else {
            return Mapped::Ignore;
        };
        if session != self.session {
            if let Some(parent) = parent_of(event)
                && self.follows(parent)
            {
                self.children.insert(session.to_owned());
                return Mapped::Ignore;
            }
            if self.children.contains(session) {
                return self.child(event);
            }
            return Mapped::Ignore;
        }
        let Some(p) = event.get("properties") else {
            return Mapped::Ignore;
        };
        match event_type(event) {
            "message.updated" => {
                self.note_message(p);
                Mapped::Ignore
            }
            "message.part.updated" => p.get("part").map_or(Mapped::Ignore, |part| self.part(part)),
            "message.part.delta" => self.delta(p),
            "todo.updated" => Mapped::Agent(AgentEvent::Plan(plan_entries(p))),
            "permission.asked" => self.permission(p),
            "question.asked" => question_ask(p).map_or(Mapped::Ignore, Mapped::Question),
            "permission.replied" | "question.replied" | "question.rejected" => p
                .get("requestID")
                .and_then(Value::as_str)
                .map_or(Mapped::Ignore, |id| Mapped::Settled(id.to_owned())),
            "session.idle" => Mapped::Idle,
            "session.error" => session_error(p),
            _ => Mapped::Ignore,
        }
    }

    /// An event of a sub-agent's session: its tool calls show in the turn (the
    /// owner sees what it does), its permission requests and questions are the
    /// owner's to answer like the parent's, its steps' usage counts; its text and
    /// its idle/error are its parent's business (the `task` tool's result).
    fn child(&mut self, event: &Value) -> Mapped {
        let Some(p) = event.get("properties") else {
            return Mapped::Ignore;
        };
        match event_type(event) {
            "message.part.updated" => {
                let Some(part) = p.get("part") else {
                    return Mapped::Ignore;
                };
                match part.get("type").and_then(Value::as_str) {
                    Some("tool") => self.tool(part),
                    Some("step-finish") => {
                        let id = part.get("id").and_then(Value::as_str).unwrap_or_default();
                        if self.steps.insert(id.to_owned()) {
                            Mapped::StepUsage(step_usage(part))
                        } else {
                            Mapped::Ignore
                        }
                    }
                    _ => Mapped::Ignore,
                }
            }
            "permission.asked" => self.permission(p),
            "question.asked" => question_ask(p).map_or(Mapped::Ignore, Mapped::Question),
            "permission.replied" | "question.replied" | "question.rejected" => p
                .get("requestID")
                .and_then(Value::as_str)
                .map_or(Mapped::Ignore, |id| Mapped::Settled(id.to_owned())),
            _ => Mapped::Ignore,
        }
    }

    fn note_message(&mut self, p: &Value) {
        let Some(info) = p.get("info") else { return };
        if info.get("role").and_then(Value::as_str) == Some("user")
            && let Some(id) = info.get("id").and_then(Value::as_str)
        {
            self.user_messages.insert(id.to_owned());
        }
    }

    fn part(&mut self, part: &Value) -> Mapped {
        let s = |k: &str| part.get(k).and_then(Value::as_str).unwrap_or_default();
        let (id, message) = (s("id"), s("messageID"));
        if self.user_messages.contains(message) {
            return Mapped::Ignore;
        }
        let mapped = match s("type") {
            "text" | "reasoning"
                if part.get("synthetic").and_then(Value::as_bool) == Some(true)
                    || part.get("ignored").and_then(Value::as_bool) == Some(true) =>
            {
                Mapped::Ignore
            }
            "text" => self.full_text(id, Stream::Text, s("text")),
            "reasoning" => self.full_text(id, Stream::Reasoning, s("text")),
            "tool" => self.tool(part),
            "step-finish" => {
                if self.steps.insert(id.to_owned()) {
                    Mapped::StepUsage(step_usage(part))
                } else {
                    Mapped::Ignore
                }
            }
            _ => Mapped::Ignore,
        };
        if !message.is_empty() && mapped != Mapped::Ignore {
            self.last_assistant = Some(message.to_owned());
        }
        mapped
    }

    /// A part's whole text so far: emit what extends what was emitted.
    fn full_text(&mut self, id: &str, stream: Stream, text: &str) -> Mapped {
        let entry = self.parts.entry(id.to_owned()).or_insert(PartText {
            stream,
            emitted: String::new(),
            deltas: true,
        });
        let fresh = match text.strip_prefix(entry.emitted.as_str()) {
            Some(rest) => rest.to_owned(),
            // Rewritten text (never seen from 1.18.33): what was streamed stays.
            None => String::new(),
        };
        if text.len() > entry.emitted.len() {
            entry.emitted = text.to_owned();
        }
        piece(stream, fresh)
    }

    fn delta(&mut self, p: &Value) -> Mapped {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
        if s("field") != "text" {
            return Mapped::Ignore;
        }
        let Some(entry) = self.parts.get_mut(s("partID")).filter(|e| e.deltas) else {
            return Mapped::Ignore;
        };
        let delta = s("delta");
        entry.emitted.push_str(delta);
        let stream = entry.stream;
        let mapped = piece(stream, delta.to_owned());
        if mapped != Mapped::Ignore {
            self.last_assistant = Some(s("messageID").to_owned());
        }
        mapped
    }

    fn tool(&mut self, part: &Value) -> Mapped {
        let Some(call_id) = part.get("callID").and_then(Value::as_str) else {
            return Mapped::Ignore;
        };
        let snap = self
            .tools
            .entry(call_id.to_owned())
            .or_insert_with(|| tools::fresh(call_id));
        let before = snap.clone();
        tools::apply(snap, part);
        if *snap == before {
            // A repeat (a running `bash` whose output did not grow yet).
            return Mapped::Ignore;
        }
        Mapped::Agent(AgentEvent::ToolCall(snap.clone()))
    }

    fn permission(&self, p: &Value) -> Mapped {
        match permission_ask(p) {
            Some(mut ask) => {
                ask.tool_call = ask
                    .tool_call_id
                    .as_ref()
                    .and_then(|c| self.tools.get(c))
                    .cloned();
                Mapped::Permission(ask)
            }
            None => Mapped::Ignore,
        }
    }

    /// Map a message fetched after the event stream was down
    /// (`GET /session/{id}/message`): its parts as if they had just been
    /// updated, so only what was missed is emitted. Deltas of its text parts
    /// are ignored from now on (those already queued are in the fetched text);
    /// each part's final update brings the rest.
    pub fn catch_up(&mut self, info: &Value, parts: &[Value]) -> Vec<Mapped> {
        let role = info.get("role").and_then(Value::as_str);
        if role == Some("user") {
            if let Some(id) = info.get("id").and_then(Value::as_str) {
                self.user_messages.insert(id.to_owned());
            }
            return Vec::new();
        }
        let mut out = Vec::new();
        for part in parts {
            let mapped = self.part(part);
            if let Some(entry) = part
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| self.parts.get_mut(id))
            {
                entry.deltas = false;
            }
            if mapped != Mapped::Ignore {
                out.push(mapped);
            }
        }
        out
    }
}

/// A `permission.asked` event's properties, or an entry of `GET /permission`,
/// as a [`PermissionAsk`] (without the tool call snapshot, which only a mapper knows).
pub fn permission_ask(p: &Value) -> Option<PermissionAsk> {
    let id = p.get("id").and_then(Value::as_str)?;
    let strings = |k: &str| -> Vec<String> {
        p.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let session = p
        .get("sessionID")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(PermissionAsk {
        id: id.to_owned(),
        session,
        permission: p
            .get("permission")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        patterns: strings("patterns"),
        always: strings("always"),
        metadata: p.get("metadata").cloned().unwrap_or(Value::Null),
        tool_call_id: p
            .get("tool")
            .and_then(|t| t.get("callID"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        tool_call: None,
    })
}

/// A `question.asked` event's properties, or an entry of `GET /question`, as a
/// [`QuestionAsk`].
pub fn question_ask(p: &Value) -> Option<QuestionAsk> {
    let id = p.get("id").and_then(Value::as_str)?;
    let questions = p
        .get("questions")
        .cloned()
        .and_then(|q| serde_json::from_value(q).ok())
        .unwrap_or_default();
    Some(QuestionAsk {
        id: id.to_owned(),
        session: p
            .get("sessionID")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        questions,
        tool_call_id: p
            .get("tool")
            .and_then(|t| t.get("callID"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn piece(stream: Stream, text: String) -> Mapped {
    match (stream, text.is_empty()) {
        (_, true) => Mapped::Ignore,
        (Stream::Text, false) => Mapped::Agent(AgentEvent::Text(text)),
        (Stream::Reasoning, false) => Mapped::Agent(AgentEvent::Thought(text)),
    }
}

/// `todo.updated` todos as ACP `PlanEntry`s. ACP has no `cancelled`: a cancelled
/// todo is done with, so it shows as `completed`.
fn plan_entries(p: &Value) -> Vec<Value> {
    let Some(todos) = p.get("todos").and_then(Value::as_array) else {
        return Vec::new();
    };
    todos
        .iter()
        .map(|t| {
            let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or_default();
            let status = match s("status") {
                "in_progress" => "in_progress",
                "completed" | "cancelled" => "completed",
                _ => "pending",
            };
            let priority = match s("priority") {
                "high" => "high",
                "low" => "low",
                _ => "medium",
            };
            serde_json::json!({"content": s("content"), "priority": priority, "status": status})
        })
        .collect()
}

/// A `step-finish` part's tokens and cost, normalised as [`StepUsage`] says.
fn step_usage(part: &Value) -> StepUsage {
    let tokens = part.get("tokens");
    let n = |path: &[&str]| {
        let mut v = tokens;
        for k in path {
            v = v.and_then(|v| v.get(k));
        }
        // Counts are JSON numbers; opencode never sends fractions, but be lenient.
        v.and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_f64().map(|f| f.max(0.0).round() as u64))
        })
        .unwrap_or(0)
    };
    StepUsage {
        input: n(&["input"]) + n(&["cache", "read"]) + n(&["cache", "write"]),
        output: n(&["output"]) + n(&["reasoning"]),
        cost: part
            .get("cost")
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite() && *c > 0.0)
            .unwrap_or(0.0),
    }
}

fn session_error(p: &Value) -> Mapped {
    let error = p.get("error");
    let name = error
        .and_then(|e| e.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("UnknownError");
    if name == "MessageAbortedError" {
        return Mapped::Aborted;
    }
    let message = error
        .and_then(|e| e.get("data"))
        .and_then(|d| d.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Mapped::Error(if message.is_empty() {
        name.to_owned()
    } else {
        format!("{name}: {message}")
    })
}
