//! `GET`/`PATCH /api/settings` (CHAT-11): the whole settings object with defaults,
//! per-key validation, reset with `null`, and the engine using the owner's default
//! model, agent and sampling for a chat that chooses none.

use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm, FakeOptions, Reply};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fx, call, get};

fn defaults() -> Value {
    json!({
        "chat.default_model": null,
        "chat.default_agent": null,
        "chat.compact_threshold": 0.8,
        "sampling.temperature": null,
        "sampling.top_p": null,
        "sampling.top_k": null,
        "sampling.min_p": null,
        "sampling.repeat_penalty": null,
        "sampling.presence_penalty": null,
        "sampling.frequency_penalty": null,
        "sampling.max_tokens": null,
        "ui.theme": "system",
    })
}

/// `defaults()` with `changes` applied.
fn with(changes: Value) -> Value {
    let mut all = defaults();
    for (k, v) in changes.as_object().unwrap() {
        all[k] = v.clone();
    }
    all
}

async fn patch(fx: &Fx, body: Value) -> (u16, Value) {
    call(
        &fx.http,
        Method::PATCH,
        &fx.url("/api/settings"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn settings_start_at_their_defaults_and_patch_sets_and_resets_keys() {
    let fx = Fx::start().await;
    let info: Value = get(&fx.http, &fx.url("/api/settings")).await;
    assert_eq!(info, json!({"settings": defaults(), "set": []}));

    let (status, body) = patch(
        &fx,
        json!({
            "chat.default_model": " big-model ",
            "chat.compact_threshold": 0.5,
            "sampling.temperature": 0.3,
            "sampling.top_k": 40,
            "sampling.max_tokens": 77,
            "ui.theme": "dark",
        }),
    )
    .await;
    let set = json!({
        "settings": with(json!({
            "chat.default_model": "big-model",
            "chat.compact_threshold": 0.5,
            "sampling.temperature": 0.3,
            "sampling.top_k": 40,
            "sampling.max_tokens": 77,
            "ui.theme": "dark",
        })),
        "set": ["chat.compact_threshold", "chat.default_model", "sampling.max_tokens",
                "sampling.temperature", "sampling.top_k", "ui.theme"],
    });
    assert_eq!((status, body), (200, set.clone()));
    let info: Value = get(&fx.http, &fx.url("/api/settings")).await;
    assert_eq!(info, set);

    // null resets a key to its default; keys not named stay.
    let (status, body) = patch(
        &fx,
        json!({"chat.compact_threshold": null, "ui.theme": null, "sampling.top_k": null}),
    )
    .await;
    let after = json!({
        "settings": with(json!({
            "chat.default_model": "big-model",
            "sampling.temperature": 0.3,
            "sampling.max_tokens": 77,
        })),
        "set": ["chat.default_model", "sampling.max_tokens", "sampling.temperature"],
    });
    assert_eq!((status, body), (200, after.clone()));
    // An empty patch changes nothing.
    assert_eq!(patch(&fx, json!({})).await, (200, after));
}

#[tokio::test]
async fn bad_values_and_unknown_keys_are_refused_and_nothing_is_written() {
    let fx = Fx::start().await;
    let cases = [
        (
            json!({"ui.theme": "dark", "chat.compact_threshold": 0}),
            json!({"error": "chat.compact_threshold: must be in (0, 1]", "code": "invalid_chat_compact_threshold", "details": {"key": "chat.compact_threshold"}}),
        ),
        (
            json!({"chat.compact_threshold": 1.01}),
            json!({"error": "chat.compact_threshold: must be in (0, 1]", "code": "invalid_chat_compact_threshold", "details": {"key": "chat.compact_threshold"}}),
        ),
        (
            json!({"sampling.temperature": "hot"}),
            json!({"error": "sampling.temperature: must be a number", "code": "invalid_sampling_temperature", "details": {"key": "sampling.temperature"}}),
        ),
        (
            json!({"sampling.max_tokens": -1}),
            json!({"error": "sampling.max_tokens: must be a whole number from 1 to 1000000", "code": "invalid_sampling_max_tokens", "details": {"key": "sampling.max_tokens"}}),
        ),
        (
            json!({"ui.theme": "sepia"}),
            json!({"error": "ui.theme: must be \"light\", \"dark\" or \"system\"", "code": "invalid_ui_theme", "details": {"key": "ui.theme"}}),
        ),
        (
            json!({"chat.default_agent": "Nobody"}),
            json!({"error": "chat.default_agent: agent \"Nobody\" is not defined in the agents registry", "code": "invalid_chat_default_agent", "details": {"key": "chat.default_agent"}}),
        ),
    ];
    for (body, want) in cases {
        assert_eq!(patch(&fx, body.clone()).await, (400, want), "{body}");
    }
    let (status, body) = patch(&fx, json!({"ui.theme": "dark", "ui.font": "mono"})).await;
    assert_eq!(
        (status, body["code"].clone(), body["details"].clone()),
        (400, json!("unknown_setting"), json!({"key": "ui.font"}))
    );
    let (status, body) = patch(&fx, json!(["ui.theme"])).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "the body must be a JSON object of settings keys", "code": "invalid_settings", "details": {"key": ""}})
        )
    );
    let info: Value = get(&fx.http, &fx.url("/api/settings")).await;
    assert_eq!(info, json!({"settings": defaults(), "set": []}));
}

