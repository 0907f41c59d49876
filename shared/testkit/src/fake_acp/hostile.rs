//! What a hostile agent tries on its own, outside ACP: read, list and write any
//! path, connect anywhere, look at its environment, and with a connection use what
//! it reaches without credentials: a daemon's HTTP API with forged `Remote-*`
//! headers, its gRPC without the token, Postgres without a password. Each says one
//! line with the outcome (`ok …`, the `std::io::ErrorKind`, an HTTP status, a gRPC
//! code, a SQLSTATE), so a test can assert that a sandbox, or a missing credential,
//! stopped every attempt. Every network attempt is bounded by [`LIMIT`].

use std::time::Duration;

/// How long one network attempt may take before it says `TimedOut`.
pub const LIMIT: Duration = Duration::from_secs(3);

/// A daemon's gRPC service, for [`Hostile::Grpc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daemon {
    Chat,
    Coder,
    Term,
}

/// One attempt (see [`super::script::Command::Hostile`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// `readfile <path>`: `readfile <path>: ok <n> bytes` or `…: <ErrorKind>`.
    ReadFile(String),
    /// `listdir <path>`: `listdir <path>: ok <n> entries` or `…: <ErrorKind>`.
    ListDir(String),
    /// `writefile <path> <text>`: `writefile <path>: ok` or `…: <ErrorKind>`.
    WriteFile { path: String, text: String },
    /// `connect <host:port>`: `connect <addr>: ok` or `…: <ErrorKind>` (2 s at most).
    Connect(String),
    /// `env`: `env: NAME1 NAME2 …` (names only, sorted).
    Env,
    /// `http <target> <path>`: `GET <path>` claiming `Remote-User: owner`,
    /// `Remote-Groups: admins`; `target` is `host:port` or `unix:/abs/path.sock`.
    /// Says `http <target> <path>: <status>` or `…: <ErrorKind>` when it cannot connect.
    Http { target: String, path: String },
    /// `grpc <chat|coder|term> <host:port>`: one read-only call of that daemon's
    /// service (`GetTranscript`, `WorktreeRisk`, `ListSessions`) without a token.
    /// Says `grpc <daemon> <addr>: ok` or `…: <tonic code>` (`Unauthenticated`, …).
    Grpc { daemon: Daemon, addr: String },
    /// `pglogin <host:port>`: log in to Postgres as `boochat`, database `boochat`,
    /// with no password (no passfile read; only a `PGPASSWORD` in its environment,
    /// which agents never get, would be sent). Says `pglogin <addr>: ok`, `…: <SQLSTATE>`
    /// (`28P01`: password authentication failed) or `…: <ErrorKind>`.
    PgLogin(String),
}

impl Daemon {
    fn parse(word: &str) -> Option<Self> {
        match word {
            "chat" => Some(Self::Chat),
            "coder" => Some(Self::Coder),
            "term" => Some(Self::Term),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Coder => "coder",
            Self::Term => "term",
        }
    }
}

impl Hostile {
    /// Parse a line whose first word is one of the commands above.
    pub fn parse(word: &str, rest: &str) -> Option<Self> {
        let one =
            (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| rest.to_owned());
        match word {
            "readfile" => one.map(Hostile::ReadFile),
            "listdir" => one.map(Hostile::ListDir),
            "connect" => one.map(Hostile::Connect),
            "env" if rest.is_empty() => Some(Hostile::Env),
            "pglogin" => one.map(Hostile::PgLogin),
            "http" | "grpc" => {
                let mut words = rest.split_whitespace();
                let (Some(a), Some(b), None) = (words.next(), words.next(), words.next()) else {
                    return None;
                };
                if word == "http" {
                    Some(Hostile::Http {
                        target: a.to_owned(),
                        path: b.to_owned(),
                    })
                } else {
                    Some(Hostile::Grpc {
                        daemon: Daemon::parse(a)?,
                        addr: b.to_owned(),
                    })
                }
            }
            "writefile" => {
                let (path, text) = rest.split_once(char::is_whitespace)?;
                Some(Hostile::WriteFile {
                    path: path.to_owned(),
                    text: text.trim().to_owned(),
                })
            }
            _ => None,
        }
    }

