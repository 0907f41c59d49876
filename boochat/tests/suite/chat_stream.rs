//! Streaming turns over HTTP + WS: deltas, reasoning, usage, reconnect, stop, queue.

use std::time::Duration;

use boo_shared::chat::Message;
use boo_shared::chat::{MessageStatus, PartKind, Role};
use boo_testkit::fake_llm::{Event, Reply};
use pretty_assertions::assert_eq;
use serde_json::Value;

use super::fixture::{Fx, LIMIT, joined};

#[tokio::test]
async fn a_turn_streams_reasoning_and_text_and_records_usage() {
    let fx = Fx::start().await;
    fx.llm.push(
        Reply::text("Hello there, friend.")
            .with_reasoning("The user greets me.")
            .usage(11, 7),
    );
    let mut ws = fx.ws(None).await;
    let acc = fx.send("hi").await;
    assert!(!acc.queued);
    let frames = ws.until_complete(acc.assistant_message_id).await;
    let kinds: Vec<&str> = frames.iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"user_message"));
    assert!(kinds.contains(&"message_started"), "{kinds:?}");
    let id = acc.assistant_message_id;
    assert_eq!(joined(&frames, "delta", id), "Hello there, friend.");
    assert_eq!(
        joined(&frames, "reasoning_delta", id),
        "The user greets me."
    );
    // Sequence numbers strictly increase.
    let seqs: Vec<u64> = frames.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let done = frames.last().unwrap();
    assert_eq!(done["status"], "complete");
    assert_eq!(
        (
            done["usage"]["prompt_tokens"].as_i64(),
            done["usage"]["completion_tokens"].as_i64()
        ),
        (Some(11), Some(7))
    );

    let all = fx.wait_final(id).await;
    assert_eq!(all.len(), 2);
    let (user, answer) = (&all[0], &all[1]);
    assert_eq!(
        (user.role, user.content.as_str(), user.id),
        (Role::User, "hi", acc.user_message_id)
    );
    assert_eq!(
        (answer.role, answer.status, answer.content.as_str()),
        (
            Role::Assistant,
            MessageStatus::Complete,
            "Hello there, friend."
        )
    );
    assert_eq!(answer.model.as_deref(), Some("fake-model"));
    let parts: Vec<(PartKind, Option<&str>)> = answer
        .parts
        .iter()
        .map(|p| (p.kind, p.content.as_deref()))
        .collect();
    assert_eq!(
        parts,
        vec![
            (PartKind::Reasoning, Some("The user greets me.")),
            (PartKind::Text, Some("Hello there, friend."))
        ]
    );
    assert_eq!(
        (answer.usage.prompt_tokens, answer.usage.completion_tokens),
        (Some(11), Some(7))
    );
    assert!(answer.usage.tokens_per_second.is_some_and(|t| t > 0.0));
    // The model saw the system prompt and the user message, with stream + usage requested.
    let req = &fx.llm.requests()[0];
    assert_eq!(req["stream"], true);
    assert_eq!(req["stream_options"]["include_usage"], true);
    let msgs = req["messages"].as_array().unwrap();
    assert_eq!(
        msgs.last().unwrap(),
        &serde_json::json!({"role": "user", "content": "hi"})
    );
    assert_eq!(msgs[0]["role"], "system");
}

#[tokio::test]
async fn think_tags_in_content_become_reasoning() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::chunks(vec![
        Event::Content("<thi".into()),
        Event::Content("nk>pondering".into()),
        Event::Content(" deeply</th".into()),
        Event::Content("ink>\n\nThe answer.".into()),
    ]));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("q").await;
    let frames = ws.until_complete(acc.assistant_message_id).await;
    assert_eq!(
        joined(&frames, "reasoning_delta", acc.assistant_message_id),
        "pondering deeply"
    );
    assert_eq!(
        joined(&frames, "delta", acc.assistant_message_id),
        "The answer."
    );
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].content, "The answer.");
}

