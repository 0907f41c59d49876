//! The Origin check on WebSocket upgrades: a browser on a foreign site can open a
//! socket with the owner's cookies, so the Origin must be `auth.public_origin` or,
//! when that is unset, the request's own scheme, Host and port.

use http::HeaderMap;
use http::header::ORIGIN;

use super::{AuthError, is_trusted};
use crate::config::AuthConfig;
use crate::listen::Peer;

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

/// The scheme the client used: `X-Forwarded-Proto` when a trusted proxy sent it,
/// else `http` (the daemons themselves never serve TLS).
fn request_scheme(cfg: &AuthConfig, peer: Peer, headers: &HeaderMap) -> &'static str {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    match forwarded {
        Some(p) if p.eq_ignore_ascii_case("https") && is_trusted(cfg, peer) => "https",
        _ => "http",
    }
}

/// Is this WebSocket upgrade allowed to proceed? The Origin must equal
/// `public_origin`, or, when that is unset, the request's own origin: its scheme
/// (see [`request_scheme`]), Host and port. A missing Origin means a non-browser
/// client (no ambient cookies to abuse), which is allowed.
pub fn check_ws_origin(
    cfg: &AuthConfig,
    peer: Peer,
    host: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), AuthError> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let raw = origin
        .to_str()
        .map_err(|_| AuthError::BadHeader("origin"))?;
    let bad = || AuthError::BadOrigin(raw.to_owned());
    let got = parse_origin(raw).map_err(|_| bad())?;
    let want = match &cfg.public_origin {
        Some(public) => parse_origin(public).map_err(|_| bad())?,
        None => {
            let host = host.ok_or_else(bad)?;
            let scheme = request_scheme(cfg, peer, headers);
            parse_origin(&format!("{scheme}://{host}")).map_err(|_| bad())?
        }
    };
    if got == want { Ok(()) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tests::{LOCAL, STRANGER, cfg, headers};
    use pretty_assertions::assert_eq;

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

    /// `check_ws_origin` with the Host taken from the headers, as the middleware does.
    fn ws(c: &AuthConfig, peer: Peer, h: &HeaderMap) -> Result<(), AuthError> {
        let host = h.get("host").map(|v| v.to_str().unwrap());
        check_ws_origin(c, peer, host, h)
    }

    #[test]
    fn ws_origin_against_public_origin() {
        let mut c = cfg();
        c.public_origin = Some("https://boo.example.com".into());
        let ok = headers(&[
            ("origin", "https://boo.example.com"),
            ("host", "127.0.0.1:9500"),
        ]);
        assert_eq!(ws(&c, LOCAL, &ok), Ok(()));
        let foreign = headers(&[
            ("origin", "https://evil.example"),
            ("host", "boo.example.com"),
        ]);
        assert_eq!(
            ws(&c, LOCAL, &foreign),
            Err(AuthError::BadOrigin("https://evil.example".into()))
        );
        for other in ["http://boo.example.com", "https://boo.example.com:8443"] {
            let h = headers(&[("origin", other), ("host", "boo.example.com")]);
            assert_eq!(
                ws(&c, LOCAL, &h),
                Err(AuthError::BadOrigin(other.into())),
                "{other}"
            );
        }
        let opaque = headers(&[("origin", "null")]);
        assert_eq!(
            ws(&c, LOCAL, &opaque),
            Err(AuthError::BadOrigin("null".into()))
        );
    }

    #[test]
    fn ws_origin_is_the_requests_own_scheme_host_and_port_when_no_public_origin() {
        let c = cfg();
        let with = |origin: &str, host: &str| headers(&[("origin", origin), ("host", host)]);
        assert_eq!(
            ws(&c, LOCAL, &with("http://127.0.0.1:9500", "127.0.0.1:9500")),
            Ok(())
        );
        assert_eq!(ws(&c, LOCAL, &with("http://boo.lan", "boo.lan:80")), Ok(()));
        assert_eq!(
            ws(&c, LOCAL, &with("http://[::1]:9500", "[::1]:9500")),
            Ok(())
        );
        for (origin, host) in [
            // Right host, wrong port.
            ("http://127.0.0.1:9999", "127.0.0.1:9500"),
            // Right host and port, wrong scheme (nothing says the request was https).
            ("https://127.0.0.1:9500", "127.0.0.1:9500"),
            ("https://boo.lan", "boo.lan:443"),
            // Right name, another host.
            ("http://localhost:9500", "127.0.0.1:9500"),
        ] {
            assert_eq!(
                ws(&c, LOCAL, &with(origin, host)),
                Err(AuthError::BadOrigin(origin.into())),
                "{origin} vs Host {host}"
            );
        }
        // No Origin: not a browser, allowed.
        assert_eq!(ws(&c, LOCAL, &headers(&[("host", "x")])), Ok(()));
        // An Origin but no Host to compare it with.
        assert_eq!(
            ws(&c, LOCAL, &headers(&[("origin", "http://x")])),
            Err(AuthError::BadOrigin("http://x".into()))
        );
    }

    #[test]
    fn x_forwarded_proto_counts_only_from_a_trusted_proxy() {
        let c = cfg();
        let h = headers(&[
            ("origin", "https://boo.lan"),
            ("host", "boo.lan"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(ws(&c, LOCAL, &h), Ok(()));
        assert_eq!(ws(&c, Peer::UnixSocket, &h), Ok(()));
        assert_eq!(
            ws(&c, STRANGER, &h),
            Err(AuthError::BadOrigin("https://boo.lan".into()))
        );
        // The proxy says http: an https Origin is someone else.
        let plain = headers(&[
            ("origin", "https://boo.lan"),
            ("host", "boo.lan"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(
            ws(&c, LOCAL, &plain),
            Err(AuthError::BadOrigin("https://boo.lan".into()))
        );
    }
}
