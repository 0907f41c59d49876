//! Message branches: regenerate keeps both answers, edit keeps both questions,
//! switching moves the transcript and the model's next context to the other
//! branch; busy chats refuse; fork copies the active branch.

use std::time::Duration;

use boo_shared::chat::{Branch, Chat, MessageAccepted, MessageStatus, MessageWindow, Role};
use boo_shared::find::BranchSet;
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use super::fixture::{Fx, LIMIT, call, get, post};

fn pairs(w: &MessageWindow) -> Vec<(Role, &str)> {
    w.items
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect()
}

fn conv(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(r, c)| ((*r).to_owned(), (*c).to_owned()))
        .collect()
}

async fn window(fx: &Fx, chat: Uuid) -> MessageWindow {
    get(&fx.http, &fx.url(&format!("/api/chats/{chat}/messages"))).await
}

async fn regenerate(fx: &Fx, mid: Uuid) -> MessageAccepted {
    post(
        &fx.http,
        &fx.url(&format!(
            "/api/chats/{}/messages/{mid}/regenerate",
            fx.chat.id
        )),
        json!(null),
        202,
    )
    .await
}

async fn switch(fx: &Fx, mid: Uuid) -> BranchSet {
    let (status, body) = call(
        &fx.http,
        Method::PUT,
        &fx.url(&format!("/api/chats/{}/branch", fx.chat.id)),
        Some(json!({"message_id": mid})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

#[tokio::test]
async fn regenerate_keeps_both_answers_and_switching_changes_the_context() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("first answer"));
    let hello = fx.send("hello").await;
    fx.wait_final(hello.assistant_message_id).await;
    let first = hello.assistant_message_id;

    fx.llm.push(Reply::text("second answer"));
    let again = regenerate(&fx, first).await;
    assert_eq!(
        (again.user_message_id, again.queued),
        (hello.user_message_id, false)
    );
    let second = again.assistant_message_id;
    fx.wait_final(second).await;
    // The new answer was asked for without the old one in sight.
    assert_eq!(fx.llm.conversation(1), conv(&[("user", "hello")]));
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        pairs(&w),
        vec![(Role::User, "hello"), (Role::Assistant, "second answer")]
    );
    assert_eq!(
        w.branches,
        vec![Branch {
            message_id: second,
            index: 1,
            count: 2,
            sibling_ids: vec![first, second],
        }]
    );

    // The next turn follows the active branch only.
    fx.llm.push(Reply::text("third"));
    let next = fx.send("and then?").await;
    fx.wait_final(next.assistant_message_id).await;
    assert_eq!(
        fx.llm.conversation(2),
        conv(&[
            ("user", "hello"),
            ("assistant", "second answer"),
            ("user", "and then?")
        ])
    );

    // Back to the first answer: the transcript and the model's context follow,
    // and every client of the session is told the branch moved.
    let mut ws = fx.ws(None).await;
    assert_eq!(switch(&fx, first).await, BranchSet { leaf_id: first });
    let told = ws.until(|f| f["type"] == "chat_branched").await;
    assert_eq!(
        (
            &told.last().unwrap()["chat_id"],
            &told.last().unwrap()["leaf_id"]
        ),
        (&json!(fx.chat.id), &json!(first))
    );
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        pairs(&w),
        vec![(Role::User, "hello"), (Role::Assistant, "first answer")]
    );
    assert_eq!(
        w.branches,
        vec![Branch {
            message_id: first,
            index: 0,
            count: 2,
            sibling_ids: vec![first, second],
        }]
    );
    fx.llm.push(Reply::text("fourth"));
    let other = fx.send("other way").await;
    fx.wait_final(other.assistant_message_id).await;
    assert_eq!(
        fx.llm.conversation(3),
        conv(&[
            ("user", "hello"),
            ("assistant", "first answer"),
            ("user", "other way")
        ])
    );

    // Switching to a branch returns to where it ended.
    assert_eq!(
        switch(&fx, second).await,
        BranchSet {
            leaf_id: next.assistant_message_id
        }
    );
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        pairs(&w),
        vec![
            (Role::User, "hello"),
            (Role::Assistant, "second answer"),
            (Role::User, "and then?"),
            (Role::Assistant, "third"),
        ]
    );

    // A fork copies the active branch as one straight line.
    let fork: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/fork", fx.chat.id)),
        json!({}),
        201,
    )
    .await;
    let fw = window(&fx, fork.id).await;
    assert_eq!((pairs(&fw), fw.branches.clone()), (pairs(&w), vec![]));
    // ... and continues like any chat.
    fx.llm.push(Reply::text("fifth"));
    let more: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", fork.id)),
        json!({"content": "in the fork"}),
        202,
    )
    .await;
    fx.llm.wait_requests(5, LIMIT).await;
    assert_eq!(
        fx.llm.conversation(4),
        conv(&[
            ("user", "hello"),
            ("assistant", "second answer"),
            ("user", "and then?"),
            ("assistant", "third"),
            ("user", "in the fork"),
        ])
    );
    let _ = more;
}

