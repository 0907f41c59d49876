//! Fixtures for tests that need a real project: a git repository with one commit,
//! its catalog rows (project → session → chat), and small process helpers.

use std::path::Path;

use sqlx::PgPool;
use uuid::Uuid;

/// Run git in `dir` with a fixed identity and no user or system config.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=boo-test",
            "-c",
            "user.email=test@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("run git")
        .success();
    assert!(ok, "git {args:?} failed in {}", dir.display());
}

/// Make `dir` a git repository on `main` with a committed README.
pub fn git_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README.md"), "hello\n").expect("write README");
    git(dir, &["add", "README.md"]);
    git(dir, &["commit", "-q", "-m", "init"]);
}

/// The rows boochat would have created for `dir`.
#[derive(Clone, Copy, Debug)]
pub struct Catalog {
    pub project: Uuid,
    pub session: Uuid,
    pub chat: Uuid,
}

/// Insert a project at `dir` (canonicalised), one session and one chat.
pub async fn catalog(pool: &PgPool, dir: &Path) -> Catalog {
    let path = dir.canonicalize().expect("canonical project dir");
    let project: Uuid =
        sqlx::query_scalar("INSERT INTO projects (name, path) VALUES ('p', $1) RETURNING id")
            .bind(path.to_str().expect("utf-8 path"))
            .fetch_one(pool)
            .await
            .expect("insert project");
    let session: Uuid =
        sqlx::query_scalar("INSERT INTO sessions (project_id) VALUES ($1) RETURNING id")
            .bind(project)
            .fetch_one(pool)
            .await
            .expect("insert session");
    let chat = new_chat(pool, session).await;
    Catalog {
        project,
        session,
        chat,
    }
}

/// Another chat in `session`.
pub async fn new_chat(pool: &PgPool, session: Uuid) -> Uuid {
    sqlx::query_scalar("INSERT INTO chats (session_id) VALUES ($1) RETURNING id")
        .bind(session)
        .fetch_one(pool)
        .await
        .expect("insert chat")
}

/// A boocoder providers file at `path` whose provider `fake` is the scripted ACP agent.
pub fn fake_acp_providers(path: &Path) {
    std::fs::write(
        path,
        format!(
            "[providers.fake]\ndisplay_name = \"Scripted agent\"\ncommand = {:?}\nargs = []\n",
            crate::fake_acp::binary().display().to_string()
        ),
    )
    .expect("write providers file");
}

/// A free loopback TCP port (racy by nature; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The host pid of a process that calls itself `reported` (its pid in its own
/// pid namespace, as a sandboxed agent says it; the same number when it has none)
/// and whose environment holds `marker` (e.g. `HOME=<its private home>`).
pub fn host_pid(reported: u32, marker: &str) -> Option<u32> {
    let reported = reported.to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let nspid = status.lines().find_map(|l| l.strip_prefix("NSpid:"))?;
            if nspid.split_whitespace().last()? != reported {
                return None;
            }
            let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
            environ
                .split(|b| *b == 0)
                .any(|v| v == marker.as_bytes())
                .then_some(pid)
        })
}

/// Is `pid` a live process (not a zombie)?
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2).is_none_or(|st| st != "Z"))
        .unwrap_or(false)
}
