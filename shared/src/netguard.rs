//! Which network addresses a model-driven fetch may connect to.
//!
//! The model chooses the URLs `web_fetch` downloads, and the daemon runs on the
//! owner's host, next to its own services. So every address a fetch would connect
//! to — after DNS, on the first request and on every redirect — goes through
//! [`NetPolicy::check`]:
//!
//! 1. a BooCode daemon's own listen address is refused, always (a daemon bound to
//!    `0.0.0.0:P` makes port `P` refused on every address, since any of the host's
//!    addresses reaches it);
//! 2. an address an [`AllowRule`] (`chat.web_fetch_allow`) matches is allowed;
//! 3. loopback, private (RFC 1918, ULA), link-local, unspecified, carrier-grade NAT,
//!    multicast, broadcast and reserved addresses are refused ([`classify`]; IPv4
//!    embedded in IPv6 — mapped, NAT64, 6to4 — is judged as the IPv4 address);
//! 4. everything else is allowed.
//!
//! [`NetGuard::resolve`] resolves a host itself (through [`Lookup`], so tests can
//! fake DNS), checks every address and returns them. The caller must connect to
//! those addresses and nothing else (web_fetch pins them into its HTTP client), so
//! a name that answers differently the second time (DNS rebinding) changes nothing.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use futures::future::BoxFuture;

mod allow;

pub use allow::AllowRule;
use allow::HostName;

/// Why an address is not public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    SharedNat,
    Multicast,
    Broadcast,
    Reserved,
}

impl AddressClass {
    /// "a loopback address", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::LinkLocal => "a link-local address",
            Self::Unspecified => "an unspecified address",
            Self::SharedNat => "a carrier-grade NAT address (100.64.0.0/10)",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "a broadcast address",
            Self::Reserved => "a reserved address",
        }
    }
}

/// The class of a non-public address, or `None` for a public one.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    use AddressClass::*;
    Some(match (a, b) {
        (0, _) => Unspecified,
        (127, _) => Loopback,
        (10, _) | (192, 168) => Private,
        (172, 16..=31) => Private,
        (169, 254) => LinkLocal,
        (100, 64..=127) => SharedNat,
        (224..=239, _) => Multicast,
        _ if ip == Ipv4Addr::BROADCAST => Broadcast,
        (240..=255, _) => Reserved,
        // IETF protocol assignments, benchmarking.
        (192, 0) if c == 0 => Reserved,
        (198, 18..=19) => Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    use AddressClass::*;
    if ip.is_unspecified() {
        return Some(Unspecified);
    }
    if ip.is_loopback() {
        return Some(Loopback);
    }
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let s = ip.segments();
    Some(match s[0] {
        0xfc00..=0xfdff => Private,
        // Deprecated site-local: private in spirit.
        0xfec0..=0xfeff => Private,
        0xfe80..=0xfebf => LinkLocal,
        0xff00..=0xffff => Multicast,
        // Local-use NAT64 (64:ff9b:1::/48) reaches whatever the local translator does.
        0x64 if s[1] == 0xff9b && s[2] == 1 => Private,
        // Discard-only 100::/64.
        0x100 if s[1..4] == [0, 0, 0] => Reserved,
        _ => return None,
    })
}

/// The IPv4 address inside a mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::/96`) or 6to4 (`2002:AABB:CCDD::/48`) IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7]));
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => Some(tail()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail()),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

/// `::ffff:a.b.c.d` → `a.b.c.d`; anything else unchanged.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// An address [`NetPolicy::check`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The host as the URL wrote it.
    pub host: String,
    pub addr: SocketAddr,
    /// The host was the address itself (no DNS involved).
    pub literal: bool,
    pub why: RefusalReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    Class(AddressClass),
    OwnListener,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (host, addr, ip) = (&self.host, self.addr, self.addr.ip());
        match (self.why, self.literal) {
            (RefusalReason::Class(class), true) => write!(f, "{ip} is {}", class.describe())?,
            (RefusalReason::Class(class), false) => {
                write!(f, "{host} resolves to {ip}, {}", class.describe())?
            }
            (RefusalReason::OwnListener, true) => {
                write!(f, "{addr} is where a BooCode daemon listens")?
            }
            (RefusalReason::OwnListener, false) => write!(
                f,
                "{host} resolves to {addr}, where a BooCode daemon listens"
            )?,
        }
        match self.why {
            RefusalReason::Class(_) => f.write_str(
                "; only public addresses are fetched, unless chat.web_fetch_allow lists the host",
            ),
            RefusalReason::OwnListener => f.write_str("; the daemons themselves are never fetched"),
        }
    }
}

impl std::error::Error for Refusal {}

