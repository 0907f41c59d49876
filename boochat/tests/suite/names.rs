//! CHAT-9: chats and sessions named from their first exchange by the task model
//! (off the turn's path, bounded, never over a name the owner set), and session
//! tags with their filter and counts.

use std::time::Duration;

use boo_shared::chat::{Chat, Page, Session, SessionChange, TagList};
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fx, LIMIT, call, get, post};

async fn named_fx(timeout_secs: u64) -> Fx {
    Fx::start_with(|s| {
        s.chat.auto_name = true;
        s.chat.task_model = Some("task-model".into());
        s.chat.auto_name_timeout_secs = timeout_secs;
    })
    .await
}

fn naming_body(question: &str, answer: &str) -> Value {
    json!({
        "model": "task-model",
        "messages": [
            {"role": "system", "content": boochat::engine::naming::SYSTEM_PROMPT},
            {"role": "user", "content": format!("User: {question}\n\nAssistant: {answer}")},
        ],
        "max_tokens": 24,
        "temperature": 0.2,
        "stream": false,
    })
}

async fn titles(fx: &Fx) -> (Option<String>, Option<String>) {
    let chat: Chat = get(&fx.http, &fx.url(&format!("/api/chats/{}", fx.chat.id))).await;
    let session: Session = get(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}", fx.session.id)),
    )
    .await;
    (chat.title, session.title)
}

