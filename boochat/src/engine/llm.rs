//! OpenAI-compatible streaming client for llama-server / llama-swap.
//!
//! Speaks `POST {base}/chat/completions` with `stream: true` and reads the SSE
//! chunks into [`StreamEvent`]s: content, `reasoning_content`, tool-call
//! fragments, finish reason, usage and llama-server `timings`. Models come from
//! `GET {base}/models`; the context size from llama-server's `/props` (or
//! llama-swap's `/upstream/<model>/props`) where the server offers it.

use std::time::Duration;

use boo_shared::chat::ModelInfo;
use boo_shared::config::{LlmConfig, Secret};
use boo_shared::frames::PromptProgress;
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the model server is unreachable: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the model server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the model stream broke: {0}")]
    Stream(String),
    #[error("the model server sent nothing for {0}s")]
    Idle(u64),
    #[error("the model server sent an unreadable chunk: {0}")]
    Decode(String),
    #[error("the model server lists no models")]
    NoModels,
}

/// One thing that happened in a streamed completion.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    Content(String),
    Reasoning(String),
    /// A fragment of native tool call `index`; `id`/`name` come in the first.
    ToolCall {
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    Finish(String),
    Usage {
        prompt: u32,
        completion: u32,
    },
    Timings {
        prompt_ms: Option<f64>,
        predicted_per_second: Option<f64>,
    },
    /// llama-server's `prompt_progress` (asked for with `return_progress`).
    PromptProgress(PromptProgress),
}

#[derive(Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Option<Secret>,
    idle: Duration,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<UsageJson>,
    timings: Option<TimingsJson>,
    prompt_progress: Option<ProgressJson>,
}

