//! Who is calling (SYS-3).
//!
//! In `authelia` mode Caddy's `forward_auth` asks Authelia and copies the
//! `Remote-*` headers onto the proxied request. Those headers are believed only
//! when the TCP peer is one of `auth.trusted_proxies`; anything else is 401.
//! WebSocket upgrades must also come from `auth.public_origin` (or, when unset,
//! from the same origin as the request's Host) — a browser on a foreign site
//! can open a WS with the owner's cookies, so the Origin is the guard.
//! `/metrics` needs no identity but is served only to a loopback peer whose
//! request carries no forwarding header (a local scraper, not Caddy); all else
//! gets 403 `metrics_local_only`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::header::{HOST, ORIGIN, UPGRADE};
use serde::Serialize;
use ts_rs::TS;

use crate::config::{AuthConfig, AuthMode};
use crate::error::ApiError;

pub const REMOTE_USER: &str = "remote-user";
pub const REMOTE_GROUPS: &str = "remote-groups";
pub const REMOTE_EMAIL: &str = "remote-email";
pub const REMOTE_NAME: &str = "remote-name";

/// Paths answered without authentication.
const EXEMPT: &[&str] = &["/healthz"];

/// Headers a reverse proxy adds: a request carrying one came through Caddy (or
/// another proxy), even though its TCP peer is loopback.
const FORWARDING: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    REMOTE_USER,
];

/// The authenticated caller, available to handlers as an extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