#[tokio::test]
async fn a_reconnecting_client_gets_every_missed_delta() {
    let fx = Fx::start().await;
    let text = "one two three four five six seven eight nine ten eleven twelve";
    fx.llm
        .push(Reply::text(text).delay_each(Duration::from_millis(15)));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("count").await;
    let id = acc.assistant_message_id;
    // Read until some text arrived, then drop the connection mid-stream.
    let mut first = ws.until(|f| f["type"] == "delta").await;
    first.extend(ws.until(|f| f["type"] == "delta").await);
    let last_seq = first.last().unwrap()["seq"].as_u64().unwrap();
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await; // frames pile up while away
    let mut ws = fx.ws(Some(last_seq)).await;
    let rest = ws.until_complete(id).await;
    let mut all = first;
    all.extend(rest);
    let seqs: Vec<u64> = all.iter().map(|f| f["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap, no duplicate: {seqs:?}"
    );
    let streamed = joined(&all, "delta", id);
    assert_eq!(streamed, text);
    let stored = fx.wait_final(id).await;
    assert_eq!(stored[1].content, streamed);
}

#[tokio::test]
async fn a_stale_last_seq_gets_a_resync_frame() {
    let fx = Fx::start().await;
    let mut ws = fx.ws(Some(1)).await;
    let f = ws.next().await;
    assert_eq!(f["type"], "resync");
    assert_eq!(f["session_id"], fx.session.id.to_string());
}

#[tokio::test]
async fn several_clients_see_the_same_frames() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("shared answer"));
    let mut a = fx.ws(None).await;
    let mut b = fx.ws(None).await;
    let acc = fx.send("x").await;
    let fa = a.until_complete(acc.assistant_message_id).await;
    let fb = b.until_complete(acc.assistant_message_id).await;
    assert_eq!(fa, fb);
}

#[tokio::test]
async fn stop_cancels_upstream_at_once_and_keeps_what_arrived() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("partial answer").hang());
    let mut ws = fx.ws(None).await;
    let acc = fx.send("long please").await;
    let id = acc.assistant_message_id;
    // Wait until the whole scripted text streamed; the model then goes silent.
    let mut seen = String::new();
    while seen != "partial answer" {
        let f = ws.next().await;
        if f["type"] == "delta" {
            seen.push_str(f["text"].as_str().unwrap());
        }
    }
    let (status, body) = super::fixture::call(
        &fx.http,
        reqwest::Method::POST,
        &fx.url(&format!("/api/chats/{}/stop", fx.chat.id)),
        None,
    )
    .await;
    assert_eq!((status, body), (200, serde_json::json!({"stopped": true})));
    let frames = ws.until_complete(id).await;
    let done = frames.last().unwrap();
    assert_eq!(
        (done["status"].as_str(), done["error"].as_str()),
        (Some("cancelled"), Some("stopped by the owner"))
    );
    assert_eq!(fx.llm.wait_disconnects(1, LIMIT).await, 1);
    let all = fx.wait_final(id).await;
    assert_eq!(
        (all[1].status, all[1].content.as_str()),
        (MessageStatus::Cancelled, "partial answer")
    );
    // Nothing left to stop once the chat's loop has let go of it (the message is final a
    // moment before the loop ends).
    boo_testkit::wait_for("the chat to be idle", LIMIT, || async {
        let chat: boo_shared::chat::Chat =
            super::fixture::get(&fx.http, &fx.url(&format!("/api/chats/{}", fx.chat.id))).await;
        (!chat.busy).then_some(())
    })
    .await;
    let (_, body) = super::fixture::call(
        &fx.http,
        reqwest::Method::POST,
        &fx.url(&format!("/api/chats/{}/stop", fx.chat.id)),
        None,
    )
    .await;
    assert_eq!(body, serde_json::json!({"stopped": false}));
}