/// The rules: the daemons' own listen addresses and the owner's allowlist.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetPolicy {
    pub allow: Vec<AllowRule>,
    pub own_listeners: Vec<SocketAddr>,
}

impl NetPolicy {
    /// May a fetch of a URL whose host is `host` connect to `addr`?
    pub fn check(&self, host: &str, addr: SocketAddr) -> Result<(), Refusal> {
        let parsed = HostName::parse(host);
        let ip = canonical_ip(addr.ip());
        let refuse = |why| Refusal {
            host: host.to_owned(),
            addr: SocketAddr::new(ip, addr.port()),
            literal: matches!(parsed, HostName::Literal(_)),
            why,
        };
        let own = self.own_listeners.iter().any(|l| {
            l.port() == addr.port() && (l.ip().is_unspecified() || canonical_ip(l.ip()) == ip)
        });
        if own {
            return Err(refuse(RefusalReason::OwnListener));
        }
        if self
            .allow
            .iter()
            .any(|rule| rule.matches(&parsed, ip, addr.port()))
        {
            return Ok(());
        }
        match classify(ip) {
            Some(class) => Err(refuse(RefusalReason::Class(class))),
            None => Ok(()),
        }
    }
}

/// DNS, as a seam: the system resolver in production, a table in tests.
pub trait Lookup: Send + Sync {
    fn lookup(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>>;
}

/// `getaddrinfo` through tokio.
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let host = host.to_owned();
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("cannot resolve {host}: {source}")]
    Lookup {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("{host} has no addresses")]
    NoAddresses { host: String },
}

/// A [`NetPolicy`] plus the resolver it checks the answers of.
#[derive(Clone)]
pub struct NetGuard {
    pub policy: NetPolicy,
    lookup: Arc<dyn Lookup>,
}

impl NetGuard {
    pub fn new(policy: NetPolicy, lookup: Arc<dyn Lookup>) -> Self {
        Self { policy, lookup }
    }

    /// With the system resolver.
    pub fn system(policy: NetPolicy) -> Self {
        Self::new(policy, Arc::new(SystemLookup))
    }

    /// Every address of `host` (as `Url::host_str` writes it) on `port`, each one
    /// checked; refused if any of them is. Connect to these, never re-resolve.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
        let addrs = match HostName::parse(host) {
            HostName::Literal(ip) => vec![SocketAddr::new(ip, port)],
            HostName::Name(name) => {
                self.lookup
                    .lookup(&name, port)
                    .await
                    .map_err(|source| NetError::Lookup {
                        host: host.to_owned(),
                        source,
                    })?
            }
        };
        if addrs.is_empty() {
            return Err(NetError::NoAddresses {
                host: host.to_owned(),
            });
        }
        for addr in &addrs {
            self.policy.check(host, *addr)?;
        }
        Ok(addrs)
    }
}

