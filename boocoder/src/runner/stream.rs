//! One turn on a warm agent's [`Backend`]: its events drained into the transcript
//! writer, cancel on request, usage and tokens summed.

use std::time::Instant;

use boo_shared::chat::{MessageStatus, Usage};
use boo_shared::coder::AgentToolCall;
use boo_shared::frames::{ServerFrame, UsagePhase};
use boo_shared::transcript::writer::TurnWriter;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::backend::Backend;
use crate::acp::{AgentEvent, StopReason};

/// What a streamed turn ended with.
pub(super) struct Streamed {
    pub(super) status: MessageStatus,
    pub(super) usage: Usage,
    pub(super) error: Option<String>,
    /// (input tokens, output tokens, cost).
    pub(super) tokens: (i64, i64, f64),
    /// The last plan the agent sent in this turn.
    pub(super) plan: Option<Vec<serde_json::Value>>,
}

/// Run one prompt on `backend`, draining its events into the writer; cancel on
/// request.
pub(super) async fn stream_turn(
    backend: &dyn Backend,
    prompt: &str,
    w: &mut TurnWriter,
    cancel: CancellationToken,
    agent: &str,
) -> Streamed {
    let (status, usage, error, tokens, plan) =
        stream_inner(backend, prompt, w, cancel, agent).await;
    Streamed {
        status,
        usage,
        error,
        tokens,
        plan,
    }
}

type Inner = (
    MessageStatus,
    Usage,
    Option<String>,
    (i64, i64, f64),
    Option<Vec<serde_json::Value>>,
);

async fn stream_inner(
    backend: &dyn Backend,
    prompt: &str,
    w: &mut TurnWriter,
    cancel: CancellationToken,
    agent: &str,
) -> Inner {
    let mut plan = None;
    let (tx, mut rx) = mpsc::channel::<AgentEvent>(256);
    let mut usage = Usage::default();
    let mut tokens = (0i64, 0i64, 0f64);
    let started = Instant::now();
    let mut first: Option<Instant> = None;
    w.usage(UsagePhase::Prompt, &usage);
    let prompt_fut = backend.prompt(prompt, tx);
    tokio::pin!(prompt_fut);
    let mut cancel_sent = false;
    let mut result = None;
    let mut write_error: Option<String> = None;
    // Persist streamed text on a clock too: an agent that goes quiet (or a kill)
    // loses at most one flush interval.
    let mut flush_tick = tokio::time::interval(boo_shared::transcript::writer::FLUSH_EVERY);
    flush_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = flush_tick.tick() => {
                if let Err(e) = w.flush().await {
                    write_error.get_or_insert_with(|| e.to_string());
                }
            }
            r = &mut prompt_fut, if result.is_none() => { result = Some(r); }
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                if first.is_none() {
                    first = Some(Instant::now());
                    usage.prompt_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
                }
                let written = match ev {
                    AgentEvent::Text(t) => w.text(&t).await,
                    AgentEvent::Thought(t) => w.reasoning(&t).await,
                    AgentEvent::ToolCall(s) => {
                        let call = AgentToolCall {
                            id: s.id, title: s.title, kind: s.kind, status: s.status,
                            raw_input: s.raw_input, content: s.content, locations: s.locations,
                        };
                        w.agent_tool_call(&call).await
                    }
                    AgentEvent::Plan(entries) => {
                        plan = Some(entries.clone());
                        w.publish(ServerFrame::Plan { chat_id: w.chat_id, message_id: w.message_id, entries });
                        Ok(())
                    }
                    AgentEvent::AvailableCommands(commands) => {
                        w.publish(ServerFrame::AvailableCommands { chat_id: w.chat_id, agent: agent.to_owned(), commands });
                        Ok(())
                    }
                    AgentEvent::Usage(u) => {
                        tokens.0 += i64::try_from(u.input).unwrap_or(0);
                        tokens.1 += i64::try_from(u.output).unwrap_or(0);
                        usage.prompt_tokens = i32::try_from(u.input).ok();
                        usage.completion_tokens = i32::try_from(u.output).ok();
                        Ok(())
                    }
                    AgentEvent::Context(c) => {
                        if let Some(cost) = c.cost {
                            tokens.2 = cost.amount;
                        }
                        Ok(())
                    }
                    AgentEvent::CurrentMode(_) | AgentEvent::ConfigOptions(_) => Ok(()),
                };
                if let Err(e) = written {
                    write_error.get_or_insert_with(|| e.to_string());
                }
            }
            () = cancel.cancelled(), if !cancel_sent => {
                cancel_sent = true;
                if let Err(e) = backend.cancel().await {
                    tracing::warn!(error = %e, "cancel failed");
                }
            }
        }
    }
    if let Some(t) = first {
        let secs = t.elapsed().as_secs_f64();
        if let (Some(c), true) = (usage.completion_tokens, secs > 0.0) {
            usage.tokens_per_second = Some(f64::from(c) / secs);
        }
    }
    w.usage(UsagePhase::Done, &usage);
    let result = match result {
        Some(r) => r,
        None => prompt_fut.await,
    };
    let (status, error) = match result {
        Ok(StopReason::Cancelled) => (
            MessageStatus::Cancelled,
            Some("stopped by the owner".to_owned()),
        ),
        Ok(StopReason::Refusal) => (MessageStatus::Failed, Some("the agent refused".to_owned())),
        Ok(_) => (MessageStatus::Complete, None),
        Err(e) => (MessageStatus::Failed, Some(e.describe())),
    };
    let error = match (status, write_error) {
        (MessageStatus::Complete, Some(we)) => {
            return (MessageStatus::Failed, usage, Some(we), tokens, plan);
        }
        (_, _) => error,
    };
    (status, usage, error, tokens, plan)
}