impl Identity {
    /// The single owner when `auth.mode = "none"` (loopback only).
    pub fn local_owner() -> Self {
        Self {
            user: "owner".into(),
            groups: Vec::new(),
            email: None,
            name: None,
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no authenticated user: the request did not come through the auth proxy")]
    MissingUser,
    #[error("Remote-* headers from {0}, which is not a trusted proxy")]
    UntrustedPeer(IpAddr),
    #[error("a header is not valid UTF-8: {0}")]
    BadHeader(&'static str),
    #[error("WebSocket origin {0:?} is not allowed")]
    BadOrigin(String),
    #[error("/metrics is served only to a scraper on this host, not through a proxy")]
    MetricsNotLocal,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::BadOrigin(_) => ApiError::forbidden("bad_origin", e.to_string()),
            AuthError::MetricsNotLocal => ApiError::forbidden("metrics_local_only", e.to_string()),
            AuthError::MissingUser | AuthError::UntrustedPeer(_) | AuthError::BadHeader(_) => {
                ApiError::unauthorized(e.to_string())
            }
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, AuthError> {
    headers
        .get(name)
        .map(|v| v.to_str().map_err(|_| AuthError::BadHeader(name)))
        .transpose()
        .map(|v| {
            v.map(str::trim)
                .filter(|s| !s.is_empty() && !is_unfilled_placeholder(s))
        })
}

/// Caddy 2.6 copies a header Authelia did not send as its literal placeholder
/// (`{http.reverse_proxy.header.Remote-Email}`); such a value means "absent".
fn is_unfilled_placeholder(value: &str) -> bool {
    value.starts_with("{http.") && value.ends_with('}')
}

/// Decide who a request is from. Pure, so every branch is unit-tested.
pub fn authenticate(
    cfg: &AuthConfig,
    peer: IpAddr,
    headers: &HeaderMap,
) -> Result<Identity, AuthError> {
    if cfg.mode == AuthMode::None {
        return Ok(Identity::local_owner());
    }
    let peer = canonical(peer);
    let trusted = cfg.trusted_proxies.iter().any(|net| net.contains(&peer));
    if !trusted {
        return if headers.contains_key(REMOTE_USER) {
            Err(AuthError::UntrustedPeer(peer))
        } else {
            Err(AuthError::MissingUser)
        };
    }
    let user = header(headers, REMOTE_USER)?.ok_or(AuthError::MissingUser)?;
    let groups = header(headers, REMOTE_GROUPS)?
        .map(|g| {
            g.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(Identity {
        user: user.to_owned(),
        groups,
        email: header(headers, REMOTE_EMAIL)?.map(String::from),
        name: header(headers, REMOTE_NAME)?.map(String::from),
    })
}

/// IPv4-mapped IPv6 peers (`::ffff:127.0.0.1`) compare as their IPv4 form.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `scheme://host[:port]` normalised to lower case with the default port dropped.
pub fn parse_origin(origin: &str) -> Result<String, &'static str> {
    let uri: http::Uri = origin.parse().map_err(|_| "not a URL")?;
    let scheme = uri
        .scheme_str()
        .ok_or("missing scheme")?
        .to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err("scheme must be http or https");
    }
    let authority = uri.authority().ok_or("missing host")?;
    if authority.as_str().contains('@') {
        return Err("must not contain credentials");
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err("must not have a path or query");
    }
    let host = authority.host().to_ascii_lowercase();
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Is this WebSocket upgrade allowed to proceed? A missing Origin means a
/// non-browser client (no ambient cookies to abuse), which is allowed.
pub fn check_ws_origin(cfg: &AuthConfig, headers: &HeaderMap) -> Result<(), AuthError> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let raw = origin
        .to_str()
        .map_err(|_| AuthError::BadHeader("origin"))?;
    let bad = || AuthError::BadOrigin(raw.to_owned());
    let got = parse_origin(raw).map_err(|_| bad())?;
    let allowed = match &cfg.public_origin {
        Some(public) => parse_origin(public).map_err(|_| bad())? == got,
        None => {
            // Same-origin: the Origin's host[:port] must be the Host the request was sent to.
            let host = headers
                .get(HOST)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(bad)?
                .to_ascii_lowercase();
            let authority = got.split_once("://").map(|(_, a)| a).unwrap_or_default();
            authority == host
                || (got.starts_with("http://") && format!("{authority}:80") == host)
                || (got.starts_with("https://") && format!("{authority}:443") == host)
        }
    };
    if allowed { Ok(()) } else { Err(bad()) }
}

/// May this request read `/metrics`? Only from a loopback peer, and only when it
/// carries no forwarding header: Caddy is a loopback peer too, and what comes
/// through it comes from the network. Everything else is 403, whoever it is.
pub fn check_metrics_peer(peer: IpAddr, headers: &HeaderMap) -> Result<(), AuthError> {
    let proxied = FORWARDING.iter().any(|h| headers.contains_key(*h));
    if canonical(peer).is_loopback() && !proxied {
        Ok(())
    } else {
        Err(AuthError::MetricsNotLocal)
    }
}

fn is_ws_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Axum middleware: Origin check on WS upgrades, then authentication; the
/// [`Identity`] lands in the request extensions.
pub async fn middleware(
    State(cfg): State<Arc<AuthConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    if EXEMPT.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip());
    let Some(peer) = peer else {
        // Every listener is served with connect info; a missing one is a wiring bug.
        return ApiError::internal("peer address unavailable").into_response();
    };
    if req.uri().path() == crate::metrics::PATH {
        return match check_metrics_peer(peer, req.headers()) {
            Ok(()) => next.run(req).await,
            Err(e) => {
                tracing::info!(error = %e, %peer, "refused a metrics scrape");
                ApiError::from(e).into_response()
            }
        };
    }
    let headers = req.headers();
    if is_ws_upgrade(headers)
        && let Err(e) = check_ws_origin(&cfg, headers)
    {
        tracing::warn!(error = %e, "refused WebSocket upgrade");
        return ApiError::from(e).into_response();
    }
    match authenticate(&cfg, peer, req.headers()) {
        Ok(identity) => {
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Err(e) => {
            tracing::info!(error = %e, %peer, path = %req.uri().path(), "unauthenticated request");
            ApiError::from(e).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use pretty_assertions::assert_eq;

    fn cfg() -> AuthConfig {
        AuthConfig::default()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    #[test]
    fn trusted_proxy_with_headers_yields_full_identity() {
        let h = headers(&[
            ("remote-user", "alice"),
            ("remote-groups", "admins, dev,,"),
            ("remote-email", "alice@example.com"),
            ("remote-name", "Alice A"),
        ]);
        assert_eq!(
            authenticate(&cfg(), LOCAL, &h),
            Ok(Identity {
                user: "alice".into(),
                groups: vec!["admins".into(), "dev".into()],
                email: Some("alice@example.com".into()),
                name: Some("Alice A".into()),
            })
        );
    }

    #[test]
    fn unfilled_caddy_placeholders_count_as_absent() {
        let h = headers(&[
            ("remote-user", "alice"),
            ("remote-email", "{http.reverse_proxy.header.Remote-Email}"),
            ("remote-name", "{http.reverse_proxy.header.Remote-Name}"),
        ]);
        let id = authenticate(&cfg(), LOCAL, &h).unwrap();
        assert_eq!((id.email, id.name), (None, None));
        let only_placeholder =
            headers(&[("remote-user", "{http.reverse_proxy.header.Remote-User}")]);
        assert_eq!(
            authenticate(&cfg(), LOCAL, &only_placeholder),
            Err(AuthError::MissingUser)
        );
    }

    #[test]
    fn ipv4_mapped_loopback_counts_as_trusted() {
        let h = headers(&[("remote-user", "alice")]);
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(authenticate(&cfg(), mapped, &h).unwrap().user, "alice");
    }

    #[test]
    fn forged_headers_from_untrusted_peer_are_rejected() {
        let h = headers(&[("remote-user", "alice")]);
        assert_eq!(
            authenticate(&cfg(), STRANGER, &h),
            Err(AuthError::UntrustedPeer(STRANGER))
        );
    }

    #[test]
    fn no_headers_is_missing_user_even_from_the_proxy() {
        assert_eq!(
            authenticate(&cfg(), LOCAL, &HeaderMap::new()),
            Err(AuthError::MissingUser)
        );
        assert_eq!(
            authenticate(&cfg(), LOCAL, &headers(&[("remote-user", "  ")])),
            Err(AuthError::MissingUser)
        );
        assert_eq!(
            authenticate(&cfg(), STRANGER, &HeaderMap::new()),
            Err(AuthError::MissingUser)
        );
    }

    #[test]
    fn trusted_proxies_are_cidrs() {
        let mut c = cfg();
        c.trusted_proxies = vec!["192.0.2.0/24".parse().unwrap()];
        let h = headers(&[("remote-user", "bob")]);
        assert_eq!(authenticate(&c, STRANGER, &h).unwrap().user, "bob");
        assert_eq!(
            authenticate(&c, LOCAL, &h),
            Err(AuthError::UntrustedPeer(LOCAL))
        );
    }

    #[test]
    fn mode_none_ignores_headers_and_yields_the_owner() {
        let mut c = cfg();
        c.mode = AuthMode::None;
        let h = headers(&[("remote-user", "mallory")]);
        assert_eq!(authenticate(&c, STRANGER, &h), Ok(Identity::local_owner()));
    }

    #[test]
    fn metrics_only_for_loopback_without_forwarding_headers() {
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        for peer in [LOCAL, mapped, v6] {
            assert_eq!(check_metrics_peer(peer, &HeaderMap::new()), Ok(()));
        }
        assert_eq!(
            check_metrics_peer(STRANGER, &HeaderMap::new()),
            Err(AuthError::MetricsNotLocal)
        );
        for h in FORWARDING {
            assert_eq!(
                check_metrics_peer(LOCAL, &headers(&[(*h, "203.0.113.9")])),
                Err(AuthError::MetricsNotLocal),
                "{h}"
            );
        }
    }

    #[test]
    fn origin_normalisation() {
        assert_eq!(
            parse_origin("HTTPS://Boo.Example.com:443"),
            Ok("https://boo.example.com".into())
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:9500/"),
            Ok("http://127.0.0.1:9500".into())
        );
        assert_eq!(parse_origin("ftp://x"), Err("scheme must be http or https"));
        assert_eq!(
            parse_origin("https://x/a"),
            Err("must not have a path or query")
        );
        assert_eq!(parse_origin("null"), Err("missing scheme"));
    }

    #[test]
    fn ws_origin_against_public_origin() {
        let mut c = cfg();
        c.public_origin = Some("https://boo.example.com".into());
        let ok = headers(&[
            ("origin", "https://boo.example.com"),
            ("host", "127.0.0.1:9500"),
        ]);
        assert_eq!(check_ws_origin(&c, &ok), Ok(()));
        let foreign = headers(&[
            ("origin", "https://evil.example"),
            ("host", "boo.example.com"),
        ]);
        assert_eq!(
            check_ws_origin(&c, &foreign),
            Err(AuthError::BadOrigin("https://evil.example".into()))
        );
        let opaque = headers(&[("origin", "null")]);
        assert_eq!(
            check_ws_origin(&c, &opaque),
            Err(AuthError::BadOrigin("null".into()))
        );
    }

    #[test]
    fn ws_origin_same_host_when_no_public_origin() {
        let c = cfg();
        let same = headers(&[
            ("origin", "http://127.0.0.1:9500"),
            ("host", "127.0.0.1:9500"),
        ]);
        assert_eq!(check_ws_origin(&c, &same), Ok(()));
        let other_port = headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:9500"),
        ]);
        assert!(check_ws_origin(&c, &other_port).is_err());
        let default_port = headers(&[("origin", "http://boo.lan"), ("host", "boo.lan:80")]);
        assert_eq!(check_ws_origin(&c, &default_port), Ok(()));
        // No Origin: not a browser, allowed.
        assert_eq!(check_ws_origin(&c, &headers(&[("host", "x")])), Ok(()));
    }
}