    /// Try it; the line to say.
    pub async fn run(&self) -> String {
        let kind = |e: std::io::Error| format!("{:?}", e.kind());
        match self {
            Hostile::ReadFile(path) => format!(
                "readfile {path}: {}",
                std::fs::read(path).map_or_else(kind, |b| format!("ok {} bytes", b.len()))
            ),
            Hostile::ListDir(path) => format!(
                "listdir {path}: {}",
                std::fs::read_dir(path).map_or_else(kind, |d| format!("ok {} entries", d.count()))
            ),
            Hostile::WriteFile { path, text } => format!(
                "writefile {path}: {}",
                std::fs::write(path, format!("{text}\n")).map_or_else(kind, |()| "ok".to_owned())
            ),
            Hostile::Connect(addr) => {
                let attempt = tokio::time::timeout(
                    Duration::from_secs(2),
                    tokio::net::TcpStream::connect(addr.as_str()),
                )
                .await;
                let outcome = match attempt {
                    Ok(Ok(_)) => "ok".to_owned(),
                    Ok(Err(e)) => kind(e),
                    Err(_) => "TimedOut".to_owned(),
                };
                format!("connect {addr}: {outcome}")
            }
            Hostile::Env => {
                let mut names: Vec<String> = std::env::vars_os()
                    .map(|(k, _)| k.to_string_lossy().into_owned())
                    .collect();
                names.sort();
                format!("env: {}", names.join(" "))
            }
            Hostile::Http { target, path } => {
                format!("http {target} {path}: {}", http_get(target, path).await)
            }
            Hostile::Grpc { daemon, addr } => format!(
                "grpc {} {addr}: {}",
                daemon.name(),
                grpc_call(*daemon, addr).await
            ),
            Hostile::PgLogin(addr) => format!("pglogin {addr}: {}", pg_login(addr).await),
        }
    }
}

/// The `std::io::ErrorKind` somewhere in `e`'s chain of sources, if any.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// The status, or why there is none.
async fn http_get(target: &str, path: &str) -> String {
    let builder = reqwest::Client::builder().no_proxy().timeout(LIMIT);
    let (builder, url) = match target.strip_prefix("unix:") {
        Some(socket) => (
            builder.unix_socket(socket),
            format!("http://localhost{path}"),
        ),
        None => (builder, format!("http://{target}{path}")),
    };
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return format!("error: {e}"),
    };
    let sent = client
        .get(url)
        .header("Remote-User", "owner")
        .header("Remote-Groups", "admins")
        .send()
        .await;
    match sent {
        Ok(resp) => resp.status().as_u16().to_string(),
        Err(e) if e.is_timeout() => "TimedOut".to_owned(),
        Err(e) => io_kind(&e).map_or_else(|| format!("error: {e}"), |k| format!("{k:?}")),
    }
}

/// `ok` or the tonic code's name.
async fn grpc_call(daemon: Daemon, addr: &str) -> String {
    use boo_proto::chat::v1::GetTranscriptRequest;
    use boo_proto::chat::v1::chat_service_client::ChatServiceClient;
    use boo_proto::coder::v1::WorktreeRiskRequest;
    use boo_proto::coder::v1::coder_service_client::CoderServiceClient;
    use boo_proto::term::v1::ListSessionsRequest;
    use boo_proto::term::v1::term_service_client::TermServiceClient;

    let endpoint = match tonic::transport::Endpoint::from_shared(format!("http://{addr}")) {
        Ok(e) => e.connect_timeout(LIMIT).timeout(LIMIT),
        Err(e) => return format!("error: {e}"),
    };
    let channel = endpoint.connect_lazy();
    let call = async {
        match daemon {
            Daemon::Chat => ChatServiceClient::new(channel)
                .get_transcript(GetTranscriptRequest::default())
                .await
                .map(|_| ()),
            Daemon::Coder => CoderServiceClient::new(channel)
                .worktree_risk(WorktreeRiskRequest::default())
                .await
                .map(|_| ()),
            Daemon::Term => TermServiceClient::new(channel)
                .list_sessions(ListSessionsRequest::default())
                .await
                .map(|_| ()),
        }
    };
    match tokio::time::timeout(LIMIT + Duration::from_secs(1), call).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(status)) => format!("{:?}", status.code()),
        Err(_) => "TimedOut".to_owned(),
    }
}

