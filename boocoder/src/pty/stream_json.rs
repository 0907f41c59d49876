//! Claude Code's `--output-format stream-json` → [`AgentEvent`]s, one line at a time.
//!
//! `claude -p --output-format stream-json --verbose PROMPT` prints one JSON object
//! per line (the shapes of `claude-agent-sdk`'s `message_parser.py`):
//!
//! - `system` / `init`: `session_id`, `model`, `tools`, `cwd`, … → [`Parsed::SessionId`].
//!   Other `system` subtypes (`hook_started`, `status`, `api_retry`, …) are ignored.
//! - `assistant`: `message.content[]` blocks `text`, `thinking` (`thinking`, may be
//!   empty when the CLI withholds it) and `tool_use` (`id`, `name`, `input`). The CLI
//!   prints each block of one API message on its own line, repeating `message.id`.
//!   `message.usage` is that API call's usage: it sizes the context. A failed API
//!   call is a synthetic message with `is_api_error_message: true` (ignored: the
//!   `result` carries the error).
//! - `user`: `message.content[]` blocks `tool_result` (`tool_use_id`, `content` as a
//!   string or text blocks, `is_error`). A plain-string `content` is an echo of a
//!   prompt and is ignored.
//! - `stream_event` (only with `--include-partial-messages`): the raw API stream,
//!   `event.type` `message_start` (`message.id`), `content_block_delta` with
//!   `delta.type` `text_delta` (`text`) or `thinking_delta` (`thinking`),
//!   `message_delta` (`usage`), … The CLI prints the complete `assistant` line of a
//!   block right after the block's last delta, before `content_block_stop`.
//! - `result`: `subtype` (`success`, `error_max_turns`, `error_during_execution`,
//!   `error_max_budget_usd`, …), `is_error`, `result` (the final text), `errors`,
//!   `session_id`, `total_cost_usd`, `usage` (`input_tokens`, `output_tokens`,
//!   `cache_creation_input_tokens`, `cache_read_input_tokens`), `modelUsage`
//!   (per model, `contextWindow`), `num_turns`, `duration_ms`.
//! - `rate_limit_event`, `control_*` and anything unknown: ignored.
//!
//! On SIGINT the CLI ends the turn itself: a `user` text block
//! `[Request interrupted by user]`, then a `result` `error_during_execution`
//! (`terminal_reason` `aborted_streaming`), exit code 0.
//!
//! `pty/tests/real_*` are recordings of Claude Code 2.1.328 (`real_interrupted_pty.txt`
//! as read from its terminal, `\r\n` and cursor escapes included).
//!
//! With partial messages each text and thinking piece arrives twice, as deltas and
//! again in the complete `assistant` line of the same `message.id`; the parser
//! emits the deltas and drops the repeats (tool uses always come from the complete
//! line, whose `input` is whole). Lines of a sub-agent (`parent_tool_use_id` set)
//! give tool calls but no text: the sub-agent's prose is not the turn's answer.
//!
//! A PTY also carries whatever else the CLI writes (warnings, stderr, `\r\n` line
//! ends): a line that is not a JSON object is ignored, and a JSON object after
//! stray text on the same line is still read.

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::tools;
use crate::acp::{AgentEvent, ContextUsage, Cost, TokenUsage, ToolCallSnapshot};

/// What one line meant.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // events are the common case, as in `AgentEvent`
pub enum Parsed {
    /// Something for the turn's transcript, as an ACP agent would have sent it.
    Agent(AgentEvent),
    /// The CLI's session id (`system`/`init`, or the `result` if init was missed):
    /// what `--resume` takes next turn. Sent once per distinct id.
    SessionId(String),
    /// The `result` line: the turn is over. `ok` is `subtype == "success"` and not
    /// `is_error`; `error` then says why not (the `result` text, the `errors`, or
    /// the subtype).
    Done { ok: bool, error: Option<String> },
}

/// The state of one CLI run: session id, tool calls by id, which API messages
/// already streamed their text.
#[derive(Debug, Default)]
pub struct StreamJsonParser {
    session_id: Option<String>,
    tools: HashMap<String, ToolCallSnapshot>,
    /// `message.id`s whose text and thinking came as `stream_event` deltas.
    streamed: HashSet<String>,
    /// The id of the API message the deltas belong to (`message_start`).
    streaming: Option<String>,
    /// Deltas came without a `message_start`: the next complete message repeats them.
    unkeyed_deltas: bool,
    /// Tokens in context at the last API call: its input (cached or not) and its
    /// output so far.
    context: Option<(u64, u64)>,
}

