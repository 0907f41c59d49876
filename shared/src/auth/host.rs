//! The Host check against DNS rebinding: a page on a name the attacker controls can
//! make that name resolve to 127.0.0.1 and then talk to a loopback daemon as a
//! same-origin page. Its requests carry the attacker's name as their Host, so only
//! loopback names, `auth.allowed_hosts` and `auth.public_origin`'s host are answered.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{AuthError, canonical, parse_origin};
use crate::config::{AuthConfig, AuthMode};

/// A `Host` value or an `auth.allowed_hosts` entry: the lower-cased name (an IPv6
/// address in brackets, a trailing dot dropped) and the port if one is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern {
    name: String,
    port: Option<u16>,
}

impl HostPattern {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("empty");
        }
        if raw.contains(['/', '@', '?', '#']) {
            return Err("give a host or host:port, not a URL");
        }
        let bad = "not a host or host:port";
        let authority: http::uri::Authority = raw.parse().map_err(|_| bad)?;
        let name = authority.host();
        // `Authority` lets `host:word` through with no port; only digits are one.
        let port = match &authority.as_str()[name.len()..] {
            "" => None,
            rest => Some(
                rest.strip_prefix(':')
                    .and_then(|p| p.parse::<u16>().ok())
                    .ok_or(bad)?,
            ),
        };
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if name.is_empty() {
            return Err(bad);
        }
        Ok(Self { name, port })
    }

    /// `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]` (and `[::ffff:127.x.y.z]`).
    pub fn is_loopback(&self) -> bool {
        let name = self.name.as_str();
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            Some(v6) => v6
                .parse::<Ipv6Addr>()
                .is_ok_and(|ip| canonical(IpAddr::V6(ip)).is_loopback()),
            None => name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()),
        }
    }

    /// Same name, and same port unless this pattern names none.
    fn allows(&self, host: &HostPattern) -> bool {
        self.name == host.name && (self.port.is_none() || self.port == host.port)
    }
}

/// May a request with this `Host` be answered? With `mode = "none"` always checked;
/// with `authelia` (Caddy in front, the Host is the public name) only when
/// `public_origin` or `allowed_hosts` says what the name is. Allowed: loopback
/// names and addresses with any port, `allowed_hosts`, and `public_origin`'s host
/// with any port.
pub fn check_host(cfg: &AuthConfig, host: Option<&str>) -> Result<(), AuthError> {
    if cfg.mode == AuthMode::Authelia && cfg.public_origin.is_none() && cfg.allowed_hosts.is_empty()
    {
        return Ok(());
    }
    let raw = host.unwrap_or_default();
    let bad = || AuthError::BadHost(raw.to_owned());
    let got = HostPattern::parse(raw).map_err(|_| bad())?;
    if got.is_loopback() {
        return Ok(());
    }
    let public = cfg
        .public_origin
        .as_deref()
        .and_then(|o| parse_origin(o).ok())
        .and_then(|o| {
            let authority = o.split_once("://").map(|(_, a)| a)?;
            HostPattern::parse(authority).ok()
        })
        .map(|p| HostPattern { port: None, ..p });
    let allowed = cfg
        .allowed_hosts
        .iter()
        .filter_map(|h| HostPattern::parse(h).ok())
        .chain(public)
        .any(|p| p.allows(&got));
    if allowed { Ok(()) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tests::cfg;
    use pretty_assertions::assert_eq;

    fn none_mode() -> AuthConfig {
        AuthConfig {
            mode: AuthMode::None,
            ..cfg()
        }
    }

    #[test]
    fn mode_none_answers_loopback_hosts_only() {
        let c = none_mode();
        for host in [
            "localhost",
            "localhost:9500",
            "LOCALHOST.:9500",
            "app.localhost:9480",
            "127.0.0.1",
            "127.0.0.1:9500",
            "127.8.9.10:1",
            "[::1]",
            "[::1]:9500",
            "[::ffff:127.0.0.1]:9500",
        ] {
            assert_eq!(check_host(&c, Some(host)), Ok(()), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:9500",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "128.0.0.1",
            "0.0.0.0:9500",
            "[::2]:9500",
            "192.168.1.5:9500",
            "a@localhost",
            "",
        ] {
            assert_eq!(
                check_host(&c, Some(host)),
                Err(AuthError::BadHost(host.into())),
                "{host}"
            );
        }
        assert_eq!(check_host(&c, None), Err(AuthError::BadHost(String::new())));
    }

    #[test]
    fn allowed_hosts_and_public_origin_let_a_name_through() {
        let mut c = none_mode();
        c.allowed_hosts = vec!["Boo.LAN".into(), "tunnel.example:9480".into()];
        c.public_origin = Some("https://boo.example.com".into());
        for host in [
            "boo.lan",
            "boo.lan:9500",
            "tunnel.example:9480",
            "boo.example.com",
            "boo.example.com:443",
        ] {
            assert_eq!(check_host(&c, Some(host)), Ok(()), "{host}");
        }
        for host in ["tunnel.example", "tunnel.example:9500", "evil.example"] {
            assert_eq!(
                check_host(&c, Some(host)),
                Err(AuthError::BadHost(host.into())),
                "{host}"
            );
        }
    }

    #[test]
    fn authelia_mode_checks_the_host_only_when_told_the_public_name() {
        let mut c = cfg();
        assert_eq!(check_host(&c, Some("anything.example")), Ok(()));
        assert_eq!(check_host(&c, None), Ok(()));
        c.public_origin = Some("https://boo.example.com".into());
        assert_eq!(check_host(&c, Some("boo.example.com")), Ok(()));
        assert_eq!(check_host(&c, Some("127.0.0.1:9500")), Ok(()));
        assert_eq!(
            check_host(&c, Some("evil.example")),
            Err(AuthError::BadHost("evil.example".into()))
        );
    }
}
