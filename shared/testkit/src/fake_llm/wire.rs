//! How a [`Reply`] becomes llama-server's wire JSON: streamed
//! `chat.completion.chunk`s or one `chat.completion`.

use serde_json::{Value, json};

use super::script::{Event, Reply};

/// What `system_fingerprint` and `/props` `build_info` say.
pub(crate) const BUILD_INFO: &str = "b0-boo-fake-llm";

/// What the reply is rendered against: the request and the server's identity.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ctx {
    pub id: String,
    pub model: String,
    pub created: u64,
    pub include_usage: bool,
    /// The request asked for llama-server's `prompt_progress` (`return_progress`).
    pub return_progress: bool,
    /// Prompt tokens when the reply doesn't script them.
    pub prompt_estimate: u64,
}

impl Ctx {
    fn chunk(&self, choices: Value) -> Value {
        json!({
            "choices": choices,
            "created": self.created,
            "id": self.id,
            "model": self.model,
            "system_fingerprint": BUILD_INFO,
            "object": "chat.completion.chunk",
        })
    }

    fn delta(&self, delta: Value, finish: Option<&str>) -> Value {
        self.chunk(json!([{ "finish_reason": finish, "index": 0, "delta": delta }]))
    }
}

/// Prompt tokens a request is worth when the script doesn't say: its JSON length / 4.
pub(crate) fn estimate_prompt_tokens(request: &Value) -> u64 {
    u64::try_from(request.to_string().len() / 4).unwrap_or(u64::MAX)
}

fn token_counts(reply: &Reply, events: &[Event], ctx: &Ctx) -> (u64, u64) {
    reply.usage.unwrap_or_else(|| {
        let generated = events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::Content(_) | Event::Reasoning(_) | Event::ToolCallArgs { .. }
                )
            })
            .count();
        (
            ctx.prompt_estimate,
            u64::try_from(generated).unwrap_or(u64::MAX),
        )
    })
}

fn usage_json(prompt: u64, completion: u64) -> Value {
    json!({
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
    })
}

/// llama-server's `timings`, at a fixed 2000 t/s prompt and 100 t/s generation.
pub(crate) fn timings_json(prompt: u64, completion: u64) -> Value {
    json!({
        "cache_n": 0,
        "prompt_n": prompt,
        "prompt_ms": prompt as f64 * 0.5,
        "prompt_per_token_ms": 0.5,
        "prompt_per_second": 2000.0,
        "predicted_n": completion,
        "predicted_ms": completion as f64 * 10.0,
        "predicted_per_token_ms": 10.0,
        "predicted_per_second": 100.0,
    })
}

fn auto_finish(events: &[Event]) -> &'static str {
    if events
        .iter()
        .any(|e| matches!(e, Event::ToolCallStart { .. }))
    {
        "tool_calls"
    } else {
        "stop"
    }
}

/// The `data:` payloads of a streamed reply, `[DONE]` included (unless it hangs).
pub(crate) fn stream_payloads(reply: &Reply, events: &[Event], ctx: &Ctx) -> Vec<String> {
    let mut chunks = vec![ctx.delta(json!({"role": "assistant", "content": null}), None)];
    if ctx.return_progress {
        // As llama-server: the role chunk carries the start, a second one the end.
        let total = ctx.prompt_estimate;
        chunks[0]["prompt_progress"] =
            json!({"total": total, "cache": 0, "processed": 0, "time_ms": 0});
        let mut done = ctx.delta(json!({"role": "assistant", "content": null}), None);
        done["prompt_progress"] =
            json!({"total": total, "cache": 0, "processed": total, "time_ms": 1});
        chunks.push(done);
    }
    let mut raw: Vec<(usize, String)> = Vec::new();
    let mut finish_at = None;
    for event in events {
        let chunk = match event {
            Event::Content(s) => ctx.delta(json!({ "content": s }), None),
            Event::Reasoning(s) => ctx.delta(json!({ "reasoning_content": s }), None),
            Event::ToolCallStart { index, id, name } => ctx.delta(
                json!({"tool_calls": [{
                    "index": index,
                    "id": id,
                    "type": "function",
                    "function": { "name": name, "arguments": "" },
                }]}),
                None,
            ),
            Event::ToolCallArgs { index, fragment } => ctx.delta(
                json!({"tool_calls": [{ "index": index, "function": { "arguments": fragment } }]}),
                None,
            ),
            Event::Finish(reason) => {
                finish_at = Some(chunks.len());
                ctx.delta(json!({}), Some(reason))
            }
            Event::Raw(v) => v.clone(),
            Event::RawText(t) => {
                raw.push((chunks.len(), t.clone()));
                Value::Null
            }
        };
        chunks.push(chunk);
    }
    if !reply.hang {
        if finish_at.is_none() {
            finish_at = Some(chunks.len());
            chunks.push(ctx.delta(json!({}), Some(auto_finish(events))));
        }
        let (prompt, completion) = token_counts(reply, events, ctx);
        let mut last = finish_at;
        if ctx.include_usage {
            let mut usage = ctx.chunk(json!([]));
            usage["usage"] = usage_json(prompt, completion);
            last = Some(chunks.len());
            chunks.push(usage);
        }
        if let Some(chunk) = last.and_then(|i| chunks.get_mut(i)) {
            chunk["timings"] = timings_json(prompt, completion);
        }
    }
    let mut payloads: Vec<String> = chunks.iter().map(Value::to_string).collect();
    for (i, text) in raw {
        if let Some(p) = payloads.get_mut(i) {
            *p = text;
        }
    }
    if !reply.hang {
        payloads.push("[DONE]".to_owned());
    }
    payloads
}