#[tokio::test]
async fn a_chat_without_choices_uses_the_owners_default_model_and_sampling() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("one"));
    let acc = fx.send("first").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    // Nothing set: the server's first model, no sampling fields.
    assert_eq!(all[1].model.as_deref(), Some(DEFAULT_MODEL));
    let req = &fx.llm.requests()[0];
    assert_eq!(
        (&req["model"], &req["temperature"], &req["max_tokens"]),
        (&json!(DEFAULT_MODEL), &Value::Null, &Value::Null)
    );

    let (status, _) = patch(
        &fx,
        json!({"chat.default_model": "owner-model", "sampling.temperature": 0.3, "sampling.max_tokens": 77, "sampling.top_p": 0.9}),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::text("two"));
    let acc = fx.send("second").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[3].model.as_deref(), all[3].agent.as_deref()),
        (Some("owner-model"), None)
    );
    let req = &fx.llm.requests()[1];
    assert_eq!(
        (
            &req["model"],
            &req["temperature"],
            &req["top_p"],
            &req["max_tokens"]
        ),
        (&json!("owner-model"), &json!(0.3), &json!(0.9), &json!(77))
    );
}

#[tokio::test]
async fn the_default_agent_applies_and_its_own_values_win() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("AGENTS.md");
    std::fs::write(
        &file,
        "## Reviewer\n---\ntemperature: 0.9\n---\nYou review code.\n\n## Writer\n---\nmodel: writer-model\n---\nYou write.\n",
    )
    .unwrap();
    let fx = Fx::start_with(move |s| s.chat.agents_file = Some(file)).await;
    let (status, _) = patch(
        &fx,
        json!({"chat.default_agent": "Reviewer", "chat.default_model": "owner-model", "sampling.temperature": 0.3, "sampling.max_tokens": 50}),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::text("LGTM"));
    let acc = fx.send("review").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[1].model.as_deref(), all[1].agent.as_deref()),
        (Some("owner-model"), Some("Reviewer"))
    );
    let req = &fx.llm.requests()[0];
    assert_eq!(
        (&req["model"], &req["temperature"], &req["max_tokens"]),
        (&json!("owner-model"), &json!(0.9), &json!(50))
    );
    assert!(
        req["messages"][0]["content"]
            .as_str()
            .unwrap()
            .ends_with("You review code.")
    );

    // A chat that selects an agent keeps it; that agent's model wins.
    let (status, _) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/chats/{}", fx.chat.id)),
        Some(json!({"agent": "Writer"})),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::text("Done"));
    let acc = fx.send("write").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[3].model.as_deref(), all[3].agent.as_deref()),
        (Some("writer-model"), Some("Writer"))
    );
    let req = &fx.llm.requests()[1];
    assert_eq!(
        (&req["model"], &req["temperature"], &req["max_tokens"]),
        (&json!("writer-model"), &json!(0.3), &json!(50))
    );
}

/// `chat.compact_threshold` is the share of the context a turn may fill before the
/// engine compacts: at 1.0 two long messages fit a 4500-token context (the chat's
/// system prompt and tools take about 2000), at 0.5 the third turn compacts first.
#[tokio::test]
async fn the_compaction_threshold_comes_from_the_settings() {
    let llm = FakeLlm::start_with(FakeOptions {
        n_ctx: 4500,
        ..Default::default()
    })
    .await;
    let db = boo_testkit::TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.llm.base_url = llm.base_url();
    let fx = Fx::with(settings, llm, db).await;
    let big = "word ".repeat(700);
    assert_eq!(
        patch(&fx, json!({"chat.compact_threshold": 1.0})).await.0,
        200
    );
    for (n, answer) in [(1, "Answer one."), (2, "Answer two.")] {
        fx.llm.push(Reply::text(answer));
        let acc = fx.send(&format!("turn {n}: {big}")).await;
        let all = fx.wait_final(acc.assistant_message_id).await;
        assert_eq!(all.last().unwrap().content, answer);
    }
    // No summary request: each turn was one request.
    assert_eq!(fx.llm.requests().len(), 2);

    assert_eq!(
        patch(&fx, json!({"chat.compact_threshold": 0.5})).await.0,
        200
    );
    fx.llm.push(Reply::text("They talked twice."));
    fx.llm.push(Reply::text("Answer three."));
    let acc = fx.send(&format!("turn 3: {big}")).await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let answer = all.iter().find(|m| m.id == acc.assistant_message_id);
    assert_eq!(answer.unwrap().content, "Answer three.");
    let requests = fx.llm.requests();
    assert_eq!(requests.len(), 4, "a summary, then the turn");
    let asked = requests[2]["messages"][1]["content"].as_str().unwrap();
    assert!(asked.starts_with("Summarise this conversation:"), "{asked}");
}