impl StreamJsonParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The session id seen so far.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// Parse one line (with or without its line end). Lines that mean nothing to
    /// the turn give an empty vector.
    pub fn push_line(&mut self, line: &str) -> Vec<Parsed> {
        let Some(msg) = json_object(line) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match str_at(&msg, "type") {
            Some("system") if str_at(&msg, "subtype") == Some("init") => {
                self.note_session(&msg, &mut out);
            }
            Some("assistant") => self.assistant(&msg, &mut out),
            Some("user") => self.user(&msg, &mut out),
            Some("stream_event") => self.stream_event(&msg, &mut out),
            Some("result") => self.result(&msg, &mut out),
            _ => {}
        }
        out
    }

    fn note_session(&mut self, msg: &Value, out: &mut Vec<Parsed>) {
        if let Some(id) = str_at(msg, "session_id").filter(|id| !id.is_empty())
            && self.session_id.as_deref() != Some(id)
        {
            self.session_id = Some(id.to_owned());
            out.push(Parsed::SessionId(id.to_owned()));
        }
    }

    fn assistant(&mut self, msg: &Value, out: &mut Vec<Parsed>) {
        let message = &msg["message"];
        // A failed API call comes as a synthetic message whose text is the error
        // (`Not logged in · Please run /login`); the `result` repeats it as the
        // turn's error.
        if msg["is_api_error_message"].as_bool() == Some(true) {
            return;
        }
        let sub_agent = !msg["parent_tool_use_id"].is_null();
        let id = str_at(message, "id").unwrap_or_default();
        if self.unkeyed_deltas {
            self.unkeyed_deltas = false;
            self.streamed.insert(id.to_owned());
        }
        let streamed = self.streamed.contains(id);
        if !sub_agent {
            self.note_context(&message["usage"]);
        }
        let Some(blocks) = message["content"].as_array() else {
            return;
        };
        for block in blocks {
            match str_at(block, "type") {
                Some("text") if !sub_agent && !streamed => {
                    if let Some(text) = str_at(block, "text").filter(|t| !t.is_empty()) {
                        out.push(Parsed::Agent(AgentEvent::Text(text.to_owned())));
                    }
                }
                Some("thinking") if !sub_agent && !streamed => {
                    if let Some(text) = str_at(block, "thinking").filter(|t| !t.is_empty()) {
                        out.push(Parsed::Agent(AgentEvent::Thought(text.to_owned())));
                    }
                }
                Some("tool_use") => self.tool_use(block, out),
                _ => {}
            }
        }
    }

    fn tool_use(&mut self, block: &Value, out: &mut Vec<Parsed>) {
        let (Some(id), Some(name)) = (str_at(block, "id"), str_at(block, "name")) else {
            return;
        };
        let input = block.get("input").cloned().unwrap_or(Value::Null);
        if let Some(entries) = tools::plan_entries(name, &input) {
            // TodoWrite is the plan, not a tool call (as ACP's Claude adapter shows it).
            self.tools.remove(id);
            out.push(Parsed::Agent(AgentEvent::Plan(entries)));
            return;
        }
        let snap = tools::snapshot(id, name, input);
        self.tools.insert(id.to_owned(), snap.clone());
        out.push(Parsed::Agent(AgentEvent::ToolCall(snap)));
    }

    fn user(&mut self, msg: &Value, out: &mut Vec<Parsed>) {
        let Some(blocks) = msg["message"]["content"].as_array() else {
            return;
        };
        for block in blocks {
            if str_at(block, "type") != Some("tool_result") {
                continue;
            }
            let Some(id) = str_at(block, "tool_use_id") else {
                continue;
            };
            let Some(snap) = self.tools.get_mut(id) else {
                // A TodoWrite's answer, or a call announced before this run.
                continue;
            };
            let failed = block["is_error"].as_bool().unwrap_or(false);
            tools::finish(snap, block.get("content"), failed);
            out.push(Parsed::Agent(AgentEvent::ToolCall(snap.clone())));
        }
    }

    fn stream_event(&mut self, msg: &Value, out: &mut Vec<Parsed>) {
        let event = &msg["event"];
        match str_at(event, "type") {
            Some("message_start") => {
                self.streaming = str_at(&event["message"], "id").map(str::to_owned);
            }
            Some("content_block_delta") if msg["parent_tool_use_id"].is_null() => {
                let delta = &event["delta"];
                let ev = match str_at(delta, "type") {
                    Some("text_delta") => str_at(delta, "text").map(|t| AgentEvent::Text(t.into())),
                    Some("thinking_delta") => {
                        str_at(delta, "thinking").map(|t| AgentEvent::Thought(t.into()))
                    }
                    _ => None,
                };
                let Some(ev) = ev else { return };
                match &self.streaming {
                    Some(id) => {
                        self.streamed.insert(id.clone());
                    }
                    None => self.unkeyed_deltas = true,
                }
                if !matches!(&ev, AgentEvent::Text(t) | AgentEvent::Thought(t) if t.is_empty()) {
                    out.push(Parsed::Agent(ev));
                }
            }
            // The final usage of the API call (its output tokens, at least).
            Some("message_delta") if msg["parent_tool_use_id"].is_null() => {
                self.note_context(&event["usage"]);
            }
            Some("message_stop") => self.streaming = None,
            _ => {}
        }
    }

    /// Remember an API call's usage: the input side when it is there, the output.
    fn note_context(&mut self, usage: &Value) {
        let Some(output) = u64_at(usage, "output_tokens") else {
            return;
        };
        let input = input_tokens(usage)
            .or(self.context.map(|(input, _)| input))
            .unwrap_or(0);
        self.context = Some((input, output));
    }

    fn result(&mut self, msg: &Value, out: &mut Vec<Parsed>) {
        self.note_session(msg, out);
        let usage = &msg["usage"];
        if let Some(tokens) = token_usage(usage) {
            out.push(Parsed::Agent(AgentEvent::Usage(tokens)));
        }
        let cost = msg["total_cost_usd"].as_f64().map(|amount| Cost {
            amount,
            currency: "USD".to_owned(),
        });
        let size = context_window(&msg["modelUsage"]);
        if cost.is_some() || self.context.is_some() {
            let (input, output) = self.context.unwrap_or_default();
            out.push(Parsed::Agent(AgentEvent::Context(ContextUsage {
                used: input + output,
                size: size.unwrap_or(0),
                cost,
            })));
        }
        let subtype = str_at(msg, "subtype").unwrap_or("unknown");
        let ok = subtype == "success" && !msg["is_error"].as_bool().unwrap_or(false);
        let error = (!ok).then(|| failure_text(msg, subtype));
        out.push(Parsed::Done { ok, error });
    }
}