#[tokio::test]
async fn a_message_sent_during_a_turn_is_queued_and_runs_next() {
    let fx = Fx::start().await;
    fx.llm
        .push(Reply::text("first answer").delay_first(Duration::from_millis(300)));
    fx.llm.push(Reply::text("second answer"));
    let mut ws = fx.ws(None).await;
    let a = fx.send("first").await;
    let b = fx.send("second").await;
    assert_eq!((a.queued, b.queued), (false, true));
    ws.until_complete(a.assistant_message_id).await;
    let frames = ws.until_complete(b.assistant_message_id).await;
    let all = fx.wait_final(b.assistant_message_id).await;
    // The dequeued message moved after the first answer; the frame says where.
    let moved = all.iter().find(|m| m.id == b.user_message_id).unwrap();
    assert!(moved.seq > all[1].seq, "{all:?}");
    let status = frames
        .iter()
        .find(|f| f["type"] == "message_status")
        .unwrap();
    assert_eq!(
        status,
        &serde_json::json!({
            "type": "message_status", "seq": status["seq"], "session_id": fx.session.id,
            "chat_id": fx.chat.id, "message_id": b.user_message_id,
            "status": "complete", "message_seq": moved.seq,
        })
    );
    let order: Vec<(Role, &str)> = all.iter().map(|m| (m.role, m.content.as_str())).collect();
    assert_eq!(
        order,
        vec![
            (Role::User, "first"),
            (Role::Assistant, "first answer"),
            (Role::User, "second"),
            (Role::Assistant, "second answer")
        ]
    );
    // The second turn's model request carries the first exchange.
    let reqs = fx.llm.requests();
    let contents: Vec<&str> = reqs[1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, vec!["first", "first answer", "second"]);
}

#[tokio::test]
async fn a_model_error_mid_stream_fails_the_message_keeping_the_text() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("abcdefghijklmnop").fail_after(3));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("go").await;
    let frames = ws.until_complete(acc.assistant_message_id).await;
    let done = frames.last().unwrap();
    assert_eq!(done["status"], "failed");
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .starts_with("the model stream broke"),
        "{done}"
    );
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].status, MessageStatus::Failed);
    assert_eq!(
        all[1].content,
        joined(&frames, "delta", acc.assistant_message_id)
    );
}

#[tokio::test]
async fn an_http_error_from_the_model_fails_the_message() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::http_error(503, "loading model"));
    let acc = fx.send("go").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[1].status, all[1].error.as_deref()),
        (
            MessageStatus::Failed,
            Some("the model server answered 503: loading model")
        )
    );
}

#[tokio::test]
async fn an_unreachable_model_server_is_reported_not_hidden() {
    let fx = Fx::start_with(|s| s.llm.base_url = "http://127.0.0.1:9/v1".into()).await;
    let info: serde_json::Value = super::fixture::get(&fx.http, &fx.url("/api/models")).await;
    assert_eq!(
        (info["reachable"].as_bool(), info["base_url"].as_str()),
        (Some(false), Some("http://127.0.0.1:9/v1"))
    );
    assert!(
        info["error"].as_str().unwrap().contains("unreachable"),
        "{info}"
    );
    let acc = fx.send("anyone?").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(all[1].status, MessageStatus::Failed);
    assert!(
        all[1].error.as_deref().unwrap().contains("unreachable"),
        "{:?}",
        all[1].error
    );
}

#[tokio::test]
async fn a_graceful_stop_finalises_the_running_turn() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("half").hang());
    let mut ws = fx.ws(None).await;
    let acc = fx.send("long").await;
    ws.until(|f| f["type"] == "delta").await;
    let pool = sqlx::PgPool::connect(&fx._db.url).await.unwrap();
    let super::fixture::Fx { daemon, .. } = fx;
    // The client sees the final frame before the socket closes.
    let stopping = tokio::spawn(daemon.stop());
    let frames = ws.until_complete(acc.assistant_message_id).await;
    let done = frames.last().unwrap();
    assert_eq!(
        (done["status"].as_str(), done["error"].as_str()),
        (Some("cancelled"), Some("boochat shut down during the turn"))
    );
    stopping.await.unwrap().unwrap();
    let (status, content): (String, String) =
        sqlx::query_as("SELECT status, content FROM messages WHERE id = $1")
            .bind(acc.assistant_message_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), content.as_str()), ("cancelled", "half"));
}

