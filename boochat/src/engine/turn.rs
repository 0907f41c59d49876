//! One assistant turn: stream from the model, split reasoning, recover tool calls
//! written as text, run tools under the budget and doom-loop guards, and loop
//! until the model answers without calling a tool.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boo_shared::chat::{MessageStatus, Role, Usage};
use boo_shared::frames::{ServerFrame, UsagePhase};
use futures::StreamExt;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use super::llm::{LlmError, StreamEvent};
use super::textcalls::{Piece, TextCallParser};
use super::think::{Split, ThinkSplitter};
use super::{ASK_USER_INPUT, Engine, ToolCall};
use crate::agents::AgentDef;
use boo_shared::transcript::store as messages;
use boo_shared::transcript::writer::TurnWriter;

/// Identical calls (same tool, same arguments) allowed in one turn; the next one
/// is a doom loop.
pub const DOOM_REPEATS: usize = 2;

/// Why a turn stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// The owner pressed Stop.
    Stopped,
    /// boochat is shutting down.
    Shutdown,
}

pub struct TurnSpec {
    pub session_id: Uuid,
    pub chat_id: Uuid,
    pub message_id: Uuid,
    pub agent: Option<AgentDef>,
    pub model: String,
    pub project_root: Option<PathBuf>,
}

/// How a round with the model ended.
enum Round {
    /// The model answered; these calls (maybe none) are to run.
    Done(Vec<ToolCall>),
    Interrupted(Interrupt),
    Failed(String),
}

#[derive(Default)]
struct NativeCall {
    id: String,
    name: String,
    arguments: String,
}

pub async fn run(
    engine: Arc<Engine>,
    spec: TurnSpec,
    cancel: CancellationToken,
    reason: Arc<std::sync::Mutex<Interrupt>>,
) {
    let span = tracing::info_span!("turn", chat_id = %spec.chat_id, message_id = %spec.message_id, model = %spec.model);
    async move {
        let mut w = TurnWriter::new(
            engine.pool.clone(),
            engine.hub.clone(),
            spec.session_id,
            spec.chat_id,
            spec.message_id,
        );
        let (status, usage, error) = drive(&engine, &spec, &mut w, &cancel, &reason).await;
        engine.count_turn(status, usage.completion_tokens);
        if let Err(e) = w.finish(status, &usage, error.as_deref()).await {
            tracing::error!(error = %e, "cannot finalise the turn");
        }
        tracing::info!(status = ?status, "turn finished");
    }
    .instrument(span)
    .await;
}