/// `ok`, the SQLSTATE, or why the server did not answer.
async fn pg_login(addr: &str) -> String {
    use sqlx::Connection;
    use sqlx::postgres::{PgConnectOptions, PgSslMode};

    let Some((host, port)) = addr
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
    else {
        return "error: not host:port".to_owned();
    };
    // The passfile is not read; PGPASSWORD would be (agents never get it).
    let options = PgConnectOptions::new_without_pgpass()
        .host(host)
        .port(port)
        .username("boochat")
        .database("boochat")
        .ssl_mode(PgSslMode::Disable);
    let attempt = tokio::time::timeout(LIMIT, sqlx::PgConnection::connect_with(&options)).await;
    match attempt {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            "ok".to_owned()
        }
        Ok(Err(sqlx::Error::Database(e))) => e
            .code()
            .map_or_else(|| format!("error: {e}"), |c| c.into_owned()),
        Ok(Err(e)) => io_kind(&e).map_or_else(|| format!("error: {e}"), |k| format!("{k:?}")),
        Err(_) => "TimedOut".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn parses_the_hostile_commands() {
        assert_eq!(
            [
                Hostile::parse("readfile", "/etc/boocode/boocode.toml"),
                Hostile::parse("listdir", "/srv/wt"),
                Hostile::parse("writefile", "/p/x.txt two words"),
                Hostile::parse("connect", "127.0.0.1:5432"),
                Hostile::parse("env", ""),
                Hostile::parse("readfile", ""),
                Hostile::parse("writefile", "/p/x.txt"),
                Hostile::parse("env", "x"),
                Hostile::parse("http", "127.0.0.1:9500 /api/whoami"),
                Hostile::parse("http", "unix:/run/boocode/boocoder.sock /api/sessions"),
                Hostile::parse("grpc", "term 127.0.0.1:9511"),
                Hostile::parse("pglogin", "127.0.0.1:5432"),
                Hostile::parse("http", "127.0.0.1:9500"),
                Hostile::parse("grpc", "shell 127.0.0.1:9511"),
                Hostile::parse("grpc", "chat 127.0.0.1:9510 more"),
                Hostile::parse("pglogin", ""),
            ],
            [
                Some(Hostile::ReadFile("/etc/boocode/boocode.toml".into())),
                Some(Hostile::ListDir("/srv/wt".into())),
                Some(Hostile::WriteFile {
                    path: "/p/x.txt".into(),
                    text: "two words".into()
                }),
                Some(Hostile::Connect("127.0.0.1:5432".into())),
                Some(Hostile::Env),
                None,
                None,
                None,
                Some(Hostile::Http {
                    target: "127.0.0.1:9500".into(),
                    path: "/api/whoami".into()
                }),
                Some(Hostile::Http {
                    target: "unix:/run/boocode/boocoder.sock".into(),
                    path: "/api/sessions".into()
                }),
                Some(Hostile::Grpc {
                    daemon: Daemon::Term,
                    addr: "127.0.0.1:9511".into()
                }),
                Some(Hostile::PgLogin("127.0.0.1:5432".into())),
                None,
                None,
                None,
                None,
            ]
        );
    }

    /// A port nobody listens on.
    fn closed_port() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    }

    /// 418 when the forged headers arrived, 400 otherwise.
    fn teapot() -> axum::Router {
        axum::Router::new().route(
            "/who",
            axum::routing::get(|headers: axum::http::HeaderMap| async move {
                let forged = headers.get("remote-user").is_some_and(|v| v == "owner")
                    && headers.get("remote-groups").is_some_and(|v| v == "admins");
                if forged {
                    axum::http::StatusCode::IM_A_TEAPOT
                } else {
                    axum::http::StatusCode::BAD_REQUEST
                }
            }),
        )
    }

    #[tokio::test]
    async fn http_sends_the_forged_headers_over_tcp_and_unix_sockets() {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp_addr = tcp.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(tcp, teapot()).await });
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("d.sock");
        let unix = tokio::net::UnixListener::bind(&sock).unwrap();
        tokio::spawn(async move { axum::serve(unix, teapot()).await });
        let s = sock.display();
        let closed = closed_port();
        let http = |target: String| Hostile::Http {
            target,
            path: "/who".into(),
        };
        let lines = [
            http(tcp_addr.clone()).run().await,
            http(format!("unix:{s}")).run().await,
            http(format!("unix:{}/missing.sock", dir.path().display()))
                .run()
                .await,
            http(closed.clone()).run().await,
        ];
        assert_eq!(
            lines,
            [
                format!("http {tcp_addr} /who: 418"),
                format!("http unix:{s} /who: 418"),
                format!(
                    "http unix:{}/missing.sock /who: NotFound",
                    dir.path().display()
                ),
                format!("http {closed} /who: ConnectionRefused"),
            ]
        );
    }

    #[tokio::test]
    async fn grpc_and_pglogin_say_why_they_got_nothing() {
        let closed = closed_port();
        // The test cluster (deploy/lib/pg.sh) wants a password over TCP.
        let pg = crate::db_socket_addr(&crate::admin_url()).await.to_string();
        let lines = [
            Hostile::Grpc {
                daemon: Daemon::Chat,
                addr: closed.clone(),
            }
            .run()
            .await,
            Hostile::PgLogin(closed.clone()).run().await,
            Hostile::PgLogin(pg.clone()).run().await,
        ];
        assert_eq!(
            lines,
            [
                format!("grpc chat {closed}: Unavailable"),
                format!("pglogin {closed}: ConnectionRefused"),
                format!("pglogin {pg}: 28P01"),
            ]
        );
    }

    #[tokio::test]
    async fn each_attempt_says_its_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        let f = file.display();
        let d = dir.path().display();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().to_string();
        drop(listener);
        let lines = [
            Hostile::WriteFile {
                path: file.display().to_string(),
                text: "hi".into(),
            }
            .run()
            .await,
            Hostile::ReadFile(file.display().to_string()).run().await,
            Hostile::ListDir(dir.path().display().to_string())
                .run()
                .await,
            Hostile::ReadFile(format!("{d}/missing")).run().await,
            Hostile::Connect(open.clone()).run().await,
        ];
        assert_eq!(
            lines,
            [
                format!("writefile {f}: ok"),
                format!("readfile {f}: ok 3 bytes"),
                format!("listdir {d}: ok 1 entries"),
                format!("readfile {d}/missing: NotFound"),
                format!("connect {open}: ConnectionRefused"),
            ]
        );
        assert!(Hostile::Env.run().await.starts_with("env: "));
    }
}
