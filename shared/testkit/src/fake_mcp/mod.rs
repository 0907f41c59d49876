//! A scripted MCP server (the server side of the official Rust SDK, `rmcp`) for
//! boochat's MCP client tests: the `boo-fake-mcp` binary on stdio (`--silent`:
//! a server that never answers), or [`http_router`] in process over streamable
//! HTTP.
//!
//! Its tools, all but `write_note` marked `readOnlyHint: true`:
//!
//! | tool | arguments | answers |
//! |---|---|---|
//! | `add` | `a`, `b` (numbers) | their sum as text |
//! | `echo` | `text` | the text |
//! | `picture` | — | a text block, a 1×1 PNG and an embedded text resource |
//! | `fail` | — | `isError: true`, "the fail tool always fails" |
//! | `hang` | — | never (sleeps until cancelled) |
//! | `exit` | — | nothing: the process exits with status 3 (stdio only) |
//! | `write_note` | `text` | "noted" (annotated not read-only) |
//!
//! A call to an unknown tool or with bad arguments is a JSON-RPC error.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler};
use serde_json::{Value, json};

/// Env var naming the `boo-fake-mcp` binary (else found next to the tests).
pub const BINARY_ENV: &str = "BOO_FAKE_MCP";

/// The server's text for `fail`.
pub const FAIL_TEXT: &str = "the fail tool always fails";

/// A 1×1 transparent PNG, base64.
pub const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// The scripted server.
#[derive(Clone, Debug, Default)]
pub struct FakeMcp;

fn schema(properties: Value, required: &[&str]) -> serde_json::Map<String, Value> {
    let value = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// The tools [`FakeMcp`] lists, in order.
pub fn tools() -> Vec<Tool> {
    let read_only = || ToolAnnotations::new().read_only(true);
    let none = || schema(json!({}), &[]);
    vec![
        Tool::new(
            "add",
            "Add two numbers.",
            schema(
                json!({"a": {"type": "number"}, "b": {"type": "number"}}),
                &["a", "b"],
            ),
        )
        .annotate(read_only()),
        Tool::new(
            "echo",
            "Echo the text back.",
            schema(json!({"text": {"type": "string"}}), &["text"]),
        )
        .annotate(read_only()),
        Tool::new("picture", "A picture with a caption.", none()).annotate(read_only()),
        Tool::new("fail", "Always fails.", none()).annotate(read_only()),
        Tool::new("hang", "Never answers.", none()).annotate(read_only()),
        Tool::new("exit", "Ends the server process.", none()).annotate(read_only()),
        Tool::new(
            "write_note",
            "Writes a note (not read-only).",
            schema(json!({"text": {"type": "string"}}), &["text"]),
        )
        .annotate(ToolAnnotations::new().read_only(false)),
    ]
}

fn arg<'a>(args: &'a serde_json::Map<String, Value>, name: &str) -> Result<&'a Value, ErrorData> {
    args.get(name)
        .ok_or_else(|| ErrorData::invalid_params(format!("missing argument {name:?}"), None))
}

fn number(args: &serde_json::Map<String, Value>, name: &str) -> Result<f64, ErrorData> {
    arg(args, name)?
        .as_f64()
        .ok_or_else(|| ErrorData::invalid_params(format!("{name} must be a number"), None))
}

fn text(args: &serde_json::Map<String, Value>, name: &str) -> Result<String, ErrorData> {
    arg(args, name)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ErrorData::invalid_params(format!("{name} must be a string"), None))
}

impl FakeMcp {
    async fn run(&self, call: CallToolRequestParams) -> Result<CallToolResult, ErrorData> {
        let args = call.arguments.unwrap_or_default();
        Ok(match call.name.as_ref() {
            "add" => {
                let sum = number(&args, "a")? + number(&args, "b")?;
                CallToolResult::success(vec![ContentBlock::text(sum.to_string())])
            }
            "echo" => CallToolResult::success(vec![ContentBlock::text(text(&args, "text")?)]),
            "picture" => CallToolResult::success(vec![
                ContentBlock::text("a transparent pixel"),
                ContentBlock::image(PIXEL_PNG, "image/png"),
                ContentBlock::embedded_text("file:///pixel.txt", "one pixel, no colour"),
            ]),
            "fail" => CallToolResult::error(vec![ContentBlock::text(FAIL_TEXT)]),
            "hang" => loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            },
            "exit" => std::process::exit(3),
            "write_note" => {
                text(&args, "text")?;
                CallToolResult::success(vec![ContentBlock::text("noted")])
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("no tool named {other:?}"),
                    None,
                ));
            }
        })
    }
}

impl ServerHandler for FakeMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.run(request).await.map(CallToolResponse::Complete)
    }
}

/// [`FakeMcp`] over streamable HTTP at `/mcp`, its sessions ended when `stop` is
/// cancelled; a test may add layers (to see the request headers) before serving.
pub fn http_router(stop: &tokio_util::sync::CancellationToken) -> axum::Router {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
    let service: StreamableHttpService<FakeMcp, LocalSessionManager> = StreamableHttpService::new(
        || Ok(FakeMcp),
        Default::default(),
        StreamableHttpServerConfig::default()
            .with_sse_keep_alive(None)
            .with_cancellation_token(stop.child_token()),
    );
    axum::Router::new().nest_service("/mcp", service)
}

/// Serve `router` (see [`http_router`]) until `stop` is cancelled.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { stop.cancelled_owned().await })
        .await
}

/// The `boo-fake-mcp` binary: `$BOO_FAKE_MCP`, else next to the running test
/// binary's profile directory (`cargo build -p boo-testkit --bins` puts it there).
pub fn binary() -> std::path::PathBuf {
    crate::test_binary("boo-fake-mcp", BINARY_ENV)
}
