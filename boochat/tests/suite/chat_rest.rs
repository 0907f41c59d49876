//! REST: validation errors, pagination, patches, fork, agents, transcript.

use boo_proto::chat::v1::GetTranscriptRequest;
use boo_proto::chat::v1::chat_service_client::ChatServiceClient;
use boo_shared::chat::{Chat, Page, Project, Role, Session};
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::json;

use super::fixture::{Fx, call, get, post};

#[tokio::test]
async fn projects_validate_paths_and_names() {
    let fx = Fx::start().await;
    let url = fx.url("/api/projects");
    let cases = [
        (
            json!({"name": "x", "path": "relative"}),
            400,
            "invalid_path",
        ),
        (
            json!({"name": "x", "path": "/nonexistent/boo"}),
            400,
            "invalid_path",
        ),
        (json!({"name": " ", "path": "/tmp"}), 400, "invalid_name"),
        (json!({"name": "x"}), 400, "invalid_body"),
        (
            json!({"name": "dup", "path": fx.project.path}),
            409,
            "project_exists",
        ),
    ];
    for (body, status, code) in cases {
        let (got, resp) = call(&fx.http, Method::POST, &url, Some(body.clone())).await;
        assert_eq!(
            (got, resp["code"].as_str()),
            (status, Some(code)),
            "{body}: {resp}"
        );
    }
    let (status, resp) = call(&fx.http, Method::POST, &url, None).await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (400, Some("unsupported_media_type"))
    );
    let (status, resp) = call(
        &fx.http,
        Method::GET,
        &fx.url("/api/projects/not-a-uuid"),
        None,
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (400, Some("invalid_path_parameter"))
    );
    let (status, resp) = call(
        &fx.http,
        Method::GET,
        &fx.url("/api/projects?limit=0"),
        None,
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (400, Some("invalid_limit"))
    );
    let (status, resp) = call(
        &fx.http,
        Method::GET,
        &fx.url("/api/projects?cursor=zzz"),
        None,
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
}

/// A path inside `chat.project_roots` that leads outside it — a link to `/etc`, a
/// chain, a relative link up — is refused where it leads, with its own code.
#[tokio::test]
async fn project_paths_are_checked_where_they_lead() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let root = base.join("root");
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    symlink("/etc", root.join("etc")).unwrap();
    symlink("hop", root.join("chain")).unwrap();
    symlink(base.join("outside"), root.join("hop")).unwrap();
    symlink("../outside", root.join("up")).unwrap();
    let roots = vec![root.clone()];
    let (daemon, _db) = super::start(|s| {
        s.auth.mode = boo_shared::config::AuthMode::None;
        s.chat.project_roots = roots;
    })
    .await;
    let http = reqwest::Client::new();
    let url = daemon.url("/api/projects");
    let outside = base.join("outside");
    for (link, target) in [
        ("etc", std::path::PathBuf::from("/etc")),
        ("chain", outside.clone()),
        ("up", outside.clone()),
    ] {
        let path = root.join(link);
        let body = json!({"name": link, "path": path.to_str().unwrap()});
        assert_eq!(
            call(&http, Method::POST, &url, Some(body)).await,
            (
                400,
                json!({
                    "error": format!(
                        "{path:?} resolves to {target:?}, which is outside chat.project_roots"
                    ),
                    "code": "path_outside_roots",
                })
            )
        );
    }
    let body = json!({"name": "out", "path": outside.to_str().unwrap()});
    assert_eq!(
        call(&http, Method::POST, &url, Some(body)).await,
        (
            400,
            json!({
                "error": format!("{outside:?} is outside chat.project_roots"),
                "code": "path_outside_roots",
            })
        )
    );
    let real = root.join("real");
    let project: Project = post(
        &http,
        &url,
        json!({"name": "real", "path": real.to_str().unwrap()}),
        201,
    )
    .await;
    assert_eq!(project.path, real.to_str().unwrap());
}

