//! The agent sandbox end to end (issue 13): a hostile scripted agent in one turn
//! tries to get out of bwrap; every attempt fails and is reported in its answer,
//! while a write inside its worktree lands and becomes a pending change.

use std::time::Duration;

use boo_shared::api::HealthResponse;
use boo_shared::config::{SandboxMode, SandboxPaths};
use boo_shared::providers::SandboxStatus;
use boo_testkit::TestDb;
use boo_testkit::workspace::fake_acp_providers;
use pretty_assertions::assert_eq;
use serde_json::json;

use super::turns::{fx, fx_in};

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
