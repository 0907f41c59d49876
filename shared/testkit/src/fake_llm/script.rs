//! What the fake LLM answers: scripted [`Reply`]s built from [`Event`]s, and the
//! unscripted echo.

use std::time::Duration;

use serde_json::Value;

/// Characters per content / reasoning chunk in [`Reply::text`] and friends.
const TEXT_CHUNK_CHARS: usize = 4;
/// Characters per `function.arguments` fragment in [`Reply::tool_call`].
const ARGS_CHUNK_CHARS: usize = 8;

/// One step of a streamed reply; each becomes one `data:` event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `delta.content`.
    Content(String),
    /// `delta.reasoning_content` (llama-server's thinking channel).
    Reasoning(String),
    /// The first fragment of a native tool call: id, `type: "function"`, name, empty arguments.
    ToolCallStart {
        index: u32,
        id: String,
        name: String,
    },
    /// A `function.arguments` fragment of the tool call at `index`.
    ToolCallArgs { index: u32, fragment: String },
    /// A chunk with an empty delta and this `finish_reason`. When a reply has none,
    /// one is added at the end: `"tool_calls"` if it started a tool call, else `"stop"`.
    Finish(String),
    /// This JSON, verbatim, as a `data:` payload.
    Raw(Value),
    /// This text, verbatim, as a `data:` payload (e.g. malformed JSON).
    RawText(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Body {
    Events(Vec<Event>),
    HttpError { status: u16, body: String },
}

/// The answer to one `POST /v1/chat/completions`. Build with the constructors,
/// then adjust with the `self`-taking methods.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub(crate) body: Body,
    pub(crate) delay_each: Duration,
    pub(crate) delay_first: Duration,
    pub(crate) usage: Option<(u64, u64)>,
    pub(crate) fail_after: Option<usize>,
    pub(crate) hang: bool,
}

impl Reply {
    fn from_body(body: Body) -> Self {
        Self {
            body,
            delay_each: Duration::ZERO,
            delay_first: Duration::ZERO,
            usage: None,
            fail_after: None,
            hang: false,
        }
    }

    /// `s` as content, in chunks of about four characters.
    pub fn text(s: &str) -> Self {
        Self::chunks(split(s, TEXT_CHUNK_CHARS).map(Event::Content).collect())
    }

    /// Exactly these events (a `Finish` is added if none is among them).
    pub fn chunks(events: Vec<Event>) -> Self {
        Self::from_body(Body::Events(events))
    }

    /// A native tool call (index 0) whose arguments JSON arrives in fragments.
    pub fn tool_call(id: &str, name: &str, args: Value) -> Self {
        Self::chunks(Vec::new()).with_tool_call(id, name, args)
    }

    /// Append a native tool call at the next free index (parallel calls, or text then a call).
    pub fn with_tool_call(mut self, id: &str, name: &str, args: Value) -> Self {
        if let Body::Events(events) = &mut self.body {
            let index = events
                .iter()
                .filter(|e| matches!(e, Event::ToolCallStart { .. }))
                .count();
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            events.push(Event::ToolCallStart {
                index,
                id: id.to_owned(),
                name: name.to_owned(),
            });
            events.extend(
                split(&args.to_string(), ARGS_CHUNK_CHARS)
                    .map(|fragment| Event::ToolCallArgs { index, fragment }),
            );
        }
        self
    }

    /// `r` as `reasoning_content` chunks before everything else.
    pub fn with_reasoning(mut self, r: &str) -> Self {
        if let Body::Events(events) = &mut self.body {
            let reasoning: Vec<Event> = split(r, TEXT_CHUNK_CHARS).map(Event::Reasoning).collect();
            events.splice(0..0, reasoning);
        }
        self
    }

    /// Wait `d` between consecutive `data:` events (a slow model).
    pub fn delay_each(mut self, d: Duration) -> Self {
        self.delay_each = d;
        self
    }

    /// Wait `d` before answering at all (prompt processing): the response head and
    /// the first event come after it.
    pub fn delay_first(mut self, d: Duration) -> Self {
        self.delay_first = d;
        self
    }

