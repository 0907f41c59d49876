#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! Fixtures for BooCode tests: throwaway databases in the cluster the test runner
//! started (`DATABASE_URL`), a TCP proxy that can cut a daemon off from Postgres,
//! bounded waits, in-process daemons ([`RunningDaemon`]), the daemons' real binaries
//! ([`process`]) and request helpers ([`http`]).

pub mod booterm;
pub mod edge;
pub mod fake_acp;
pub mod fake_claude;
pub mod fake_llm;
pub mod fake_mcp;
pub mod http;
pub mod llama;
pub mod odd_paths;
pub mod process;
pub mod workspace;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::Connection;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One of the testkit's binaries (`boo-fake-acp`, `boo-fake-claude`): `$env`
/// when set, else next to the running test binary's profile directory
/// (`target/<profile>/<name>`, where `cargo build -p boo-testkit --bins` puts
/// it). Panics with instructions if absent.
pub fn test_binary(name: &str, env: &str) -> std::path::PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return std::path::PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test>-<hash> (unit and integration tests) or
    // target/<profile>/<bin>: look in <profile>.
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(name))
        .collect::<Vec<_>>();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{name} not found (looked at {candidates:?}): run `cargo build -p boo-testkit --bin {name}` \
                 first, or set {env} to its path"
            )
        })
}

/// The cluster URL every test database is created in.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the tests through deploy/test, which starts a private Postgres")
    })
}

/// A fresh, empty database `boo_test_<unix secs>_<uuid>` in the test cluster.
///
/// Databases are not dropped when a test ends (a failed test's data is worth
/// keeping); instead each `create` drops the test databases of earlier runs,
/// those over [`STALE_AFTER_SECS`] old that nobody is connected to, so a local
/// edit-test loop against one cluster does not fill the disk.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> Self {
        let admin = admin_url();
        let now = unix_now();
        let name = format!("boo_test_{now}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to test cluster");
        sweep_stale(&mut conn, now).await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = replace_db(&admin, &name);
        Self { name, url }
    }

    /// The URL with its host:port replaced, e.g. to go through a [`CutProxy`].
    pub fn url_via(&self, addr: SocketAddr) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("url has a scheme");
        let (userinfo, after) = match rest.split_once('@') {
            Some((u, a)) => (format!("{u}@"), a),
            None => (String::new(), rest),
        };
        let path = after.find('/').map(|i| &after[i..]).unwrap_or("");
        format!("{scheme}://{userinfo}{addr}{path}")
    }
}

/// How old a test database must be before a later `TestDb::create` drops it.
pub const STALE_AFTER_SECS: u64 = 3600;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The creation time in a `boo_test_<secs>_<uuid>` name; `Some(0)` for the
/// older `boo_test_<uuid>` names, which are stale by now; `None` for other names.
fn created_at(name: &str) -> Option<u64> {
    let rest = name.strip_prefix("boo_test_")?;
    match rest.split_once('_') {
        Some((secs, _)) => secs.parse().ok(),
        None => Some(0),
    }
}

/// Drops earlier runs' test databases. Best effort: a database still in use
/// refuses the drop (no FORCE), and that is fine.
async fn sweep_stale(conn: &mut sqlx::PgConnection, now: u64) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'boo\\_test\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        let stale = created_at(&name).is_some_and(|t| now.saturating_sub(t) > STALE_AFTER_SECS);
        if stale {
            let quoted = name.replace('"', "\"\"");
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{quoted}\""))
                .execute(&mut *conn)
                .await;
        }
    }
}

fn replace_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// A loopback TCP proxy to `upstream` that can refuse and sever connections on
/// demand — a database outage without touching the shared test cluster.
#[derive(Clone)]
pub struct CutProxy {
    pub addr: SocketAddr,
    cut: Arc<AtomicBool>,
    severed: Arc<Notify>,
}

impl CutProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let cut = Arc::new(AtomicBool::new(false));
        let severed = Arc::new(Notify::new());
        let (c, s) = (cut.clone(), severed.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let s = s.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = s.notified() => {}
                    }
                });
            }
        });
        Self { addr, cut, severed }
    }

    /// Refuse new connections and drop every open one.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.severed.notify_waiters();
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// `host:port` of a postgres URL, resolved.
pub async fn db_socket_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let after = rest.rsplit_once('@').map(|(_, a)| a).unwrap_or(rest);
    let hostport = after.split(['/', '?']).next().unwrap_or(after);
    let hostport = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    };
    tokio::net::lookup_host(hostport)
        .await
        .expect("resolve db host")
        .next()
        .expect("db host has an address")
}