async fn drive(
    engine: &Arc<Engine>,
    spec: &TurnSpec,
    w: &mut TurnWriter,
    cancel: &CancellationToken,
    reason: &std::sync::Mutex<Interrupt>,
) -> (MessageStatus, Usage, Option<String>) {
    let interrupted = |r: &Interrupt| match r {
        Interrupt::Stopped => "stopped by the owner".to_owned(),
        Interrupt::Shutdown => "boochat shut down during the turn".to_owned(),
    };
    let history = match messages::history(&engine.pool, spec.chat_id, None).await {
        Ok(h) => h,
        Err(e) => return (MessageStatus::Failed, Usage::default(), Some(e.to_string())),
    };
    let history: Vec<_> = history
        .into_iter()
        .filter(|m| m.id != spec.message_id)
        .collect();
    let cap = engine.settings.chat.tool_output_bytes;
    let system = system_prompt(spec);
    let mut convo = super::context::build(Some(&system), &history, cap);
    let tools = engine.tool_specs(spec.agent.as_ref());
    let budget = spec
        .agent
        .as_ref()
        .and_then(|a| a.max_tool_calls)
        .unwrap_or(engine.settings.chat.max_tool_calls) as usize;
    let mut usage = Usage::default();
    let mut completion_total: i32 = 0;
    let mut executed = 0usize;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut text_call_no = 0usize;

    loop {
        let mut body = Map::new();
        body.insert("model".into(), Value::String(spec.model.clone()));
        body.insert("messages".into(), Value::Array(convo.clone()));
        if !tools.is_empty() {
            body.insert("tools".into(), Value::Array(tools.clone()));
        }
        if let Some(agent) = &spec.agent
            && let Ok(Value::Object(sampling)) = serde_json::to_value(&agent.sampling)
        {
            body.extend(sampling);
        }
        let round_start = w.content.len();
        usage.completion_tokens = None;
        let round = stream_round(
            engine,
            w,
            body,
            cancel,
            reason,
            &mut usage,
            &mut text_call_no,
        )
        .await;
        if let Some(c) = usage.completion_tokens {
            completion_total = completion_total.saturating_add(c);
        }
        let calls = match round {
            Round::Done(calls) => calls,
            Round::Interrupted(r) => {
                usage.completion_tokens = Some(completion_total);
                return (MessageStatus::Cancelled, usage, Some(interrupted(&r)));
            }
            Round::Failed(e) => {
                usage.completion_tokens = Some(completion_total);
                return (MessageStatus::Failed, usage, Some(e));
            }
        };
        usage.completion_tokens = Some(completion_total);
        if calls.is_empty() {
            return (MessageStatus::Complete, usage, None);
        }
        let round_text = w.content[round_start..].to_owned();
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
        let mut results = Vec::new();
        for call in &calls {
            if executed >= budget {
                sentinel(
                    engine,
                    w,
                    "cap_hit",
                    json!({"limit": budget}),
                    &format!(
                        "Stopped after {budget} tool calls in one turn (the budget for this chat)."
                    ),
                )
                .await;
                return (MessageStatus::Complete, usage, None);
            }
            let key = format!("{}\u{0}{}", call.name, canonical(&call.arguments));
            let count = seen.entry(key).or_default();
            if *count >= DOOM_REPEATS {
                sentinel(engine, w, "doom_loop", json!({"tool": call.name, "arguments": call.arguments, "repeats": DOOM_REPEATS + 1}),
                    &format!("Stopped: {} was called {} times with the same arguments.", call.name, DOOM_REPEATS + 1))
                    .await;
                return (MessageStatus::Complete, usage, None);
            }
            *count += 1;
            executed += 1;
            if let Err(e) = w.tool_call(&call.id, &call.name, &call.arguments).await {
                return (MessageStatus::Failed, usage, Some(e.to_string()));
            }
            let started = Instant::now();
            let outcome = tokio::select! {
                out = engine.call_tool(spec, call) => Some(out),
                () = cancel.cancelled() => None,
            };
            let Some((stored, is_error, truncated)) = outcome else {
                let r = reason
                    .lock()
                    .map(|r| r.clone())
                    .unwrap_or(Interrupt::Stopped);
                return (MessageStatus::Cancelled, usage, Some(interrupted(&r)));
            };
            let shown = super::context::for_model(&call.id, &stored, truncated, cap);
            if let Err(e) = w
                .tool_result(
                    &call.id,
                    &call.name,
                    &stored,
                    &shown,
                    is_error,
                    truncated,
                    started.elapsed(),
                )
                .await
            {
                return (MessageStatus::Failed, usage, Some(e.to_string()));
            }
            results.push(json!({"role": "tool", "tool_call_id": call.id, "content": shown}));
        }
        convo.push(assistant);
        convo.extend(results);
    }
}

