//! Context compaction (CHAT-6) against the scripted model server with a small
//! context: a turn past the threshold has the older turns summarised and sends
//! the summary instead of them (request bodies asserted); `POST …/compact`
//! compacts on demand (and refuses when there is nothing to compact or a turn
//! runs); a request the server refuses for length fails with a clear error and
//! a notice offering to compact.

use boo_shared::chat::{Message, MessageStatus, Role};
use boo_testkit::fake_llm::{FakeLlm, FakeOptions, Reply};
use boo_testkit::http::call;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::fixture::Fx;

/// The scripted server's context: the chat's tools and system prompt take
/// about 2000 tokens; one long message fits the default 0.8 of it, two do not.
const N_CTX: u64 = 4500;

async fn fx() -> Fx {
    let llm = FakeLlm::start_with(FakeOptions {
        n_ctx: N_CTX,
        ..Default::default()
    })
    .await;
    let db = boo_testkit::TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.llm.base_url = llm.base_url();
    Fx::with(settings, llm, db).await
}

/// Send `content` and wait for its answer; the whole transcript.
async fn turn(f: &Fx, content: &str) -> Vec<Message> {
    let acc = f.send(content).await;
    f.wait_final(acc.assistant_message_id).await
}

/// `POST /api/chats/{id}/compact` once the chat's last turn has let go of it
/// (its answer is final a moment before the turn ends).
async fn compact_idle(f: &Fx) -> (u16, Value) {
    let url = f.url(&format!("/api/chats/{}/compact", f.chat.id));
    boo_testkit::wait_for("the turn to end", super::fixture::LIMIT, || async {
        let (status, body) = call(&f.http, reqwest::Method::POST, &url, None).await;
        (body["code"] != "turn_running").then_some((status, body))
    })
    .await
}

fn system_rows<'a>(all: &'a [Message], kind: &str) -> Vec<&'a Message> {
    all.iter()
        .filter(|m| m.role == Role::System && m.metadata["kind"] == kind)
        .collect()
}

fn roles_and_starts(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["content"]
                    .as_str()
                    .unwrap_or_default()
                    .chars()
                    .take(12)
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_long_chat_is_compacted_automatically_and_on_demand() {
    let f = fx().await;
    let big = "word ".repeat(700);

    // Turn 1 fits.
    f.llm.push(Reply::text("Answer one."));
    let all = turn(&f, &format!("first: {big}")).await;
    assert_eq!(all.last().unwrap().content, "Answer one.");
    assert_eq!(f.llm.requests().len(), 1);

    // Turn 2 does not: the model first summarises turn 1, then answers from the
    // summary and the new message alone.
    f.llm.push(Reply::text("They talked about one."));
    f.llm.push(Reply::text("Answer two."));
    let all = turn(&f, &format!("second: {big}")).await;
    let requests = f.llm.requests();
    assert_eq!(requests.len(), 3, "summary, then the turn");
    let asked = requests[1]["messages"][1]["content"].as_str().unwrap();
    assert!(
        asked.starts_with("Summarise this conversation:\n\nuser: first: word")
            && asked.ends_with("assistant: Answer one.\n\n"),
        "{asked}"
    );
    assert_eq!(
        roles_and_starts(&requests[2]),
        vec![
            ("system".to_owned(), "You are BooC".to_owned()),
            ("user".to_owned(), "second: word".to_owned()),
        ]
    );
    let system = requests[2]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.ends_with("\n\n## Summary of the earlier conversation\nThey talked about one."),
        "{system}"
    );
    let first_answer = all.iter().find(|m| m.content == "Answer one.").unwrap().id;
    let summaries = system_rows(&all, "compaction");
    assert_eq!(summaries.len(), 1, "{all:#?}");
    assert_eq!(summaries[0].content, "They talked about one.");
    assert_eq!(
        (
            &summaries[0].metadata["through"],
            &summaries[0].metadata["auto"],
            &summaries[0].metadata["covered"]
        ),
        (&json!(first_answer), &json!(true), &json!(2))
    );
    // The owner still sees every message.
    assert!(all.iter().any(|m| m.content.starts_with("first: word")));

    // Nothing lies between that summary and the last exchange yet.
    let (status, body) = compact_idle(&f).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("nothing_to_compact"))
    );

    // After one more (short) turn, `/compact` summarises turn 2 on top of the
    // first summary; the next turn sees only the newest summary.
    f.llm.push(Reply::text("Answer three."));
    turn(&f, "third").await;
    f.llm.push(Reply::text("Summary two."));
    let (status, row) = compact_idle(&f).await;
    assert_eq!(status, 201, "{row:#}");
    assert_eq!(
        (
            &row["content"],
            &row["metadata"]["kind"],
            &row["metadata"]["auto"]
        ),
        (&json!("Summary two."), &json!("compaction"), &json!(false))
    );
    let asked = f.llm.requests().last().unwrap()["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        asked.starts_with("Summarise this conversation:\n\nSummary so far:\nThey talked about one.\n\nThen:\n\nuser: second: word"),
        "{asked}"
    );
    f.llm.push(Reply::text("Answer four."));
    turn(&f, "fourth").await;
    let last = f.llm.requests().last().unwrap().clone();
    assert_eq!(
        roles_and_starts(&last),
        vec![
            ("system".to_owned(), "You are BooC".to_owned()),
            ("user".to_owned(), "third".to_owned()),
            ("assistant".to_owned(), "Answer three".to_owned()),
            ("user".to_owned(), "fourth".to_owned()),
        ]
    );
    assert!(
        last["messages"][0]["content"]
            .as_str()
            .unwrap()
            .ends_with("\nSummary two.")
    );
}