/// The JSON object on `line`, skipping stray output before its `{`.
fn json_object(line: &str) -> Option<Value> {
    let line = line.trim();
    let start = line.find('{')?;
    let v: Value = serde_json::from_str(&line[start..]).ok()?;
    v.is_object().then_some(v)
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn u64_at(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// `result.usage` → [`TokenUsage`]: `input` is the uncached input (what the API
/// calls `input_tokens`), the cache reads and writes are apart, `total` adds all four.
fn token_usage(usage: &Value) -> Option<TokenUsage> {
    let (input, output) = (
        u64_at(usage, "input_tokens")?,
        u64_at(usage, "output_tokens")?,
    );
    let cached_read = u64_at(usage, "cache_read_input_tokens");
    let cached_write = u64_at(usage, "cache_creation_input_tokens");
    Some(TokenUsage {
        input,
        output,
        total: input + output + cached_read.unwrap_or(0) + cached_write.unwrap_or(0),
        thought: usage
            .get("output_tokens_details")
            .and_then(|d| u64_at(d, "thinking_tokens"))
            .filter(|n| *n > 0),
        cached_read,
        cached_write,
    })
}

/// The input side of an API call's usage: uncached, cache reads and writes.
fn input_tokens(usage: &Value) -> Option<u64> {
    Some(
        u64_at(usage, "input_tokens")?
            + u64_at(usage, "cache_read_input_tokens").unwrap_or(0)
            + u64_at(usage, "cache_creation_input_tokens").unwrap_or(0),
    )
}

/// The largest `contextWindow` of the models the run used.
fn context_window(model_usage: &Value) -> Option<u64> {
    model_usage
        .as_object()?
        .values()
        .filter_map(|m| u64_at(m, "contextWindow"))
        .max()
}

fn failure_text(msg: &Value, subtype: &str) -> String {
    if let Some(text) = str_at(msg, "result")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return text.to_owned();
    }
    let errors: Vec<&str> = msg["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if errors.is_empty() {
        format!("the CLI ended the turn with {subtype}")
    } else {
        errors.join("; ")
    }
}
