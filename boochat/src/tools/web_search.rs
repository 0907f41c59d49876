//! `web_search`: ask a SearXNG-compatible endpoint (`GET {url}/search?q=..&format=json`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, bounded, parse_args};

/// Largest SearXNG response read, so a broken endpoint cannot flood memory.
const MAX_RESPONSE_BYTES: usize = 2 * 1024 * 1024;
/// Snippets are cut to this many chars.
const MAX_SNIPPET_CHARS: usize = 400;

pub(crate) struct WebSearch;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    query: String,
    limit: Option<usize>,
}

/// The part of SearXNG's JSON answer we use.
#[derive(Deserialize)]
struct SearxResponse {
    #[serde(default)]
    results: Vec<SearxResult>,
}

#[derive(Deserialize)]
struct SearxResult {
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    content: String,
}

#[async_trait::async_trait]
impl Tool for WebSearch {
    fn name(&self) -> &'static str {
        "web_search"
    }

    fn description(&self) -> &'static str {
        "Search the web. Returns a numbered list of results (title, URL, snippet); use \
         web_fetch to read a result."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "query": { "type": "string", "description": "What to search for." },
                "limit": { "type": "integer", "minimum": 1, "maximum": 20, "description": "How many results to return (default 5)." },
            },
            "required": ["query"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let limit = bounded("limit", args.limit, 5, 1, 20)?;
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::InvalidArguments(
                "query: must not be empty".to_owned(),
            ));
        }
        let Some(base) = ctx.web_search_url.as_deref() else {
            return Err(ToolError::Failed(
                "web_search is not configured: set chat.web_search_url to a SearXNG endpoint"
                    .to_owned(),
            ));
        };
        let mut url = reqwest::Url::parse(&format!("{}/search", base.trim_end_matches('/')))
            .map_err(|e| {
                ToolError::Failed(format!("chat.web_search_url {base:?} is not a URL: {e}"))
            })?;
        url.query_pairs_mut()
            .append_pair("q", query)
            .append_pair("format", "json");

        let failure = |what: String| ToolError::Failed(format!("web search failed: {what}"));
        let mut response = ctx
            .http
            .get(url)
            .timeout(ctx.limits.fetch_timeout)
            .send()
            .await
            .map_err(|e| failure(describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failure(format!(
                "the search endpoint returned HTTP {status}"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failure(describe(&e)))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(failure(format!(
                    "the search endpoint's answer is over {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let parsed: SearxResponse = serde_json::from_slice(&body).map_err(|e| {
            failure(format!(
                "the search endpoint did not answer with SearXNG JSON ({e})"
            ))
        })?;
        Ok(ToolOutput::text(render(query, &parsed.results, limit)))
    }
}

fn render(query: &str, results: &[SearxResult], limit: usize) -> String {
    let shown: Vec<&SearxResult> = results
        .iter()
        .filter(|r| !r.url.is_empty())
        .take(limit)
        .collect();
    if shown.is_empty() {
        return format!("No results for {query:?}.");
    }
    let mut out = String::new();
    for (i, r) in shown.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let title = if r.title.trim().is_empty() {
            r.url.as_str()
        } else {
            r.title.trim()
        };
        out.push_str(&format!("{}. {title}\n   {}", i + 1, r.url));
        let snippet = r.content.split_whitespace().collect::<Vec<_>>().join(" ");
        if !snippet.is_empty() {
            let snippet = match snippet.char_indices().nth(MAX_SNIPPET_CHARS) {
                Some((cut, _)) => format!("{} …", &snippet[..cut]),
                None => snippet,
            };
            out.push_str(&format!("\n   {snippet}"));
        }
    }
    out
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the search endpoint timed out".to_owned();
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::super::testing::serve;
    use super::super::testing::{MemoryStore, context, error, text};
    use axum::Router;
    use axum::extract::Query;
    use axum::routing::get;
    use pretty_assertions::assert_eq;
    use serde_json::json;
    use std::collections::HashMap;

    async fn search(Query(q): Query<HashMap<String, String>>) -> axum::Json<serde_json::Value> {
        assert_eq!(q.get("format").map(String::as_str), Some("json"));
        let query = q.get("q").cloned().unwrap_or_default();
        if query == "nothing" {
            return axum::Json(json!({"query": query, "results": []}));
        }
        axum::Json(json!({
            "query": query,
            "results": [
                {"title": "Rust  ", "url": "https://www.rust-lang.org/", "content": "A language\n empowering   everyone", "engine": "x"},
                {"title": "", "url": "https://doc.rust-lang.org/", "content": ""},
                {"title": "no url", "url": "", "content": "skipped"},
                {"title": format!("Query was {query}"), "url": "https://example.invalid/q", "content": "echo"},
            ],
        }))
    }

    #[tokio::test]
    async fn lists_results_from_searxng() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        let base = serve(Router::new().route("/searx/search", get(search))).await;
        ctx.web_search_url = Some(format!("{base}/searx/"));
        let out = text(&ctx, "web_search", json!({"query": "rust & co"})).await;
        assert_eq!(
            out,
            "1. Rust\n   https://www.rust-lang.org/\n   A language empowering everyone\n\n\
             2. https://doc.rust-lang.org/\n   https://doc.rust-lang.org/\n\n\
             3. Query was rust & co\n   https://example.invalid/q\n   echo"
        );
        let out = text(&ctx, "web_search", json!({"query": "rust", "limit": 1})).await;
        assert_eq!(
            out,
            "1. Rust\n   https://www.rust-lang.org/\n   A language empowering everyone"
        );
        let out = text(&ctx, "web_search", json!({"query": "nothing"})).await;
        assert_eq!(out, r#"No results for "nothing"."#);
    }

    #[tokio::test]
    async fn unconfigured_and_broken_endpoints() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        assert_eq!(
            error(&ctx, "web_search", json!({"query": "rust"})).await,
            "web_search is not configured: set chat.web_search_url to a SearXNG endpoint"
        );
        let base =
            serve(Router::new().route("/search", get(|| async { "<html>not json</html>" }))).await;
        ctx.web_search_url = Some(base.clone());
        assert_eq!(
            error(&ctx, "web_search", json!({"query": "rust"})).await,
            "web search failed: the search endpoint did not answer with SearXNG JSON (expected value at line 1 column 1)"
        );
        ctx.web_search_url = Some(format!("{base}/elsewhere"));
        assert_eq!(
            error(&ctx, "web_search", json!({"query": "rust"})).await,
            "web search failed: the search endpoint returned HTTP 404 Not Found"
        );
        assert_eq!(
            error(&ctx, "web_search", json!({"query": "  "})).await,
            "query: must not be empty"
        );
    }
}