/// A client's copy of a streaming message: the REST snapshot, then each delta placed
/// by its offset (Unicode scalar values).
fn place(have: &mut String, offset: u64, text: &str) {
    let len = have.chars().count() as u64;
    assert!(offset <= len, "gap: offset {offset} after {len} chars");
    have.extend(text.chars().skip((len - offset) as usize));
}

fn placed(snapshot: &Message, frames: &[Value]) -> (String, String) {
    let mut content = snapshot.content.clone();
    let mut reasoning: String = snapshot
        .parts
        .iter()
        .filter(|p| p.kind == PartKind::Reasoning)
        .filter_map(|p| p.content.as_deref())
        .collect();
    let id = snapshot.id.to_string();
    for f in frames.iter().filter(|f| f["message_id"] == id.as_str()) {
        let (offset, text) = (
            f["offset"].as_u64().unwrap_or(0),
            f["text"].as_str().unwrap_or(""),
        );
        match f["type"].as_str() {
            Some("delta") => place(&mut content, offset, text),
            Some("reasoning_delta") => place(&mut reasoning, offset, text),
            _ => {}
        }
    }
    (content, reasoning)
}

#[tokio::test]
async fn delta_offsets_place_a_mid_stream_snapshot_exactly() {
    let fx = Fx::start().await;
    let mut events = vec![
        Event::Reasoning("考え".into()),
        Event::Reasoning("中 🤔".into()),
    ];
    let pieces = [
        "Hé",
        "llo 👋🏽",
        " 世界",
        "、こん",
        "にちは",
        " 🇫🇷",
        " après",
        " la",
        " fin 𝄞",
        ".",
    ];
    events.extend(pieces.iter().map(|p| Event::Content((*p).into())));
    // ~50 ms a chunk: the stream spans several 200 ms flushes.
    fx.llm
        .push(Reply::chunks(events).delay_each(Duration::from_millis(50)));
    let mut ws = fx.ws(None).await;
    let acc = fx.send("greet").await;
    let id = acc.assistant_message_id;
    let mut deltas = 0;
    let mut frames = ws
        .until(|f| {
            deltas += usize::from(f["type"] == "delta");
            deltas == 6
        })
        .await;
    // Loaded over REST mid-stream: whatever the database had by then.
    let snapshot = fx
        .messages()
        .await
        .into_iter()
        .find(|m| m.id == id)
        .unwrap();
    frames.extend(ws.until_complete(id).await);
    let offsets: Vec<(&str, u64, &str)> = frames
        .iter()
        .filter(|f| f["type"] == "delta" || f["type"] == "reasoning_delta")
        .map(|f| {
            (
                f["type"].as_str().unwrap(),
                f["offset"].as_u64().unwrap(),
                f["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        offsets,
        vec![
            ("reasoning_delta", 0, "考え"),
            ("reasoning_delta", 2, "中 🤔"),
            ("delta", 0, "Hé"),
            ("delta", 2, "llo 👋🏽"),
            ("delta", 8, " 世界"),
            ("delta", 11, "、こん"),
            ("delta", 14, "にちは"),
            ("delta", 17, " 🇫🇷"),
            ("delta", 20, " après"),
            ("delta", 26, " la"),
            ("delta", 29, " fin 𝄞"),
            ("delta", 35, "."),
        ]
    );
    let all = fx.wait_final(id).await;
    let done = &all[1];
    assert_eq!(
        (done.content.as_str(), placed(&snapshot, &frames)),
        (
            "Héllo 👋🏽 世界、こんにちは 🇫🇷 après la fin 𝄞.",
            (
                "Héllo 👋🏽 世界、こんにちは 🇫🇷 après la fin 𝄞.".to_owned(),
                "考え中 🤔".to_owned()
            )
        )
    );
}
