//! Worktree tests against real git repositories in temp dirs and a real Postgres.

use std::path::{Path, PathBuf};
use std::process::Command;

use boo_shared::config::CoderConfig;
use git2::{ObjectType, Oid, Repository};
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use uuid::Uuid;

use super::*;

/// A committed project repo, a worktree root and a migrated database with one project.
pub(crate) struct Fixture {
    pub tmp: tempfile::TempDir,
    pub project: PathBuf,
    pub cfg: CoderConfig,
    pub pool: PgPool,
    pub project_id: Uuid,
}

pub(crate) use boo_testkit::workspace::git;

pub(crate) fn blob(bytes: &[u8]) -> String {
    Oid::hash_object(ObjectType::Blob, bytes)
        .unwrap()
        .to_string()
}

pub(crate) const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\xff";

impl Fixture {
    pub(crate) async fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let project = base.join("proj");
        std::fs::create_dir_all(project.join("src")).unwrap();
        std::fs::write(project.join("README.md"), "hello\n").unwrap();
        std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(project.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::write(project.join("logo.png"), BINARY).unwrap();
        git(&project, &["init", "-q"]);
        git(&project, &["add", "-A"]);
        git(&project, &["commit", "-q", "-m", "initial"]);

        let db = boo_testkit::TestDb::create().await;
        let pool = PgPool::connect(&db.url).await.unwrap();
        boo_shared::db::migrate(&pool).await.unwrap();
        let project_id: Uuid =
            sqlx::query_scalar("INSERT INTO projects (name, path) VALUES ('p', $1) RETURNING id")
                .bind(project.to_str().unwrap())
                .fetch_one(&pool)
                .await
                .unwrap();
        let cfg = CoderConfig {
            worktree_root: base.join("worktrees"),
            ..CoderConfig::default()
        };
        Self {
            tmp,
            project,
            cfg,
            pool,
            project_id,
        }
    }

    pub(crate) async fn session(&self) -> Uuid {
        sqlx::query_scalar("INSERT INTO sessions (project_id) VALUES ($1) RETURNING id")
            .bind(self.project_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub(crate) async fn ensure(&self, session: Uuid) -> Result<Worktree, WorktreeError> {
        ensure(
            &self.pool,
            &self.cfg,
            self.project_id,
            &self.project,
            session,
        )
        .await
    }

    pub(crate) fn head(&self) -> String {
        git(&self.project, &["rev-parse", "HEAD"]).trim().to_owned()
    }

    async fn rows(&self, session: Uuid) -> Vec<(String, Option<bool>)> {
        sqlx::query_as(
            "SELECT status, removed_at IS NOT NULL FROM worktrees WHERE session_id = $1 \
             ORDER BY created_at",
        )
        .bind(session)
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }
}

fn ref_target(repo_dir: &Path, name: &str) -> Option<String> {
    Repository::open(repo_dir)
        .unwrap()
        .refname_to_id(name)
        .ok()
        .map(|o| o.to_string())
}

#[tokio::test]
async fn ensure_creates_once_then_reuses() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let root = f.cfg.worktree_root.canonicalize().unwrap();
    let expected_path = root.join(s.to_string());
    assert_eq!(
        (
            wt.session_id,
            wt.project_id,
            wt.path.as_str(),
            wt.branch.as_str(),
            wt.base_commit.as_str(),
            wt.status.as_str()
        ),
        (
            Some(s),
            f.project_id,
            expected_path.to_str().unwrap(),
            format!("boo/{s}").as_str(),
            f.head().as_str(),
            "live"
        )
    );
    assert_eq!(
        std::fs::read_to_string(expected_path.join("README.md")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        git(&expected_path, &["branch", "--show-current"]).trim(),
        format!("boo/{s}")
    );
    assert_eq!(
        ref_target(&f.project, &format!("refs/boo/base/{s}")),
        Some(f.head())
    );

    let again = f.ensure(s).await.unwrap();
    assert_eq!(again.id, wt.id);
    assert!(again.last_used_at > wt.last_used_at);
    assert_eq!(
        Worktree {
            last_used_at: wt.last_used_at,
            updated_at: wt.updated_at,
            ..again
        },
        wt
    );
}

#[tokio::test]
async fn concurrent_callers_get_one_worktree() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (a, b, c) = tokio::join!(f.ensure(s), f.ensure(s), f.ensure(s));
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!((a.id, a.id), (b.id, c.id));
    assert_eq!(f.rows(s).await, vec![("live".to_owned(), Some(false))]);
    let listed = git(&f.project, &["worktree", "list", "--porcelain"]);
    assert_eq!(listed.matches("worktree ").count(), 2, "{listed}");
}

#[tokio::test]
async fn a_vanished_directory_is_recreated_on_its_branch() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let first = f.ensure(s).await.unwrap();
    // The agent committed on the branch, then the directory was lost.
    std::fs::write(first.dir().join("notes.txt"), "kept\n").unwrap();
    git(first.dir(), &["add", "notes.txt"]);
    git(first.dir(), &["commit", "-q", "-m", "agent work"]);
    std::fs::remove_dir_all(first.dir()).unwrap();

