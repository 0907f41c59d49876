//! CHAT-10: MCP servers from `chat.mcp`, their tools offered to the model and
//! called within the bound, `GET /api/mcp`. The scripted server is the testkit's
//! `boo-fake-mcp` (stdio) or its in-process HTTP twin; the real one from npm is
//! in [`super::mcp_npm`].

use std::time::Duration;

use boo_shared::chat::{Message, MessageStatus, PartKind};
use boo_shared::config::{McpServerConfig, Settings};
use boo_shared::mcp::{McpInfo, McpServerInfo, McpStatus, McpToolInfo, McpTransport};
use boo_testkit::fake_llm::Reply;
use boo_testkit::fake_mcp;
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{Fx, LIMIT, call, get};

/// A node server starting on a busy machine, or a restart after the 1 s backoff.
const READY_LIMIT: Duration = Duration::from_secs(40);

fn fake_server() -> McpServerConfig {
    McpServerConfig {
        command: Some(fake_mcp::binary().to_str().unwrap().to_owned()),
        ..McpServerConfig::default()
    }
}

pub(super) fn with_server(name: &str, server: McpServerConfig) -> impl FnOnce(&mut Settings) {
    let name = name.to_owned();
    move |s: &mut Settings| {
        s.chat.mcp.servers.insert(name, server);
    }
}

async fn mcp(fx: &Fx) -> McpInfo {
    get(&fx.http, &fx.url("/api/mcp")).await
}

/// `GET /api/mcp`'s entry for `name` once its status is `status`.
pub(super) async fn wait_status(fx: &Fx, name: &str, status: McpStatus) -> McpServerInfo {
    boo_testkit::wait_for(
        &format!("MCP server {name} {status:?}"),
        READY_LIMIT,
        || async {
            mcp(fx)
                .await
                .servers
                .into_iter()
                .find(|s| s.name == name && s.status == status)
        },
    )
    .await
}