#[tokio::test]
async fn a_length_refusal_fails_the_turn_clearly_and_compact_waits_for_the_turn() {
    let f = fx().await;
    f.llm.push(Reply::http_error(
        400,
        r#"{"error":{"code":400,"message":"request (9000 tokens) exceeds the available context size (3500 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":3500}}"#,
    ));
    let acc = f.send("hello").await;
    let all = f.wait_final(acc.assistant_message_id).await;
    let answer = all
        .iter()
        .find(|m| m.id == acc.assistant_message_id)
        .unwrap();
    let said = "The conversation no longer fits the model's context (4500 tokens). Compact it (/compact) and send again.";
    assert_eq!(
        (answer.status, answer.error.as_deref()),
        (MessageStatus::Failed, Some(said))
    );
    let notices = system_rows(&all, "context_overflow");
    assert_eq!(notices.len(), 1, "{all:#?}");
    assert_eq!(
        (notices[0].content.as_str(), &notices[0].metadata["size"]),
        (said, &json!(N_CTX))
    );

    // A turn runs: compacting now is refused until it ends.
    f.llm.push(Reply::text("slow").hang());
    let acc = f.send("take your time").await;
    let compact = f.url(&format!("/api/chats/{}/compact", f.chat.id));
    let (status, body) = call(&f.http, reqwest::Method::POST, &compact, None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("turn_running")));
    let stop = f.url(&format!("/api/chats/{}/stop", f.chat.id));
    call(&f.http, reqwest::Method::POST, &stop, None).await;
    f.wait_final(acc.assistant_message_id).await;
    // An unknown chat is 404.
    let (status, _) = call(
        &f.http,
        reqwest::Method::POST,
        &f.url(&format!("/api/chats/{}/compact", uuid::Uuid::new_v4())),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn prompt_progress_is_asked_of_llama_server_and_streamed() {
    let f = fx().await;
    let mut ws = f.ws(None).await;
    f.llm.push(Reply::text("Done."));
    let acc = f.send("hello").await;
    let frames = ws.until_complete(acc.assistant_message_id).await;
    // The scripted server answers /props like llama-server, so it is asked.
    let request = f.llm.requests().remove(0);
    assert_eq!(request["return_progress"], true);
    let total = request.to_string().len() / 4;
    let progress: Vec<Value> = frames
        .iter()
        .filter(|fr| fr["type"] == "usage" && fr.get("progress").is_some())
        .map(|fr| fr["progress"].clone())
        .collect();
    assert_eq!(
        progress,
        vec![
            json!({"processed": 0, "total": total, "cache": 0}),
            json!({"processed": total, "total": total, "cache": 0}),
        ]
    );
    assert!(
        frames
            .iter()
            .filter(|fr| fr.get("progress").is_some())
            .all(|fr| fr["phase"] == "prompt"),
        "{frames:#?}"
    );
}
