//! Who is calling (SYS-3).
//!
//! In `authelia` mode Caddy's `forward_auth` asks Authelia and copies the
//! `Remote-*` headers onto the proxied request. Those headers are believed only
//! on the systemd-activated Unix socket (only root and Caddy's group can open
//! it), or on TCP when the peer is one of `auth.trusted_proxies` (empty by
//! default: a loopback TCP port is open to every local process, a hijacked agent
//! included, so trusting it is the operator's explicit choice); anything else is 401.
//! WebSocket upgrades must also come from `auth.public_origin` (or, when unset,
//! from the same origin as the request: scheme, Host and port) — a browser on a
//! foreign site can open a WS with the owner's cookies, so the Origin is the guard.
//!
//! Before any of that, the `Host` is checked ([`check_host`]): a page on a name the
//! attacker controls can make that name resolve to 127.0.0.1 (DNS rebinding) and
//! then talk to a loopback daemon as a same-origin page — with `mode = "none"` that
//! is full access. Such requests carry the attacker's name as their Host, so only
//! loopback names, `auth.allowed_hosts` and `auth.public_origin`'s host are answered.
//!
//! `/metrics` needs no identity but is served only to a local peer (loopback TCP,
//! or the Unix socket) whose request carries no forwarding header (a local
//! scraper, not Caddy); all else gets 403 `metrics_local_only`.

mod host;
mod origin;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::header::{HOST, UPGRADE};

use crate::config::{AuthConfig, AuthMode};
use crate::error::ApiError;
use crate::listen::Peer;

pub use host::{HostPattern, check_host};
pub use origin::{check_ws_origin, parse_origin};

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