/// The tool names offered in the `n`th model request.
pub(super) fn offered(request: &Value) -> Vec<String> {
    request["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .map(|t| t["function"]["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn mcp_names(request: &Value) -> Vec<String> {
    offered(request)
        .into_iter()
        .filter(|n| n.starts_with("mcp__"))
        .collect()
}

/// (kind, tool, call id, text or result, is_error) of each part.
pub(super) type PartRow = (
    PartKind,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

pub(super) fn parts(m: &Message) -> Vec<PartRow> {
    m.parts
        .iter()
        .map(|p| {
            (
                p.kind,
                p.tool_name.clone(),
                p.call_id.clone(),
                p.content.clone().or(p.result.clone()),
                p.is_error,
            )
        })
        .collect()
}

pub(super) fn row(kind: PartKind, tool: &str, id: &str, text: &str, is_error: bool) -> PartRow {
    (
        kind,
        Some(tool.into()),
        Some(id.into()),
        Some(text.into()),
        is_error,
    )
}

fn fake_tools() -> Vec<McpToolInfo> {
    let tool = |name: &str, description: &str, offered: bool| McpToolInfo {
        name: format!("mcp__fake__{name}"),
        tool: name.into(),
        description: Some(description.into()),
        offered,
    };
    vec![
        tool("add", "Add two numbers.", true),
        tool("echo", "Echo the text back.", true),
        tool("picture", "A picture with a caption.", true),
        tool("fail", "Always fails.", true),
        tool("hang", "Never answers.", true),
        tool("exit", "Ends the server process.", true),
        tool("write_note", "Writes a note (not read-only).", false),
    ]
}

/// The tool messages of a model request, as (call id, content).
pub(super) fn tool_messages(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_stdio_server_s_read_only_tools_are_offered_called_and_answered() {
    let fx = Fx::start_with(with_server("fake", fake_server())).await;
    let mut info = wait_status(&fx, "fake", McpStatus::Ready).await;
    assert!(info.last_ok.is_some(), "{info:?}");
    info.last_ok = None;
    assert_eq!(
        info,
        McpServerInfo {
            name: "fake".into(),
            transport: McpTransport::Stdio,
            target: fake_mcp::binary().to_str().unwrap().to_owned(),
            status: McpStatus::Ready,
            error: None,
            last_ok: None,
            tools: fake_tools(),
        }
    );

    fx.llm.push(
        Reply::tool_call("c1", "mcp__fake__add", json!({"a": 2, "b": 3}))
            .with_tool_call("c2", "mcp__fake__fail", json!({}))
            .with_tool_call("c3", "mcp__fake__picture", json!({}))
            .with_tool_call("c4", "mcp__fake__write_note", json!({"text": "x"})),
    );
    fx.llm.push(Reply::text("2 + 3 = 5."));
    let acc = fx.send("what is 2 + 3?").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let answer = &all[1];
    assert_eq!(answer.status, MessageStatus::Complete);
    let picture = "a transparent pixel\n\n[image: image/png, 70 bytes, not shown]\n\n\
                   [resource file:///pixel.txt]\none pixel, no colour";
    assert_eq!(
        parts(answer),
        vec![
            row(PartKind::ToolCall, "mcp__fake__add", "c1", "", false),
            row(PartKind::ToolResult, "mcp__fake__add", "c1", "5", false),
            row(PartKind::ToolCall, "mcp__fake__fail", "c2", "", false),
            row(
                PartKind::ToolResult,
                "mcp__fake__fail",
                "c2",
                &format!("error: {}", fake_mcp::FAIL_TEXT),
                true
            ),
            row(PartKind::ToolCall, "mcp__fake__picture", "c3", "", false),
            row(
                PartKind::ToolResult,
                "mcp__fake__picture",
                "c3",
                picture,
                false
            ),
            row(PartKind::ToolCall, "mcp__fake__write_note", "c4", "", false),
            row(
                PartKind::ToolResult,
                "mcp__fake__write_note",
                "c4",
                "error: no connected MCP server offers the tool \"mcp__fake__write_note\"",
                true
            ),
            (PartKind::Text, None, None, Some("2 + 3 = 5.".into()), false),
        ]
        .into_iter()
        .map(|mut r| {
            // Tool-call parts carry no text: compare their presence only.
            if r.0 == PartKind::ToolCall {
                r.3 = None;
            }
            r
        })
        .collect::<Vec<_>>()
    );
    let reqs = fx.llm.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        mcp_names(&reqs[0]),
        [
            "mcp__fake__add",
            "mcp__fake__echo",
            "mcp__fake__picture",
            "mcp__fake__fail",
            "mcp__fake__hang",
            "mcp__fake__exit",
        ]
    );
    let add = reqs[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "mcp__fake__add")
        .unwrap();
    assert_eq!(
        add,
        &json!({"type": "function", "function": {
            "name": "mcp__fake__add",
            "description": "Add two numbers.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a", "b"],
                "additionalProperties": false,
            },
        }})
    );
    // The model's next request carries each result.
    assert_eq!(
        tool_messages(&reqs[1]),
        vec![
            ("c1".to_owned(), "5".to_owned()),
            ("c2".into(), format!("error: {}", fake_mcp::FAIL_TEXT)),
            ("c3".into(), picture.into()),
            (
                "c4".into(),
                "error: no connected MCP server offers the tool \"mcp__fake__write_note\"".into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_hanging_tool_times_out_without_blocking_the_turn_and_shows_as_hanging() {
    let mut server = fake_server();
    server.timeout_secs = Some(1);
    let fx = Fx::start_with(with_server("fake", server)).await;
    wait_status(&fx, "fake", McpStatus::Ready).await;
    fx.llm
        .push(Reply::tool_call("h1", "mcp__fake__hang", json!({})));
    fx.llm.push(Reply::text("It hangs."));
    let started = std::time::Instant::now();
    let acc = fx.send("call hang").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let message = "MCP server \"fake\" did not answer hang within 1 s (its timeout_secs); \
                   the call was cancelled";
    let answer = &all[1];
    assert_eq!(
        (answer.status, answer.content.as_str()),
        (MessageStatus::Complete, "It hangs.")
    );
    assert_eq!(
        parts(answer)[1],
        row(
            PartKind::ToolResult,
            "mcp__fake__hang",
            "h1",
            &format!("error: {message}"),
            true
        )
    );
    let info = mcp(&fx).await.servers.remove(0);
    assert_eq!(
        (info.status, info.error.as_deref()),
        (McpStatus::Hanging, Some(message))
    );
    // Its tools stay offered; the next answer clears the state.
    fx.llm.push(Reply::tool_call(
        "e1",
        "mcp__fake__echo",
        json!({"text": "still here"}),
    ));
    fx.llm.push(Reply::text("ok"));
    let acc = fx.send("echo").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[3])[1],
        row(
            PartKind::ToolResult,
            "mcp__fake__echo",
            "e1",
            "still here",
            false
        )
    );
    let info = mcp(&fx).await.servers.remove(0);
    assert_eq!((info.status, info.error), (McpStatus::Ready, None));
}

#[tokio::test]
async fn a_server_that_cannot_start_is_failed_and_turns_go_on_without_its_tools() {
    let missing = McpServerConfig {
        command: Some("/nonexistent/boo-mcp-nope".into()),
        ..McpServerConfig::default()
    };
    let mut says = fake_server();
    says.args = vec![
        "--stderr".into(),
        "no licence key".into(),
        "--fail-start".into(),
    ];
    let fx = Fx::start_with(|s| {
        with_server("missing", missing)(s);
        with_server("says", says)(s);
    })
    .await;
    let info = wait_status(&fx, "missing", McpStatus::Failed).await;
    assert_eq!(
        (info.error.as_deref(), info.tools, info.last_ok),
        (
            Some(
                "cannot start \"/nonexistent/boo-mcp-nope\": No such file or directory (os error 2)"
            ),
            vec![],
            None
        )
    );
    let info = wait_status(&fx, "says", McpStatus::Failed).await;
    // The program is gone either before rmcp writes `initialize` or after.
    let either = [
        "initialize failed: connection closed: initialize response; \
         its stderr ends: no licence key",
        "initialize failed: Send message error Transport \
         [rmcp::transport::child_process::TokioChildProcess] error: Broken pipe (os error 32), \
         when send initialize request; its stderr ends: no licence key",
    ];
    let error = info.error.unwrap();
    assert!(either.contains(&error.as_str()), "{error}");

    fx.llm
        .push(Reply::tool_call("m1", "mcp__missing__anything", json!({})));
    fx.llm.push(Reply::text("Fine without it."));
    let acc = fx.send("hello").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        (all[1].status, all[1].content.as_str()),
        (MessageStatus::Complete, "Fine without it.")
    );
    assert_eq!(
        parts(&all[1])[1],
        row(
            PartKind::ToolResult,
            "mcp__missing__anything",
            "m1",
            "error: no connected MCP server offers the tool \"mcp__missing__anything\"",
            true
        )
    );
    let reqs = fx.llm.requests();
    assert_eq!(mcp_names(&reqs[0]), Vec::<String>::new());
    assert!(offered(&reqs[0]).contains(&"read_file".to_owned()));
}

#[tokio::test]
async fn a_server_that_exits_is_restarted() {
    let fx = Fx::start_with(with_server("fake", fake_server())).await;
    wait_status(&fx, "fake", McpStatus::Ready).await;
    fx.llm
        .push(Reply::tool_call("x1", "mcp__fake__exit", json!({})));
    fx.llm.push(Reply::text("It left."));
    let acc = fx.send("exit").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    let result = parts(&all[1])[1].clone();
    assert_eq!(
        (result.0, result.4),
        (PartKind::ToolResult, true),
        "{result:?}"
    );
    assert_eq!(
        result.3.as_deref(),
        Some("error: MCP server \"fake\": exit failed: Transport closed")
    );
    // Failed (then starting again, the reason kept) for the 1 s backoff.
    let why = "the program ended the connection (it exited or closed its stdout)";
    boo_testkit::wait_for("the failure to show", READY_LIMIT, || async {
        let info = mcp(&fx).await.servers.remove(0);
        (info.error.as_deref() == Some(why)).then_some(())
    })
    .await;
    wait_status(&fx, "fake", McpStatus::Ready).await;
    fx.llm.push(Reply::tool_call(
        "a1",
        "mcp__fake__add",
        json!({"a": 1, "b": 1}),
    ));
    fx.llm.push(Reply::text("2"));
    let acc = fx.send("add").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[3])[1],
        row(PartKind::ToolResult, "mcp__fake__add", "a1", "2", false)
    );
}

