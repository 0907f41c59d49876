//! `GET`/`PATCH /api/sessions/{id}/workspace` (CHAT-7): the rules, compare-and-set on
//! the version, the legacy pane array, pruning of gone tabs, terminal tabs, and the
//! `session_workspace_updated` frame to every socket on the session.

use std::collections::BTreeMap;

use boo_shared::chat::{Chat, Session};
use boo_shared::workspace::{
    TabKind, WorkspaceConflict, WorkspacePane, WorkspaceState, WorkspaceTab,
};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::fixture::{Fx, call, get, post};

fn url(fx: &Fx, session: Uuid) -> String {
    fx.url(&format!("/api/sessions/{session}/workspace"))
}

async fn read(fx: &Fx) -> WorkspaceState {
    get(&fx.http, &url(fx, fx.session.id)).await
}

async fn patch(fx: &Fx, body: impl serde::Serialize) -> (u16, Value) {
    let body = serde_json::to_value(body).unwrap();
    call(&fx.http, Method::PATCH, &url(fx, fx.session.id), Some(body)).await
}

/// PATCH that must succeed; the stored layout.
async fn save(fx: &Fx, body: impl serde::Serialize) -> WorkspaceState {
    let (status, body) = patch(fx, body).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn db(fx: &Fx) -> PgPool {
    PgPool::connect(&fx._db.url).await.unwrap()
}

async fn new_chat(fx: &Fx, session: Uuid) -> Uuid {
    let chat: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/sessions/{session}/chats")),
        json!({}),
        201,
    )
    .await;
    chat.id
}

async fn new_session(fx: &Fx) -> Uuid {
    let s: Session = post(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id}),
        201,
    )
    .await;
    s.id
}

/// A `terminal_sessions` row as booterm would write it.
async fn new_terminal(pool: &PgPool, session: Option<Uuid>) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO terminal_sessions (session_id, cwd) VALUES ($1, '/tmp') RETURNING id",
    )
    .bind(session)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn tab(kind: TabKind, id: Uuid) -> WorkspaceTab {
    WorkspaceTab { kind, id }
}

fn chat(id: Uuid) -> WorkspaceTab {
    tab(TabKind::Chat, id)
}

fn pane(id: &str, tabs: Vec<WorkspaceTab>, active: Option<Uuid>) -> WorkspacePane {
    WorkspacePane {
        id: id.into(),
        tabs,
        active_tab: active,
        width: None,
    }
}

type Change = Box<dyn Fn(&mut WorkspaceState)>;

fn case(change: impl Fn(&mut WorkspaceState) + 'static) -> Change {
    Box::new(change)
}

/// One pane `p1` with `tabs` (the first active), numbered 1.. in order.
fn one_pane(tabs: Vec<WorkspaceTab>, version: u32) -> WorkspaceState {
    let tab_numbers: BTreeMap<Uuid, u32> = tabs.iter().zip(1..).map(|(t, n)| (t.id, n)).collect();
    WorkspaceState {
        next_tab_number: tab_numbers.len() as u32 + 1,
        panes: vec![pane("p1", tabs.clone(), tabs.first().map(|t| t.id))],
        tab_numbers,
        closed_pane_stack: vec![],
        version,
    }
}

#[tokio::test]
async fn a_never_saved_session_reads_the_initial_layout_and_unknown_sessions_are_404() {
    let fx = Fx::start().await;
    assert_eq!(read(&fx).await, WorkspaceState::initial());
    let unknown = url(&fx, Uuid::new_v4());
    for (method, body) in [
        (Method::GET, None),
        (
            Method::PATCH,
            Some(serde_json::to_value(WorkspaceState::initial()).unwrap()),
        ),
        (Method::PATCH, Some(json!([]))),
    ] {
        let (status, body) = call(&fx.http, method.clone(), &unknown, body).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{method} {body}"
        );
    }
    let (status, body) = call(
        &fx.http,
        Method::GET,
        &fx.url("/api/sessions/nope/workspace"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_path_parameter"))
    );
}

