//! `GET /api/search`: full-text hits across sessions, ranked, with snippets cut
//! into spans; pages by cursor; bad queries are 400 with a code.

use boo_shared::chat::{Chat, MessageStatus, Page, Role, Session};
use boo_shared::find::{SearchHit, SnippetSpan};
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use super::fixture::{Fx, LIMIT, call, get, post};

fn span(text: &str, hit: bool) -> SnippetSpan {
    SnippetSpan {
        text: text.to_owned(),
        hit,
    }
}

fn search_url(fx: &Fx, query: &str) -> String {
    let mut url = reqwest::Url::parse(&fx.url("/api/search")).unwrap();
    url.query_pairs_mut().append_pair("q", query);
    url.to_string()
}

#[tokio::test]
async fn search_ranks_hits_across_sessions_with_snippets() {
    let fx = Fx::start().await;
    let first: Session = boo_testkit::http::patch(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}", fx.session.id)),
        json!({"title": "First"}),
    )
    .await;
    let second: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id, "title": "Second"}),
        201,
    )
    .await;
    let other: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/sessions/{}/chats", second.id)),
        json!({"title": "Zoo talk"}),
        201,
    )
    .await;
    // One mention in the first session, three in the second: the second ranks first.
    fx.llm.push(Reply::text("Noted."));
    let a = fx.send("I saw a zebra at the market today").await;
    let in_first = fx.wait_final(a.assistant_message_id).await;
    fx.llm.push(Reply::text("Fine."));
    let b: boo_shared::chat::MessageAccepted = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", other.id)),
        json!({"content": "zebra zebra zebra: three <b>zebras</b>"}),
        202,
    )
    .await;
    let url = fx.url(&format!("/api/chats/{}/messages", other.id));
    let w = boo_testkit::wait_for("the other chat's answer", LIMIT, || async {
        let w: boo_shared::chat::MessageWindow = get(&fx.http, &url).await;
        w.items
            .iter()
            .any(|m| m.id == b.assistant_message_id && m.status == MessageStatus::Complete)
            .then_some(w)
    })
    .await;
    let in_second = &w.items[0];

    let page: Page<SearchHit> = get(&fx.http, &search_url(&fx, "zebras")).await;
    assert!(
        page.items.len() == 2 && page.items[0].rank > page.items[1].rank,
        "{page:#?}"
    );
    assert_eq!(
        page,
        Page {
            items: vec![
                SearchHit {
                    session_id: second.id,
                    session_title: Some("Second".into()),
                    chat_id: other.id,
                    chat_title: Some("Zoo talk".into()),
                    message_id: b.user_message_id,
                    role: Role::User,
                    snippet: vec![
                        span("zebra", true),
                        span(" ", false),
                        span("zebra", true),
                        span(" ", false),
                        span("zebra", true),
                        span(": three <b>", false),
                        span("zebras", true),
                        span("</b>", false),
                    ],
                    rank: page.items[0].rank,
                    created_at: in_second.created_at,
                },
                SearchHit {
                    session_id: first.id,
                    session_title: Some("First".into()),
                    chat_id: fx.chat.id,
                    chat_title: None,
                    message_id: a.user_message_id,
                    role: Role::User,
                    snippet: vec![
                        span("I saw a ", false),
                        span("zebra", true),
                        span(" at the market today", false),
                    ],
                    rank: page.items[1].rank,
                    created_at: in_first[0].created_at,
                },
            ],
            next_cursor: None,
        }
    );

    // Page by page: the cursor continues right after the last hit.
    let one: Page<SearchHit> =
        get(&fx.http, &format!("{}&limit=1", search_url(&fx, "zebra"))).await;
    let cursor = one.next_cursor.clone().expect("a second page");
    let two: Page<SearchHit> = get(
        &fx.http,
        &format!("{}&limit=1&cursor={cursor}", search_url(&fx, "zebra")),
    )
    .await;
    let ids = |p: &Page<SearchHit>| p.items.iter().map(|h| h.message_id).collect::<Vec<Uuid>>();
    assert_eq!(
        (ids(&one), ids(&two), two.next_cursor),
        (vec![b.user_message_id], vec![a.user_message_id], None)
    );

    // Phrases and exclusions are web-search syntax; stop words alone find nothing.
    let phrase: Page<SearchHit> = get(&fx.http, &search_url(&fx, "\"the market\" -giraffe")).await;
    assert_eq!(ids(&phrase), vec![a.user_message_id]);
    let none: Page<SearchHit> = get(&fx.http, &search_url(&fx, "the")).await;
    assert_eq!(
        none,
        Page {
            items: vec![],
            next_cursor: None
        }
    );

    // A long message is cut to fragments around its matches.
    let filler = "lorem ipsum dolor sit amet ".repeat(30);
    fx.llm.push(Reply::text("Ok."));
    let long = fx
        .send(&format!(
            "{filler}the giraffe ran far away {filler} another giraffe"
        ))
        .await;
    fx.wait_final(long.assistant_message_id).await;
    let page: Page<SearchHit> = get(&fx.http, &search_url(&fx, "giraffe")).await;
    let snippets: Vec<Vec<SnippetSpan>> = page.items.into_iter().map(|h| h.snippet).collect();
    assert_eq!(
        snippets,
        vec![vec![
            span(
                "lorem ipsum dolor sit amet lorem ipsum dolor sit amet the ",
                false
            ),
            span("giraffe", true),
            span(
                " ran far away lorem ipsum dolor sit amet lorem ipsum dolor … lorem ipsum dolor \
                 sit amet lorem ipsum dolor sit amet  another ",
                false
            ),
            span("giraffe", true),
        ]]
    );
}

#[tokio::test]
async fn bad_queries_are_refused_with_a_code() {
    let fx = Fx::start().await;
    let long = "x".repeat(501);
    let cases = [
        (search_url(&fx, ""), "empty_query"),
        (search_url(&fx, "   "), "empty_query"),
        (search_url(&fx, &long), "query_too_long"),
        (format!("{}&limit=0", search_url(&fx, "a")), "invalid_limit"),
        (
            format!("{}&limit=101", search_url(&fx, "a")),
            "invalid_limit",
        ),
        (
            format!("{}&cursor=nope", search_url(&fx, "a")),
            "invalid_cursor",
        ),
        (fx.url("/api/search"), "invalid_query"),
    ];
    for (url, code) in cases {
        let (status, body) = call(&fx.http, Method::GET, &url, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{url}: {body}"
        );
    }
}
