//! The turn loop both of BooCode's model front ends share — boochat's chats
//! ([`super::turn`]) and the `boochat acp` agent ([`crate::acp`]): stream a round
//! from the model, split reasoning, recover tool calls written as text, run the
//! calls under the budget and doom-loop guards, and go round again until the model
//! answers without calling a tool.
//!
//! Where the turn's output goes is a [`Sink`] (the chat's transcript writer and
//! session stream; ACP `session/update` notifications and the stored history), and
//! what a call does is [`Tools`] (the read-only chat tools; the agent's write and
//! command tools behind permission). The loop returns the model-side messages it
//! added, so a caller that keeps the conversation itself can append them.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use boo_shared::chat::{MessageStatus, Usage};
use boo_shared::frames::{PromptProgress, UsagePhase};
use futures::StreamExt;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::ToolCall;
use super::llm::{LlmClient, StreamEvent};
use super::textcalls::{Piece, TextCallParser};
use super::think::{Split, ThinkSplitter};

/// Identical calls (same tool, same arguments) allowed in one turn; the next one
/// is a doom loop.
pub const DOOM_REPEATS: usize = 2;

/// A sink that could not take the turn's output (a database or a connection
/// error): the turn fails with it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

impl From<sqlx::Error> for SinkError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.to_string())
    }
}

/// What a tool call produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolResult {
    /// The whole result (what is stored).
    pub stored: String,
    pub is_error: bool,
    /// The tool itself cut its output (the stored text says where the rest is).
    pub truncated: bool,
}

impl ToolResult {
    pub fn ok(stored: impl Into<String>) -> Self {
        Self {
            stored: stored.into(),
            is_error: false,
            truncated: false,
        }
    }

    pub fn error(message: impl std::fmt::Display) -> Self {
        Self {
            stored: format!("error: {message}"),
            is_error: true,
            truncated: false,
        }
    }
}

/// Where a turn's output goes.
#[async_trait::async_trait]
pub trait Sink: Send {
    async fn text(&mut self, text: &str) -> Result<(), SinkError>;
    async fn reasoning(&mut self, text: &str) -> Result<(), SinkError>;
    /// Persist what streamed so far (called on a clock and at the end of a round).
    async fn flush(&mut self) -> Result<(), SinkError>;
    async fn tool_call(&mut self, call: &ToolCall) -> Result<(), SinkError>;
    /// `shown` is what the model sees (cut to the output cap).
    async fn tool_result(
        &mut self,
        call: &ToolCall,
        result: &ToolResult,
        shown: &str,
        elapsed: Duration,
    ) -> Result<(), SinkError>;
    fn usage(&mut self, phase: UsagePhase, usage: &Usage);
    /// How far the server got reading the prompt (when it says).
    fn progress(&mut self, _usage: &Usage, _progress: PromptProgress) {}
    /// The turn was stopped by a guard (`cap_hit`, `doom_loop`): say so.
    async fn sentinel(&mut self, kind: &str, meta: Value, text: &str);
}

/// What a tool call does.
#[async_trait::async_trait]
pub trait Tools: Send + Sync {
    async fn call(&self, call: &ToolCall) -> ToolResult;
}

/// One turn's settings.
pub struct Spec<'a> {
    pub llm: &'a LlmClient,
    pub model: String,
    /// Sampling fields merged into the request body (an agent's).
    pub sampling: Map<String, Value>,
    /// OpenAI `tools`.
    pub tools: Vec<Value>,
    /// Tool calls allowed in the turn.
    pub budget: usize,
    /// Bytes of a tool result the model sees.
    pub output_cap: usize,
}

/// How a turn ended.
pub struct Outcome {
    pub status: MessageStatus,
    pub usage: Usage,
    pub error: Option<String>,
    /// The model-side messages the turn added after the conversation it was given
    /// (assistant rounds with their tool calls, tool results, the final answer).
    pub added: Vec<Value>,
}

/// How a round with the model ended.
enum Round {
    /// The model answered; these calls (maybe none) are to run.
    Done(Vec<ToolCall>),
    Interrupted,
    Failed(String),
}