    let second = f.ensure(s).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(
        (second.path.as_str(), second.base_commit.as_str()),
        (first.path.as_str(), first.base_commit.as_str())
    );
    assert_eq!(
        f.rows(s).await,
        vec![
            ("removed".to_owned(), Some(true)),
            ("live".to_owned(), Some(false))
        ]
    );
    assert_eq!(
        std::fs::read_to_string(second.dir().join("notes.txt")).unwrap(),
        "kept\n"
    );
    // The committed work is still a change against the base.
    let paths: Vec<String> = diff(&second)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(paths, vec!["notes.txt".to_owned()]);
}

#[tokio::test]
async fn projects_that_are_not_usable_repositories_are_refused() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let plain = f.tmp.path().canonicalize().unwrap().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let err = ensure(&f.pool, &f.cfg, f.project_id, &plain, s)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("project path {plain:?} is not a git repository: ")),
        "{err}"
    );
    assert_eq!(err.status_and_code().1, "not_a_git_repo");

    let sub = f.project.join("src");
    let err = ensure(&f.pool, &f.cfg, f.project_id, &sub, s)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "project path {sub:?} is inside a git repository but not its top level ({:?})",
            f.project
        )
    );

    let empty = f.tmp.path().canonicalize().unwrap().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    git(&empty, &["init", "-q"]);
    let err = ensure(&f.pool, &f.cfg, f.project_id, &empty, s)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("project {empty:?} has no commits yet: commit something before running an agent")
    );
    assert_eq!(f.rows(s).await, vec![]);
}

#[tokio::test]
async fn diff_covers_tracked_untracked_binary_and_respects_gitignore() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let d = wt.dir();
    std::fs::write(d.join("README.md"), "hello\nworld\n").unwrap();
    std::fs::remove_file(d.join("src/main.rs")).unwrap();
    std::fs::create_dir_all(d.join("docs/deep")).unwrap();
    std::fs::write(d.join("docs/deep/new.txt"), "new\n").unwrap();
    std::fs::write(d.join("image.bin"), BINARY).unwrap();
    std::fs::create_dir_all(d.join("target")).unwrap();
    std::fs::write(d.join("target/out.o"), "ignored").unwrap();
    std::fs::write(d.join("debug.log"), "ignored").unwrap();
    // Staged but uncommitted changes count the same.
    std::fs::write(d.join("logo.png"), b"\0changed").unwrap();
    git(d, &["add", "logo.png"]);

    let changes = diff(&wt).await.unwrap();
    let side = |bytes: &[u8], text: Option<&str>| FileSide {
        oid: blob(bytes),
        mode: mode::FILE,
        size: bytes.len() as u64,
        text: text.map(str::to_owned),
    };
    let readme_diff = format!(
        "diff --git a/README.md b/README.md\nindex {}..{} 100644\n--- a/README.md\n+++ b/README.md\n\
         @@ -1 +1,2 @@\n hello\n+world\n",
        blob(b"hello\n"),
        blob(b"hello\nworld\n")
    );
    let expected = vec![
        FileChange {
            path: "README.md".into(),
            kind: ChangeKind::Edit,
            binary: false,
            old: Some(side(b"hello\n", Some("hello\n"))),
            new: Some(side(b"hello\nworld\n", Some("hello\nworld\n"))),
            diff: readme_diff,
        },
        FileChange {
            path: "docs/deep/new.txt".into(),
            kind: ChangeKind::Create,
            binary: false,
            old: None,
            new: Some(side(b"new\n", Some("new\n"))),
            diff: format!(
                "diff --git a/docs/deep/new.txt b/docs/deep/new.txt\nnew file mode 100644\n\
                 index {ZERO_OID}..{}\n--- /dev/null\n+++ b/docs/deep/new.txt\n@@ -0,0 +1 @@\n+new\n",
                blob(b"new\n")
            ),
        },
        FileChange {
            path: "image.bin".into(),
            kind: ChangeKind::Create,
            binary: true,
            old: None,
            new: Some(side(BINARY, None)),
            diff: format!(
                "diff --git a/image.bin b/image.bin\nnew file mode 100644\nindex {ZERO_OID}..{}\n\
                 Binary files /dev/null and b/image.bin differ\n",
                blob(BINARY)
            ),
        },
        FileChange {
            path: "logo.png".into(),
            kind: ChangeKind::Edit,
            binary: true,
            old: Some(side(BINARY, None)),
            new: Some(side(b"\0changed", None)),
            diff: format!(
                "diff --git a/logo.png b/logo.png\nindex {}..{} 100644\n\
                 Binary files a/logo.png and b/logo.png differ\n",
                blob(BINARY),
                blob(b"\0changed")
            ),
        },
        FileChange {
            path: "src/main.rs".into(),
            kind: ChangeKind::Delete,
            binary: false,
            old: Some(side(b"fn main() {}\n", Some("fn main() {}\n"))),
            new: None,
            diff: format!(
                "diff --git a/src/main.rs b/src/main.rs\ndeleted file mode 100644\n\
                 index {}..{ZERO_OID}\n--- a/src/main.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-fn main() {{}}\n",
                blob(b"fn main() {}\n")
            ),
        },
    ];
    assert_eq!(changes, expected);
}