/// Poll `check` every 50 ms until it returns `Some`, failing after `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A daemon running in-process, stopped by [`RunningDaemon::stop`]: HTTP and gRPC on
/// fresh loopback ports ([`RunningDaemon::spawn`]), or on listeners the test bound
/// ([`RunningDaemon::spawn_on`]), e.g. HTTP on a Unix socket ([`socket_listeners`]).
pub struct RunningDaemon {
    /// HTTP on loopback TCP; `127.0.0.1:0` (nothing there) when HTTP is on
    /// [`Self::socket`]. [`Self::url`] and [`Self::client`] work for both.
    pub http: SocketAddr,
    /// The Unix socket HTTP is served on, when it is.
    pub socket: Option<std::path::PathBuf>,
    pub grpc: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), boo_shared::daemon::DaemonError>>,
}

pub type StopFuture = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// HTTP on a new Unix socket at `path` (a stale file there is removed first), as
/// systemd hands it over in production, where `Remote-*` headers are believed; gRPC
/// on `grpc`.
pub fn socket_listeners(
    path: &std::path::Path,
    grpc: TcpListener,
) -> boo_shared::daemon::Listeners {
    let _ = std::fs::remove_file(path);
    let listener = tokio::net::UnixListener::bind(path).expect("bind the HTTP unix socket");
    boo_shared::daemon::Listeners {
        http: boo_shared::listen::HttpListener::Unix {
            listener,
            name: format!("unix:{}", path.display()),
        },
        grpc,
    }
}

impl RunningDaemon {
    /// Start `run` (a daemon's `run`) with `settings` on fresh loopback ports and
    /// wait until `/healthz` answers.
    pub async fn spawn<F, Fut>(settings: boo_shared::config::Settings, run: F) -> Self
    where
        F: FnOnce(
            Arc<boo_shared::config::Settings>,
            boo_shared::daemon::Listeners,
            StopFuture,
        ) -> Fut,
        Fut: Future<Output = Result<(), boo_shared::daemon::DaemonError>> + Send + 'static,
    {
        Self::spawn_on(settings, loopback_listeners().await, run).await
    }

    /// [`Self::spawn`] on `listeners` (bound beforehand, so that peers can be told
    /// the addresses before the daemon starts).
    pub async fn spawn_on<F, Fut>(
        settings: boo_shared::config::Settings,
        listeners: boo_shared::daemon::Listeners,
        run: F,
    ) -> Self
    where
        F: FnOnce(
            Arc<boo_shared::config::Settings>,
            boo_shared::daemon::Listeners,
            StopFuture,
        ) -> Fut,
        Fut: Future<Output = Result<(), boo_shared::daemon::DaemonError>> + Send + 'static,
    {
        let this = Self::spawn_unchecked_on(settings, listeners, run);
        let (client, url) = (this.client(), this.url("/healthz"));
        wait_for("daemon /healthz", Duration::from_secs(30), || {
            let (client, url) = (client.clone(), url.clone());
            async move { client.get(&url).send().await.ok().map(|_| ()) }
        })
        .await;
        this
    }

    /// Like [`Self::spawn`] but without waiting (for start-up failure tests).
    pub async fn spawn_unchecked<F, Fut>(settings: boo_shared::config::Settings, run: F) -> Self
    where
        F: FnOnce(
            Arc<boo_shared::config::Settings>,
            boo_shared::daemon::Listeners,
            StopFuture,
        ) -> Fut,
        Fut: Future<Output = Result<(), boo_shared::daemon::DaemonError>> + Send + 'static,
    {
        Self::spawn_unchecked_on(settings, loopback_listeners().await, run)
    }

    fn spawn_unchecked_on<F, Fut>(
        settings: boo_shared::config::Settings,
        listeners: boo_shared::daemon::Listeners,
        run: F,
    ) -> Self
    where
        F: FnOnce(
            Arc<boo_shared::config::Settings>,
            boo_shared::daemon::Listeners,
            StopFuture,
        ) -> Fut,
        Fut: Future<Output = Result<(), boo_shared::daemon::DaemonError>> + Send + 'static,
    {
        let (http, grpc) = listeners.tcp_addrs().expect("local addrs");
        let socket = match &listeners.http {
            boo_shared::listen::HttpListener::Unix { listener, .. } => Some(
                listener
                    .local_addr()
                    .ok()
                    .and_then(|a| a.as_pathname().map(std::path::Path::to_path_buf))
                    .expect("the unix socket has a path"),
            ),
            boo_shared::listen::HttpListener::Tcp(_) => None,
        };
        let http = http.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let stop: StopFuture = Box::pin(async move {
            let _ = rx.await;
        });
        let handle = tokio::spawn(run(Arc::new(settings), listeners, stop));
        Self {
            http,
            socket,
            grpc,
            stop: Some(tx),
            handle,
        }
    }

