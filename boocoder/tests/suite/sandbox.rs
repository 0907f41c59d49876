//! The agent sandbox end to end (issue 13): a hostile scripted agent in one turn
//! tries to get out of bwrap; every attempt fails and is reported in its answer,
//! while a write inside its worktree lands and becomes a pending change. With the
//! network off it reaches nothing; with it on (the default) it reaches Postgres and
//! the daemons' loopback ports, and gets nothing there without credentials.

use std::net::SocketAddr;
use std::time::Duration;

use boo_shared::api::HealthResponse;
use boo_shared::config::{AuthConfig, SandboxMode, SandboxPaths, Secret, Settings};
use boo_shared::providers::SandboxStatus;
use boo_testkit::fake_llm::FakeLlm;
use boo_testkit::workspace::fake_acp_providers;
use boo_testkit::{RunningDaemon, TestDb, loopback_listeners};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::terminals::Booterm;
use super::turns::{Fx, Serve, fx, fx_in, fx_served};

const LIMIT: Duration = Duration::from_secs(20);

/// Between two commands' reports in the agent's answer.
const SEP: &str = "\u{241e}";

#[tokio::test]
async fn a_hostile_agent_reaches_nothing_but_its_worktree() {
    // Not under /tmp: inside the sandbox /tmp is a private writable tmpfs, and the
    // parents of bound paths under it would be writable (though never the host's).
    let base = tempfile::tempdir_in("/var/tmp").unwrap();
    let db = TestDb::create().await;
    let db_url = db.url.clone();
    let f = fx_in(
        base.path(),
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            s.coder.sandbox.mode = SandboxMode::Bwrap;
            s.coder.sandbox.providers.insert(
                "fake".into(),
                SandboxPaths {
                    network: Some(false),
                    ..SandboxPaths::default()
                },
            );
        },
    )
    .await;
    let status: SandboxStatus = f.get("/api/sandbox").await;
    assert_eq!(
        status,
        SandboxStatus {
            mode: "bwrap".into(),
            confined: true,
            summary: "bwrap works (/usr/bin/bwrap)".into(),
        }
    );
    let health: HealthResponse = f.get("/healthz").await;
    assert_eq!(health.warnings, Vec::<String>::new());
    let scratch = f._scratch.path().canonicalize().unwrap();
    let project = f.project_dir.path().canonicalize().unwrap();
    // What the daemon reads and the agent must not: its config file.
    let config = scratch.join("boocode.toml");
    std::fs::write(&config, format!("[database]\nurl = {db_url:?}\n")).unwrap();
    // Another session's worktree next to this one's.
    let other = scratch.join("wt").join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("theirs.txt"), "secret\n").unwrap();
    // host:port of `postgres://user@host:port/db`.
    let pg = db_url
        .rsplit('@')
        .next()
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let outside_cmd = json!({
        "command": "sh",
        "args": ["-c", format!("echo x > {}/from-terminal.txt", project.display())],
    });
    let attempts = [
        "env".to_owned(),
        format!("readfile {}", config.display()),
        format!("listdir {}", other.display()),
        format!("listdir {}", scratch.join("wt").display()),
        format!("readfile {}/README.md", project.display()),
        format!("writefile {}/evil.txt pwned", project.display()),
        format!("connect {pg}"),
        format!("run {outside_cmd}"),
        "writefile mine.txt made inside".to_owned(),
    ];
    let prompt = attempts
        .iter()
        .map(|a| format!("{a}\nsay {SEP}"))
        .collect::<Vec<_>>()
        .join("\n");
    let (status, answer) = f.turn(&prompt).await;
    assert_eq!(status, "completed", "{}", answer.content);
    let said: Vec<String> = answer
        .content
        .split(SEP)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(said.len(), attempts.len(), "{said:#?}");
    // Its environment: nothing of the daemon's (the test runner has DATABASE_URL).
    let env: Vec<&str> = said[0].trim_start_matches("env: ").split(' ').collect();
    assert!(
        !env.iter()
            .any(|n| n.starts_with("BOO_") || *n == "DATABASE_URL"),
        "{env:?}"
    );
    assert!(env.contains(&"HOME") && env.contains(&"PATH"), "{env:?}");
    let run = &said[7];
    assert!(
        run.starts_with("run: ") && !run.contains("\"exitCode\":0"),
        "the terminal command must fail: {run}"
    );
    assert_eq!(
        said[1..7].to_vec(),
        [
            format!("readfile {}: NotFound", config.display()),
            format!("listdir {}: NotFound", other.display()),
            // Only the skeleton of the mount points: its own worktree and `.homes`.
            format!("listdir {}: ok 2 entries", scratch.join("wt").display()),
            format!("readfile {}/README.md: NotFound", project.display()),
            format!(
                "writefile {}/evil.txt: ReadOnlyFilesystem",
                project.display()
            ),
            // A private network namespace: its own loopback, nothing listening.
            format!("connect {pg}: ConnectionRefused"),
        ]
    );
    assert_eq!(said[8], "writefile mine.txt: ok");
    // Outside: the project tree untouched, the worktree's file a pending change.
    assert!(!project.join("evil.txt").exists());
    assert!(!project.join("from-terminal.txt").exists());
    let pending: Vec<(String, Option<String>)> = f
        .pending()
        .await
        .into_iter()
        .map(|p| (p.path, p.agent))
        .collect();
    assert_eq!(pending, [("mine.txt".to_owned(), Some("fake".to_owned()))]);
}