impl fmt::Debug for NetGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetGuard")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::collections::HashMap;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classifies_every_non_public_range() {
        use AddressClass::*;
        let cases = [
            ("127.0.0.1", Some(Loopback)),
            ("127.255.1.2", Some(Loopback)),
            ("::1", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("fd00::1", Some(Private)),
            ("fc00::1", Some(Private)),
            ("fec0::1", Some(Private)),
            ("64:ff9b:1::1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("::", Some(Unspecified)),
            ("100.64.0.1", Some(SharedNat)),
            ("100.127.255.255", Some(SharedNat)),
            ("100.128.0.1", None),
            ("224.0.0.1", Some(Multicast)),
            ("ff02::1", Some(Multicast)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("192.0.0.170", Some(Reserved)),
            ("198.18.0.1", Some(Reserved)),
            ("100::1", Some(Reserved)),
            // IPv4 inside IPv6 is judged as IPv4.
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::127.0.0.1", Some(Loopback)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("2002:7f00:1::", Some(Loopback)),
            ("2002:0808:0808::", None),
            // Public.
            ("8.8.8.8", None),
            ("93.184.215.14", None),
            ("2606:4700::1111", None),
            ("::ffff:1.1.1.1", None),
        ];
        for (addr, want) in cases {
            assert_eq!(classify(ip(addr)), want, "{addr}");
        }
    }

    fn policy(allow: &[&str], own: &[&str]) -> NetPolicy {
        NetPolicy {
            allow: allow.iter().map(|r| r.parse().unwrap()).collect(),
            own_listeners: own.iter().map(|a| a.parse().unwrap()).collect(),
        }
    }

    fn check(p: &NetPolicy, host: &str, addr: &str) -> Result<(), String> {
        p.check(host, addr.parse().unwrap())
            .map_err(|e| e.to_string())
    }

    const ONLY_PUBLIC: &str =
        "; only public addresses are fetched, unless chat.web_fetch_allow lists the host";

    #[test]
    fn refusals_name_the_host_the_address_and_the_class() {
        let p = policy(&[], &["127.0.0.1:9500", "0.0.0.0:9502"]);
        let cases = [
            ("example.com", "93.184.215.14:443", Ok(())),
            (
                "10.0.0.1",
                "10.0.0.1:80",
                Err(format!("10.0.0.1 is a private address{ONLY_PUBLIC}")),
            ),
            (
                "localhost",
                "127.0.0.1:80",
                Err(format!(
                    "localhost resolves to 127.0.0.1, a loopback address{ONLY_PUBLIC}"
                )),
            ),
            (
                "[::1]",
                "[::1]:80",
                Err(format!("::1 is a loopback address{ONLY_PUBLIC}")),
            ),
            (
                "[::ffff:127.0.0.1]",
                "[::ffff:127.0.0.1]:80",
                Err(format!("127.0.0.1 is a loopback address{ONLY_PUBLIC}")),
            ),
            (
                "127.0.0.1",
                "127.0.0.1:9500",
                Err(
                    "127.0.0.1:9500 is where a BooCode daemon listens; the daemons themselves \
                     are never fetched"
                        .to_owned(),
                ),
            ),
            // Listening on every address: the port is refused everywhere.
            (
                "boo.example.com",
                "203.0.113.7:9502",
                Err(
                    "boo.example.com resolves to 203.0.113.7:9502, where a BooCode daemon \
                     listens; the daemons themselves are never fetched"
                        .to_owned(),
                ),
            ),
            ("example.com", "203.0.113.7:9500", Ok(())),
        ];
        for (host, addr, want) in cases {
            assert_eq!(check(&p, host, addr), want, "{host} {addr}");
        }
    }

    #[test]
    fn the_allowlist_opens_private_hosts_but_never_the_daemons() {
        let p = policy(
            &[
                "192.168.1.0/24",
                "127.0.0.1:8000",
                "docs.lan",
                "*.corp:8443",
            ],
            &["127.0.0.1:9500", "[::]:9501"],
        );
        let cases = [
            ("192.168.1.20", "192.168.1.20:80", true),
            ("nas", "192.168.1.20:5000", true),
            ("192.168.2.1", "192.168.2.1:80", false),
            ("127.0.0.1", "127.0.0.1:8000", true),
            ("127.0.0.1", "127.0.0.1:8001", false),
            ("DOCS.lan.", "10.9.9.9:80", true),
            ("other.lan", "10.9.9.9:80", false),
            ("wiki.corp", "10.1.1.1:8443", true),
            ("wiki.corp", "10.1.1.1:443", false),
            ("corp", "10.1.1.1:8443", false),
            ("xcorp", "10.1.1.1:8443", false),
            // A literal address is not the name the rule allows.
            ("10.9.9.9", "10.9.9.9:80", false),
            ("127.0.0.1", "127.0.0.1:9500", false),
            ("docs.lan", "10.9.9.9:9501", false),
        ];
        for (host, addr, allowed) in cases {
            assert_eq!(
                check(&p, host, addr).is_ok(),
                allowed,
                "{host} {addr}: {:?}",
                check(&p, host, addr)
            );
        }
    }

    struct Table(HashMap<&'static str, Vec<IpAddr>>);

    impl Lookup for Table {
        fn lookup(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
            let found = self.0.get(host).map(|ips| {
                ips.iter()
                    .map(|ip| SocketAddr::new(*ip, port))
                    .collect::<Vec<_>>()
            });
            Box::pin(async move {
                found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such host"))
            })
        }
    }

    #[tokio::test]
    async fn resolve_checks_every_address() {
        let table = Table(HashMap::from([
            ("public.example", vec![ip("93.184.215.14")]),
            ("mixed.example", vec![ip("93.184.215.14"), ip("10.0.0.5")]),
            ("empty.example", vec![]),
        ]));
        let guard = NetGuard::new(policy(&[], &[]), Arc::new(table));
        assert_eq!(
            guard.resolve("Public.Example.", 443).await.unwrap(),
            vec!["93.184.215.14:443".parse::<SocketAddr>().unwrap()]
        );
        let e = guard.resolve("mixed.example", 80).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("mixed.example resolves to 10.0.0.5, a private address{ONLY_PUBLIC}")
        );
        let e = guard.resolve("empty.example", 80).await.unwrap_err();
        assert_eq!(e.to_string(), "empty.example has no addresses");
        let e = guard.resolve("nowhere.example", 80).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot resolve nowhere.example: no such host"
        );
        assert_eq!(
            guard.resolve("[2606:4700::1111]", 443).await.unwrap(),
            vec!["[2606:4700::1111]:443".parse::<SocketAddr>().unwrap()]
        );
    }
}