pub use boo_wire::identity::Identity;

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
    #[error(
        "Host {0:?} is not served here: only loopback names (localhost, 127.0.0.1, [::1]), \
         auth.allowed_hosts and auth.public_origin's host are"
    )]
    BadHost(String),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::BadOrigin(_) => ApiError::forbidden("bad_origin", e.to_string()),
            AuthError::MetricsNotLocal => ApiError::forbidden("metrics_local_only", e.to_string()),
            AuthError::BadHost(_) => ApiError::forbidden("bad_host", e.to_string()),
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
    peer: Peer,
    headers: &HeaderMap,
) -> Result<Identity, AuthError> {
    if cfg.mode == AuthMode::None {
        return Ok(Identity::local_owner());
    }
    if !is_trusted(cfg, peer) {
        return match peer {
            Peer::Tcp(ip) if headers.contains_key(REMOTE_USER) => {
                Err(AuthError::UntrustedPeer(canonical(ip)))
            }
            _ => Err(AuthError::MissingUser),
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

/// Is `peer` the auth proxy: the systemd socket (only root and Caddy's group can
/// open it), or a TCP peer in `auth.trusted_proxies`?
fn is_trusted(cfg: &AuthConfig, peer: Peer) -> bool {
    match peer {
        Peer::UnixSocket => true,
        Peer::Tcp(ip) => {
            let ip = canonical(ip);
            cfg.trusted_proxies.iter().any(|net| net.contains(&ip))
        }
    }
}

/// May this request read `/metrics`? Only from a local peer (loopback TCP, or
/// the Unix socket), and only when it carries no forwarding header: Caddy is a
/// local peer too, and what comes through it comes from the network. Everything
/// else is 403, whoever it is.
pub fn check_metrics_peer(peer: Peer, headers: &HeaderMap) -> Result<(), AuthError> {
    let proxied = FORWARDING.iter().any(|h| headers.contains_key(*h));
    let local = match peer {
        Peer::UnixSocket => true,
        Peer::Tcp(ip) => canonical(ip).is_loopback(),
    };
    if local && !proxied {
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

/// Axum middleware: the Host check (every path), then — except on `/healthz` —
/// the Origin check on WS upgrades and authentication; the [`Identity`] lands in
/// the request extensions.
pub async fn middleware(
    State(cfg): State<Arc<AuthConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req.extensions().get::<ConnectInfo<Peer>>().map(|ci| ci.0);
    let Some(peer) = peer else {
        // Every listener is served with connect info; a missing one is a wiring bug.
        return ApiError::internal("peer address unavailable").into_response();
    };
    // HTTP/1 sends `Host`; HTTP/2 the `:authority`, which lands in the URI.
    let host = req
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if let Err(e) = check_host(&cfg, host) {
        tracing::warn!(error = %e, %peer, path = %req.uri().path(), "refused a request for a foreign Host");
        return ApiError::from(e).into_response();
    }
    if req.uri().path() == crate::metrics::PATH {
        return match check_metrics_peer(peer, req.headers()) {
            Ok(()) => next.run(req).await,
            Err(e) => {
                tracing::info!(error = %e, %peer, "refused a metrics scrape");
                ApiError::from(e).into_response()
            }
        };
    }
    if EXEMPT.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if is_ws_upgrade(headers)
        && let Err(e) = check_ws_origin(&cfg, peer, host, headers)
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

    /// Behind a Caddy that proxies over loopback TCP (explicitly trusted).
    pub(super) fn cfg() -> AuthConfig {
        AuthConfig {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()],
            ..AuthConfig::default()
        }
    }

    pub(super) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const LOCAL_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const STRANGER_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    pub(super) const LOCAL: Peer = Peer::Tcp(LOCAL_IP);
    pub(super) const STRANGER: Peer = Peer::Tcp(STRANGER_IP);
    const SOCKET: Peer = Peer::UnixSocket;

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
        let mapped = Peer::Tcp("::ffff:127.0.0.1".parse().unwrap());
        assert_eq!(authenticate(&cfg(), mapped, &h).unwrap().user, "alice");
    }

    #[test]
    fn forged_headers_from_untrusted_peer_are_rejected() {
        let h = headers(&[("remote-user", "alice")]);
        assert_eq!(
            authenticate(&cfg(), STRANGER, &h),
            Err(AuthError::UntrustedPeer(STRANGER_IP))
        );
    }

    #[test]
    fn by_default_no_tcp_peer_is_trusted_but_the_unix_socket_is() {
        // Any local process can reach a loopback port; only root and Caddy's group
        // can open the systemd socket.
        let c = AuthConfig::default();
        assert_eq!(c.trusted_proxies, Vec::<ipnet::IpNet>::new());
        let h = headers(&[("remote-user", "alice"), ("remote-groups", "dev")]);
        for (ip, reported) in [
            ("127.0.0.1", "127.0.0.1"),
            ("::1", "::1"),
            ("::ffff:127.0.0.1", "127.0.0.1"),
        ] {
            assert_eq!(
                authenticate(&c, Peer::Tcp(ip.parse().unwrap()), &h),
                Err(AuthError::UntrustedPeer(reported.parse().unwrap())),
                "{ip}"
            );
        }
        assert_eq!(
            authenticate(&c, SOCKET, &h),
            Ok(Identity {
                user: "alice".into(),
                groups: vec!["dev".into()],
                email: None,
                name: None,
            })
        );
        // The socket without headers did not come through forward_auth.
        assert_eq!(
            authenticate(&c, SOCKET, &HeaderMap::new()),
            Err(AuthError::MissingUser)
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
            Err(AuthError::UntrustedPeer(LOCAL_IP))
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
    fn metrics_only_for_local_peers_without_forwarding_headers() {
        let mapped = Peer::Tcp("::ffff:127.0.0.1".parse().unwrap());
        let v6 = Peer::Tcp("::1".parse().unwrap());
        for peer in [LOCAL, mapped, v6, SOCKET] {
            assert_eq!(check_metrics_peer(peer, &HeaderMap::new()), Ok(()));
        }
        assert_eq!(
            check_metrics_peer(STRANGER, &HeaderMap::new()),
            Err(AuthError::MetricsNotLocal)
        );
        for h in FORWARDING {
            for peer in [LOCAL, SOCKET] {
                assert_eq!(
                    check_metrics_peer(peer, &headers(&[(*h, "203.0.113.9")])),
                    Err(AuthError::MetricsNotLocal),
                    "{h} from {peer}"
                );
            }
        }
    }

    #[test]
    fn bad_host_is_403_with_its_code() {
        let e = ApiError::from(AuthError::BadHost("evil.example".into()));
        assert_eq!(
            (e.status, e.code, e.message.as_str()),
            (
                http::StatusCode::FORBIDDEN,
                "bad_host",
                "Host \"evil.example\" is not served here: only loopback names (localhost, \
                 127.0.0.1, [::1]), auth.allowed_hosts and auth.public_origin's host are"
            )
        );
    }
}