#[tokio::test]
async fn writes_are_compare_and_set_on_the_version() {
    let fx = Fx::start().await;
    let first = one_pane(vec![chat(fx.chat.id)], 0);
    let stored = save(&fx, &first).await;
    assert_eq!(
        stored,
        WorkspaceState {
            version: 1,
            ..first.clone()
        }
    );
    assert_eq!(read(&fx).await, stored);

    // Another device, still on version 0, opens a second chat: refused with the
    // layout to rebase on.
    let other = new_chat(&fx, fx.session.id).await;
    let mut change = one_pane(vec![chat(fx.chat.id), chat(other)], 0);
    let (status, body) = patch(&fx, &change).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        serde_json::from_value::<WorkspaceConflict>(body).unwrap(),
        WorkspaceConflict {
            error: "the workspace is at version 1, this change was based on version 0: apply it to `current` and retry".into(),
            code: "version_conflict".into(),
            current: stored.clone(),
        }
    );
    assert_eq!(read(&fx).await, stored);

    // Rebased on version 1, it goes through.
    change.version = 1;
    let rebased = save(&fx, &change).await;
    assert_eq!(
        rebased,
        WorkspaceState {
            version: 2,
            ..change
        }
    );
    assert_eq!(read(&fx).await, rebased);

    // Numbers are never reused: nextTabNumber may not go down.
    let (status, body) = patch(&fx, one_pane(vec![chat(fx.chat.id)], 2)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_tab_number")),
        "{body}"
    );
    assert_eq!(read(&fx).await, rebased);
}

#[tokio::test]
async fn each_rule_refuses_the_write_with_its_code_and_writes_nothing() {
    let fx = Fx::start().await;
    let pool = db(&fx).await;
    let (a, b) = (fx.chat.id, new_chat(&fx, fx.session.id).await);
    let closed_chat = new_chat(&fx, fx.session.id).await;
    let foreign_session = new_session(&fx).await;
    let foreign_chat = new_chat(&fx, foreign_session).await;
    let terminal = new_terminal(&pool, Some(fx.session.id)).await;
    let mut base = one_pane(vec![chat(a), chat(b), tab(TabKind::Term, terminal)], 0);
    base.next_tab_number = 5;
    base.closed_pane_stack = vec![pane("c", vec![chat(closed_chat)], Some(closed_chat))];
    let stored = save(&fx, &base).await;
    let base = stored.clone();

    let extra = |n: usize| -> Vec<WorkspacePane> {
        (0..n)
            .map(|i| pane(&format!("x{i}"), vec![], None))
            .collect()
    };
    let cases = [
        (
            "no_panes",
            case(|s| {
                s.panes.clear();
                s.tab_numbers.clear();
            }),
        ),
        ("too_many_panes", case(move |s| s.panes.extend(extra(5)))),
        (
            "too_many_closed_panes",
            case(move |s| s.closed_pane_stack.extend(extra(10))),
        ),
        (
            "too_many_tabs",
            case(|s| {
                s.panes[0]
                    .tabs
                    .extend((0..48).map(|_| chat(Uuid::new_v4())));
            }),
        ),
        ("invalid_pane_id", case(|s| s.panes[0].id = "p 1".into())),
        ("invalid_pane_id", case(|s| s.panes[0].id = String::new())),
        ("invalid_pane_id", case(|s| s.panes[0].id = "x".repeat(65))),
        (
            "duplicate_pane_id",
            case(|s| s.closed_pane_stack[0].id = "p1".into()),
        ),
        (
            "duplicate_tab",
            case(move |s| {
                s.panes.push(pane("p2", vec![chat(a)], None));
            }),
        ),
        (
            "duplicate_tab",
            case(move |s| s.closed_pane_stack[0].tabs.push(chat(closed_chat))),
        ),
        (
            "unknown_tab",
            case(move |s| {
                let ghost = Uuid::new_v4();
                s.panes[0].tabs.push(chat(ghost));
                s.tab_numbers.insert(ghost, 4);
            }),
        ),
        (
            "unknown_tab",
            case(move |s| {
                s.panes[0].tabs.push(chat(foreign_chat));
                s.tab_numbers.insert(foreign_chat, 4);
            }),
        ),
        (
            "unknown_tab",
            case(move |s| s.closed_pane_stack[0].tabs.push(chat(foreign_chat))),
        ),
        (
            "unknown_tab",
            case(|s| s.panes[0].tabs[0].kind = TabKind::Term),
        ),
        (
            "unknown_tab",
            case(|s| s.panes[0].tabs[2].kind = TabKind::Chat),
        ),
        (
            "invalid_active_tab",
            case(move |s| s.panes[0].active_tab = Some(closed_chat)),
        ),
        (
            "invalid_active_tab",
            case(move |s| {
                s.panes.push(pane("p2", vec![], Some(a)));
            }),
        ),
        (
            "missing_tab_number",
            case(move |s| {
                s.tab_numbers.remove(&b);
            }),
        ),
        (
            "duplicate_tab_number",
            case(move |s| {
                s.tab_numbers.insert(b, 1);
            }),
        ),
        (
            "invalid_tab_number",
            case(move |s| {
                s.tab_numbers.insert(b, 0);
            }),
        ),
        (
            "invalid_tab_number",
            case(move |s| {
                s.tab_numbers.insert(b, 5);
            }),
        ),
        (
            "invalid_tab_number",
            case(move |s| {
                s.tab_numbers.insert(closed_chat, 4);
            }),
        ),
        ("invalid_tab_number", case(|s| s.next_tab_number = 4)),
        ("invalid_width", case(|s| s.panes[0].width = Some(0.0))),
        ("invalid_width", case(|s| s.panes[0].width = Some(-2.0))),
        ("invalid_width", case(|s| s.panes[0].width = Some(100.5))),
    ];
    for (code, change) in cases {
        let mut body = base.clone();
        change(&mut body);
        let (status, resp) = patch(&fx, &body).await;
        assert_eq!((status, resp["code"].as_str()), (400, Some(code)), "{resp}");
        assert_eq!(read(&fx).await, stored, "{code}: nothing is written");
    }
    // The same layout with a width inside the range passes the rules.
    let mut body = base.clone();
    body.panes[0].width = Some(100.0);
    assert_eq!(save(&fx, &body).await.version, 2);
}

