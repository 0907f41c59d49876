//! The HTTP listener a daemon serves: loopback TCP (development, tests, a Caddy
//! configured to proxy over TCP) or the Unix socket systemd hands over
//! ([`activation`]), which only root and Caddy's group can open.
//!
//! Both are one axum [`Listener`] whose address is a [`Peer`], so the auth
//! middleware reads `ConnectInfo<Peer>` and knows which kind of socket a request
//! came in on: `Remote-*` headers are believed on the Unix socket, and on TCP
//! only from `auth.trusted_proxies` (see [`crate::auth`]).

pub mod activation;

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio_util::either::Either;

/// Who is on the other end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// A TCP client at this address.
    Tcp(IpAddr),
    /// A client of the systemd-activated Unix socket: a process allowed to open
    /// it (root, or Caddy's group).
    UnixSocket,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(ip) => ip.fmt(f),
            Self::UnixSocket => f.write_str("the unix socket"),
        }
    }
}

/// A daemon's HTTP listener.
pub enum HttpListener {
    Tcp(TcpListener),
    /// From systemd (socket activation); `name` is what the logs call it.
    Unix {
        listener: UnixListener,
        name: String,
    },
}

impl HttpListener {
    /// The TCP address, when it is TCP.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self {
            Self::Tcp(l) => l.local_addr().ok(),
            Self::Unix { .. } => None,
        }
    }

    /// For logs: `127.0.0.1:9500` or `unix:/run/boocode/boochat.sock`.
    pub fn describe(&self) -> String {
        match self {
            Self::Tcp(l) => l
                .local_addr()
                .map_or_else(|e| format!("tcp (address unknown: {e})"), |a| a.to_string()),
            Self::Unix { name, .. } => name.clone(),
        }
    }

    /// A Unix listener handed over by systemd; `label` names it in logs.
    pub fn from_systemd(
        listener: std::os::unix::net::UnixListener,
        label: Option<&str>,
    ) -> std::io::Result<Self> {
        let path = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(|p| p.display().to_string()));
        let name = match (path, label) {
            (Some(path), Some(label)) => format!("unix:{path} ({label})"),
            (Some(path), None) => format!("unix:{path}"),
            (None, Some(label)) => format!("unix socket {label}"),
            (None, None) => "unix socket".into(),
        };
        Ok(Self::Unix {
            listener: UnixListener::from_std(listener)?,
            name,
        })
    }
}

impl Listener for HttpListener {
    type Io = Either<TcpStream, UnixStream>;
    type Addr = Peer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self {
            Self::Tcp(l) => {
                let (stream, addr) = Listener::accept(l).await;
                // No Nagle: keystroke echoes and small stream frames go out at once.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                }
                (Either::Left(stream), Peer::Tcp(addr.ip()))
            }
            Self::Unix { listener, .. } => {
                let (stream, _) = Listener::accept(listener).await;
                (Either::Right(stream), Peer::UnixSocket)
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match self {
            Self::Tcp(l) => l.local_addr().map(|a| Peer::Tcp(a.ip())),
            Self::Unix { .. } => Ok(Peer::UnixSocket),
        }
    }
}

impl Connected<IncomingStream<'_, HttpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, HttpListener>) -> Self {
        *stream.remote_addr()
    }
}