/// Each of `attempts` then `say SEP`, as one prompt; the completed turn's reports.
async fn one_turn(f: &Fx, attempts: &[String]) -> Vec<String> {
    let prompt = attempts
        .iter()
        .map(|a| format!("{a}\nsay {SEP}"))
        .collect::<Vec<_>>()
        .join("\n");
    let (status, answer) = f.turn(&prompt).await;
    assert_eq!(status, "completed", "{}", answer.content);
    let said: Vec<String> = answer
        .content
        .split(SEP)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(said.len(), attempts.len(), "{said:#?}");
    said
}

/// What all three daemons share in production: `auth.mode = "authelia"` with no
/// trusted TCP proxy (the default), a gRPC token, each other's gRPC addresses.
fn production(s: &mut Settings, grpc: [SocketAddr; 3], llm: &FakeLlm) {
    s.auth = AuthConfig::default();
    s.grpc.token = Some(Secret::new("the-peers-token"));
    [s.chat.grpc_addr, s.term.grpc_addr, s.coder.grpc_addr] = grpc;
    s.llm.base_url = llm.base_url();
}

#[tokio::test]
async fn a_hostile_agent_on_the_network_gets_nothing_without_credentials() {
    // Not under /tmp (see above).
    let base = tempfile::tempdir_in("/var/tmp").unwrap();
    let db = TestDb::create().await;
    let db_url = db.url.clone();
    let llm = FakeLlm::start().await;
    // Every listener first, so that each daemon can be told the others' addresses.
    let chat_listeners = loopback_listeners().await;
    let term_listeners = loopback_listeners().await;
    let coder_grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = [
        chat_listeners.grpc.local_addr().unwrap(),
        term_listeners.grpc.local_addr().unwrap(),
        coder_grpc.local_addr().unwrap(),
    ];
    let term = Booterm::start_on(
        &db,
        term_listeners,
        |s| production(s, grpc, &llm),
        booterm::run,
    )
    .await;
    let mut chat_settings = boo_testkit::settings_for(&db_url);
    production(&mut chat_settings, grpc, &llm);
    let chat = RunningDaemon::spawn_on(chat_settings, chat_listeners, boochat::run).await;
    // boocoder on its Unix socket; the agent (network on: the default) and its
    // commands, run in booterm's terminals, inside bwrap.
    let f = fx_served(
        base.path(),
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            production(s, grpc, &llm);
            s.coder.sandbox.mode = SandboxMode::Bwrap;
        },
        Serve::Socket(coder_grpc),
    )
    .await;
    // The harness gets in through the socket (as Caddy would), saying who it is;
    // saying nothing gets nothing there either.
    let d = f.daemon.as_ref().unwrap();
    let anonymous = d.client().get(d.url("/api/sandbox")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let status: SandboxStatus = f.get("/api/sandbox").await;
    assert_eq!(
        status,
        SandboxStatus {
            mode: "bwrap".into(),
            confined: true,
            summary: "bwrap works (/usr/bin/bwrap)".into(),
        }
    );
    let scratch = f._scratch.path().canonicalize().unwrap();
    let project = f.project_dir.path().canonicalize().unwrap();
    let config = scratch.join("boocode.toml");
    std::fs::write(&config, format!("[database]\nurl = {db_url:?}\n")).unwrap();
    let other = scratch.join("wt").join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("theirs.txt"), "secret\n").unwrap();
    let pg = boo_testkit::db_socket_addr(&db_url).await;
    let socket = f.socket.clone().unwrap();
    let (chat_http, term_http) = (chat.http, term.http());
    let [chat_grpc, term_grpc, coder_grpc] = grpc;
    let model = llm.addr();
    let outside = project.join("from-terminal.txt");
    let outside_cmd = json!({
        "command": "sh",
        "args": ["-c", format!("echo x > {}", outside.display())],
    });
    let attempts = [
        "env".to_owned(),
        format!("readfile {}", config.display()),
        format!("listdir {}", other.display()),
        format!("writefile {}/evil.txt pwned", project.display()),
        format!("http {chat_http} /api/whoami"),
        format!("http {term_http} /api/whoami"),
        format!("http unix:{} /api/whoami", socket.display()),
        format!("grpc chat {chat_grpc}"),
        format!("grpc term {term_grpc}"),
        format!("grpc coder {coder_grpc}"),
        format!("connect {pg}"),
        format!("pglogin {pg}"),
        format!("connect {model}"),
        format!("run {outside_cmd}"),
        "writefile mine.txt made inside".to_owned(),
    ];
    let said = one_turn(&f, &attempts).await;
    // No credential in its environment.
    let env: Vec<&str> = said[0].trim_start_matches("env: ").split(' ').collect();
    assert!(
        !env.iter()
            .any(|n| n.starts_with("BOO_") || n.starts_with("PG") || *n == "DATABASE_URL"),
        "{env:?}"
    );
    // The `run` report as JSON (its key order is the agent's).
    let said: Vec<Value> = said[1..]
        .iter()
        .map(|l| match l.strip_prefix("run: ") {
            Some(j) => json!({ "run": serde_json::from_str::<Value>(j).unwrap() }),
            None => json!(l),
        })
        .collect();
    assert_eq!(
        said,
        [
            json!(format!("readfile {}: NotFound", config.display())),
            json!(format!("listdir {}: NotFound", other.display())),
            json!(format!(
                "writefile {}/evil.txt: ReadOnlyFilesystem",
                project.display()
            )),
            // Reachable, but a forged Remote-User is not believed on TCP.
            json!(format!("http {chat_http} /api/whoami: 401")),
            json!(format!("http {term_http} /api/whoami: 401")),
            // The socket, where it would be, is not in the sandbox.
            json!(format!(
                "http unix:{} /api/whoami: NotFound",
                socket.display()
            )),
            json!(format!("grpc chat {chat_grpc}: Unauthenticated")),
            json!(format!("grpc term {term_grpc}: Unauthenticated")),
            json!(format!("grpc coder {coder_grpc}: Unauthenticated")),
            // Postgres answers, and wants a password (28P01 invalid_password).
            json!(format!("connect {pg}: ok")),
            json!(format!("pglogin {pg}: 28P01")),
            // The model server stays reachable.
            json!(format!("connect {model}: ok")),
            // In a booterm terminal (no fallback note), in the sandbox.
            json!({"run": {
                "output": format!("sh: 1: cannot create {}: Read-only file system", outside.display()),
                "truncated": false,
                "exitStatus": {"exitCode": 2, "signal": null},
            }}),
            json!("writefile mine.txt: ok"),
        ]
    );
    assert!(!project.join("evil.txt").exists());
    assert!(!outside.exists());
    let pending: Vec<(String, Option<String>)> = f
        .pending()
        .await
        .into_iter()
        .map(|p| (p.path, p.agent))
        .collect();
    assert_eq!(pending, [("mine.txt".to_owned(), Some("fake".to_owned()))]);
    drop(f);
    chat.stop().await.unwrap();
    drop(term);
}

#[tokio::test]
async fn the_sandbox_being_off_is_said_for_the_banner() {
    // The suites' settings turn it off (boo_testkit::settings_for).
    let f = fx().await;
    let status: SandboxStatus = f.get("/api/sandbox").await;
    assert_eq!(
        status,
        SandboxStatus {
            mode: "off".into(),
            confined: false,
            summary: "OFF (coder.sandbox.mode = \"off\"): agents run unconfined, as the \
                      daemon's user, seeing everything it sees"
                .into(),
        }
    );
    // And on /healthz, for whatever watches the daemons (said once the start-up
    // check has run).
    let health = boo_testkit::wait_for("the warning on /healthz", LIMIT, || async {
        let h: HealthResponse = f.get("/healthz").await;
        (!h.warnings.is_empty()).then_some(h)
    })
    .await;
    assert_eq!(
        health,
        HealthResponse {
            status: "ok".into(),
            version: boo_shared::VERSION.into(),
            db: "ok".into(),
            reason: None,
            warnings: vec![format!("agent sandbox {}", status.summary)],
        }
    );
}
