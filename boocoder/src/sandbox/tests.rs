use std::path::{Path, PathBuf};
use std::time::Duration;

use boo_shared::config::{SandboxConfig, SandboxMode, SandboxPaths};
use pretty_assertions::assert_eq;

use super::*;
use crate::process;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A project with one commit and two session worktrees under `wt/`.
struct Repo {
    _dir: tempfile::TempDir,
    base: PathBuf,
}

impl Repo {
    fn new() -> Self {
        // Not under /tmp: inside, /tmp is a writable tmpfs, and the parents of
        // the bound paths would be on it.
        let dir = tempfile::tempdir_in("/var/tmp").unwrap();
        let base = dir.path().canonicalize().unwrap();
        let proj = base.join("proj");
        std::fs::create_dir_all(&proj).unwrap();
        git(&proj, &["init", "-q", "-b", "main"]);
        std::fs::write(proj.join("README"), "project\n").unwrap();
        git(&proj, &["add", "README"]);
        git(&proj, &["commit", "-qm", "init"]);
        for s in ["s1", "s2"] {
            let wt = base.join("wt").join(s);
            git(
                &proj,
                &[
                    "worktree",
                    "add",
                    "-q",
                    "-b",
                    &format!("boo/{s}"),
                    wt.to_str().unwrap(),
                ],
            );
        }
        std::fs::create_dir_all(base.join("etc")).unwrap();
        std::fs::write(
            base.join("etc/boocode.toml"),
            "[database]\nurl = \"secret\"\n",
        )
        .unwrap();
        Repo { _dir: dir, base }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }
}

fn on() -> SandboxConfig {
    SandboxConfig::default()
}

#[test]
fn agent_env_is_clean_and_the_provider_env_wins() {
    let env = agent_env(
        Some("/usr/bin:/bin".as_ref()),
        Path::new("/h"),
        &[
            ("TERM".into(), "xterm".into()),
            ("OPENAI_API_KEY".into(), "k".into()),
        ],
    );
    let names: Vec<String> = env
        .iter()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .filter(|k| !["LC_ALL", "LC_CTYPE", "TZ"].contains(&k.as_str()))
        .collect();
    assert_eq!(
        names,
        ["PATH", "HOME", "TMPDIR", "LANG", "TERM", "OPENAI_API_KEY"]
    );
    assert!(env.contains(&("HOME".into(), "/h".into())));
    assert!(env.contains(&("TERM".into(), "xterm".into())));
}

#[test]
fn homes_stay_under_the_homes_dir() {
    let sb = Sandbox::new(&on(), Path::new("/srv/wt"));
    assert_eq!(
        sb.home("qwen", "s-1"),
        PathBuf::from("/srv/wt/.homes/qwen/s-1")
    );
    assert_eq!(
        sb.home("../x", ".."),
        PathBuf::from("/srv/wt/.homes/.._x/_..")
    );
    assert_eq!(sb.home("a/b", "c"), PathBuf::from("/srv/wt/.homes/a_b/c"));
}

#[test]
fn install_dirs_are_the_node_modules_or_the_binary_dir() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let pkg = base.join("npm/node_modules/@q/q");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::create_dir_all(base.join("npm/node_modules/.bin")).unwrap();
    std::fs::write(pkg.join("cli.js"), "").unwrap();
    std::os::unix::fs::symlink("../@q/q/cli.js", base.join("npm/node_modules/.bin/q")).unwrap();
    assert_eq!(
        install_dirs(&base.join("npm/node_modules/.bin/q")),
        vec![base.join("npm/node_modules")]
    );
    std::fs::create_dir_all(base.join("bin")).unwrap();
    std::fs::write(base.join("bin/boochat"), "").unwrap();
    assert_eq!(
        install_dirs(&base.join("bin/boochat")),
        vec![base.join("bin")]
    );
    assert_eq!(
        install_dirs(Path::new("/usr/bin/git")),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn the_plan_binds_the_worktree_its_git_and_nothing_else_of_boocode() {
    let repo = Repo::new();
    let mut cfg = on();
    cfg.providers.insert(
        "fake".into(),
        SandboxPaths {
            read_only: vec![repo.path("etc/missing")],
            writable: vec![repo.path("cache")],
            network: Some(false),
        },
    );
    std::fs::create_dir_all(repo.path("cache")).unwrap();
    let sb = Sandbox::new(&cfg, &repo.path("wt"));
    let plan = sb
        .plan(&Confine {
            provider: "fake",
            worktree: &repo.path("wt/s1"),
            home_key: "sid",
            program: Path::new("/usr/bin/sh"),
        })
        .unwrap();
    let git = repo.path("proj/.git");
    let mine: Vec<Bind> = plan
        .binds
        .iter()
        .filter(|b| !matches!(b, Bind::Link { .. }))
        .filter(
            |b| !matches!(b, Bind::ReadOnly(p) if p.starts_with("/usr") || p.starts_with("/etc")),
        )
        .cloned()
        .collect();
    assert_eq!(
        mine,
        vec![
            Bind::Writable(repo.path("cache")),
            Bind::Writable(repo.path("wt/.homes/fake/sid")),
            Bind::ReadOnly(git.clone()),
            Bind::Writable(git.join("objects")),
            Bind::Writable(git.join("refs/heads/boo")),
            Bind::Writable(git.join("logs/refs/heads/boo")),
            Bind::Writable(git.join("worktrees/s1")),
            Bind::Writable(repo.path("wt/s1")),
        ]
    );
    assert!(!plan.network);
    assert!(
        plan.binds
            .iter()
            .all(|b| !matches!(b, Bind::ReadOnly(p) | Bind::Writable(p) if p == Path::new("/etc")))
    );
    let home_mode = std::fs::metadata(&plan.home).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&home_mode.permissions()) & 0o777,
        0o700
    );
}

