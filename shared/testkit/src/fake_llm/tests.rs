//! The fake driven over real HTTP with reqwest; SSE parsed by hand.

use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::wire::{self, BUILD_INFO, timings_json};
use super::*;

const LIMIT: Duration = Duration::from_secs(10);

/// What a client read: the `data:` payloads (JSON parsed, else as a JSON string),
/// and whether the body ended in an error rather than cleanly.
#[derive(Debug)]
struct Read {
    status: u16,
    content_type: String,
    events: Vec<Value>,
    broken: bool,
}

fn parse_sse(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|block| !block.is_empty())
        .map(|block| {
            let data = block
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {block:?}"));
            serde_json::from_str(data).unwrap_or_else(|_| json!(data))
        })
        .collect()
}

/// `created` is wall-clock time; replace it so whole chunks can be compared.
fn pin_created(mut events: Vec<Value>) -> Vec<Value> {
    for e in &mut events {
        if let Some(c) = e.get_mut("created") {
            assert!(c.as_u64().is_some_and(|t| t > 1_700_000_000), "created {c}");
            *c = json!(0);
        }
    }
    events
}

async fn post(llm: &FakeLlm, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/chat/completions", llm.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn read(resp: reqwest::Response) -> Read {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut resp = resp;
    let mut bytes = Vec::new();
    let broken = loop {
        match resp.chunk().await {
            Ok(Some(b)) => bytes.extend_from_slice(&b),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    let text = String::from_utf8(bytes).unwrap();
    Read {
        status,
        content_type,
        events: pin_created(parse_sse(&text)),
        broken,
    }
}

fn stream_req(user: &str, include_usage: bool) -> Value {
    let mut req = json!({
        "model": "fake-model",
        "stream": true,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": user}],
    });
    if include_usage {
        req["stream_options"] = json!({"include_usage": true});
    }
    req
}

fn chunk(id: &str, choices: Value) -> Value {
    json!({
        "choices": choices,
        "created": 0,
        "id": id,
        "model": "fake-model",
        "system_fingerprint": BUILD_INFO,
        "object": "chat.completion.chunk",
    })
}

fn delta(id: &str, d: Value, finish: Option<&str>) -> Value {
    chunk(
        id,
        json!([{"finish_reason": finish, "index": 0, "delta": d}]),
    )
}

fn role(id: &str) -> Value {
    delta(id, json!({"role": "assistant", "content": null}), None)
}

fn usage_chunk(id: &str, prompt: u64, completion: u64) -> Value {
    let mut c = chunk(id, json!([]));
    c["usage"] = json!({
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
    });
    c["timings"] = timings_json(prompt, completion);
    c
}

#[tokio::test]
async fn streams_reasoning_content_usage_and_done() {
    let llm = FakeLlm::start().await;
    llm.push(
        Reply::text("Hi there!")
            .with_reasoning("Greet")
            .usage(42, 5),
    );
    let req = stream_req("hello", true);
    let got = read(post(&llm, req.clone()).await).await;
    let id = "chatcmpl-fake-1";
    assert_eq!(
        (got.status, got.content_type.as_str(), got.broken),
        (200, "text/event-stream", false)
    );
    assert_eq!(
        got.events,
        vec![
            role(id),
            delta(id, json!({"reasoning_content": "Gree"}), None),
            delta(id, json!({"reasoning_content": "t"}), None),
            delta(id, json!({"content": "Hi t"}), None),
            delta(id, json!({"content": "here"}), None),
            delta(id, json!({"content": "!"}), None),
            delta(id, json!({}), Some("stop")),
            usage_chunk(id, 42, 5),
            json!("[DONE]"),
        ]
    );
    assert_eq!(llm.requests(), vec![req]);
    assert_eq!((llm.pending(), llm.disconnects()), (0, 0));
    llm.stop().await;
}

#[tokio::test]
async fn streams_tool_call_fragments_that_join_to_the_arguments() {
    let llm = FakeLlm::start().await;
    let args = json!({"path": "src/main.rs", "lines": [1, 20]});
    llm.push(Reply::tool_call("call_7", "read_file", args.clone()));
    let got = read(post(&llm, stream_req("read it", false)).await).await;
    let id = "chatcmpl-fake-1";
    let n = got.events.len();
    let prompt = wire::estimate_prompt_tokens(&stream_req("read it", false));
    let frags: Vec<Value> = args
        .to_string()
        .chars()
        .collect::<Vec<_>>()
        .chunks(8)
        .map(|c| {
            let s: String = c.iter().collect();
            delta(
                id,
                json!({"tool_calls": [{"index": 0, "function": {"arguments": s}}]}),
                None,
            )
        })
        .collect();
    let mut finish = delta(id, json!({}), Some("tool_calls"));
    finish["timings"] = timings_json(prompt, frags.len() as u64);
    let mut want = vec![
        role(id),
        delta(
            id,
            json!({"tool_calls": [{"index": 0, "id": "call_7", "type": "function",
                "function": {"name": "read_file", "arguments": ""}}]}),
            None,
        ),
    ];
    want.extend(frags);
    want.extend([finish, json!("[DONE]")]);
    assert_eq!(got.events, want);

    // What an OpenAI client reassembles from the fragments.
    let joined: String = got.events[1..n - 2]
        .iter()
        .map(|e| {
            e.pointer("/choices/0/delta/tool_calls/0/function/arguments")
                .and_then(Value::as_str)
                .unwrap()
        })
        .collect();
    assert_eq!(serde_json::from_str::<Value>(&joined).unwrap(), args);
    llm.stop().await;
}

#[tokio::test]
async fn answers_non_streaming_requests_with_one_completion() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("A short title").usage(30, 3));
    let req = json!({"model": "other-model", "messages": [{"role": "user", "content": "title?"}]});
    let resp = post(&llm, req).await;
    assert_eq!(resp.status().as_u16(), 200);
    let mut body: Value = resp.json().await.unwrap();
    body["created"] = json!(0);
    assert_eq!(
        body,
        json!({
            "choices": [{"finish_reason": "stop", "index": 0,
                "message": {"role": "assistant", "content": "A short title"}}],
            "created": 0,
            "model": "other-model",
            "system_fingerprint": BUILD_INFO,
            "object": "chat.completion",
            "usage": {"completion_tokens": 3, "prompt_tokens": 30, "total_tokens": 33},
            "id": "chatcmpl-fake-1",
            "timings": timings_json(30, 3),
        })
    );
    llm.stop().await;
}