#[tokio::test]
async fn a_streamable_http_server_is_reached_by_url_with_its_headers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let router = fake_mcp::http_router(&stop).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let header = req
                .headers()
                .get("x-boo-token")
                .map(|v| v.to_str().unwrap().to_owned());
            record.lock().unwrap().push(header.unwrap_or_default());
            next.run(req)
        },
    ));
    let server = tokio::spawn(fake_mcp::serve_http(listener, router, stop.clone()));
    let url = format!("http://{addr}/mcp");
    let config = McpServerConfig {
        url: Some(url.clone()),
        headers: [(
            "X-Boo-Token".to_owned(),
            boo_shared::config::Secret::new("t0ken"),
        )]
        .into(),
        ..McpServerConfig::default()
    };
    let fx = Fx::start_with(with_server("web", config)).await;
    let info = wait_status(&fx, "web", McpStatus::Ready).await;
    assert_eq!(
        (info.transport, info.target, info.tools.len()),
        (McpTransport::Http, url, 7)
    );
    fx.llm.push(Reply::tool_call(
        "w1",
        "mcp__web__echo",
        json!({"text": "over http"}),
    ));
    fx.llm.push(Reply::text("done"));
    let acc = fx.send("echo").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[1])[1],
        row(
            PartKind::ToolResult,
            "mcp__web__echo",
            "w1",
            "over http",
            false
        )
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        !seen.is_empty() && seen.iter().all(|h| h == "t0ken"),
        "{seen:?}"
    );
    stop.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_server_that_never_answers_is_failed_after_the_connect_bound() {
    let mut silent = fake_server();
    silent.args = vec!["--silent".into()];
    silent.timeout_secs = Some(1);
    let fx = Fx::start_with(with_server("mute", silent)).await;
    // While it starts, a call fails at once and the turn goes on.
    fx.llm
        .push(Reply::tool_call("s1", "mcp__mute__add", json!({})));
    fx.llm.push(Reply::text("later"));
    let acc = fx.send("add").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[1])[1],
        row(
            PartKind::ToolResult,
            "mcp__mute__add",
            "s1",
            "error: no connected MCP server offers the tool \"mcp__mute__add\"",
            true
        )
    );
    assert_eq!(mcp_names(&fx.llm.requests()[0]), Vec::<String>::new());
    let info = wait_status(&fx, "mute", McpStatus::Failed).await;
    assert_eq!(
        info.error.as_deref(),
        Some("did not initialize and list its tools within 10 s")
    );
}

