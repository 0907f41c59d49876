//! `chat.web_fetch_allow` entries ([`AllowRule`]) and the URL host they are
//! matched against ([`HostName`]).

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One entry of `chat.web_fetch_allow`: what may be fetched although its address
/// is not public. Written as a string:
///
/// - `192.168.1.20`, `10.0.0.0/8`, `fd00::/8` — addresses, any port;
/// - `192.168.1.20:8080`, `[fd00::1]:8080` — one address and port;
/// - `docs.lan`, `docs.lan:8080` — a host name as written in the URL (whatever it
///   resolves to), any port or one;
/// - `*.lan`, `*.lan:8080` — every name under `lan` (not `lan` itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowRule {
    target: AllowTarget,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum AllowTarget {
    Net(IpNet),
    Host(String),
    Subdomains(String),
}

impl AllowRule {
    /// Does this rule cover `ip:port`, reached through the URL host `host`?
    pub(super) fn matches(&self, host: &HostName<'_>, ip: IpAddr, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        match (&self.target, host) {
            (AllowTarget::Net(net), _) => net.contains(&ip),
            (AllowTarget::Host(name), HostName::Name(h)) => h == name,
            (AllowTarget::Subdomains(suffix), HostName::Name(h)) => h
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            _ => false,
        }
    }
}

impl FromStr for AllowRule {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let bad = |why: &str| format!("{raw:?} is not an allowed host: {why}");
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        let port = |p: &str| match p.parse::<u16>() {
            Ok(0) | Err(_) => Err(bad("the port must be 1-65535")),
            Ok(p) => Ok(p),
        };
        if let Some(rest) = s.strip_prefix('[') {
            let (addr, after) = rest
                .split_once(']')
                .ok_or_else(|| bad("a `[` without `]`"))?;
            let ip: Ipv6Addr = addr.parse().map_err(|_| bad("not an IPv6 address"))?;
            let port = match after {
                "" => None,
                p => Some(port(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("expected `:port` after `]`"))?,
                )?),
            };
            return Ok(Self {
                target: AllowTarget::Net(IpNet::from(IpAddr::V6(ip))),
                port,
            });
        }
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self {
                target: AllowTarget::Net(net.trunc()),
                port: None,
            });
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self {
                target: AllowTarget::Net(IpNet::from(ip.to_canonical())),
                port: None,
            });
        }
        let hint = "expected an address, a CIDR, a host name or `*.domain`, optionally with :port";
        let (name, port) = match s.rsplit_once(':') {
            Some((name, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (name, Some(port(p)?)),
            Some(_) => return Err(bad(hint)),
            None => (s, None),
        };
        if let Ok(ip) = name.parse::<Ipv4Addr>() {
            return Ok(Self {
                target: AllowTarget::Net(IpNet::from(IpAddr::V4(ip))),
                port,
            });
        }
        let (wild, name) = match name.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.is_empty() || !name.split('.').all(label_ok) {
            return Err(bad(hint));
        }
        Ok(Self {
            target: if wild {
                AllowTarget::Subdomains(name)
            } else {
                AllowTarget::Host(name)
            },
            port,
        })
    }
}

impl fmt::Display for AllowRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.target, self.port) {
            (AllowTarget::Net(net), port) if net.prefix_len() == net.max_prefix_len() => {
                match (net.addr(), port) {
                    (ip, None) => write!(f, "{ip}"),
                    (IpAddr::V4(ip), Some(p)) => write!(f, "{ip}:{p}"),
                    (IpAddr::V6(ip), Some(p)) => write!(f, "[{ip}]:{p}"),
                }
            }
            (AllowTarget::Net(net), _) => write!(f, "{net}"),
            (AllowTarget::Host(name), None) => write!(f, "{name}"),
            (AllowTarget::Host(name), Some(p)) => write!(f, "{name}:{p}"),
            (AllowTarget::Subdomains(name), None) => write!(f, "*.{name}"),
            (AllowTarget::Subdomains(name), Some(p)) => write!(f, "*.{name}:{p}"),
        }
    }
}

impl Serialize for AllowRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AllowRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A URL host: an address written literally, or a name (lowercase, no final dot).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HostName<'a> {
    Literal(IpAddr),
    Name(Cow<'a, str>),
}

impl<'a> HostName<'a> {
    /// `host` as `Url::host_str` gives it (IPv6 in brackets).
    pub(super) fn parse(host: &'a str) -> Self {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => Self::Literal(ip),
            Err(_) => {
                let name = bare.trim_end_matches('.');
                Self::Name(if name.bytes().any(|b| b.is_ascii_uppercase()) {
                    name.to_ascii_lowercase().into()
                } else {
                    name.into()
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn allow_rules_parse_and_print_back() {
        let cases = [
            ("192.168.1.20", "192.168.1.20"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("10.1.2.3/8", "10.0.0.0/8"),
            ("fd00::/8", "fd00::/8"),
            ("::1", "::1"),
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            ("[::1]:8080", "[::1]:8080"),
            ("[fd00::1]", "fd00::1"),
            ("Docs.LAN.", "docs.lan"),
            ("docs.lan:8080", "docs.lan:8080"),
            ("*.lan", "*.lan"),
            ("*.corp.example:443", "*.corp.example:443"),
            (" wiki ", "wiki"),
        ];
        for (raw, shown) in cases {
            let rule: AllowRule = raw.parse().unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(rule.to_string(), shown, "{raw}");
            assert_eq!(shown.parse::<AllowRule>().unwrap(), rule, "{raw}");
        }
    }

    #[test]
    fn bad_allow_rules_say_why() {
        let hint = "expected an address, a CIDR, a host name or `*.domain`, optionally with :port";
        let cases = [
            ("", "it is empty".to_owned()),
            ("docs:0", "the port must be 1-65535".to_owned()),
            ("docs:99999", "the port must be 1-65535".to_owned()),
            ("[::1", "a `[` without `]`".to_owned()),
            ("[nope]", "not an IPv6 address".to_owned()),
            ("[::1]x", "expected `:port` after `]`".to_owned()),
            ("http://docs", hint.to_owned()),
            ("docs:", "the port must be 1-65535".to_owned()),
            ("do cs", hint.to_owned()),
            ("a..b", hint.to_owned()),
            ("*.", hint.to_owned()),
        ];
        for (raw, why) in cases {
            assert_eq!(
                raw.parse::<AllowRule>().unwrap_err(),
                format!("{raw:?} is not an allowed host: {why}"),
                "{raw}"
            );
        }
    }
}