#[tokio::test]
async fn http_error_is_sent_before_any_stream() {
    let llm = FakeLlm::start().await;
    let body = r#"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#;
    llm.push(Reply::http_error(503, body));
    llm.push(Reply::http_error(502, "bad gateway"));
    let resp = post(&llm, stream_req("x", true)).await;
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(resp.text().await.unwrap(), body);
    let resp = post(&llm, stream_req("x", true)).await;
    assert_eq!(
        (resp.status().as_u16(), resp.text().await.unwrap()),
        (502, "bad gateway".to_owned())
    );
    assert_eq!(llm.requests().len(), 2);
    llm.stop().await;
}

#[tokio::test]
async fn fail_after_truncates_the_stream_with_an_error() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("one two three").fail_after(3));
    let got = read(post(&llm, stream_req("x", true)).await).await;
    let id = "chatcmpl-fake-1";
    assert!(got.broken, "the client must see a broken body");
    assert_eq!(
        got.events,
        vec![
            role(id),
            delta(id, json!({"content": "one "}), None),
            delta(id, json!({"content": "two "}), None),
        ]
    );

    // Non-streaming: half a JSON document, then the abort.
    llm.push(Reply::text("whole answer").fail_after(0));
    let mut resp = post(&llm, json!({"messages": []})).await;
    assert_eq!(resp.status().as_u16(), 200);
    let mut seen = Vec::new();
    let err = loop {
        match resp.chunk().await {
            Ok(Some(b)) => seen.extend_from_slice(&b),
            Ok(None) => panic!("body ended cleanly"),
            Err(e) => break e,
        }
    };
    assert!(err.is_body() || err.is_decode(), "{err:?}");
    assert!(serde_json::from_slice::<Value>(&seen).is_err());
    assert_eq!(llm.disconnects(), 0);
    llm.stop().await;
}

#[tokio::test]
async fn hang_keeps_the_stream_open_until_the_client_leaves() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("partial").hang());
    let mut resp = post(&llm, stream_req("x", true)).await;
    let mut text = String::new();
    while text.matches("\n\n").count() < 3 {
        let b = resp.chunk().await.unwrap().unwrap();
        text.push_str(std::str::from_utf8(&b).unwrap());
    }
    let id = "chatcmpl-fake-1";
    assert_eq!(
        pin_created(parse_sse(&text)),
        vec![
            role(id),
            delta(id, json!({"content": "part"}), None),
            delta(id, json!({"content": "ial"}), None),
        ]
    );
    // Nothing more comes while the client stays.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), resp.chunk())
            .await
            .is_err()
    );
    assert_eq!(llm.disconnects(), 0);
    drop(resp);
    assert_eq!(llm.wait_disconnects(1, LIMIT).await, 1);
    llm.stop().await;
}