#[derive(Default)]
struct NativeCall {
    id: String,
    name: String,
    arguments: String,
}

/// Run the turn over `convo` (system prompt and history, the new user message
/// last) until the model stops calling tools, `cancel` fires (the turn ends
/// `cancelled` with `interrupted()` as its reason) or something fails.
pub async fn drive(
    spec: Spec<'_>,
    mut convo: Vec<Value>,
    sink: &mut impl Sink,
    tools: &impl Tools,
    cancel: &CancellationToken,
    interrupted: &(dyn Fn() -> String + Send + Sync),
) -> Outcome {
    let given = convo.len();
    let mut usage = Usage::default();
    let mut completion_total: i32 = 0;
    let mut executed = 0usize;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut text_call_no = 0usize;
    let end = |status, usage, error, convo: Vec<Value>| Outcome {
        status,
        usage,
        error,
        added: convo.into_iter().skip(given).collect(),
    };

    loop {
        let mut body = Map::new();
        body.insert("model".into(), Value::String(spec.model.clone()));
        body.insert("messages".into(), Value::Array(convo.clone()));
        if !spec.tools.is_empty() {
            body.insert("tools".into(), Value::Array(spec.tools.clone()));
        }
        body.extend(spec.sampling.clone());
        usage.completion_tokens = None;
        let mut round_text = String::new();
        let round = stream_round(
            spec.llm,
            sink,
            body,
            cancel,
            &mut usage,
            &mut text_call_no,
            &mut round_text,
        )
        .await;
        if let Some(c) = usage.completion_tokens {
            completion_total = completion_total.saturating_add(c);
        }
        usage.completion_tokens = Some(completion_total);
        let calls = match round {
            Round::Done(calls) => calls,
            Round::Interrupted => {
                push_text(&mut convo, round_text);
                return end(MessageStatus::Cancelled, usage, Some(interrupted()), convo);
            }
            Round::Failed(e) => {
                push_text(&mut convo, round_text);
                return end(MessageStatus::Failed, usage, Some(e), convo);
            }
        };
        if calls.is_empty() {
            push_text(&mut convo, round_text);
            return end(MessageStatus::Complete, usage, None, convo);
        }
        let mut assistant = json!({"role": "assistant", "content": round_text});
        assistant["tool_calls"] = Value::Array(
            calls
                .iter()
                .map(|c| {
                    json!({"id": c.id, "type": "function",
                           "function": {"name": c.name, "arguments": c.arguments.to_string()}})
                })
                .collect(),
        );
        convo.push(assistant);
        for call in &calls {
            if executed >= spec.budget {
                let budget = spec.budget;
                sink.sentinel(
                    "cap_hit",
                    json!({"limit": budget}),
                    &format!(
                        "Stopped after {budget} tool calls in one turn (the budget for this chat)."
                    ),
                )
                .await;
                unanswered(
                    &mut convo,
                    &calls,
                    "not run: the turn's tool budget was spent",
                );
                return end(MessageStatus::Complete, usage, None, convo);
            }
            let key = format!("{}\u{0}{}", call.name, canonical(&call.arguments));
            let count = seen.entry(key).or_default();
            if *count >= DOOM_REPEATS {
                sink.sentinel(
                    "doom_loop",
                    json!({"tool": call.name, "arguments": call.arguments, "repeats": DOOM_REPEATS + 1}),
                    &format!(
                        "Stopped: {} was called {} times with the same arguments.",
                        call.name,
                        DOOM_REPEATS + 1
                    ),
                )
                .await;
                unanswered(&mut convo, &calls, "not run: the same call repeated");
                return end(MessageStatus::Complete, usage, None, convo);
            }
            *count += 1;
            executed += 1;
            if let Err(e) = sink.tool_call(call).await {
                return end(MessageStatus::Failed, usage, Some(e.0), convo);
            }
            let started = Instant::now();
            let outcome = tokio::select! {
                out = tools.call(call) => Some(out),
                () = cancel.cancelled() => None,
            };
            let Some(result) = outcome else {
                unanswered(&mut convo, &calls, "cancelled");
                return end(MessageStatus::Cancelled, usage, Some(interrupted()), convo);
            };
            let shown = super::context::for_model(
                &call.id,
                &result.stored,
                result.truncated,
                spec.output_cap,
            );
            if let Err(e) = sink
                .tool_result(call, &result, &shown, started.elapsed())
                .await
            {
                return end(MessageStatus::Failed, usage, Some(e.0), convo);
            }
            convo.push(json!({"role": "tool", "tool_call_id": call.id, "content": shown}));
        }
    }
}