#[tokio::test]
async fn a_legacy_pane_array_becomes_the_envelope() {
    let fx = Fx::start().await;
    let pool = db(&fx).await;
    let with_agent = new_chat(&fx, fx.session.id).await;
    sqlx::query("UPDATE chats SET agent = 'boocode' WHERE id = $1")
        .bind(with_agent)
        .execute(&pool)
        .await
        .unwrap();
    let foreign = new_chat(&fx, new_session(&fx).await).await;
    let legacy = json!([
        {"id": "left", "kind": "chat", "chatIds": [fx.chat.id, foreign, with_agent], "activeChatIdx": 2},
        {"kind": "terminal"},
        {"id": "left", "kind": "chat", "chatIds": [Uuid::new_v4()], "activeChatIdx": 0}
    ]);
    let expected = WorkspaceState {
        panes: vec![
            pane(
                "left",
                vec![chat(fx.chat.id), tab(TabKind::Chat, with_agent)],
                Some(with_agent),
            ),
            pane("p2", vec![], None),
            pane("p3", vec![], None),
        ],
        tab_numbers: BTreeMap::from([(fx.chat.id, 1), (with_agent, 2)]),
        next_tab_number: 3,
        closed_pane_stack: vec![],
        version: 1,
    };
    assert_eq!(save(&fx, &legacy).await, expected);
    assert_eq!(read(&fx).await, expected);

    // Over a stored layout, without a version: open tabs keep their numbers.
    let again = save(&fx, json!([{"chatIds": [with_agent], "activeChatIdx": 0}])).await;
    assert_eq!(
        again,
        WorkspaceState {
            panes: vec![pane(
                "p1",
                vec![tab(TabKind::Chat, with_agent)],
                Some(with_agent)
            )],
            tab_numbers: BTreeMap::from([(with_agent, 2)]),
            next_tab_number: 3,
            closed_pane_stack: vec![],
            version: 2,
        }
    );
    let six: Vec<Value> = (0..6).map(|_| json!({"chatIds": []})).collect();
    let (status, body) = patch(&fx, six).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("too_many_panes"))
    );
    assert_eq!(read(&fx).await, again);
}

#[tokio::test]
async fn a_read_drops_tabs_whose_chat_or_terminal_is_gone_without_writing() {
    let fx = Fx::start().await;
    let pool = db(&fx).await;
    let (a, b, c) = (
        fx.chat.id,
        new_chat(&fx, fx.session.id).await,
        new_chat(&fx, fx.session.id).await,
    );
    let t = new_terminal(&pool, Some(fx.session.id)).await;
    let mut layout = one_pane(vec![chat(a), chat(b), chat(c)], 0);
    layout.panes[0].active_tab = Some(b);
    layout
        .panes
        .push(pane("p2", vec![tab(TabKind::Term, t)], Some(t)));
    layout.tab_numbers.insert(t, 4);
    layout.next_tab_number = 5;
    layout.closed_pane_stack = vec![pane("old", vec![chat(b), chat(a)], Some(b))];
    let stored = save(&fx, &layout).await;

    sqlx::query("DELETE FROM chats WHERE id = $1")
        .bind(b)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM terminal_sessions WHERE id = $1")
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
    let pruned = WorkspaceState {
        panes: vec![
            pane("p1", vec![chat(a), chat(c)], Some(c)),
            pane("p2", vec![], None),
        ],
        tab_numbers: BTreeMap::from([(a, 1), (c, 3)]),
        next_tab_number: 5,
        closed_pane_stack: vec![pane("old", vec![chat(a)], Some(a))],
        version: 1,
    };
    assert_eq!(read(&fx).await, pruned);
    let column: Value = sqlx::query_scalar("SELECT workspace_panes FROM sessions WHERE id = $1")
        .bind(fx.session.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_value::<WorkspaceState>(column).unwrap(),
        stored,
        "a read does not write"
    );
    // A conflict shows the layout pruned too.
    let (status, body) = patch(&fx, one_pane(vec![chat(a)], 0)).await;
    assert_eq!(status, 409);
    assert_eq!(body["current"], serde_json::to_value(&pruned).unwrap());
    // The pruned layout is a valid base for the next write.
    assert_eq!(save(&fx, &pruned).await.version, 2);
}

