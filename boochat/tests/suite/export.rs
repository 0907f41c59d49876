//! Export a chat (JSON document, Markdown) and import it as a new chat: the round
//! trip keeps every message and part, tool calls and results included; a bad
//! document is refused whole with a code naming the defect.

use boo_shared::chat::{Chat, Page};
use boo_shared::find::ChatExport;
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::fixture::{Fx, call, get, post};

async fn export(fx: &Fx, chat: Uuid, format: &str) -> (String, String, String) {
    let resp = fx
        .http
        .get(fx.url(&format!("/api/chats/{chat}/export?format={format}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (mime, disposition) = (header("content-type"), header("content-disposition"));
    (mime, disposition, resp.text().await.unwrap())
}

#[tokio::test]
async fn export_import_round_trip_keeps_tool_calls() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("Let me read it.").with_tool_call(
        "c1",
        "read_file",
        json!({"path": "notes.txt"}),
    ));
    fx.llm.push(Reply::text("It says 42."));
    let acc = fx.send("what is in notes.txt?").await;
    fx.wait_final(acc.assistant_message_id).await;
    let chat = fx.chat.id;

    let (mime, disposition, body) = export(&fx, chat, "json").await;
    assert_eq!(
        (mime.as_str(), disposition),
        (
            "application/json",
            format!("attachment; filename=\"chat-{chat}.json\"")
        )
    );
    let doc: ChatExport = serde_json::from_str(&body).unwrap();
    let kinds: Vec<Vec<(String, Option<String>)>> = doc
        .messages
        .iter()
        .map(|m| {
            m.parts
                .iter()
                .map(|p| (format!("{:?}", p.kind), p.call_id.clone()))
                .collect()
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            vec![],
            vec![
                ("Text".to_owned(), None),
                ("ToolCall".to_owned(), Some("c1".to_owned())),
                ("ToolResult".to_owned(), Some("c1".to_owned())),
                ("Text".to_owned(), None),
            ]
        ]
    );

    let imported: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}/import", fx.session.id)),
        serde_json::from_str(&body).unwrap(),
        201,
    )
    .await;
    assert_eq!(
        (
            imported.session_id,
            imported.title.clone(),
            imported.agent.clone()
        ),
        (fx.session.id, None, None)
    );
    let (_, _, again) = export(&fx, imported.id, "json").await;
    let again: ChatExport = serde_json::from_str(&again).unwrap();
    assert_eq!(again, doc);

    // The imported chat goes on like any other, with its history as context.
    fx.llm.push(Reply::text("Still 42."));
    let next: boo_shared::chat::MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", imported.id)),
        json!({"content": "sure?"}),
        202,
    )
    .await;
    let reqs = fx.llm.wait_requests(3, super::fixture::LIMIT).await;
    let roles: Vec<&str> = reqs[2]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        vec!["system", "user", "assistant", "tool", "assistant", "user"]
    );
    let _ = next;

    let (mime, disposition, md) = export(&fx, chat, "md").await;
    assert_eq!(
        (mime.as_str(), disposition, md),
        (
            "text/markdown; charset=utf-8",
            format!("attachment; filename=\"chat-{chat}.md\""),
            boo_shared::transcript::exchange::markdown(&doc)
        )
    );
}

#[tokio::test]
async fn bad_documents_are_refused_whole() {
    let fx = Fx::start().await;
    let good = json!({
        "version": 1, "title": "t", "agent": null,
        "messages": [
            {"role": "user", "status": "complete", "content": "hi",
             "created_at": "2026-01-02T03:04:00Z"},
            {"role": "assistant", "status": "complete", "content": "yo",
             "created_at": "2026-01-02T03:05:00Z",
             "parts": [{"kind": "text", "content": "yo"}]}
        ]
    });
    let with = |path: &[&str], value: Value| {
        let mut d = good.clone();
        let mut at = &mut d;
        for (i, key) in path.iter().enumerate() {
            at = match key.parse::<usize>() {
                Ok(n) => &mut at[n],
                Err(_) if i + 1 == path.len() => {
                    at[*key] = value;
                    return d;
                }
                Err(_) => &mut at[*key],
            };
        }
        d
    };
    let cases = [
        (with(&["version"], json!(7)), "unsupported_version"),
        (
            with(&["messages", "0", "role"], json!("wizard")),
            "invalid_role",
        ),
        (
            with(&["messages", "1", "status"], json!("streaming")),
            "invalid_status",
        ),
        (
            with(&["messages", "1", "parts", "0", "kind"], json!("image")),
            "invalid_part_kind",
        ),
        (
            with(&["messages", "1", "parts", "0", "kind"], json!("tool_call")),
            "invalid_part",
        ),
        (with(&["messages"], json!("none")), "invalid_document"),
        // The database's own rules: a UI sentinel must be a system row.
        (
            with(&["messages", "1", "metadata"], json!({"kind": "cap_hit"})),
            "invalid_document",
        ),
        (with(&["agent"], json!("nobody")), "unknown_agent"),
        // A time Postgres cannot hold.
        (
            with(
                &["messages", "0", "created_at"],
                json!("-200000-01-01T00:00:00Z"),
            ),
            "invalid_document",
        ),
    ];
    let url = fx.url(&format!("/api/sessions/{}/import", fx.session.id));
    for (doc, code) in cases {
        let (status, got) = call(&fx.http, Method::POST, &url, Some(doc.clone())).await;
        assert_eq!(
            (status, got["code"].as_str()),
            (400, Some(code)),
            "{doc}: {got}"
        );
    }
    // Nothing half-written: the session still has only the fixture's chat.
    let chats: Page<Chat> = get(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}/chats", fx.session.id)),
    )
    .await;
    let ids: Vec<Uuid> = chats.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![fx.chat.id]);
    let (status, got) = call(
        &fx.http,
        Method::POST,
        &fx.url(&format!("/api/sessions/{}/import", Uuid::new_v4())),
        Some(good),
    )
    .await;
    assert_eq!((status, got["code"].as_str()), (404, Some("not_found")));
}