fn system_prompt(spec: &TurnSpec) -> String {
    let mut s = String::from(
        "You are BooChat, a coding assistant. Your tools are read-only: you can read, list and \
         search files, check git status and read the web, but you cannot change anything.",
    );
    if let Some(root) = &spec.project_root {
        s.push_str(&format!(
            " The project is at {}; tool paths are relative to it.",
            root.display()
        ));
    }
    if let Some(agent) = &spec.agent
        && !agent.prompt.trim().is_empty()
    {
        s.push_str("\n\n");
        s.push_str(agent.prompt.trim());
    }
    s
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

async fn sentinel(engine: &Arc<Engine>, w: &mut TurnWriter, kind: &str, extra: Value, text: &str) {
    let mut meta = json!({"kind": kind});
    if let (Value::Object(m), Value::Object(e)) = (&mut meta, extra) {
        m.extend(e);
    }
    let inserted = messages::insert(
        &engine.pool,
        w.chat_id,
        Role::System,
        MessageStatus::Complete,
        text,
        meta,
    )
    .await;
    match inserted {
        Ok(id) => match messages::get(&engine.pool, id).await {
            Ok(message) => w.publish(ServerFrame::Sentinel {
                chat_id: w.chat_id,
                message,
            }),
            Err(e) => tracing::error!(error = %e, "cannot read back the sentinel"),
        },
        Err(e) => tracing::error!(error = %e, kind, "cannot write the sentinel"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn stream_round(
    engine: &Arc<Engine>,
    w: &mut TurnWriter,
    body: Map<String, Value>,
    cancel: &CancellationToken,
    reason: &std::sync::Mutex<Interrupt>,
    usage: &mut Usage,
    text_call_no: &mut usize,
) -> Round {
    let interrupt = || {
        Round::Interrupted(
            reason
                .lock()
                .map(|r| r.clone())
                .unwrap_or(Interrupt::Stopped),
        )
    };
    w.usage(UsagePhase::Prompt, usage);
    let started = Instant::now();
    let stream = tokio::select! {
        s = engine.llm.stream(body) => s,
        () = cancel.cancelled() => return interrupt(),
    };
    let mut stream = match stream {
        Ok(s) => Box::pin(s),
        Err(e) => return Round::Failed(e.to_string()),
    };
    let mut think = ThinkSplitter::new();
    let mut parser = TextCallParser::new();
    let mut native: BTreeMap<u32, NativeCall> = BTreeMap::new();
    let mut parsed: Vec<ToolCall> = Vec::new();
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
            () = cancel.cancelled() => return interrupt(),
            _ = flush_tick.tick() => {
                if let Err(e) = w.flush().await {
                    return Round::Failed(e.to_string());
                }
                continue;
            }
        };
        let event = match next {
            None => break,
            Some(Err(e)) => return Round::Failed(stream_error(&e)),
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
        if let Err(e) = emit(w, visible, &mut parser, &mut parsed, text_call_no).await {
            return Round::Failed(e.to_string());
        }
        if last_live.elapsed() >= Duration::from_millis(500)
            && let Some(t0) = first_token
        {
            last_live = Instant::now();
            let secs = t0.elapsed().as_secs_f64();
            usage.completion_tokens = Some(i32::try_from(tokens).unwrap_or(i32::MAX));
            usage.tokens_per_second = (secs > 0.0).then(|| f64::from(tokens) / secs);
            w.usage(UsagePhase::Generating, usage);
        }
    }
    // End of stream: drain the splitters.
    let rest = think.finish();
    if let Err(e) = emit(w, rest, &mut parser, &mut parsed, text_call_no).await {
        return Round::Failed(e.to_string());
    }
    let tail: Vec<Piece> = parser.finish();
    if let Err(e) = emit_pieces(w, tail, &mut parsed, text_call_no).await {
        return Round::Failed(e.to_string());
    }
    if let Err(e) = w.flush().await {
        return Round::Failed(e.to_string());
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
    w.usage(UsagePhase::Done, usage);

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
    calls.extend(parsed);
    Round::Done(calls)
}

fn stream_error(e: &LlmError) -> String {
    e.to_string()
}

async fn emit(
    w: &mut TurnWriter,
    splits: Vec<Split>,
    parser: &mut TextCallParser,
    parsed: &mut Vec<ToolCall>,
    text_call_no: &mut usize,
) -> Result<(), sqlx::Error> {
    for s in splits {
        match s {
            Split::Reasoning(r) => w.reasoning(&r).await?,
            Split::Content(c) => {
                let pieces = parser.push(&c);
                emit_pieces(w, pieces, parsed, text_call_no).await?;
            }
        }
    }
    Ok(())
}

async fn emit_pieces(
    w: &mut TurnWriter,
    pieces: Vec<Piece>,
    parsed: &mut Vec<ToolCall>,
    text_call_no: &mut usize,
) -> Result<(), sqlx::Error> {
    for p in pieces {
        match p {
            Piece::Text(t) => w.text(&t).await?,
            Piece::Call(c) => {
                *text_call_no += 1;
                parsed.push(ToolCall {
                    id: format!("text_call_{}", *text_call_no),
                    name: c.name,
                    arguments: Value::Object(c.arguments),
                });
            }
        }
    }
    Ok(())
}

/// The `ask_user_input` tool's JSON schema (the engine owns it: the turn waits
/// for the owner's answer).
pub fn ask_user_input_spec() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": ASK_USER_INPUT,
            "description": "Ask the user a question and wait for the answer. Use when you need a decision or information only the user has.",
            "parameters": {
                "type": "object",
                "properties": {
                    "question": {"type": "string", "description": "The question to show the user"},
                    "options": {"type": "array", "items": {"type": "string"}, "description": "Suggested answers (optional)"}
                },
                "required": ["question"],
                "additionalProperties": false
            }
        }
    })
}