    /// Report these token counts in `usage` and `timings` (otherwise: prompt = request
    /// JSON length / 4, completion = number of content/reasoning/argument events).
    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        self.usage = Some((prompt, completion));
        self
    }

    /// Answer `status` with `body` (JSON content type if it parses as JSON) instead of a
    /// completion, after any [`Reply::delay_first`].
    pub fn http_error(status: u16, body: &str) -> Self {
        Self::from_body(Body::HttpError {
            status,
            body: body.to_owned(),
        })
    }

    /// Send the first `n_chunks` `data:` events (the role chunk counts; so does
    /// `[DONE]`), then abort the connection without ending the chunked body.
    /// Non-streaming: half the JSON, then the abort.
    pub fn fail_after(mut self, n_chunks: usize) -> Self {
        self.fail_after = Some(n_chunks);
        self
    }

    /// After the scripted events, send no finish chunk, usage or `[DONE]`: keep the
    /// stream open until the client goes away (counted in `FakeLlm::disconnects`).
    /// Non-streaming: never answer.
    pub fn hang(mut self) -> Self {
        self.hang = true;
        self
    }
}

/// `s` in pieces of `n` characters (never splitting a character).
fn split(s: &str, n: usize) -> impl Iterator<Item = String> + '_ {
    let n = n.max(1);
    let mut chars = s.chars().peekable();
    std::iter::from_fn(move || {
        chars.peek()?;
        Some(chars.by_ref().take(n).collect())
    })
}
/// The text of the last `user` message (string content, or its text parts joined).
pub(crate) fn last_user_text(request: &Value) -> String {
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        return String::new();
    };
    let Some(user) = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
    else {
        return String::new();
    };
    match user.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The unscripted answer: think about the last user message, then echo it.
pub(crate) fn echo(request: &Value, delay_each: Duration) -> Reply {
    let said = last_user_text(request);
    Reply::text(&format!("Echo: {said}"))
        .with_reasoning(&format!("Thinking about: {said}"))
        .delay_each(delay_each)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    pub(crate) fn events(reply: &Reply) -> Vec<Event> {
        match &reply.body {
            Body::Events(e) => e.clone(),
            Body::HttpError { .. } => panic!("not events"),
        }
    }

    #[test]
    fn builders_compose_events() {
        let reply = Reply::text("Hello, world")
            .with_reasoning("hmm…ok")
            .with_tool_call("c1", "read", json!({"path": "a.rs"}));
        assert_eq!(
            events(&reply),
            vec![
                Event::Reasoning("hmm…".into()),
                Event::Reasoning("ok".into()),
                Event::Content("Hell".into()),
                Event::Content("o, w".into()),
                Event::Content("orld".into()),
                Event::ToolCallStart {
                    index: 0,
                    id: "c1".into(),
                    name: "read".into()
                },
                Event::ToolCallArgs {
                    index: 0,
                    fragment: r#"{"path":"#.into()
                },
                Event::ToolCallArgs {
                    index: 0,
                    fragment: r#""a.rs"}"#.into()
                },
            ]
        );
        let two = Reply::tool_call("a", "x", json!({})).with_tool_call("b", "y", json!({}));
        assert_eq!(
            events(&two),
            vec![
                Event::ToolCallStart {
                    index: 0,
                    id: "a".into(),
                    name: "x".into()
                },
                Event::ToolCallArgs {
                    index: 0,
                    fragment: "{}".into()
                },
                Event::ToolCallStart {
                    index: 1,
                    id: "b".into(),
                    name: "y".into()
                },
                Event::ToolCallArgs {
                    index: 1,
                    fragment: "{}".into()
                },
            ]
        );
        let err = Reply::http_error(503, "busy").with_reasoning("x").hang();
        assert_eq!(
            err.body,
            Body::HttpError {
                status: 503,
                body: "busy".into()
            }
        );
    }

    #[test]
    fn last_user_text_handles_shapes() {
        let req = json!({"messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}]},
            {"role": "tool", "content": "result"},
        ]});
        assert_eq!(last_user_text(&req), "ab");
        assert_eq!(last_user_text(&json!({"messages": []})), "");
        assert_eq!(last_user_text(&json!({})), "");
        assert_eq!(
            events(&echo(
                &json!({"messages": [{"role": "user", "content": "yo"}]}),
                Duration::ZERO
            )),
            vec![
                Event::Reasoning("Thin".into()),
                Event::Reasoning("king".into()),
                Event::Reasoning(" abo".into()),
                Event::Reasoning("ut: ".into()),
                Event::Reasoning("yo".into()),
                Event::Content("Echo".into()),
                Event::Content(": yo".into()),
            ]
        );
    }
}