/// The whole reply as one `chat.completion` (Raw events are left out).
pub(crate) fn completion(reply: &Reply, events: &[Event], ctx: &Ctx) -> Value {
    let mut content = String::new();
    let mut reasoning = String::new();
    let mut calls: Vec<(u32, String, String, String)> = Vec::new();
    let mut finish = None;
    for event in events {
        match event {
            Event::Content(s) => content.push_str(s),
            Event::Reasoning(s) => reasoning.push_str(s),
            Event::ToolCallStart { index, id, name } => {
                calls.push((*index, id.clone(), name.clone(), String::new()));
            }
            Event::ToolCallArgs { index, fragment } => {
                if let Some(call) = calls.iter_mut().rev().find(|c| c.0 == *index) {
                    call.3.push_str(fragment);
                }
            }
            Event::Finish(reason) => finish = Some(reason.clone()),
            Event::Raw(_) | Event::RawText(_) => {}
        }
    }
    let mut message = json!({ "role": "assistant", "content": null });
    if !content.is_empty() {
        message["content"] = json!(content);
    }
    if !reasoning.is_empty() {
        message["reasoning_content"] = json!(reasoning);
    }
    if !calls.is_empty() {
        message["tool_calls"] = calls
            .into_iter()
            .map(|(_, id, name, args)| {
                json!({
                    "type": "function",
                    "function": { "name": name, "arguments": args },
                    "id": id,
                })
            })
            .collect();
    }
    let finish = finish.unwrap_or_else(|| auto_finish(events).to_owned());
    let (prompt, completion) = token_counts(reply, events, ctx);
    json!({
        "choices": [{ "finish_reason": finish, "index": 0, "message": message }],
        "created": ctx.created,
        "model": ctx.model,
        "system_fingerprint": BUILD_INFO,
        "object": "chat.completion",
        "usage": usage_json(prompt, completion),
        "id": ctx.id,
        "timings": timings_json(prompt, completion),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_llm::script::tests::events;
    use pretty_assertions::assert_eq;

    fn ctx(include_usage: bool) -> Ctx {
        Ctx {
            id: "chatcmpl-fake-1".to_owned(),
            model: "m".to_owned(),
            created: 7,
            include_usage,
            return_progress: false,
            prompt_estimate: 11,
        }
    }

    fn chunk(choices: Value) -> Value {
        json!({
            "choices": choices,
            "created": 7,
            "id": "chatcmpl-fake-1",
            "model": "m",
            "system_fingerprint": BUILD_INFO,
            "object": "chat.completion.chunk",
        })
    }

    fn delta(d: Value, finish: Option<&str>) -> Value {
        chunk(json!([{ "finish_reason": finish, "index": 0, "delta": d }]))
    }

    fn parsed(payloads: &[String]) -> Vec<Value> {
        payloads
            .iter()
            .map(|p| serde_json::from_str(p).unwrap_or_else(|_| json!(p)))
            .collect()
    }

    #[test]
    fn stream_without_usage_puts_timings_on_finish_chunk() {
        let reply = Reply::text("Hi there");
        let got = parsed(&stream_payloads(&reply, &events(&reply), &ctx(false)));
        let mut finish = delta(json!({}), Some("stop"));
        finish["timings"] = timings_json(11, 2);
        assert_eq!(
            got,
            vec![
                delta(json!({"role": "assistant", "content": null}), None),
                delta(json!({"content": "Hi t"}), None),
                delta(json!({"content": "here"}), None),
                finish,
                json!("[DONE]"),
            ]
        );
    }

    #[test]
    fn stream_with_usage_ends_with_empty_choices_chunk() {
        let reply = Reply::tool_call("call_1", "grep", json!({"q": 1})).usage(100, 9);
        let got = parsed(&stream_payloads(&reply, &events(&reply), &ctx(true)));
        let mut usage = chunk(json!([]));
        usage["usage"] = json!({"completion_tokens": 9, "prompt_tokens": 100, "total_tokens": 109});
        usage["timings"] = json!({
            "cache_n": 0, "prompt_n": 100, "prompt_ms": 50.0, "prompt_per_token_ms": 0.5,
            "prompt_per_second": 2000.0, "predicted_n": 9, "predicted_ms": 90.0,
            "predicted_per_token_ms": 10.0, "predicted_per_second": 100.0,
        });
        assert_eq!(
            got,
            vec![
                delta(json!({"role": "assistant", "content": null}), None),
                delta(
                    json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                        "function": {"name": "grep", "arguments": ""}}]}),
                    None
                ),
                delta(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": r#"{"q":1}"#}}]}),
                    None
                ),
                delta(json!({}), Some("tool_calls")),
                usage,
                json!("[DONE]"),
            ]
        );
    }

    #[test]
    fn explicit_finish_raw_and_hang() {
        let reply = Reply::chunks(vec![
            Event::Content("x".into()),
            Event::Finish("length".into()),
            Event::Raw(json!({"extra": 1})),
        ]);
        let got = parsed(&stream_payloads(&reply, &events(&reply), &ctx(false)));
        let mut finish = delta(json!({}), Some("length"));
        finish["timings"] = timings_json(11, 1);
        assert_eq!(
            got,
            vec![
                delta(json!({"role": "assistant", "content": null}), None),
                delta(json!({"content": "x"}), None),
                finish,
                json!({"extra": 1}),
                json!("[DONE]"),
            ]
        );

        let reply = Reply::chunks(vec![
            Event::Raw(json!({"weird": true})),
            Event::RawText("{not json".into()),
        ])
        .hang();
        assert_eq!(
            stream_payloads(&reply, &events(&reply), &ctx(true)),
            vec![
                delta(json!({"role": "assistant", "content": null}), None).to_string(),
                r#"{"weird":true}"#.to_owned(),
                "{not json".to_owned(),
            ]
        );
    }

    #[test]
    fn completion_joins_everything() {
        let reply = Reply::text("Done.").with_reasoning("think").with_tool_call(
            "c1",
            "ls",
            json!({"dir": "src/some/long/path"}),
        );
        assert_eq!(
            completion(&reply, &events(&reply), &ctx(false)),
            json!({
                "choices": [{"finish_reason": "tool_calls", "index": 0, "message": {
                    "role": "assistant",
                    "content": "Done.",
                    "reasoning_content": "think",
                    "tool_calls": [{"type": "function", "id": "c1",
                        "function": {"name": "ls", "arguments": r#"{"dir":"src/some/long/path"}"#}}],
                }}],
                "created": 7,
                "model": "m",
                "system_fingerprint": BUILD_INFO,
                "object": "chat.completion",
                "usage": {"completion_tokens": 8, "prompt_tokens": 11, "total_tokens": 19},
                "id": "chatcmpl-fake-1",
                "timings": timings_json(11, 8),
            })
        );
        let empty = Reply::chunks(vec![]);
        assert_eq!(
            completion(&empty, &[], &ctx(false))["choices"],
            json!([{"finish_reason": "stop", "index": 0,
                "message": {"role": "assistant", "content": null}}])
        );
    }
}
