//! `web_fetch`: download a web page (http/https only, time- and size-capped) and
//! show it as Markdown (HTML via `htmd`) or as plain text.
//!
//! The model picks the URL, and boochat runs next to the owner's own services, so
//! every hop goes through [`NetGuard`] before a byte is sent: the host is resolved
//! here, every address is checked (no loopback, private, link-local, CGNAT,
//! multicast… unless `chat.web_fetch_allow` lists it, and never a BooCode daemon's
//! own listener), and the request goes out on a client whose resolver knows only
//! those checked addresses — so a second, different DNS answer (rebinding) is never
//! used. Redirects are followed here, not by reqwest, each hop checked the same way,
//! at most [`MAX_REDIRECTS`]. No proxy is used: a proxy would resolve and connect on
//! its own, past the check. One timeout covers all hops and the body.

use std::net::SocketAddr;
use std::time::Duration;

use boo_shared::netguard::NetError;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Response, Url};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, blocking, parse_args};

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const USER_AGENT: &str = concat!("boochat/", env!("CARGO_PKG_VERSION"));
const ACCEPTED: &str = "text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, \
                        application/json;q=0.8, */*;q=0.1";

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
         refused, and so are local and private addresses (localhost, 10.x, 192.168.x, …) \
         unless the owner allowed them. Downloads at most `max_bytes` (default and upper \
         limit set by the server)."
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
        let url = Url::parse(args.url.trim())
            .map_err(|e| ToolError::InvalidArguments(format!("url: {e}")))?;
        if !is_http(&url) {
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
        let fetched = tokio::time::timeout(ctx.limits.fetch_timeout, fetch(ctx, url.clone(), cap))
            .await
            .map_err(|_| ToolError::Failed(format!("fetching {url} timed out")))??;
        let Fetched {
            url: final_url,
            content_type,
            kind,
            body,
            cut_off,
        } = fetched;
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

struct Fetched {
    url: Url,
    content_type: String,
    kind: Kind,
    body: Vec<u8>,
    cut_off: bool,
}

/// Follow `url` to a final response and read up to `cap` bytes of its body.
async fn fetch(ctx: &ToolContext, url: Url, cap: usize) -> Result<Fetched, ToolError> {
    let (url, mut response) = follow(ctx, url).await?;
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
        let shown = if content_type.is_empty() {
            "(no content type)"
        } else {
            &content_type
        };
        ToolError::Failed(format!(
            "{url} has content type {shown}, which web_fetch cannot show; it reads HTML and text"
        ))
    })?;

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
    Ok(Fetched {
        url,
        content_type,
        kind,
        body,
        cut_off,
    })
}

/// Send `url`, following redirects hop by hop, each through the guard: the final
/// URL and its response.
async fn follow(ctx: &ToolContext, mut url: Url) -> Result<(Url, Response), ToolError> {
    let first = url.clone();
    let mut from: Option<Url> = None;
    let mut redirects = 0;
    loop {
        let response = send_checked(ctx, &url).await.map_err(|e| match e {
            Hop::Refused(e) => ToolError::Failed(match &from {
                None => format!("web_fetch: {e}"),
                Some(from) => format!("web_fetch: {from} redirected to {url}, but {e}"),
            }),
            Hop::Failed(e) => e,
        })?;
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok());
        let Some(location) = location.filter(|_| response.status().is_redirection()) else {
            return Ok((url, response));
        };
        if redirects == MAX_REDIRECTS {
            return Err(ToolError::Failed(format!(
                "web_fetch: {first} redirected more than {MAX_REDIRECTS} times"
            )));
        }
        redirects += 1;
        let next = url.join(location).map_err(|e| {
            ToolError::Failed(format!(
                "web_fetch: {url} redirected to {location:?}, which is not a URL: {e}"
            ))
        })?;
        if !is_http(&next) {
            return Err(ToolError::Failed(format!(
                "web_fetch: {url} redirected to {next}, which is not an http(s) URL"
            )));
        }
        from = Some(std::mem::replace(&mut url, next));
    }
}

enum Hop {
    Refused(NetError),
    Failed(ToolError),
}

/// One request to `url`, on a client that can reach only the addresses the guard
/// checked for its host.
async fn send_checked(ctx: &ToolContext, url: &Url) -> Result<Response, Hop> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs = ctx.net.resolve(host, port).await.map_err(Hop::Refused)?;
    let client = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Pinned {
            host: host.to_owned(),
            addrs,
        })
        .build()
        .map_err(|e| Hop::Failed(ToolError::Failed(format!("web_fetch: no HTTP client: {e}"))))?;
    client
        .get(url.clone())
        .header(ACCEPT, ACCEPTED)
        .send()
        .await
        .map_err(|e| Hop::Failed(fetch_failure(url, &e)))
}

/// A resolver that knows one host: the addresses the guard checked for it.
struct Pinned {
    host: String,
    addrs: Vec<SocketAddr>,
}

impl reqwest::dns::Resolve for Pinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let result: Result<reqwest::dns::Addrs, _> =
            if name.as_str().eq_ignore_ascii_case(&self.host) {
                Ok(Box::new(self.addrs.clone().into_iter()))
            } else {
                Err(format!(
                    "{} was not checked by web_fetch's address guard",
                    name.as_str()
                )
                .into())
            };
        Box::pin(std::future::ready(result))
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
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
fn fetch_failure(url: &Url, e: &reqwest::Error) -> ToolError {
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
mod tests;
