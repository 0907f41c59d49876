//! CHAT-10 against a real MCP server: `@modelcontextprotocol/server-filesystem`
//! from npm, which `deploy/test` installs (pinned) and names in
//! `BOO_MCP_FILESYSTEM`; unset (a plain `cargo nextest run`), the test says so
//! and returns.

use std::path::PathBuf;

use boo_shared::chat::PartKind;
use boo_shared::config::McpServerConfig;
use boo_shared::mcp::McpStatus;
use boo_testkit::fake_llm::Reply;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::fixture::{Fx, LIMIT};
use super::mcp::{offered, parts, row, tool_messages, wait_status, with_server};

/// `BOO_MCP_FILESYSTEM`: the pinned `mcp-server-filesystem` deploy/test installs;
/// unset (a plain `cargo nextest run`) the test says so and returns.
fn filesystem_server() -> Option<PathBuf> {
    let Some(raw) = std::env::var_os("BOO_MCP_FILESYSTEM").filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipping the real MCP server test: BOO_MCP_FILESYSTEM is not set (deploy/test \
             installs @modelcontextprotocol/server-filesystem into a cache and sets it)"
        );
        return None;
    };
    let path = PathBuf::from(raw);
    assert!(
        path.is_file(),
        "BOO_MCP_FILESYSTEM={} does not exist (deploy/test installs it)",
        path.display()
    );
    Some(path)
}

#[tokio::test]
async fn a_real_filesystem_server_from_npm_reads_a_file_for_the_model() {
    let Some(bin) = filesystem_server() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let root_path = root.path().canonicalize().unwrap();
    std::fs::write(root_path.join("motto.txt"), "read, never write\n").unwrap();
    let config = McpServerConfig {
        command: Some(bin.to_str().unwrap().to_owned()),
        args: vec![root_path.to_str().unwrap().to_owned()],
        ..McpServerConfig::default()
    };
    let fx = Fx::start_with(with_server("fs", config)).await;
    let info = wait_status(&fx, "fs", McpStatus::Ready).await;
    let offered_tools: Vec<(&str, bool)> = info
        .tools
        .iter()
        .map(|t| (t.name.as_str(), t.offered))
        .collect();
    // Read-only by the server's own annotations; the writers are left out.
    for (name, want) in [
        ("mcp__fs__read_text_file", true),
        ("mcp__fs__list_directory", true),
        ("mcp__fs__write_file", false),
        ("mcp__fs__edit_file", false),
        ("mcp__fs__move_file", false),
    ] {
        assert!(
            offered_tools.contains(&(name, want)),
            "{name}: {offered_tools:?}"
        );
    }
    let file = root_path.join("motto.txt");
    fx.llm.push(Reply::tool_call(
        "r1",
        "mcp__fs__read_text_file",
        json!({"path": file.to_str().unwrap()}),
    ));
    fx.llm.push(Reply::text("It says to read."));
    let acc = fx.send("read the motto").await;
    let all = tokio::time::timeout(LIMIT * 2, fx.wait_final(acc.assistant_message_id))
        .await
        .unwrap();
    assert_eq!(
        parts(&all[1])[1],
        row(
            PartKind::ToolResult,
            "mcp__fs__read_text_file",
            "r1",
            "read, never write\n",
            false
        )
    );
    let reqs = fx.llm.requests();
    assert!(!offered(&reqs[0]).contains(&"mcp__fs__write_file".to_owned()));
    assert_eq!(
        tool_messages(&reqs[1]),
        vec![("r1".to_owned(), "read, never write\n".to_owned())]
    );
}