#[tokio::test]
async fn editing_a_question_branches_it_with_a_new_answer() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("a1"));
    let q1 = fx.send("q1").await;
    fx.wait_final(q1.assistant_message_id).await;
    fx.llm.push(Reply::text("a2"));
    let q2 = fx.send("q2").await;
    fx.wait_final(q2.assistant_message_id).await;

    fx.llm.push(Reply::text("a2 again"));
    let edited: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!(
            "/api/chats/{}/messages/{}/edit",
            fx.chat.id, q2.user_message_id
        )),
        json!({"content": "q2 edited"}),
        202,
    )
    .await;
    fx.wait_final(edited.assistant_message_id).await;
    assert_eq!(
        fx.llm.conversation(2),
        conv(&[("user", "q1"), ("assistant", "a1"), ("user", "q2 edited")])
    );
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        (pairs(&w), w.branches.clone()),
        (
            vec![
                (Role::User, "q1"),
                (Role::Assistant, "a1"),
                (Role::User, "q2 edited"),
                (Role::Assistant, "a2 again"),
            ],
            vec![Branch {
                message_id: edited.user_message_id,
                index: 1,
                count: 2,
                sibling_ids: vec![q2.user_message_id, edited.user_message_id],
            }]
        )
    );

    // Editing the very first message starts a new root.
    fx.llm.push(Reply::text("fresh"));
    let root: MessageAccepted = post(
        &fx.http,
        &fx.url(&format!(
            "/api/chats/{}/messages/{}/edit",
            fx.chat.id, q1.user_message_id
        )),
        json!({"content": "q1 again"}),
        202,
    )
    .await;
    fx.wait_final(root.assistant_message_id).await;
    assert_eq!(fx.llm.conversation(3), conv(&[("user", "q1 again")]));
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        (pairs(&w), w.branches.clone()),
        (
            vec![(Role::User, "q1 again"), (Role::Assistant, "fresh")],
            vec![Branch {
                message_id: root.user_message_id,
                index: 1,
                count: 2,
                sibling_ids: vec![q1.user_message_id, root.user_message_id],
            }]
        )
    );

    // The wrong kind of message, an empty edit, a message of another chat.
    let other: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}/chats", fx.session.id)),
        json!({}),
        201,
    )
    .await;
    let url = |chat: Uuid, mid: Uuid, what: &str| {
        fx.url(&format!("/api/chats/{chat}/messages/{mid}/{what}"))
    };
    let cases = [
        (
            url(fx.chat.id, root.assistant_message_id, "edit"),
            json!({"content": "x"}),
            "not_a_question",
        ),
        (
            url(fx.chat.id, root.user_message_id, "regenerate"),
            json!(null),
            "not_an_answer",
        ),
        (
            url(fx.chat.id, root.user_message_id, "edit"),
            json!({"content": "  "}),
            "empty_message",
        ),
        (
            url(other.id, root.user_message_id, "edit"),
            json!({"content": "x"}),
            "message_not_in_chat",
        ),
        (
            url(other.id, root.assistant_message_id, "regenerate"),
            json!(null),
            "message_not_in_chat",
        ),
    ];
    for (url, body, code) in cases {
        let (status, got) = call(&fx.http, Method::POST, &url, Some(body)).await;
        assert_eq!(
            (status, got["code"].as_str()),
            (400, Some(code)),
            "{url}: {got}"
        );
    }
    let (status, got) = call(
        &fx.http,
        Method::PUT,
        &fx.url(&format!("/api/chats/{}/branch", other.id)),
        Some(json!({"message_id": q1.user_message_id})),
    )
    .await;
    assert_eq!(
        (status, got["code"].as_str()),
        (400, Some("message_not_in_chat"))
    );
}

#[tokio::test]
async fn branching_is_refused_while_generating() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("done"));
    let a = fx.send("one").await;
    fx.wait_final(a.assistant_message_id).await;
    fx.llm.push(Reply::text("slow").hang());
    let b = fx.send("two").await;
    fx.llm.wait_requests(2, LIMIT).await;
    let chat = fx.chat.id;
    let cases = [
        (
            Method::POST,
            format!(
                "/api/chats/{chat}/messages/{}/regenerate",
                a.assistant_message_id
            ),
            json!(null),
        ),
        (
            Method::POST,
            format!("/api/chats/{chat}/messages/{}/edit", a.user_message_id),
            json!({"content": "one!"}),
        ),
        (
            Method::PUT,
            format!("/api/chats/{chat}/branch"),
            json!({"message_id": a.assistant_message_id}),
        ),
    ];
    for (method, path, body) in cases {
        let (status, got) = call(&fx.http, method, &fx.url(&path), Some(body)).await;
        assert_eq!(
            (status, got["code"].as_str()),
            (409, Some("chat_busy")),
            "{path}: {got}"
        );
    }
    post::<serde_json::Value>(
        &fx.http,
        &fx.url(&format!("/api/chats/{chat}/stop")),
        json!(null),
        200,
    )
    .await;
    let all = fx.wait_final(b.assistant_message_id).await;
    assert_eq!(
        all.iter().map(|m| (m.role, m.status)).collect::<Vec<_>>(),
        vec![
            (Role::User, MessageStatus::Complete),
            (Role::Assistant, MessageStatus::Complete),
            (Role::User, MessageStatus::Complete),
            (Role::Assistant, MessageStatus::Cancelled),
        ]
    );
    // Nothing moved: no sibling appeared.
    assert_eq!(window(&fx, chat).await.branches, vec![]);
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn queued_messages_join_the_branch_they_were_sent_on() {
    let fx = Fx::start().await;
    fx.llm
        .push(Reply::text("slow reply").delay_first(Duration::from_millis(400)));
    fx.llm.push(Reply::text("queued reply"));
    let a = fx.send("first").await;
    let q = fx.send("while busy").await;
    assert!(q.queued);
    fx.wait_final(q.assistant_message_id).await;
    let w = window(&fx, fx.chat.id).await;
    assert_eq!(
        (pairs(&w), w.branches.clone()),
        (
            vec![
                (Role::User, "first"),
                (Role::Assistant, "slow reply"),
                (Role::User, "while busy"),
                (Role::Assistant, "queued reply"),
            ],
            vec![]
        )
    );
    assert_eq!(
        fx.llm.conversation(1),
        conv(&[
            ("user", "first"),
            ("assistant", "slow reply"),
            ("user", "while busy")
        ])
    );
    let _ = a;
}
