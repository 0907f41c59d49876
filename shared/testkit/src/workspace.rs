//! Fixtures for tests that need a real project: a git repository with one commit,
//! its catalog rows (project → session → chat), what git and the disk say of a
//! working directory, and small process helpers.

use std::collections::BTreeMap;
use std::path::Path;

use sqlx::PgPool;
use uuid::Uuid;

/// Run git in `dir` like a user would (a fixed identity, `main` as the default
/// branch, no signing, no user or system config); its stdout. Panics with git's
/// stderr when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_with(dir, args, &[])
}

fn git_with(dir: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=boo-test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(env.iter().copied())
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git's output is UTF-8")
}

/// git's own answer for `dir` now: the tree id `git add -A` into a scratch index
/// (the real index untouched) and `git write-tree` make.
pub fn scratch_tree(dir: &Path) -> String {
    let index = tempfile::tempdir().expect("a temp dir for the scratch index");
    let index = index.path().join("index");
    let env = [("GIT_INDEX_FILE", index.as_os_str())];
    git_with(dir, &["add", "-A"], &env);
    git_with(dir, &["write-tree"], &env).trim().to_owned()
}

/// What a path of a working directory holds: a file's bytes and exec bit, or a
/// symlink's target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    File(Vec<u8>, bool),
    Link(std::path::PathBuf),
}

/// Every file and symlink under `dir` by relative path (`.git` left out;
/// directories only through what they hold).
pub fn tree(dir: &Path) -> BTreeMap<String, Node> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let p = entry.expect("dir entry").path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .into_owned();
            let meta = p.symlink_metadata().expect("lstat");
            if meta.is_symlink() {
                out.insert(rel, Node::Link(std::fs::read_link(&p).expect("readlink")));
            } else if meta.is_dir() {
                stack.push(p);
            } else {
                let exec = meta.permissions().mode() & 0o100 != 0;
                out.insert(rel, Node::File(std::fs::read(&p).expect("read"), exec));
            }
        }
    }
    out
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