#[tokio::test]
async fn lists_paginate_by_cursor_without_gaps_or_repeats() {
    let fx = Fx::start().await;
    for i in 0..4 {
        let _: Session = post(
            &fx.http,
            &fx.url("/api/sessions"),
            json!({"project_id": fx.project.id, "title": format!("s{i}")}),
            201,
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/sessions?project_id={}&limit=2", fx.project.id);
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Page<Session> = get(&fx.http, &fx.url(&url)).await;
        seen.extend(page.items.into_iter().map(|s| s.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 5);
    let projects: Page<Project> = get(&fx.http, &fx.url("/api/projects")).await;
    assert_eq!(projects.items, vec![fx.project.clone()]);
}

#[tokio::test]
async fn sessions_and_chats_archive_and_restore() {
    let fx = Fx::start().await;
    let s: Session = super::fixture::post::<Session>(
        &fx.http,
        &fx.url("/api/sessions"),
        json!({"project_id": fx.project.id}),
        201,
    )
    .await;
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/sessions/{}", s.id)),
        Some(json!({"title": "Renamed", "status": "archived"})),
    )
    .await;
    assert_eq!(
        (status, body["title"].as_str(), body["status"].as_str()),
        (200, Some("Renamed"), Some("archived"))
    );
    let archived: Page<Session> = get(
        &fx.http,
        &fx.url(&format!(
            "/api/sessions?project_id={}&status=archived",
            fx.project.id
        )),
    )
    .await;
    assert_eq!(
        archived.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![s.id]
    );
    let chat_url = fx.url(&format!("/api/chats/{}", fx.chat.id));
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"status": "archived"})),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("archived")));
    let (status, body) = call(
        &fx.http,
        Method::POST,
        &fx.url(&format!("/api/chats/{}/messages", fx.chat.id)),
        Some(json!({"content": "hi"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("chat_archived"))
    );
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"status": "open"})),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("open")));
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"agent": "nobody"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown_agent"))
    );
    let (status, body) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"colour": "red"})),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_body")));
    let (status, body) = call(
        &fx.http,
        Method::POST,
        &fx.url(&format!("/api/chats/{}/messages", fx.chat.id)),
        Some(json!({"content": "   "})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("empty_message"))
    );
    let (status, _) = call(
        &fx.http,
        Method::GET,
        &fx.url(&format!("/api/chats/{}", uuid::Uuid::new_v4())),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn fork_copies_the_transcript_up_to_a_message() {
    let fx = Fx::start().await;
    fx.llm.push(Reply::text("one"));
    fx.llm.push(Reply::text("two"));
    let a = fx.send("first").await;
    fx.wait_final(a.assistant_message_id).await;
    let b = fx.send("second").await;
    fx.wait_final(b.assistant_message_id).await;
    let fork: Chat = post(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/fork", fx.chat.id)),
        json!({"message_id": a.assistant_message_id}),
        201,
    )
    .await;
    assert_eq!(
        (fork.forked_from_chat_id, fork.forked_from_message_id),
        (Some(fx.chat.id), Some(a.assistant_message_id))
    );
    let w: boo_shared::chat::MessageWindow = get(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages", fork.id)),
    )
    .await;
    let got: Vec<(Role, &str)> = w
        .items
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect();
    assert_eq!(got, vec![(Role::User, "first"), (Role::Assistant, "one")]);
    assert_eq!(w.items[1].parts.len(), 1, "parts are copied");
    let (status, body) = call(
        &fx.http,
        Method::POST,
        &fx.url(&format!("/api/chats/{}/fork", fx.chat.id)),
        Some(json!({"message_id": uuid::Uuid::new_v4()})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_message"))
    );

    // The message window pages backwards.
    let newest: boo_shared::chat::MessageWindow = get(
        &fx.http,
        &fx.url(&format!("/api/chats/{}/messages?limit=2", fx.chat.id)),
    )
    .await;
    assert!(newest.has_more);
    let older: boo_shared::chat::MessageWindow = get(
        &fx.http,
        &fx.url(&format!(
            "/api/chats/{}/messages?limit=2&before={}",
            fx.chat.id, newest.items[0].id
        )),
    )
    .await;
    assert_eq!((older.items.len(), older.has_more), (2, false));
    assert_eq!(older.items[0].content, "first");

    // GetTranscript serves the same turns to peers.
    let mut client = ChatServiceClient::new(boo_testkit::channel(&fx.daemon.grpc_url()).await);
    let t = client
        .get_transcript(GetTranscriptRequest {
            chat_id: fx.chat.id.to_string(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let got: Vec<(&str, &str)> = t
        .messages
        .iter()
        .map(|m| (m.role.as_str(), m.content.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("user", "first"),
            ("assistant", "one"),
            ("user", "second"),
            ("assistant", "two")
        ]
    );
    assert!(!t.truncated);
}

#[tokio::test]
async fn agents_come_from_the_registry_file_and_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("AGENTS.md");
    std::fs::write(
        &file,
        "# preamble\n\n## Reviewer\n---\nmodel: review-model\ntools: [read_file]\nmax_tool_calls: 5\ntemperature: 0.2\n---\nYou review code.\n",
    )
    .unwrap();
    let f2 = file.clone();
    let fx = Fx::start_with(move |s| s.chat.agents_file = Some(f2)).await;
    let info: serde_json::Value = get(&fx.http, &fx.url("/api/agents")).await;
    assert_eq!(
        info,
        json!({"agents": [{"name": "Reviewer", "description": null, "model": "review-model", "tools": ["read_file"], "max_tool_calls": 5}], "error": null})
    );
    let (status, _) = call(
        &fx.http,
        Method::PATCH,
        &fx.url(&format!("/api/chats/{}", fx.chat.id)),
        Some(json!({"agent": "reviewer"})),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::text("LGTM"));
    let acc = fx.send("review").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[1].model.as_deref(), all[1].agent.as_deref()),
        (Some("review-model"), Some("reviewer"))
    );
    let req = &fx.llm.requests()[0];
    assert_eq!(
        (req["model"].as_str(), req["temperature"].as_f64()),
        (Some("review-model"), Some(0.2))
    );
    let tools: Vec<&str> = req["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, vec!["read_file"]);
    assert!(
        req["messages"][0]["content"]
            .as_str()
            .unwrap()
            .ends_with("You review code.")
    );

    // A broken rewrite keeps the old agents and reports the line.
    std::fs::write(&file, "## Reviewer\nno fence here\n").unwrap();
    let info = boo_testkit::wait_for(
        "the registry to notice",
        std::time::Duration::from_secs(15),
        || async {
            let info: serde_json::Value = get(&fx.http, &fx.url("/api/agents")).await;
            info["error"].is_string().then_some(info)
        },
    )
    .await;
    let err = info["error"].as_str().unwrap();
    assert!(
        err.contains("AGENTS.md:2:") && err.contains("Reviewer"),
        "{err}"
    );
    assert_eq!(info["agents"][0]["name"], "Reviewer");
}

#[tokio::test]
async fn models_list_with_context_size_where_it_is_safe_to_ask() {
    let fx = Fx::start().await;
    let info: serde_json::Value = get(&fx.http, &fx.url("/api/models")).await;
    assert_eq!(
        info,
        json!({"reachable": true, "base_url": fx.llm.base_url(), "models": [{"id": "fake-model", "ctx_size": 8192, "vision": false}], "error": null})
    );
    // Several models (llama-swap): props would load each one, so none is asked.
    let llm = boo_testkit::fake_llm::FakeLlm::start_with(boo_testkit::fake_llm::FakeOptions {
        models: vec!["a".into(), "b".into()],
        ..Default::default()
    })
    .await;
    let db = boo_testkit::TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    settings.auth.mode = boo_shared::config::AuthMode::None;
    settings.llm.base_url = llm.base_url();
    let fx2 = Fx::with(settings, llm, db).await;
    let info: serde_json::Value = get(&fx2.http, &fx2.url("/api/models")).await;
    assert_eq!(
        info["models"],
        json!([{"id": "a", "ctx_size": null, "vision": null}, {"id": "b", "ctx_size": null, "vision": null}])
    );
}