#[derive(Deserialize)]
struct ProgressJson {
    #[serde(default)]
    total: u32,
    #[serde(default)]
    cache: u32,
    #[serde(default)]
    processed: u32,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
    reasoning_content: Option<String>,
    /// Some servers (vLLM, newer llama.cpp options) call it `reasoning`.
    reasoning: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: u32,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct UsageJson {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

#[derive(Deserialize)]
struct TimingsJson {
    prompt_ms: Option<f64>,
    predicted_per_second: Option<f64>,
}

/// `modalities.vision` of a `/props` answer.
pub fn vision_of(props: &Value) -> Option<bool> {
    props.pointer("/modalities/vision").and_then(Value::as_bool)
}

/// Turn one SSE `data:` payload into events.
pub fn parse_chunk(data: &str) -> Result<Vec<StreamEvent>, LlmError> {
    let chunk: Chunk =
        serde_json::from_str(data).map_err(|e| LlmError::Decode(format!("{e}: {data}")))?;
    let mut out = Vec::new();
    for choice in chunk.choices {
        let d = choice.delta;
        if let Some(r) = d
            .reasoning_content
            .or(d.reasoning)
            .filter(|s| !s.is_empty())
        {
            out.push(StreamEvent::Reasoning(r));
        }
        if let Some(c) = d.content.filter(|s| !s.is_empty()) {
            out.push(StreamEvent::Content(c));
        }
        for tc in d.tool_calls {
            let (name, arguments) = match tc.function {
                Some(f) => (f.name, f.arguments.unwrap_or_default()),
                None => (None, String::new()),
            };
            out.push(StreamEvent::ToolCall {
                index: tc.index,
                id: tc.id.filter(|s| !s.is_empty()),
                name: name.filter(|s| !s.is_empty()),
                arguments,
            });
        }
        if let Some(f) = choice.finish_reason {
            out.push(StreamEvent::Finish(f));
        }
    }
    if let Some(u) = chunk.usage {
        out.push(StreamEvent::Usage {
            prompt: u.prompt_tokens,
            completion: u.completion_tokens,
        });
    }
    if let Some(p) = chunk.prompt_progress {
        out.push(StreamEvent::PromptProgress(PromptProgress {
            processed: p.processed,
            total: p.total,
            cache: p.cache,
        }));
    }
    if let Some(t) = chunk.timings {
        out.push(StreamEvent::Timings {
            prompt_ms: t.prompt_ms,
            predicted_per_second: t.predicted_per_second,
        });
    }
    Ok(out)
}

impl LlmClient {
    pub fn new(cfg: &LlmConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(cfg.connect_timeout_secs))
            .build()?;
        Ok(Self {
            http,
            base_url: cfg.base_url.trim_end_matches('/').to_owned(),
            api_key: cfg.api_key.clone(),
            idle: Duration::from_secs(cfg.idle_timeout_secs),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api_key {
            Some(key) => req.bearer_auth(key.expose()),
            None => req,
        }
    }

    fn unreachable(&self, source: reqwest::Error) -> LlmError {
        LlmError::Unreachable {
            url: self.base_url.clone(),
            source,
        }
    }

    /// `GET /models`, each with its context size where the server tells.
    pub async fn models(&self) -> Result<Vec<ModelInfo>, LlmError> {
        #[derive(Deserialize)]
        struct List {
            data: Vec<Item>,
        }
        #[derive(Deserialize)]
        struct Item {
            id: String,
        }
        let resp = self
            .auth(self.http.get(format!("{}/models", self.base_url)))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            return Err(LlmError::Status { status, body });
        }
        let list: List = resp
            .json()
            .await
            .map_err(|e| LlmError::Decode(e.to_string()))?;
        // Asking llama-swap for a model's props starts that model, so only models
        // already running are asked; a single-model llama-server answers `/props`.
        let running = if list.data.len() == 1 {
            list.data.iter().map(|m| m.id.clone()).collect()
        } else {
            self.running_models().await
        };
        let mut out = Vec::with_capacity(list.data.len());
        for item in list.data {
            let props = if running.contains(&item.id) {
                self.props(&item.id).await
            } else {
                None
            };
            let ctx_size = props
                .as_ref()
                .and_then(|v| v.pointer("/default_generation_settings/n_ctx"))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok());
            out.push(ModelInfo {
                id: item.id,
                ctx_size,
                vision: props.as_ref().and_then(vision_of),
            });
        }
        Ok(out)
    }

    /// llama-swap's `GET /running`; empty for servers without it.
    async fn running_models(&self) -> Vec<String> {
        let root = self.base_url.trim_end_matches("/v1");
        let Ok(resp) = self
            .auth(self.http.get(format!("{root}/running")))
            .timeout(Duration::from_secs(5))
            .send()
            .await
        else {
            return Vec::new();
        };
        let Ok(v) = resp.json::<Value>().await else {
            return Vec::new();
        };
        v.get("running")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("model").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// llama-server's `/props` for `model`: llama-swap's per-model
    /// `/upstream/<model>/props` first, then the server's own. `None` when neither answers.
    pub async fn props(&self, model: &str) -> Option<Value> {
        let root = self.base_url.trim_end_matches("/v1");
        for url in [
            format!("{root}/upstream/{model}/props"),
            format!("{root}/props"),
        ] {
            let Ok(resp) = self
                .auth(self.http.get(&url))
                .timeout(Duration::from_secs(5))
                .send()
                .await
            else {
                continue;
            };
            if !resp.status().is_success() {
                continue;
            }
            if let Ok(v) = resp.json::<Value>().await {
                return Some(v);
            }
        }
        None
    }

    /// The context size in `/props` (`default_generation_settings.n_ctx`).
    pub async fn ctx_size(&self, model: &str) -> Option<u32> {
        let v = self.props(model).await?;
        let n = v
            .pointer("/default_generation_settings/n_ctx")
            .and_then(Value::as_u64)?;
        u32::try_from(n).ok()
    }

    /// Whether the model takes images: `/props` `modalities.vision` (llama-server
    /// loaded with an `--mmproj`). `None`: the server does not say.
    pub async fn vision(&self, model: &str) -> Option<bool> {
        vision_of(&self.props(model).await?)
    }

    /// `POST {base}/chat/completions` with `body`; an error status is
    /// [`LlmError::Status`] with the start of the server's answer.
    async fn post_completion(
        &self,
        body: &serde_json::Map<String, Value>,
    ) -> Result<reqwest::Response, LlmError> {
        let resp = self
            .auth(
                self.http
                    .post(format!("{}/chat/completions", self.base_url)),
            )
            .json(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            return Err(LlmError::Status {
                status,
                body: body.chars().take(2000).collect(),
            });
        }
        Ok(resp)
    }

    /// One non-streamed completion (`stream: false`), bounded by `limit`: the
    /// first choice's `message.content` (empty when it has none).
    pub async fn complete(
        &self,
        mut body: serde_json::Map<String, Value>,
        limit: Duration,
    ) -> Result<String, LlmError> {
        body.insert("stream".into(), Value::Bool(false));
        let send = async {
            let resp = self.post_completion(&body).await?;
            let v: Value = resp
                .json()
                .await
                .map_err(|e| LlmError::Decode(e.to_string()))?;
            Ok(v.pointer("/choices/0/message/content")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned())
        };
        tokio::time::timeout(limit, send)
            .await
            .map_err(|_| LlmError::Idle(limit.as_secs()))?
    }

    /// Start a streamed completion. `body` holds model, messages, tools and
    /// sampling; `stream` and usage reporting are added here.
    pub async fn stream(
        &self,
        mut body: serde_json::Map<String, Value>,
    ) -> Result<impl Stream<Item = Result<StreamEvent, LlmError>> + Send + use<>, LlmError> {
        body.insert("stream".into(), Value::Bool(true));
        body.insert("stream_options".into(), json!({"include_usage": true}));
        let resp = self.post_completion(&body).await?;
        let idle = self.idle;
        let events = resp.bytes_stream().eventsource();
        let stream = futures::stream::unfold(
            (Box::pin(events), false),
            move |(mut events, done)| async move {
                if done {
                    return None;
                }
                let next = tokio::time::timeout(idle, events.next()).await;
                match next {
                    Err(_) => Some((Err(LlmError::Idle(idle.as_secs())), (events, true))),
                    Ok(None) => None,
                    Ok(Some(Err(e))) => {
                        Some((Err(LlmError::Stream(e.to_string())), (events, true)))
                    }
                    Ok(Some(Ok(ev))) if ev.data.trim() == "[DONE]" => None,
                    Ok(Some(Ok(ev))) if ev.data.trim().is_empty() => {
                        Some((Ok(Vec::new()), (events, false)))
                    }
                    Ok(Some(Ok(ev))) => Some((parse_chunk(&ev.data), (events, false))),
                }
            },
        )
        .flat_map(|r: Result<Vec<StreamEvent>, LlmError>| {
            futures::stream::iter(match r {
                Ok(v) => v.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
        });
        Ok(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn parses_content_reasoning_tool_calls_usage_and_timings() {
        let got = parse_chunk(
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"hm","content":"Hi","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"read_file","arguments":"{\"pa"}}]},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                StreamEvent::Reasoning("hm".into()),
                StreamEvent::Content("Hi".into()),
                StreamEvent::ToolCall {
                    index: 0,
                    id: Some("c1".into()),
                    name: Some("read_file".into()),
                    arguments: "{\"pa".into()
                },
            ]
        );
        let got = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15},"timings":{"prompt_n":12,"prompt_ms":40.5,"predicted_n":3,"predicted_ms":30.0,"predicted_per_second":100.0}}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                StreamEvent::Usage {
                    prompt: 12,
                    completion: 3
                },
                StreamEvent::Timings {
                    prompt_ms: Some(40.5),
                    predicted_per_second: Some(100.0)
                }
            ]
        );
        assert_eq!(
            parse_chunk(r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#).unwrap(),
            vec![StreamEvent::Finish("stop".into())]
        );
        assert!(parse_chunk("not json").is_err());
    }

    #[test]
    fn reads_llama_servers_prompt_progress() {
        // As llama.cpp's server (the xllamacpp wheel) sends it with `return_progress`.
        let got = parse_chunk(
            r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"object":"chat.completion.chunk","prompt_progress":{"total":44,"cache":4,"processed":20,"time_ms":421}}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![StreamEvent::PromptProgress(PromptProgress {
                processed: 20,
                total: 44,
                cache: 4
            })]
        );
    }
}
