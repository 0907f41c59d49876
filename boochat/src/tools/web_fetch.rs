//! `web_fetch`: download a web page (http/https only, time- and size-capped) and
//! show it as Markdown (HTML via `htmd`) or as plain text.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, blocking, parse_args};

pub(crate) struct WebFetch;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    url: String,
    max_bytes: Option<usize>,
}

/// How a fetched body is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Html,
    Text,
}

#[async_trait::async_trait]
impl Tool for WebFetch {
    fn name(&self) -> &'static str {
        "web_fetch"
    }

    fn description(&self) -> &'static str {
        "Fetch a web page by http(s) URL and return it as Markdown (HTML pages are converted; \
         plain text, Markdown and JSON are returned as they are). Other content types are \
         refused. Downloads at most `max_bytes` (default and upper limit set by the server)."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "url": { "type": "string", "description": "The http:// or https:// URL to fetch." },
                "max_bytes": { "type": "integer", "minimum": 1, "description": "Most bytes of the body to download." },
            },
            "required": ["url"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let url = reqwest::Url::parse(args.url.trim())
            .map_err(|e| ToolError::InvalidArguments(format!("url: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ToolError::InvalidArguments(format!(
                "url: only http and https URLs can be fetched, not {}:",
                url.scheme()
            )));
        }
        let cap = match args.max_bytes {
            Some(0) => {
                return Err(ToolError::InvalidArguments(
                    "max_bytes: must be at least 1".to_owned(),
                ));
            }
            Some(n) => n.min(ctx.limits.max_fetch_bytes),
            None => ctx.limits.max_fetch_bytes,
        };

        let mut response = ctx
            .http
            .get(url.clone())
            .timeout(ctx.limits.fetch_timeout)
            .header(
                ACCEPT,
                "text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, application/json;q=0.8, */*;q=0.1",
            )
            .send()
            .await
            .map_err(|e| fetch_failure(&url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ToolError::Failed(format!(
                "fetching {url} returned HTTP {status}"
            )));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let kind = kind_of(&content_type).ok_or_else(|| {
            let shown = if content_type.is_empty() { "(no content type)" } else { &content_type };
            ToolError::Failed(format!(
                "{url} has content type {shown}, which web_fetch cannot show; it reads HTML and text"
            ))
        })?;
        let final_url = response.url().clone();

        let mut body = Vec::new();
        let mut cut_off = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fetch_failure(&url, &e))?
        {
            let room = cap - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                cut_off = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let text = match kind {
            Kind::Text => text,
            Kind::Html => blocking(move || html_to_markdown(&text)).await?,
        };
        let mut out = format!("URL: {final_url}\nContent-Type: {content_type}\n\n{text}");
        if cut_off {
            out.push_str(&format!("\n\n[download stopped at {cap} bytes]"));
        }
        Ok(ToolOutput::text(out))
    }
}

fn kind_of(content_type: &str) -> Option<Kind> {
    match content_type {
        "text/html" | "application/xhtml+xml" => Some(Kind::Html),
        "application/json" => Some(Kind::Text),
        t if t.starts_with("text/") || t.ends_with("+json") => Some(Kind::Text),
        _ => None,
    }
}

fn html_to_markdown(html: &str) -> Result<String, ToolError> {
    htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "head", "script", "style", "noscript", "template", "svg", "iframe",
        ])
        .build()
        .convert(html)
        .map_err(|e| ToolError::Failed(format!("converting HTML to Markdown failed: {e}")))
}

/// reqwest's own message is terse ("error sending request"); add its causes.
fn fetch_failure(url: &reqwest::Url, e: &reqwest::Error) -> ToolError {
    if e.is_timeout() {
        return ToolError::Failed(format!("fetching {url} timed out"));
    }
    let mut message = format!("fetching {url} failed: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    ToolError::Failed(message)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testing::{MemoryStore, context, error, text};
    use axum::Router;
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::get;
    use pretty_assertions::assert_eq;
    use serde_json::json;
    use std::time::Duration;

    /// Serve `app` on 127.0.0.1:0 and return its base URL; the server stops with the runtime.
    pub(crate) async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    const PAGE: &str = "<!doctype html><html><head><title>Boo</title><style>p{color:red}</style>\
        <script>alert(1)</script></head><body><h1>Hello</h1><p>Some <b>bold</b> and a \
        <a href=\"https://example.invalid/x\">link</a>.</p><ul><li>one</li><li>two</li></ul></body></html>";

    fn app() -> Router {
        Router::new()
            .route(
                "/page",
                get(|| async { ([(CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
            )
            .route(
                "/plain",
                get(|| async { ([(CONTENT_TYPE, "text/plain")], "just *text*\n") }),
            )
            .route(
                "/zip",
                get(|| async { ([(CONTENT_TYPE, "application/zip")], "PK\x03\x04") }),
            )
            .route(
                "/missing",
                get(|| async { (axum::http::StatusCode::NOT_FOUND, "no") }),
            )
            .route(
                "/big",
                get(|| async { ([(CONTENT_TYPE, "text/plain")], "0123456789".repeat(100)) }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
    }

    #[tokio::test]
    async fn converts_html_to_markdown() {
        let (_dir, ctx) = context(MemoryStore::default());
        let base = serve(app()).await;
        let out = text(&ctx, "web_fetch", json!({"url": format!("{base}/page")})).await;
        assert_eq!(
            out,
            format!(
                "URL: {base}/page\nContent-Type: text/html\n\n# Hello\n\nSome **bold** and a \
                 [link](https://example.invalid/x).\n\n*   one\n*   two"
            )
        );
    }

    #[tokio::test]
    async fn passes_plain_text_through_and_caps_the_body() {
        let (_dir, ctx) = context(MemoryStore::default());
        let base = serve(app()).await;
        let out = text(&ctx, "web_fetch", json!({"url": format!("{base}/plain")})).await;
        assert_eq!(
            out,
            format!("URL: {base}/plain\nContent-Type: text/plain\n\njust *text*\n")
        );
        let out = text(
            &ctx,
            "web_fetch",
            json!({"url": format!("{base}/big"), "max_bytes": 15}),
        )
        .await;
        assert_eq!(
            out,
            format!(
                "URL: {base}/big\nContent-Type: text/plain\n\n012345678901234\n\n[download stopped at 15 bytes]"
            )
        );
    }

    #[tokio::test]
    async fn refuses_other_types_schemes_and_errors() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        ctx.limits.fetch_timeout = Duration::from_millis(300);
        let base = serve(app()).await;
        let cases = [
            (
                json!({"url": format!("{base}/zip")}),
                format!(
                    "{base}/zip has content type application/zip, which web_fetch cannot show; it reads HTML and text"
                ),
            ),
            (
                json!({"url": format!("{base}/missing")}),
                format!("fetching {base}/missing returned HTTP 404 Not Found"),
            ),
            (
                json!({"url": format!("{base}/slow")}),
                format!("fetching {base}/slow timed out"),
            ),
            (
                json!({"url": "file:///etc/passwd"}),
                "url: only http and https URLs can be fetched, not file:".to_owned(),
            ),
            (
                json!({"url": "not a url"}),
                "url: relative URL without a base".to_owned(),
            ),
            (
                json!({"url": format!("{base}/plain"), "max_bytes": 0}),
                "max_bytes: must be at least 1".to_owned(),
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "web_fetch", args).await, want);
        }
    }
}