async fn auto_named(fx: &Fx) -> (bool, bool) {
    let pool = sqlx::PgPool::connect(&fx._db.url).await.unwrap();
    let chat: bool = sqlx::query_scalar("SELECT auto_named FROM chats WHERE id = $1")
        .bind(fx.chat.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let session: bool = sqlx::query_scalar("SELECT auto_named FROM sessions WHERE id = $1")
        .bind(fx.session.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    (chat, session)
}

#[tokio::test]
async fn the_first_exchange_names_an_untitled_chat_and_session() {
    let fx = named_fx(20).await;
    let mut ws = fx.ws(None).await;
    fx.llm
        .push(Reply::text("An inverted index over array elements."));
    fx.llm.push(Reply::text("\"Postgres GIN indexes.\""));
    let first = fx.send("what is a GIN index?").await;
    fx.wait_final(first.assistant_message_id).await;
    let frames = ws
        .until(|f| {
            f["type"] == "session_updated" && f["session"]["title"] == "Postgres GIN indexes"
        })
        .await;
    let chat_frame = frames
        .iter()
        .find(|f| f["type"] == "chat_updated" && f["chat"]["title"] == "Postgres GIN indexes");
    assert!(
        chat_frame.is_some(),
        "a chat_updated with the title: {frames:#?}"
    );
    let requests = fx.llm.wait_requests(2, LIMIT).await;
    assert_eq!(
        requests[1],
        naming_body(
            "what is a GIN index?",
            "An inverted index over array elements."
        )
    );
    assert_eq!(
        titles(&fx).await,
        (
            Some("Postgres GIN indexes".to_owned()),
            Some("Postgres GIN indexes".to_owned())
        )
    );
    assert_eq!(auto_named(&fx).await, (true, true));

    // Later answers name nothing: turns 2 and 3 are the only requests after it.
    for text in ["second", "third"] {
        fx.llm.push(Reply::text("ok"));
        let m = fx.send(text).await;
        fx.wait_final(m.assistant_message_id).await;
    }
    let requests = fx.llm.requests();
    assert_eq!(requests.len(), 4, "{requests:#?}");
    assert!(requests[2]["tools"].is_array() && requests[3]["tools"].is_array());

    // A manual rename takes over from the namer's title.
    let renamed: Chat = boo_testkit::http::patch(
        &fx.http,
        &fx.url(&format!("/api/chats/{}", fx.chat.id)),
        json!({"title": "Mine"}),
    )
    .await;
    assert_eq!(renamed.title.as_deref(), Some("Mine"));
    assert_eq!(auto_named(&fx).await, (false, true));
}

#[tokio::test]
async fn a_rename_while_the_namer_waits_is_kept() {
    let fx = named_fx(20).await;
    let mut ws = fx.ws(None).await;
    fx.llm.push(Reply::text("Hello there."));
    fx.llm
        .push(Reply::text("Greetings").delay_first(Duration::from_millis(800)));
    let first = fx.send("hello").await;
    fx.wait_final(first.assistant_message_id).await;
    // The naming request is in; the owner names the chat before its answer.
    fx.llm.wait_requests(2, LIMIT).await;
    let renamed: Chat = boo_testkit::http::patch(
        &fx.http,
        &fx.url(&format!("/api/chats/{}", fx.chat.id)),
        json!({"title": "My own name"}),
    )
    .await;
    assert_eq!(renamed.title.as_deref(), Some("My own name"));
    // The namer writes the chat first, then the session: once the session has its
    // title, the chat's write was tried and refused.
    ws.until(|f| f["type"] == "session_updated" && f["session"]["title"] == "Greetings")
        .await;
    assert_eq!(
        titles(&fx).await,
        (Some("My own name".to_owned()), Some("Greetings".to_owned()))
    );
    assert_eq!(auto_named(&fx).await, (false, true));
}

#[tokio::test]
async fn a_titled_chat_and_session_are_not_named() {
    let fx = named_fx(20).await;
    boo_testkit::http::patch::<SessionChange>(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}", fx.session.id)),
        json!({"title": "Session by hand"}),
    )
    .await;
    boo_testkit::http::patch::<Chat>(
        &fx.http,
        &fx.url(&format!("/api/chats/{}", fx.chat.id)),
        json!({"title": "Chat by hand"}),
    )
    .await;
    fx.llm.push(Reply::text("Hi."));
    let m = fx.send("hi").await;
    fx.wait_final(m.assistant_message_id).await;
    // A second turn's request comes right after the first: no naming in between.
    fx.llm.push(Reply::text("Again."));
    let m = fx.send("again").await;
    fx.wait_final(m.assistant_message_id).await;
    assert_eq!(fx.llm.requests().len(), 2, "{:#?}", fx.llm.requests());
    assert_eq!(
        titles(&fx).await,
        (
            Some("Chat by hand".to_owned()),
            Some("Session by hand".to_owned())
        )
    );
}

#[tokio::test]
async fn a_hanging_task_model_delays_nothing_and_leaves_the_titles_unset() {
    let fx = named_fx(4).await;
    let mut ws = fx.ws(None).await;
    fx.llm.push(Reply::text("First answer."));
    fx.llm.push(Reply::text("never sent").hang());
    fx.llm.push(Reply::text("Second answer."));
    let first = fx.send("one").await;
    ws.until_complete(first.assistant_message_id).await;
    // The naming request is open and unanswered; the chat goes on meanwhile.
    fx.llm.wait_requests(2, LIMIT).await;
    let second = fx.send("two").await;
    assert!(!second.queued, "the first turn had ended");
    ws.until_complete(second.assistant_message_id).await;
    assert_eq!(fx.llm.disconnects(), 0, "the namer still waits");
    let all = fx.wait_final(second.assistant_message_id).await;
    assert_eq!(
        all.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        vec!["one", "First answer.", "two", "Second answer."]
    );
    // After chat.auto_name_timeout_secs the namer gives up.
    fx.llm.wait_disconnects(1, LIMIT).await;
    assert_eq!(titles(&fx).await, (None, None));
    assert_eq!(auto_named(&fx).await, (false, false));
}

fn tags_of(page: &Page<Session>) -> Vec<(uuid::Uuid, Vec<String>)> {
    page.items.iter().map(|s| (s.id, s.tags.clone())).collect()
}

#[tokio::test]
async fn sessions_take_tags_filter_by_them_and_count_them() {
    let fx = Fx::start().await;
    let url = |id: uuid::Uuid| fx.url(&format!("/api/sessions/{id}"));
    let tagged: SessionChange = boo_testkit::http::patch(
        &fx.http,
        &url(fx.session.id),
        json!({"tags": [" rust ", "db"]}),
    )
    .await;
    assert_eq!(tagged.session.tags, vec!["rust", "db"]);
    let other: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id, "title": "other"}),
        201,
    )
    .await;
    let _plain: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id}),
        201,
    )
    .await;
    boo_testkit::http::patch::<SessionChange>(&fx.http, &url(other.id), json!({"tags": ["db"]}))
        .await;

    // Each broken rule is a 400 with its code, and nothing changes.
    let long = "x".repeat(65);
    for (tags, code, message) in [
        (
            json!(["ok", "  "]),
            "invalid_tag",
            "a tag must not be empty".to_owned(),
        ),
        (
            json!([long]),
            "tag_too_long",
            format!("tag {long:?} is longer than 64 characters"),
        ),
        (
            json!(["db", "db "]),
            "duplicate_tag",
            "tag \"db\" is given twice".to_owned(),
        ),
        (
            json!((0..65).map(|i| format!("t{i}")).collect::<Vec<_>>()),
            "too_many_tags",
            "a session takes at most 64 tags, got 65".to_owned(),
        ),
    ] {
        assert_eq!(
            call(
                &fx.http,
                Method::PATCH,
                &url(fx.session.id),
                Some(json!({"tags": tags}))
            )
            .await,
            (400, json!({"error": message, "code": code}))
        );
    }
    let still: Session = get(&fx.http, &url(fx.session.id)).await;
    assert_eq!(still.tags, vec!["rust", "db"]);

    let list = |q: &str| {
        let u = fx.url(&format!("/api/sessions?{q}"));
        let http = fx.http.clone();
        async move { get::<Page<Session>>(&http, &u).await }
    };
    assert_eq!(
        tags_of(&list("tag=db").await),
        vec![
            (other.id, vec!["db".to_owned()]),
            (fx.session.id, vec!["rust".to_owned(), "db".to_owned()])
        ]
    );
    assert_eq!(
        tags_of(&list(&format!("tag=rust&project_id={}", fx.project.id)).await),
        vec![(fx.session.id, vec!["rust".to_owned(), "db".to_owned()])]
    );
    assert_eq!(tags_of(&list("tag=nope").await), vec![]);
    assert_eq!(list("").await.items.len(), 3);
    // Paging with the filter keeps to it.
    let first = list("tag=db&limit=1").await;
    assert_eq!(tags_of(&first), vec![(other.id, vec!["db".to_owned()])]);
    let next = list(&format!(
        "tag=db&limit=1&cursor={}",
        first.next_cursor.clone().unwrap()
    ))
    .await;
    assert_eq!(
        tags_of(&next),
        vec![(fx.session.id, vec!["rust".to_owned(), "db".to_owned()])]
    );

    let counts: TagList = get(&fx.http, &fx.url("/api/tags")).await;
    assert_eq!(
        serde_json::to_value(&counts).unwrap(),
        json!({"tags": [{"tag": "db", "sessions": 2}, {"tag": "rust", "sessions": 1}]})
    );
    let none: TagList = get(
        &fx.http,
        &fx.url(&format!("/api/tags?project_id={}", uuid::Uuid::nil())),
    )
    .await;
    assert_eq!(none, TagList { tags: vec![] });
    assert_eq!(
        call(&fx.http, Method::GET, &fx.url("/api/tags?tag=db"), None)
            .await
            .0,
        400
    );

    // An empty list clears them.
    let cleared: SessionChange =
        boo_testkit::http::patch(&fx.http, &url(other.id), json!({"tags": []})).await;
    assert_eq!(cleared.session.tags, Vec::<String>::new());
    let counts: TagList = get(&fx.http, &fx.url("/api/tags?status=open")).await;
    assert_eq!(
        serde_json::to_value(&counts).unwrap(),
        json!({"tags": [{"tag": "db", "sessions": 1}, {"tag": "rust", "sessions": 1}]})
    );
}