#[tokio::test]
async fn counts_clients_leaving_mid_stream_or_during_prompt_processing() {
    let llm = FakeLlm::start().await;
    // Leaves between slow chunks.
    llm.push(Reply::text("slow slow slow").delay_each(Duration::from_secs(30)));
    let mut resp = post(&llm, stream_req("x", false)).await;
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(first.starts_with(b"data: "));
    drop(resp);
    assert_eq!(llm.wait_disconnects(1, LIMIT).await, 1);

    // Gives up while the prompt is still "processing" (no response head yet).
    llm.push(Reply::text("late").delay_first(Duration::from_secs(30)));
    let client = reqwest::Client::new();
    let url = format!("{}/chat/completions", llm.base_url());
    let pending = client.post(&url).json(&stream_req("y", false)).send();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), pending)
            .await
            .is_err()
    );
    assert_eq!(llm.wait_disconnects(2, LIMIT).await, 2);

    // A non-streaming request that never gets an answer.
    llm.push(Reply::text("never").hang());
    let pending = client.post(&url).json(&json!({"messages": []})).send();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), pending)
            .await
            .is_err()
    );
    assert_eq!(llm.wait_disconnects(3, LIMIT).await, 3);
    assert_eq!(llm.wait_requests(3, LIMIT).await.len(), 3);
    llm.stop().await;
}

#[tokio::test]
async fn delay_first_holds_back_the_first_chunk() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("ok").delay_first(Duration::from_millis(300)));
    let started = Instant::now();
    let got = read(post(&llm, stream_req("x", false)).await).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(got.events.last(), Some(&json!("[DONE]")));

    // A model still loading: the error comes late too.
    llm.push(Reply::http_error(503, "loading").delay_first(Duration::from_millis(200)));
    let started = Instant::now();
    let resp = post(&llm, stream_req("x", false)).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(resp.status().as_u16(), 503);
    llm.stop().await;
}

#[tokio::test]
async fn props_report_vision_when_configured() {
    for vision in [false, true] {
        let llm = FakeLlm::start_with(FakeOptions {
            vision,
            ..FakeOptions::default()
        })
        .await;
        let props: Value = reqwest::get(format!("{}/props", llm.root_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            props["modalities"],
            json!({"vision": vision, "audio": false})
        );
        llm.stop().await;
    }
}

#[tokio::test]
async fn serves_models_and_props_like_llama_swap_and_llama_server() {
    let llm = FakeLlm::start_with(FakeOptions {
        models: vec!["qwen3-8b".into(), "org/big:Q4".into()],
        n_ctx: 32768,
        n_ctx_by_model: [("org/big:Q4".to_owned(), 131072)].into(),
        ..FakeOptions::default()
    })
    .await;
    let get = |path: &str| {
        let url = format!("{}{path}", llm.root_url());
        async move {
            let resp = reqwest::get(url).await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        get("/v1/models").await,
        (
            200,
            json!({"object": "list", "data": [
                {"id": "qwen3-8b", "object": "model", "created": 0, "owned_by": "fake"},
                {"id": "org/big:Q4", "object": "model", "created": 0, "owned_by": "fake"},
            ]})
        )
    );
    let props = |model: &str, n_ctx: u64| {
        json!({
            "default_generation_settings": {
                "id": 0, "id_task": -1, "n_ctx": n_ctx, "speculative": false,
                "is_processing": false,
                "params": {"n_predict": -1, "temperature": 0.8, "top_k": 40, "top_p": 0.95, "stream": true},
            },
            "total_slots": 1,
            "model_alias": model,
            "model_path": format!("/models/{model}.gguf"),
            "chat_template": "",
            "modalities": {"vision": false, "audio": false},
            "build_info": BUILD_INFO,
        })
    };
    assert_eq!(get("/props").await, (200, props("qwen3-8b", 32768)));
    assert_eq!(
        get("/upstream/qwen3-8b/props").await,
        (200, props("qwen3-8b", 32768))
    );
    assert_eq!(
        get("/upstream/org/big:Q4/props").await,
        (200, props("org/big:Q4", 131072))
    );
    assert_eq!(
        get("/upstream/nope/props").await,
        (
            404,
            json!({"error": {"code": 404, "message": "model nope not found", "type": "not_found_error"}})
        )
    );
    assert_eq!(
        get("/v1/embeddings").await,
        (
            404,
            json!({"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}})
        )
    );
    assert_eq!(get("/health").await, (200, json!({"status": "ok"})));
    llm.stop().await;
}

#[tokio::test]
async fn unscripted_requests_think_then_echo() {
    let llm = FakeLlm::start().await;
    let got = read(post(&llm, stream_req("Hi", true)).await).await;
    let id = "chatcmpl-fake-1";
    let prompt = wire::estimate_prompt_tokens(&stream_req("Hi", true));
    let mut want = vec![role(id)];
    for r in ["Thin", "king", " abo", "ut: ", "Hi"] {
        want.push(delta(id, json!({"reasoning_content": r}), None));
    }
    for c in ["Echo", ": Hi"] {
        want.push(delta(id, json!({"content": c}), None));
    }
    want.push(delta(id, json!({}), Some("stop")));
    want.push(usage_chunk(id, prompt, 7));
    want.push(json!("[DONE]"));
    assert_eq!(got.events, want);

    let body: Value = post(
        &llm,
        json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "title"}]}]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        body["choices"][0]["message"],
        json!({"role": "assistant", "content": "Echo: title", "reasoning_content": "Thinking about: title"})
    );
    llm.stop().await;
}