#[test]
fn unified_diff_reports_mode_changes_and_missing_final_newlines() {
    assert_eq!(
        unified_diff(
            "run.sh",
            Some((b"echo a", mode::FILE)),
            Some((b"echo b", mode::EXECUTABLE))
        )
        .unwrap(),
        format!(
            "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\nindex {}..{}\n\
             --- a/run.sh\n+++ b/run.sh\n@@ -1 +1 @@\n-echo a\n\\ No newline at end of file\n\
             +echo b\n\\ No newline at end of file\n",
            blob(b"echo a"),
            blob(b"echo b")
        )
    );
    assert_eq!(
        unified_diff("empty", None, Some((b"", mode::FILE))).unwrap(),
        format!(
            "diff --git a/empty b/empty\nnew file mode 100644\nindex {ZERO_OID}..{}\n",
            blob(b"")
        )
    );
}

#[tokio::test]
async fn rebaseline_hides_applied_paths_without_touching_the_worktree() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nworld\n").unwrap();
    std::fs::write(wt.dir().join("other.txt"), "x\n").unwrap();
    std::fs::remove_file(wt.dir().join("src/main.rs")).unwrap();
    let status_before = git(wt.dir(), &["status", "--porcelain"]);

    let moved = rebaseline(
        &f.pool,
        wt.id,
        vec![
            BaselineUpdate {
                path: "README.md".into(),
                content: Some(b"hello\nworld\n".to_vec()),
                mode: mode::FILE,
            },
            BaselineUpdate {
                path: "src/main.rs".into(),
                content: None,
                mode: mode::FILE,
            },
        ],
    )
    .await
    .unwrap();
    assert_ne!(moved.base_commit, wt.base_commit);
    let paths: Vec<String> = diff(&moved)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(paths, vec!["other.txt".to_owned()]);
    // Parent chain, private ref, and nothing moved in the worktree.
    assert_eq!(
        git(
            &f.project,
            &["rev-parse", &format!("{}^", moved.base_commit)]
        )
        .trim(),
        wt.base_commit
    );
    assert_eq!(
        ref_target(&f.project, &base_ref(&wt.branch)),
        Some(moved.base_commit.clone())
    );
    assert_eq!(git(wt.dir(), &["status", "--porcelain"]), status_before);
    assert_eq!(git(wt.dir(), &["rev-parse", "HEAD"]).trim(), wt.base_commit);
    // Nothing to change: the base stays.
    let same = rebaseline(
        &f.pool,
        wt.id,
        vec![BaselineUpdate {
            path: "README.md".into(),
            content: Some(b"hello\nworld\n".to_vec()),
            mode: mode::FILE,
        }],
    )
    .await
    .unwrap();
    assert_eq!(same.base_commit, moved.base_commit);
}

