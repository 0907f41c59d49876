//! `web_fetch` against local servers: conversion and caps, then the address guard
//! (loopback, private, the daemons' ports, names that resolve locally, redirects).

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::routing::get;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::super::ToolContext;
use super::super::testing::{MemoryStore, context, error, guard, serve, text};

const PAGE: &str = "<!doctype html><html><head><title>Boo</title><style>p{color:red}</style>\
    <script>alert(1)</script></head><body><h1>Hello</h1><p>Some <b>bold</b> and a \
    <a href=\"https://example.invalid/x\">link</a>.</p><ul><li>one</li><li>two</li></ul></body></html>";

const ONLY_PUBLIC: &str =
    "; only public addresses are fetched, unless chat.web_fetch_allow lists the host";

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
        .route("/missing", get(|| async { (StatusCode::NOT_FOUND, "no") }))
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

/// `base` ("http://127.0.0.1:port") as an allow rule for exactly that address and port.
fn only(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// A context that may reach exactly the test server at `base`.
fn allowing(base: &str) -> (tempfile::TempDir, ToolContext) {
    let (dir, mut ctx) = context(MemoryStore::default());
    guard(&mut ctx, &[&only(base)], &[], &[]);
    (dir, ctx)
}

/// A listener standing in for a service on this host; [`assert_untouched`] proves
/// nobody connected to it.
fn bystander() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A completed TCP handshake sits in the backlog by the time `connect` returns,
/// so an empty backlog after the tool finished means no connection was made.
fn assert_untouched(listener: &TcpListener) {
    let e = listener.accept().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
}

#[tokio::test]
async fn converts_html_to_markdown() {
    let base = serve(app()).await;
    let (_dir, ctx) = allowing(&base);
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
    let base = serve(app()).await;
    let (_dir, ctx) = allowing(&base);
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
    let base = serve(app()).await;
    let (_dir, mut ctx) = allowing(&base);
    ctx.limits.fetch_timeout = Duration::from_millis(300);
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

#[tokio::test]
async fn refuses_loopback_private_and_local_addresses_before_connecting() {
    let (_dir, ctx) = context(MemoryStore::default());
    let (listener, addr) = bystander();
    let port = addr.port();
    let cases = [
        (
            format!("http://127.0.0.1:{port}/"),
            format!("web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}"),
        ),
        // The URL parser normalises other spellings of 127.0.0.1 first.
        (
            format!("http://2130706433:{port}/"),
            format!("web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}"),
        ),
        (
            format!("http://0x7f.1:{port}/"),
            format!("web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}"),
        ),
        (
            format!("http://[::1]:{port}/"),
            format!("web_fetch: ::1 is a loopback address{ONLY_PUBLIC}"),
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            format!("web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}"),
        ),
        (
            format!("http://0.0.0.0:{port}/"),
            format!("web_fetch: 0.0.0.0 is an unspecified address{ONLY_PUBLIC}"),
        ),
        // Nothing listens there, and nothing needs to: the guard refuses first.
        (
            "http://10.0.0.1/".to_owned(),
            format!("web_fetch: 10.0.0.1 is a private address{ONLY_PUBLIC}"),
        ),
        (
            "https://192.168.1.1/admin".to_owned(),
            format!("web_fetch: 192.168.1.1 is a private address{ONLY_PUBLIC}"),
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            format!("web_fetch: 169.254.169.254 is a link-local address{ONLY_PUBLIC}"),
        ),
        (
            "http://[fd12::1]/".to_owned(),
            format!("web_fetch: fd12::1 is a private address{ONLY_PUBLIC}"),
        ),
        (
            "http://[fe80::1]/".to_owned(),
            format!("web_fetch: fe80::1 is a link-local address{ONLY_PUBLIC}"),
        ),
        (
            "http://100.64.0.1/".to_owned(),
            format!(
                "web_fetch: 100.64.0.1 is a carrier-grade NAT address (100.64.0.0/10){ONLY_PUBLIC}"
            ),
        ),
        (
            "http://224.0.0.1/".to_owned(),
            format!("web_fetch: 224.0.0.1 is a multicast address{ONLY_PUBLIC}"),
        ),
    ];
    for (url, want) in cases {
        assert_eq!(
            error(&ctx, "web_fetch", json!({"url": url})).await,
            want,
            "{url}"
        );
    }
    // `localhost` through the system resolver: whichever loopback address comes first.
    let got = error(
        &ctx,
        "web_fetch",
        json!({"url": format!("http://localhost:{port}/")}),
    )
    .await;
    let v4 = format!("web_fetch: localhost resolves to 127.0.0.1, a loopback address{ONLY_PUBLIC}");
    let v6 = format!("web_fetch: localhost resolves to ::1, a loopback address{ONLY_PUBLIC}");
    assert!(got == v4 || got == v6, "{got}");
    assert_untouched(&listener);
}

#[tokio::test]
async fn refuses_the_daemons_own_ports_even_when_loopback_is_allowed() {
    let (_dir, mut ctx) = context(MemoryStore::default());
    // Stand-ins for the three daemons' HTTP and gRPC listeners.
    let daemons: Vec<(TcpListener, SocketAddr)> = (0..6).map(|_| bystander()).collect();
    let own: Vec<SocketAddr> = daemons.iter().map(|(_, a)| *a).collect();
    guard(
        &mut ctx,
        &["127.0.0.0/8", "boo.example.com"],
        &own,
        &[("boo.example.com", "127.0.0.1")],
    );
    for addr in &own {
        let port = addr.port();
        assert_eq!(
            error(
                &ctx,
                "web_fetch",
                json!({"url": format!("http://127.0.0.1:{port}/api/projects")})
            )
            .await,
            format!(
                "web_fetch: 127.0.0.1:{port} is where a BooCode daemon listens; the daemons \
                 themselves are never fetched"
            )
        );
        assert_eq!(
            error(
                &ctx,
                "web_fetch",
                json!({"url": format!("http://boo.example.com:{port}/")})
            )
            .await,
            format!(
                "web_fetch: boo.example.com resolves to 127.0.0.1:{port}, where a BooCode \
                 daemon listens; the daemons themselves are never fetched"
            )
        );
    }
    // Without the allowlist, loopback alone refuses them.
    guard(&mut ctx, &[], &[], &[]);
    let port = own[0].port();
    assert_eq!(
        error(
            &ctx,
            "web_fetch",
            json!({"url": format!("http://127.0.0.1:{port}/")})
        )
        .await,
        format!("web_fetch: 127.0.0.1 is a loopback address{ONLY_PUBLIC}")
    );
    for (listener, _) in &daemons {
        assert_untouched(listener);
    }
}

#[tokio::test]
async fn a_public_looking_name_that_resolves_locally_is_refused_unless_allowed() {
    let base = serve(app()).await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let (_dir, mut ctx) = context(MemoryStore::default());
    let dns = [
        ("docs.example.com", "127.0.0.1"),
        ("intranet.example.com", "10.20.30.40"),
    ];
    guard(&mut ctx, &[], &[], &dns);
    let url = format!("http://docs.example.com:{port}/plain");
    assert_eq!(
        error(&ctx, "web_fetch", json!({"url": url})).await,
        format!(
            "web_fetch: docs.example.com resolves to 127.0.0.1, a loopback address{ONLY_PUBLIC}"
        )
    );
    assert_eq!(
        error(
            &ctx,
            "web_fetch",
            json!({"url": "http://intranet.example.com/"})
        )
        .await,
        format!(
            "web_fetch: intranet.example.com resolves to 10.20.30.40, a private address{ONLY_PUBLIC}"
        )
    );
    // Allowed by name: fetched from the address the guard resolved (the name exists
    // only in the fake DNS, so the client cannot have looked it up itself).
    guard(&mut ctx, &["docs.example.com"], &[], &dns);
    assert_eq!(
        text(&ctx, "web_fetch", json!({"url": url})).await,
        format!("URL: {url}\nContent-Type: text/plain\n\njust *text*\n")
    );
    // A rule for one port does not open the others.
    guard(&mut ctx, &["docs.example.com:1"], &[], &dns);
    assert_eq!(
        error(&ctx, "web_fetch", json!({"url": url})).await,
        format!(
            "web_fetch: docs.example.com resolves to 127.0.0.1, a loopback address{ONLY_PUBLIC}"
        )
    );
}

#[tokio::test]
async fn every_redirect_hop_is_checked() {
    let (secret, secret_addr) = bystander();
    let b = secret_addr.port();
    let to = |target: String| move || async move { (StatusCode::FOUND, [(LOCATION, target)]) };
    let base = serve(
        app()
            .route("/to-b", get(to(format!("http://127.0.0.1:{b}/secret"))))
            .route(
                "/to-name",
                get(to(format!("http://rebind.example:{b}/secret"))),
            )
            .route("/to-file", get(to("file:///etc/passwd".to_owned())))
            .route("/to-plain", get(to("/plain".to_owned())))
            .route("/loop", get(to("/loop".to_owned()))),
    )
    .await;
    let (_dir, mut ctx) = context(MemoryStore::default());
    // Exactly the first server may be fetched.
    guard(
        &mut ctx,
        &[&only(&base)],
        &[],
        &[("rebind.example", "127.0.0.1")],
    );
    let cases = [
        (
            "/to-b",
            format!(
                "web_fetch: {base}/to-b redirected to http://127.0.0.1:{b}/secret, but 127.0.0.1 \
                 is a loopback address{ONLY_PUBLIC}"
            ),
        ),
        (
            "/to-name",
            format!(
                "web_fetch: {base}/to-name redirected to http://rebind.example:{b}/secret, but \
                 rebind.example resolves to 127.0.0.1, a loopback address{ONLY_PUBLIC}"
            ),
        ),
        (
            "/to-file",
            format!(
                "web_fetch: {base}/to-file redirected to file:///etc/passwd, which is not an \
                 http(s) URL"
            ),
        ),
        (
            "/loop",
            format!("web_fetch: {base}/loop redirected more than 10 times"),
        ),
    ];
    for (path, want) in cases {
        let got = error(&ctx, "web_fetch", json!({"url": format!("{base}{path}")})).await;
        assert_eq!(got, want, "{path}");
    }
    assert_untouched(&secret);
    // A redirect that stays on the allowed server is followed.
    assert_eq!(
        text(
            &ctx,
            "web_fetch",
            json!({"url": format!("{base}/to-plain")})
        )
        .await,
        format!("URL: {base}/plain\nContent-Type: text/plain\n\njust *text*\n")
    );
}