#[tokio::test]
async fn the_agent_whitelist_filters_mcp_tools_by_name_and_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("AGENTS.md");
    std::fs::write(
        &file,
        "## Exact\n---\ntools: [read_file, mcp__fake__echo]\n---\nOne tool.\n\n\
         ## Server\n---\ntools: ['mcp__fake__*']\n---\nThe whole server.\n",
    )
    .unwrap();
    let fx = Fx::start_with(|s| {
        s.chat.agents_file = Some(file);
        with_server("fake", fake_server())(s);
    })
    .await;
    wait_status(&fx, "fake", McpStatus::Ready).await;
    let chat_url = fx.url(&format!("/api/chats/{}", fx.chat.id));
    let (status, _) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"agent": "exact"})),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::tool_call(
        "a1",
        "mcp__fake__add",
        json!({"a": 1, "b": 2}),
    ));
    fx.llm.push(Reply::text("not allowed"));
    let acc = fx.send("add").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[1])[1],
        row(
            PartKind::ToolResult,
            "mcp__fake__add",
            "a1",
            "error: tool \"mcp__fake__add\" is not available to this agent",
            true
        )
    );
    assert_eq!(
        offered(&fx.llm.requests()[0]),
        ["read_file", "mcp__fake__echo"]
    );

    let (status, _) = call(
        &fx.http,
        Method::PATCH,
        &chat_url,
        Some(json!({"agent": "server"})),
    )
    .await;
    assert_eq!(status, 200);
    fx.llm.push(Reply::tool_call(
        "a2",
        "mcp__fake__add",
        json!({"a": 1, "b": 2}),
    ));
    fx.llm.push(Reply::text("3"));
    let acc = fx.send("add").await;
    let all = fx.wait_final(acc.assistant_message_id).await;
    assert_eq!(
        parts(&all[3])[1],
        row(PartKind::ToolResult, "mcp__fake__add", "a2", "3", false)
    );
    assert_eq!(
        offered(&fx.llm.requests()[2]),
        [
            "mcp__fake__add",
            "mcp__fake__echo",
            "mcp__fake__picture",
            "mcp__fake__fail",
            "mcp__fake__hang",
            "mcp__fake__exit",
        ]
    );
}

/// Pids of the processes whose command line contains `marker`.
fn pids_with(marker: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .collect()
}

#[tokio::test]
async fn stopping_boochat_ends_a_stdio_server_s_whole_process_group() {
    // A shell that starts the server as its child (not exec): the grandchild never
    // reads its stdin, so only a kill of the group ends it.
    let marker = format!("mcp-group-{}", uuid::Uuid::new_v4());
    let script = format!(
        "{} --silent --stderr {marker}; :",
        fake_mcp::binary().to_str().unwrap()
    );
    let server = McpServerConfig {
        command: Some("sh".into()),
        args: vec!["-c".into(), script],
        ..McpServerConfig::default()
    };
    let fx = Fx::start_with(with_server("group", server)).await;
    boo_testkit::wait_for("the server and its shell", LIMIT, || async {
        (pids_with(&marker).len() == 2).then_some(())
    })
    .await;
    fx.daemon.stop().await.unwrap();
    boo_testkit::wait_for("the process group to end", LIMIT, || async {
        pids_with(&marker).is_empty().then_some(())
    })
    .await;
}
