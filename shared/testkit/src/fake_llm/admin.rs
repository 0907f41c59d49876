//! Scripting the fake from another process (the `boo-fake-llm` binary driven by a
//! Node test): `POST /__script` queues replies given as JSON, `GET /__requests`
//! returns the chat completion bodies received so far. The in-process API
//! ([`super::FakeLlm::push`], [`super::FakeLlm::requests`]) stays the way Rust tests
//! do it; these routes reach the same queue and record.
//!
//! A scripted reply, every field optional:
//!
//! ```json
//! {"reasoning": "…", "content": "…",
//!  "tool_calls": [{"id": "c1", "name": "write_file", "arguments": {"path": "a.txt"}}],
//!  "delay_first_ms": 0, "delay_each_ms": 0, "hang": false}
//! ```
//!
//! The body is one such object or an array of them (queued in order); the answer
//! is `{"pending": N}`, the replies now waiting. A malformed body is a 400 and
//! queues nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::script::Reply;
use super::server::Shared;

/// One scripted reply as JSON (see the module doc).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReplySpec {
    pub reasoning: Option<String>,
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCallSpec>,
    pub delay_first_ms: u64,
    pub delay_each_ms: u64,
    pub hang: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolCallSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub arguments: Value,
}

impl From<ReplySpec> for Reply {
    fn from(spec: ReplySpec) -> Self {
        let mut reply = Reply::text(spec.content.as_deref().unwrap_or_default());
        for call in spec.tool_calls {
            let args = match call.arguments {
                Value::Null => json!({}),
                v => v,
            };
            reply = reply.with_tool_call(&call.id, &call.name, args);
        }
        if let Some(r) = spec.reasoning {
            reply = reply.with_reasoning(&r);
        }
        reply = reply
            .delay_first(Duration::from_millis(spec.delay_first_ms))
            .delay_each(Duration::from_millis(spec.delay_each_ms));
        if spec.hang { reply.hang() } else { reply }
    }
}

/// The body of `POST /__script`: one reply or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Script {
    Many(Vec<ReplySpec>),
    One(ReplySpec),
}

/// Parse a `POST /__script` body into the replies it queues, in order.
pub(crate) fn parse_script(body: &[u8]) -> Result<Vec<Reply>, String> {
    // Parsed as a Value first, so an object's error names the field (untagged
    // enums only say "did not match any variant").
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let script = match value {
        Value::Array(_) => serde_json::from_value(value).map(Script::Many),
        _ => serde_json::from_value(value).map(Script::One),
    }
    .map_err(|e| format!("not a scripted reply: {e}"))?;
    Ok(match script {
        Script::Many(specs) => specs.into_iter().map(Reply::from).collect(),
        Script::One(spec) => vec![Reply::from(spec)],
    })
}

pub(crate) async fn script(State(st): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse_script(&body) {
        Ok(replies) => {
            let mut queue = st.queue();
            queue.extend(replies);
            Json(json!({"pending": queue.len()})).into_response()
        }
        Err(message) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": 400, "message": message, "type": "invalid_request_error"}})),
        )
            .into_response(),
    }
}

pub(crate) async fn requests(State(st): State<Arc<Shared>>) -> Response {
    Json(Value::Array(st.requests.borrow().clone())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_llm::script::tests::events;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_spec_builds_the_same_reply_as_the_builders() {
        let spec: ReplySpec = serde_json::from_value(json!({
            "reasoning": "Write it.",
            "content": "Done",
            "tool_calls": [{"id": "c1", "name": "write_file", "arguments": {"path": "a.txt"}}],
            "delay_first_ms": 5,
            "delay_each_ms": 7,
            "hang": true,
        }))
        .unwrap();
        let want = Reply::text("Done")
            .with_tool_call("c1", "write_file", json!({"path": "a.txt"}))
            .with_reasoning("Write it.")
            .delay_first(Duration::from_millis(5))
            .delay_each(Duration::from_millis(7))
            .hang();
        assert_eq!(Reply::from(spec), want);
        assert_eq!(events(&Reply::from(ReplySpec::default())), vec![]);
    }

    #[test]
    fn parse_script_takes_one_or_many_and_names_bad_fields() {
        assert_eq!(
            parse_script(br#"{"content": "hi"}"#),
            Ok(vec![Reply::text("hi")])
        );
        assert_eq!(
            parse_script(br#"[{"tool_calls": [{"id": "a", "name": "x"}]}, {"content": "ok"}]"#),
            Ok(vec![
                Reply::tool_call("a", "x", json!({})),
                Reply::text("ok")
            ])
        );
        assert_eq!(
            parse_script(br#"{"contnet": "hi"}"#),
            Err(
                "not a scripted reply: unknown field `contnet`, expected one of `reasoning`, \
                 `content`, `tool_calls`, `delay_first_ms`, `delay_each_ms`, `hang`"
                    .to_owned()
            )
        );
        assert_eq!(
            parse_script(b"nope"),
            Err("invalid JSON: expected ident at line 1 column 2".to_owned())
        );
    }
}
