use std::collections::BTreeMap;

use boo_shared::config::{McpConfig, McpServerConfig};
use boo_shared::mcp::{McpServerInfo, McpStatus, McpTransport};
use pretty_assertions::assert_eq;
use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use serde_json::json;

use super::convert::{model_name, offered, result_text};
use super::*;
use crate::agents::whitelist_allows;

fn schema() -> serde_json::Map<String, Value> {
    serde_json::Map::from_iter([("type".to_owned(), json!("object"))])
}

#[test]
fn model_names_keep_the_allowed_charset_and_length() {
    assert_eq!(model_name("fs", "read_file"), "mcp__fs__read_file");
    assert_eq!(
        model_name("web-1", "get.page/v2 now"),
        "mcp__web-1__get_page_v2_now"
    );
    assert_eq!(
        model_name("fs", "lire_le_fichier_é"),
        "mcp__fs__lire_le_fichier__"
    );
    assert_eq!(
        model_name("server", &"x".repeat(100)),
        format!("mcp__server__{}", "x".repeat(51))
    );
}

#[test]
fn read_only_annotations_or_the_config_list_decide_what_is_offered() {
    let tool = |annotations: Option<ToolAnnotations>| {
        let t = Tool::new("look", "Looks.", schema());
        match annotations {
            Some(a) => t.annotate(a),
            None => t,
        }
    };
    let read_only = tool(Some(ToolAnnotations::new().read_only(true)));
    let writer = tool(Some(ToolAnnotations::new().read_only(false)));
    let silent = tool(None);
    let listed = ["look".to_owned()];
    let other = ["peek".to_owned()];
    let got: Vec<bool> = [
        offered(&read_only, None),
        offered(&writer, None),
        offered(&silent, None),
        offered(&writer, Some(&listed)),
        offered(&silent, Some(&listed)),
        offered(&read_only, Some(&other)),
    ]
    .to_vec();
    assert_eq!(got, vec![true, false, false, true, true, false]);
}

#[test]
fn results_join_text_and_summarise_the_rest() {
    let ok = CallToolResult::success(vec![
        ContentBlock::text("first"),
        ContentBlock::image("AAAA", "image/png"),
        ContentBlock::embedded_text("file:///a.txt", "inside"),
        ContentBlock::text("last"),
    ]);
    assert_eq!(
        result_text(&ok),
        Ok("first\n\n[image: image/png, 3 bytes, not shown]\n\n[resource file:///a.txt]\ninside\n\nlast".into())
    );
    let failed = CallToolResult::error(vec![ContentBlock::text("no such page")]);
    assert_eq!(result_text(&failed), Err("no such page".into()));
    let silent_failure = CallToolResult::error(vec![]);
    assert_eq!(
        result_text(&silent_failure),
        Err("the tool reported an error without a message".into())
    );
    let mut structured = CallToolResult::success(vec![]);
    structured.structured_content = Some(json!({"sum": 5}));
    assert_eq!(result_text(&structured), Ok("{\n  \"sum\": 5\n}".into()));
    assert_eq!(
        result_text(&CallToolResult::success(vec![])),
        Ok(String::new())
    );
}

#[test]
fn whitelists_name_tools_or_prefixes() {
    let list = ["read_file".to_owned(), "mcp__docs__*".to_owned()];
    let got: Vec<bool> = [
        "read_file",
        "read_files",
        "mcp__docs__search",
        "mcp__docsx__a",
        "grep",
    ]
    .iter()
    .map(|t| whitelist_allows(&list, t))
    .collect();
    assert_eq!(got, vec![true, false, true, false, false]);
    assert!(!whitelist_allows(&[], "read_file"));
    assert!(whitelist_allows(&["*".to_owned()], "anything"));
}

fn config() -> McpConfig {
    McpConfig {
        timeout_secs: 7,
        servers: BTreeMap::from([
            (
                "web".to_owned(),
                McpServerConfig {
                    url: Some("https://user:pw@mcp.example/mcp".into()),
                    ..McpServerConfig::default()
                },
            ),
            (
                "fs".to_owned(),
                McpServerConfig {
                    command: Some("mcp-fs".into()),
                    args: vec!["/srv".into()],
                    timeout_secs: Some(2),
                    ..McpServerConfig::default()
                },
            ),
        ]),
    }
}

#[test]
fn servers_are_starting_and_offer_nothing_before_they_connect() {
    let mcp = Mcp::new(&config());
    let starting = |name: &str, transport, target: &str| McpServerInfo {
        name: name.into(),
        transport,
        target: target.into(),
        status: McpStatus::Starting,
        error: None,
        last_ok: None,
        tools: vec![],
    };
    assert_eq!(
        mcp.info(),
        McpInfo {
            servers: vec![
                starting("fs", McpTransport::Stdio, "mcp-fs /srv"),
                starting(
                    "web",
                    McpTransport::Http,
                    "https://user:[redacted]@mcp.example/mcp"
                ),
            ]
        }
    );
    assert_eq!(mcp.openai_specs(|_| true), Vec::<Value>::new());
    let timeouts: Vec<u64> = mcp.servers.iter().map(|s| s.timeout.as_secs()).collect();
    assert_eq!(timeouts, vec![2, 7]);
}

#[tokio::test]
async fn calls_refuse_bad_arguments_and_unknown_tools() {
    let mcp = Mcp::new(&config());
    let e = mcp.call("mcp__fs__read", json!([1])).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "arguments of mcp__fs__read must be a JSON object, got [1]"
    );
    let e = mcp.call("mcp__fs__read", json!({})).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "no connected MCP server offers the tool \"mcp__fs__read\""
    );
    assert!(Mcp::handles("mcp__fs__read") && !Mcp::handles("read_file"));
}