/// A hostile script inside the real sandbox: every escape fails, work in the
/// worktree (files, git) succeeds.
#[tokio::test]
async fn inside_bwrap_an_agent_reaches_its_worktree_and_nothing_else() {
    let repo = Repo::new();
    let sb = Sandbox::new(&on(), &repo.path("wt"));
    let wt = repo.path("wt/s1");
    let plan = sb
        .plan(&Confine {
            provider: "fake",
            worktree: &wt,
            home_key: "sid",
            program: Path::new("/bin/sh"),
        })
        .unwrap();
    let script = format!(
        r#"
        try() {{ if sh -c "$2" >/dev/null 2>&1; then echo "$1: yes"; else echo "$1: no"; fi; }}
        try "read config" "cat {config}"
        try "list other worktree" "ls {other}"
        try "read project tree" "cat {proj}/README"
        try "write project tree" "echo x > {proj}/evil.txt"
        try "write a git hook" "echo x > {proj}/.git/hooks/post-checkout"
        try "write git config" "echo x >> {proj}/.git/config"
        try "move the owner's branch" "git update-ref refs/heads/main HEAD"
        try "make a branch" "git branch agent-made"
        try "delete the project's refs" "rm -rf {proj}/.git/refs/heads/main"
        try "write outside" "echo x > /evil.txt"
        try "write tmp" "echo x > /tmp/scratch"
        try "write home" "echo x > $HOME/f"
        try "write worktree" "echo agent > {wt}/mine.txt"
        try "git commit" "git add mine.txt && git -c user.name=a -c user.email=a@a commit -qm agent"
        try "git status" "git status --short"
        echo "secrets in env: $(env | grep -c -e DATABASE_URL -e BOO_)"
        "#,
        config = repo.path("etc/boocode.toml").display(),
        other = repo.path("wt/s2").display(),
        proj = repo.path("proj").display(),
        wt = wt.display(),
    );
    let spec = process::Spec {
        env: agent_env(Some("/usr/bin:/bin".as_ref()), &plan.home, &[]),
        clear_env: true,
        ..process::Spec::new("/bin/sh", &wt).args(["-c", &script])
    };
    // The test runner's own DATABASE_URL stays outside (clear_env).
    let out = process::run_output(&plan.wrap(spec), Duration::from_secs(30))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "read config: no",
            "list other worktree: no",
            "read project tree: no",
            "write project tree: no",
            "write a git hook: no",
            "write git config: no",
            "move the owner's branch: no",
            "make a branch: no",
            "delete the project's refs: no",
            "write outside: no",
            "write tmp: yes",
            "write home: yes",
            "write worktree: yes",
            "git commit: yes",
            "git status: yes",
            "secrets in env: 0",
        ]
    );
    // Outside, the commit is on the session branch and nothing else moved.
    assert_eq!(
        git(&repo.path("proj"), &["log", "-1", "--format=%s", "boo/s1"]),
        "agent\n"
    );
    assert_eq!(
        git(
            &repo.path("proj"),
            &["for-each-ref", "--format=%(refname) %(subject)"]
        ),
        "refs/heads/boo/s1 agent\nrefs/heads/boo/s2 init\nrefs/heads/main init\n"
    );
    assert!(!repo.path("proj/evil.txt").exists());
    assert!(!repo.path("proj/.git/hooks/post-checkout").exists());
    assert_eq!(std::fs::read_to_string(plan.home.join("f")).unwrap(), "x\n");
}

#[tokio::test]
async fn the_host_check_says_whether_bwrap_works() {
    let dir = tempfile::tempdir().unwrap();
    let works = check(&Sandbox::new(&on(), dir.path())).await;
    assert_eq!(
        (works.enabled, works.bwrap_present, works.trial.clone()),
        (true, true, Ok(()))
    );
    assert_eq!(works.summary(), "bwrap works (/usr/bin/bwrap)");
    let missing = SandboxConfig {
        bwrap: "/nonexistent/bwrap".into(),
        ..on()
    };
    let broken = check(&Sandbox::new(&missing, dir.path())).await;
    assert_eq!(
        broken.trial,
        Err("/nonexistent/bwrap does not exist (apt-get install bubblewrap)".to_owned())
    );
    assert!(!broken.works());
    let off = SandboxConfig {
        mode: SandboxMode::Off,
        ..on()
    };
    let off = check(&Sandbox::new(&off, dir.path())).await;
    assert!(!off.works());
    assert!(off.summary().starts_with("OFF"), "{}", off.summary());
}