#[tokio::test]
async fn risk_reports_dirty_unpushed_and_unmerged_state() {
    let f = Fixture::new().await;
    let s = f.session().await;
    assert_eq!(risk(&f.pool, s).await.unwrap(), vec![]);
    let wt = f.ensure(s).await.unwrap();
    let clean = risk(&f.pool, s).await.unwrap();
    let base_report = WorktreeRisk {
        worktree_id: wt.id,
        path: wt.path.clone(),
        branch: wt.branch.clone(),
        ..WorktreeRisk::default()
    };
    assert_eq!(clean, vec![base_report.clone()]);
    assert!(!clean[0].at_risk());

    let d = wt.dir();
    std::fs::write(d.join("feature.rs"), "// new\n").unwrap();
    git(d, &["add", "feature.rs"]);
    git(d, &["commit", "-q", "-m", "feature"]);
    std::fs::write(d.join("scratch.txt"), "wip\n").unwrap();
    std::fs::write(d.join("README.md"), "hello\nedited\n").unwrap();
    let report = risk(&f.pool, s).await.unwrap();
    let dirty = WorktreeRisk {
        dirty_files: vec![
            "README.md".into(),
            "feature.rs".into(),
            "scratch.txt".into(),
        ],
        unpushed_commits: 1,
        ..base_report.clone()
    };
    assert_eq!(report, vec![dirty.clone()]);
    assert!(report[0].at_risk());
    assert_eq!(
        boo_proto::coder::v1::WorktreeRisk::from(&report[0]),
        boo_proto::coder::v1::WorktreeRisk {
            path: wt.path.clone(),
            branch: wt.branch.clone(),
            dirty_files: dirty.dirty_files.clone(),
            unpushed_commits: 1,
            unmerged_commits: 0,
            operation: String::new(),
            conflicted_files: vec![],
            missing: false,
            error: String::new(),
        }
    );

    // A conflicting merge in progress in the worktree.
    git(d, &["checkout", "-q", "--", "README.md"]);
    git(&f.project, &["checkout", "-q", "-b", "other"]);
    std::fs::write(f.project.join("feature.rs"), "// theirs\n").unwrap();
    git(&f.project, &["add", "feature.rs"]);
    git(&f.project, &["commit", "-q", "-m", "theirs"]);
    git(&f.project, &["checkout", "-q", "main"]);
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@t",
            "merge",
            "other",
        ])
        .current_dir(d)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the merge should conflict");
    let report = risk(&f.pool, s).await.unwrap();
    assert_eq!(
        report,
        vec![WorktreeRisk {
            dirty_files: vec!["feature.rs".into(), "scratch.txt".into()],
            unpushed_commits: 1,
            unmerged_commits: 1,
            operation: Some("merge".into()),
            conflicted_files: vec!["feature.rs".into()],
            ..base_report.clone()
        }]
    );

    // A vanished directory still reports the branch's commits.
    std::fs::remove_dir_all(d).unwrap();
    assert_eq!(
        risk(&f.pool, s).await.unwrap(),
        vec![WorktreeRisk {
            unpushed_commits: 1,
            missing: true,
            ..base_report
        }]
    );
}

#[tokio::test]
async fn remove_deletes_directory_and_optionally_the_branch() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("dirty.txt"), "x").unwrap();
    let gone = remove(&f.pool, &f.cfg, wt.id, false).await.unwrap();
    assert_eq!(
        (gone.status.as_str(), gone.removed_at.is_some()),
        ("removed", true)
    );
    assert!(!wt.dir().exists());
    assert!(ref_target(&f.project, &format!("refs/heads/{}", wt.branch)).is_some());
    // Idempotent.
    assert_eq!(remove(&f.pool, &f.cfg, wt.id, false).await.unwrap(), gone);

    // The next ensure re-attaches to the kept branch with the recorded base.
    let again = f.ensure(s).await.unwrap();
    assert_eq!(
        (again.branch.as_str(), again.base_commit.as_str()),
        (wt.branch.as_str(), wt.base_commit.as_str())
    );
    let removed = remove_for_session(&f.pool, &f.cfg, s, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.id, again.id);
    assert_eq!(
        ref_target(&f.project, &format!("refs/heads/{}", wt.branch)),
        None
    );
    assert_eq!(ref_target(&f.project, &base_ref(&wt.branch)), None);
    assert_eq!(
        remove_for_session(&f.pool, &f.cfg, s, true).await.unwrap(),
        None
    );
    // A fresh start from HEAD afterwards.
    let fresh = f.ensure(s).await.unwrap();
    assert_eq!(fresh.base_commit, f.head());
}