#[tokio::test]
async fn term_tabs_must_be_terminals_of_this_session() {
    let fx = Fx::start().await;
    let pool = db(&fx).await;
    let mine = new_terminal(&pool, Some(fx.session.id)).await;
    let theirs = new_terminal(&pool, Some(new_session(&fx).await)).await;
    let orphan = new_terminal(&pool, None).await;
    for id in [theirs, orphan] {
        let body = one_pane(vec![chat(fx.chat.id), tab(TabKind::Term, id)], 0);
        let (status, resp) = patch(&fx, &body).await;
        assert_eq!(
            (status, resp["code"].as_str()),
            (400, Some("unknown_tab")),
            "{resp}"
        );
    }
    // A chat is not a terminal, nor a terminal a chat.
    for t in [tab(TabKind::Term, fx.chat.id), chat(mine)] {
        let (status, resp) = patch(&fx, one_pane(vec![t], 0)).await;
        assert_eq!(
            (status, resp["code"].as_str()),
            (400, Some("unknown_tab")),
            "{resp}"
        );
    }
    assert_eq!(read(&fx).await, WorkspaceState::initial());
    let body = one_pane(vec![chat(fx.chat.id), tab(TabKind::Term, mine)], 0);
    let stored = save(&fx, &body).await;
    assert_eq!(stored, WorkspaceState { version: 1, ..body });
    assert_eq!(read(&fx).await, stored);
}

#[tokio::test]
async fn malformed_bodies_are_json_errors() {
    let fx = Fx::start().await;
    // `[]` is a legacy array of no panes.
    let (status, body) = patch(&fx, json!([])).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("no_panes")));
    let mut unknown_field = serde_json::to_value(WorkspaceState::initial()).unwrap();
    unknown_field["colour"] = json!("red");
    let mut negative = serde_json::to_value(WorkspaceState::initial()).unwrap();
    negative["version"] = json!(-1);
    for body in [json!({"panes": 3}), json!("panes"), unknown_field, negative] {
        let (status, resp) = patch(&fx, &body).await;
        assert_eq!(
            (status, resp["code"].as_str()),
            (400, Some("invalid_body")),
            "{body}: {resp}"
        );
    }
    let raw = |content_type: &'static str, text: &'static str| {
        fx.http
            .patch(url(&fx, fx.session.id))
            .header("content-type", content_type)
            .body(text)
            .send()
    };
    for (request, want) in [
        (
            raw("application/json", "{\"panes\": ["),
            (400, "malformed_json"),
        ),
        (raw("text/plain", "[]"), (400, "unsupported_media_type")),
    ] {
        let resp = request.await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (want.0, Some(want.1)),
            "{body}"
        );
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(read(&fx).await, WorkspaceState::initial());
}

#[tokio::test]
async fn every_socket_on_the_session_gets_the_saved_layout() {
    let fx = Fx::start().await;
    let mut sockets = [fx.ws(None).await, fx.ws(None).await];
    let stored = save(&fx, one_pane(vec![chat(fx.chat.id)], 0)).await;
    // A refused write announces nothing: the next frame is the legacy write's.
    let (status, _) = patch(&fx, one_pane(vec![chat(fx.chat.id)], 0)).await;
    assert_eq!(status, 409);
    let migrated = save(&fx, json!([{"id": "solo", "chatIds": [fx.chat.id]}])).await;
    for ws in &mut sockets {
        for state in [&stored, &migrated] {
            let frames = ws.until(|f| f["type"] == "session_workspace_updated").await;
            let frame = frames.last().unwrap();
            assert_eq!(
                frame,
                &json!({
                    "type": "session_workspace_updated",
                    "seq": frame["seq"],
                    "session_id": fx.session.id,
                    "state": state,
                })
            );
        }
    }
}