#[tokio::test]
async fn strict_mode_fails_unscripted_requests_and_bad_json_is_rejected() {
    let llm = FakeLlm::start_with(FakeOptions {
        when_empty: WhenEmpty::Error,
        ..FakeOptions::default()
    })
    .await;
    let resp = post(&llm, stream_req("x", true)).await;
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": {"code": 500, "message": "boo-fake-llm: no scripted reply left", "type": "server_error"}})
    );
    let resp = reqwest::Client::new()
        .post(format!("{}/chat/completions", llm.base_url()))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["type"],
        json!("invalid_request_error"),
        "{body}"
    );
    assert_eq!(
        llm.wait_requests(2, LIMIT).await,
        vec![stream_req("x", true), json!("{oops")]
    );
    llm.stop().await;
}

#[tokio::test]
async fn replies_are_consumed_in_order_and_requests_recorded() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("first"));
    llm.push(Reply::chunks(vec![
        Event::Content("second".into()),
        Event::Finish("length".into()),
    ]));
    assert_eq!(llm.pending(), 2);
    let a = read(post(&llm, stream_req("1", false)).await).await;
    let b = read(post(&llm, stream_req("2", false)).await).await;
    assert_eq!(
        a.events[1],
        delta("chatcmpl-fake-1", json!({"content": "firs"}), None)
    );
    assert_eq!(
        b.events[1..3],
        [
            delta("chatcmpl-fake-2", json!({"content": "second"}), None),
            {
                let mut f = delta("chatcmpl-fake-2", json!({}), Some("length"));
                f["timings"] =
                    timings_json(wire::estimate_prompt_tokens(&stream_req("2", false)), 1);
                f
            },
        ]
    );
    assert_eq!(
        llm.wait_requests(2, LIMIT).await,
        vec![stream_req("1", false), stream_req("2", false)]
    );
    llm.stop().await;
}

#[tokio::test]
async fn stop_ends_hanging_streams() {
    let llm = FakeLlm::start().await;
    llm.push(Reply::text("x").hang());
    let mut resp = post(&llm, stream_req("x", false)).await;
    resp.chunk().await.unwrap().unwrap();
    let url = llm.root_url();
    let started = Instant::now();
    llm.stop().await;
    assert!(started.elapsed() < Duration::from_secs(3));
    // The open stream ends in an error, and the port no longer answers.
    let rest = tokio::time::timeout(LIMIT, async {
        loop {
            match resp.chunk().await {
                Ok(Some(_)) => {}
                Ok(None) => break false,
                Err(_) => break true,
            }
        }
    })
    .await
    .unwrap();
    assert!(rest);
    assert!(reqwest::get(format!("{url}/health")).await.is_err());
}

#[tokio::test]
async fn wait_requests_panics_after_its_limit() {
    let llm = FakeLlm::start().await;
    let waited = tokio::spawn(async move {
        llm.wait_requests(1, Duration::from_millis(50)).await;
    })
    .await;
    assert!(waited.unwrap_err().is_panic());
}

#[tokio::test]
async fn another_process_scripts_replies_and_reads_requests_over_http() {
    let llm = FakeLlm::start().await;
    let http = reqwest::Client::new();
    let script = |body: Value| {
        http.post(format!("{}/__script", llm.root_url()))
            .json(&body)
            .send()
    };
    let resp = script(json!([
        {"tool_calls": [{"id": "c1", "name": "write_file", "arguments": {"path": "a"}}]},
        {"content": "Done.", "reasoning": "ok"},
    ]))
    .await
    .unwrap();
    assert_eq!(
        (resp.status().as_u16(), resp.json::<Value>().await.unwrap()),
        (200, json!({"pending": 2}))
    );
    let resp = script(json!({"content": 1})).await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(llm.pending(), 2);

    let a = read(post(&llm, stream_req("1", false)).await).await;
    assert_eq!(
        a.events[1],
        delta(
            "chatcmpl-fake-1",
            json!({"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                "function": {"name": "write_file", "arguments": ""}}]}),
            None,
        )
    );
    let b = read(post(&llm, stream_req("2", false)).await).await;
    assert_eq!(
        b.events[1],
        delta("chatcmpl-fake-2", json!({"reasoning_content": "ok"}), None)
    );
    let recorded: Value = http
        .get(format!("{}/__requests", llm.root_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        recorded,
        json!([stream_req("1", false), stream_req("2", false)])
    );
    llm.stop().await;
}