/// The round's text as the assistant's message (nothing when it said nothing).
fn push_text(convo: &mut Vec<Value>, text: String) {
    if !text.is_empty() {
        convo.push(json!({"role": "assistant", "content": text}));
    }
}

/// Every call of the last assistant message without a result gets `why`, so the
/// stored conversation stays valid for the next request.
fn unanswered(convo: &mut Vec<Value>, calls: &[ToolCall], why: &str) {
    let answered: Vec<String> = convo
        .iter()
        .filter_map(|m| {
            m.get("tool_call_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    for call in calls {
        if !answered.contains(&call.id) {
            convo.push(json!({"role": "tool", "tool_call_id": call.id, "content": why}));
        }
    }
}

/// Arguments with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` match.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), sort(v)))
                    .collect::<BTreeMap<_, _>>()
                    .into_iter()
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

async fn stream_round(
    llm: &LlmClient,
    sink: &mut impl Sink,
    body: Map<String, Value>,
    cancel: &CancellationToken,
    usage: &mut Usage,
    text_call_no: &mut usize,
    round_text: &mut String,
) -> Round {
    sink.usage(UsagePhase::Prompt, usage);
    let started = Instant::now();
    let stream = tokio::select! {
        s = llm.stream(body) => s,
        () = cancel.cancelled() => return Round::Interrupted,
    };
    let mut stream = match stream {
        Ok(s) => Box::pin(s),
        Err(e) => return Round::Failed(e.to_string()),
    };
    let mut out = Emitter {
        sink,
        parser: TextCallParser::new(),
        parsed: Vec::new(),
        text_call_no,
        round_text,
    };
    let mut think = ThinkSplitter::new();
    let mut native: BTreeMap<u32, NativeCall> = BTreeMap::new();
    let mut first_token: Option<Instant> = None;
    let mut tokens: u32 = 0;
    let mut last_live = Instant::now();
    let mut server_tps: Option<f64> = None;
    let mut server_prompt_ms: Option<f64> = None;
    let mut server_counts: Option<(u32, u32)> = None;
    // Persist streamed text on a clock too, so a model that goes quiet (or a kill)
    // loses at most one flush interval.
    let mut flush_tick = tokio::time::interval(boo_shared::transcript::writer::FLUSH_EVERY);
    flush_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next = tokio::select! {
            n = stream.next() => n,
            () = cancel.cancelled() => return Round::Interrupted,
            _ = flush_tick.tick() => {
                if let Err(e) = out.sink.flush().await {
                    return Round::Failed(e.0);
                }
                continue;
            }
        };
        let event = match next {
            None => break,
            Some(Err(e)) => return Round::Failed(e.to_string()),
            Some(Ok(ev)) => ev,
        };
        let mut visible: Vec<Split> = Vec::new();
        match event {
            StreamEvent::Content(c) => {
                tokens += 1;
                visible.extend(think.push(&c));
            }
            StreamEvent::Reasoning(r) => {
                tokens += 1;
                visible.push(Split::Reasoning(r));
            }
            StreamEvent::ToolCall {
                index,
                id,
                name,
                arguments,
            } => {
                tokens += 1;
                let slot = native.entry(index).or_default();
                if let Some(id) = id {
                    slot.id = id;
                }
                if let Some(name) = name {
                    slot.name.push_str(&name);
                }
                slot.arguments.push_str(&arguments);
            }
            StreamEvent::Finish(_) => {}
            StreamEvent::PromptProgress(p) => out.sink.progress(usage, p),
            StreamEvent::Usage { prompt, completion } => server_counts = Some((prompt, completion)),
            StreamEvent::Timings {
                prompt_ms,
                predicted_per_second,
            } => {
                server_prompt_ms = prompt_ms.or(server_prompt_ms);
                server_tps = predicted_per_second.or(server_tps);
            }
        }
        if first_token.is_none() && tokens > 0 {
            first_token = Some(Instant::now());
            usage.prompt_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        if let Err(e) = out.splits(visible).await {
            return Round::Failed(e.0);
        }
        if last_live.elapsed() >= Duration::from_millis(500)
            && let Some(t0) = first_token
        {
            last_live = Instant::now();
            let secs = t0.elapsed().as_secs_f64();
            usage.completion_tokens = Some(i32::try_from(tokens).unwrap_or(i32::MAX));
            usage.tokens_per_second = (secs > 0.0).then(|| f64::from(tokens) / secs);
            out.sink.usage(UsagePhase::Generating, usage);
        }
    }
    // End of stream: drain the splitters.
    let rest = think.finish();
    if let Err(e) = out.splits(rest).await {
        return Round::Failed(e.0);
    }
    let tail: Vec<Piece> = out.parser.finish();
    if let Err(e) = out.pieces(tail).await {
        return Round::Failed(e.0);
    }
    if let Err(e) = out.sink.flush().await {
        return Round::Failed(e.0);
    }
    // Usage: the server's numbers win over our estimates.
    let gen_secs = first_token
        .map(|t| t.elapsed().as_secs_f64())
        .unwrap_or_default();
    if let Some((p, c)) = server_counts {
        usage.prompt_tokens = i32::try_from(p).ok();
        usage.completion_tokens = i32::try_from(c).ok();
    } else {
        usage.completion_tokens = i32::try_from(tokens).ok();
    }
    usage.prompt_ms = server_prompt_ms.or(usage.prompt_ms);
    usage.tokens_per_second = server_tps.or_else(|| {
        let c = f64::from(usage.completion_tokens.unwrap_or(0));
        (gen_secs > 0.0 && c > 0.0).then(|| c / gen_secs)
    });
    out.sink.usage(UsagePhase::Done, usage);

    let mut calls: Vec<ToolCall> = native
        .into_values()
        .enumerate()
        .map(|(i, n)| {
            let arguments = if n.arguments.trim().is_empty() {
                Value::Object(Map::new())
            } else {
                serde_json::from_str(&n.arguments)
                    .unwrap_or_else(|_| json!({"__unparsed": n.arguments}))
            };
            ToolCall {
                id: if n.id.is_empty() {
                    format!("call_{i}")
                } else {
                    n.id
                },
                name: n.name,
                arguments,
            }
        })
        .collect();
    calls.append(&mut out.parsed);
    Round::Done(calls)
}

/// Visible output on its way to the sink: text through the text tool-call parser,
/// reasoning straight through.
struct Emitter<'a, S> {
    sink: &'a mut S,
    parser: TextCallParser,
    parsed: Vec<ToolCall>,
    text_call_no: &'a mut usize,
    round_text: &'a mut String,
}

impl<S: Sink> Emitter<'_, S> {
    async fn splits(&mut self, splits: Vec<Split>) -> Result<(), SinkError> {
        for s in splits {
            match s {
                Split::Reasoning(r) => self.sink.reasoning(&r).await?,
                Split::Content(c) => {
                    let pieces = self.parser.push(&c);
                    self.pieces(pieces).await?;
                }
            }
        }
        Ok(())
    }

    async fn pieces(&mut self, pieces: Vec<Piece>) -> Result<(), SinkError> {
        for p in pieces {
            match p {
                Piece::Text(t) => {
                    self.round_text.push_str(&t);
                    self.sink.text(&t).await?;
                }
                Piece::Call(c) => {
                    *self.text_call_no += 1;
                    self.parsed.push(ToolCall {
                        id: format!("text_call_{}", *self.text_call_no),
                        name: c.name,
                        arguments: Value::Object(c.arguments),
                    });
                }
            }
        }
        Ok(())
    }
}
