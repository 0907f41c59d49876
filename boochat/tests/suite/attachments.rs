//! Attachments: text files reach the model as fenced context, images as
//! `image_url` parts only when the model server reports vision; each is stored
//! with its message (shown in the transcript, served for the browser, sent again
//! on later turns, copied by a fork) or refused with nothing written.

use base64::Engine as _;
use boo_shared::chat::{Chat, MessageAccepted};
use boo_testkit::TestDb;
use boo_testkit::fake_llm::{FakeLlm, FakeOptions, Reply};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fx, LIMIT, call, post};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";

fn png_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(PNG)
}

/// The last message of model request `n`.
fn last_user(fx: &Fx, n: usize) -> Value {
    let requests = fx.llm.requests();
    let messages = requests[n]["messages"].as_array().unwrap().clone();
    let last = messages.last().unwrap().clone();
    assert_eq!(last["role"], "user", "{last}");
    last["content"].clone()
}

async fn send(fx: &Fx, body: Value) -> (u16, Value) {
    call(
        &fx.http,
        Method::POST,
        &fx.url(&format!("/api/chats/{}/messages", fx.chat.id)),
        Some(body),
    )
    .await
}

async fn raw(fx: &Fx, path: &str) -> (u16, String, Vec<u8>) {
    let resp = fx.http.get(fx.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_text_file_reaches_the_model_and_shows_in_the_transcript() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("Looks fine."));
    let accepted: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", fx.chat.id)),
        json!({"content": "review this", "attachments": [
            {"kind": "text", "name": "lib.rs", "mime": "text/x-rust", "content": "fn a() {}\n"},
            {"kind": "text", "name": "notes.md", "content": "```sh\nls\n```"},
        ]}),
        202,
    )
    .await;
    let all = fx.wait_final(accepted.assistant_message_id).await;
    let context = "review this\n\nFile: lib.rs\n```\nfn a() {}\n```\n\nFile: notes.md\n````\n```sh\nls\n```\n````";
    assert_eq!(last_user(&fx, 0), json!(context));
    let user = &all[0];
    assert_eq!(
        (user.id, user.content.as_str(), user.metadata.clone()),
        (
            accepted.user_message_id,
            "review this",
            json!({"attachments": [
                {"ordinal": 0, "kind": "text", "name": "lib.rs", "mime": "text/x-rust", "bytes": 10},
                {"ordinal": 1, "kind": "text", "name": "notes.md", "mime": "text/plain", "bytes": 12},
            ]})
        )
    );
    let id = accepted.user_message_id;
    assert_eq!(
        raw(&fx, &format!("/api/messages/{id}/attachments/0")).await,
        (
            200,
            "text/plain; charset=utf-8".to_owned(),
            b"fn a() {}\n".to_vec()
        )
    );
    assert_eq!(
        call(
            &fx.http,
            Method::GET,
            &fx.url(&format!("/api/messages/{id}/attachments/2")),
            None
        )
        .await,
        (
            404,
            json!({"error": format!("message {id} has no attachment 2"), "code": "not_found"})
        )
    );

    // A later turn sends the file again with its message.
    fx.llm.push(Reply::text("Yes."));
    let next = fx.send("and now?").await;
    fx.wait_final(next.assistant_message_id).await;
    assert_eq!(
        fx.llm.conversation(1)[0],
        ("user".to_owned(), context.to_owned())
    );

    // A fork keeps the attachments.
    let fork: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/fork", fx.chat.id)),
        json!({}),
        201,
    )
    .await;
    let window: boo_shared::chat::MessageWindow = boo_testkit::http::get(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", fork.id)),
    )
    .await;
    let copy = &window.items[0];
    assert_eq!(copy.metadata, user.metadata);
    assert_eq!(
        raw(&fx, &format!("/api/messages/{}/attachments/1", copy.id)).await,
        (
            200,
            "text/plain; charset=utf-8".to_owned(),
            b"```sh\nls\n```".to_vec()
        )
    );
}

#[tokio::test]
async fn refused_attachments_write_nothing() {
    let fx = Fx::start().await;
    let big = "x".repeat(256 * 1024 + 1);
    let cases = [
        (
            json!({"content": "look", "attachments": [{"kind": "image", "name": "s.png", "mime": "image/png", "data": png_b64()}]}),
            json!({"error": "the model fake-model does not take images (its server reports no vision)", "code": "model_no_vision"}),
        ),
        (
            json!({"content": "", "attachments": [{"kind": "text", "name": "big.txt", "content": big}]}),
            json!({"error": "big.txt is 262145 bytes; a text attachment may be at most 262144 bytes (256 KiB)", "code": "attachment_too_large"}),
        ),
        (
            json!({"content": "x", "attachments": [{"kind": "image", "name": "s.svg", "mime": "image/svg+xml", "data": "PHN2Zy8+"}]}),
            json!({"error": "s.svg: \"image/svg+xml\" is not an image type a model is sent (png, jpeg, webp, gif)", "code": "invalid_attachment_type"}),
        ),
        (
            json!({"content": "x", "attachments": [{"kind": "file", "name": "a"}]}),
            Value::Null,
        ),
        (
            json!({"content": "  ", "attachments": []}),
            json!({"error": "content must not be empty", "code": "empty_message"}),
        ),
    ];
    for (body, want) in cases {
        let (status, got) = send(&fx, body).await;
        assert_eq!(status, 400, "{got}");
        if want.is_null() {
            assert_eq!(got["code"], "invalid_body", "{got}");
        } else {
            assert_eq!(got, want);
        }
    }
    assert_eq!(fx.messages().await, vec![]);
    assert_eq!(fx.llm.requests(), Vec::<Value>::new());
    let pool = sqlx::PgPool::connect(&fx._db.url).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn an_image_goes_to_a_vision_model_as_an_image_url_part() {
    let llm = FakeLlm::start_with(FakeOptions {
        vision: true,
        ..FakeOptions::default()
    })
    .await;
    let db = TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.llm.base_url = llm.base_url();
    let fx = Fx::with(settings, llm, db).await;
    let models: Value = boo_testkit::http::get(&fx.http, &fx.url("/api/models")).await;
    assert_eq!(
        models["models"],
        json!([{"id": "fake-model", "ctx_size": 8192, "vision": true}])
    );
    fx.llm.push(Reply::text("A tiny PNG."));
    let accepted: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", fx.chat.id)),
        json!({"content": "what is it?", "attachments": [
            {"kind": "image", "name": "dot.png", "mime": "image/png", "data": png_b64()},
        ]}),
        202,
    )
    .await;
    let all = fx.wait_final(accepted.assistant_message_id).await;
    assert_eq!(
        last_user(&fx, 0),
        json!([
            {"type": "text", "text": "what is it?"},
            {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", png_b64())}},
        ])
    );
    assert_eq!(
        all[0].metadata,
        json!({"attachments": [{"ordinal": 0, "kind": "image", "name": "dot.png", "mime": "image/png", "bytes": PNG.len()}]})
    );
    assert_eq!(
        raw(
            &fx,
            &format!("/api/messages/{}/attachments/0", accepted.user_message_id)
        )
        .await,
        (200, "image/png".to_owned(), PNG.to_vec())
    );
    fx.llm.wait_requests(1, LIMIT).await;
}