    /// The URL of `path` for [`Self::client`].
    pub fn url(&self, path: &str) -> String {
        match self.socket {
            Some(_) => format!("http://localhost{path}"),
            None => format!("http://{}{path}", self.http),
        }
    }

    /// A client builder that reaches this daemon's HTTP (through its socket, when
    /// it is on one: then every request it sends goes there, whatever the URL).
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder();
        match &self.socket {
            Some(path) => builder.unix_socket(path.clone()),
            None => builder,
        }
    }

    /// [`Self::client_builder`], built.
    pub fn client(&self) -> reqwest::Client {
        self.client_builder().build().expect("http client")
    }

    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// Ask for a graceful stop and return what `run` returned.
    pub async fn stop(mut self) -> Result<(), boo_shared::daemon::DaemonError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.join().await
    }

    /// Wait for `run` to return by itself.
    pub async fn join(self) -> Result<(), boo_shared::daemon::DaemonError> {
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("daemon stops within 30s")
            .expect("daemon task did not panic")
    }
}

/// HTTP and gRPC on fresh loopback ports.
pub async fn loopback_listeners() -> boo_shared::daemon::Listeners {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    boo_shared::daemon::Listeners::bind(loopback, loopback)
        .await
        .expect("bind loopback")
}

/// Wait until `GET {base}/healthz` answers 2xx (a daemon started as a process).
pub async fn wait_healthy(what: &str, base: &str, limit: Duration) {
    let url = format!("{base}/healthz");
    wait_for(&format!("{what} to serve"), limit, || {
        let url = url.clone();
        async move {
            reqwest::get(&url)
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        }
    })
    .await;
}

/// `auth.mode = "authelia"` behind a Caddy that proxies over loopback TCP: the
/// tests' client stands in for it, so loopback is trusted explicitly (by default
/// no TCP peer is; production serves HTTP on the systemd socket).
pub fn behind_tcp_proxy() -> boo_shared::config::AuthConfig {
    boo_shared::config::AuthConfig {
        trusted_proxies: vec![
            "127.0.0.1/32".parse().expect("cidr"),
            "::1/128".parse().expect("cidr"),
        ],
        ..boo_shared::config::AuthConfig::default()
    }
}

/// Settings for an in-process test daemon against `db_url` (auth: [`behind_tcp_proxy`]).
pub fn settings_for(db_url: &str) -> boo_shared::config::Settings {
    let mut s = boo_shared::config::Settings {
        auth: behind_tcp_proxy(),
        ..boo_shared::config::Settings::default()
    };
    s.database.url = db_url.to_owned();
    s.database.connect_timeout_secs = 10;
    s.shutdown_grace_secs = 5;
    // The suites watch agents' pids from outside, which a sandbox's pid namespace
    // hides; the tests of the sandbox (and of real agents) turn it on.
    s.coder.sandbox.mode = boo_shared::config::SandboxMode::Off;
    // The namer asks the model once more after a chat's first answer, which would
    // take a scripted reply meant for the next turn; the naming tests turn it on.
    s.chat.auto_name = false;
    s
}

/// The services a daemon's gRPC reflection lists, via v1 or v1alpha.
pub async fn reflected_services(grpc_url: &str, v1alpha: bool) -> Vec<String> {
    use tonic_reflection::pb::{v1, v1alpha as alpha};
    let mut names = if v1alpha {
        let mut client =
            alpha::server_reflection_client::ServerReflectionClient::new(channel(grpc_url).await);
        let req = alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
            ),
        };
        let mut stream = client
            .server_reflection_info(tokio_stream::iter([req]))
            .await
            .expect("reflection call")
            .into_inner();
        let resp = stream
            .message()
            .await
            .expect("reflection reply")
            .expect("one reply");
        match resp.message_response {
            Some(alpha::server_reflection_response::MessageResponse::ListServicesResponse(l)) => {
                l.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
            }
            other => panic!("unexpected reflection reply {other:?}"),
        }
    } else {
        let mut client =
            v1::server_reflection_client::ServerReflectionClient::new(channel(grpc_url).await);
        let req = v1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            )),
        };
        let mut stream = client
            .server_reflection_info(tokio_stream::iter([req]))
            .await
            .expect("reflection call")
            .into_inner();
        let resp = stream
            .message()
            .await
            .expect("reflection reply")
            .expect("one reply");
        match resp.message_response {
            Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(l)) => {
                l.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
            }
            other => panic!("unexpected reflection reply {other:?}"),
        }
    };
    names.sort();
    names
}

/// `grpc.health.v1.Health/Check` for `service` ("" = the whole server).
pub async fn health_status(
    grpc_url: &str,
    service: &str,
) -> tonic_health::pb::health_check_response::ServingStatus {
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel(grpc_url).await);
    let resp = client
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .expect("health check")
        .into_inner();
    resp.status()
}

/// A connected gRPC channel to `grpc_url`.
pub async fn channel(grpc_url: &str) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(grpc_url.to_owned())
        .expect("valid grpc url")
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .expect("connect to gRPC")
}

/// What every daemon must do whatever its features: `/healthz` with version and
/// db, `/api/whoami` naming the daemon, and gRPC health + reflection (v1 and
/// v1alpha) advertising exactly its own service.
pub async fn assert_daemon_basics(daemon: &RunningDaemon, daemon_name: &str, service: &str) {
    let mut health: serde_json::Value = reqwest::get(daemon.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Warnings are the daemon's own business (boocoder's sandbox, which the
    // suites turn off): its suite asserts them.
    health.as_object_mut().map(|h| h.remove("warnings"));
    assert_eq!(
        health,
        serde_json::json!({"status": "ok", "version": boo_shared::VERSION, "db": "ok"})
    );
    let whoami: serde_json::Value = reqwest::Client::new()
        .get(daemon.url("/api/whoami"))
        .header("Remote-User", "alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        whoami,
        serde_json::json!({"daemon": daemon_name, "user": "alice", "groups": [], "email": null, "name": null})
    );
    let mut want = vec![
        service.to_owned(),
        "grpc.health.v1.Health".to_owned(),
        "grpc.reflection.v1.ServerReflection".to_owned(),
        "grpc.reflection.v1alpha.ServerReflection".to_owned(),
    ];
    want.sort();
    let url = daemon.grpc_url();
    assert_eq!(reflected_services(&url, false).await, want);
    assert_eq!(reflected_services(&url, true).await, want);
    use tonic_health::pb::health_check_response::ServingStatus;
    assert_eq!(health_status(&url, service).await, ServingStatus::Serving);
    assert_eq!(health_status(&url, "").await, ServingStatus::Serving);
}

/// `GET {base}/metrics` with extra headers: `(status, content type, body)`.
pub async fn scrape(base: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut req = reqwest::Client::new().get(format!("{base}/metrics"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("scrape /metrics");
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ctype, resp.text().await.expect("metrics body"))
}

/// The sample lines of one series name (`name{…} value` or `name value`) whose
/// text contains every one of `having` (e.g. `route="/api/x"`), sorted (a
/// family's series come out in hash order).
pub fn samples(body: &str, name: &str, having: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = body
        .lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|l| having.iter().all(|h| l.contains(h)))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

/// Scrape until `name`'s samples (filtered by `having`) are exactly `want`.
pub async fn wait_for_samples(base: &str, name: &str, having: &[&str], want: &[&str]) {
    let what = format!("{name} samples {want:?}");
    wait_for(&what, Duration::from_secs(20), || async {
        let (_, _, body) = scrape(base, &[]).await;
        (samples(&body, name, having) == want).then_some(())
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::{TestDb, admin_url, created_at, unix_now};
    use sqlx::Connection;

    async fn exists(conn: &mut sqlx::PgConnection, name: &str) -> bool {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
        )
        .bind(name)
        .fetch_one(conn)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn creating_a_database_drops_stale_ones_and_keeps_recent_ones() {
        let mut conn = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
        let tag = uuid::Uuid::new_v4().simple();
        let stale = format!("boo_test_1000_{tag}");
        let recent = format!("boo_test_{}_{tag}", unix_now() - 60);
        for name in [&stale, &recent] {
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let fresh = TestDb::create().await;
        assert!(!exists(&mut conn, &stale).await, "stale database kept");
        assert!(exists(&mut conn, &recent).await, "recent database dropped");
        assert!(exists(&mut conn, &fresh.name).await);
        for name in [&recent, &fresh.name] {
            sqlx::query(&format!("DROP DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }

    #[test]
    fn test_database_names_carry_their_age() {
        assert_eq!(created_at("boo_test_1764000000_0f3a"), Some(1_764_000_000));
        assert_eq!(
            created_at("boo_test_0f3a9c"),
            Some(0),
            "pre-timestamp names"
        );
        assert_eq!(created_at("boochat"), None);
        assert_eq!(created_at("boo_test_x_0f3a"), None);
    }
}
