//! Pending-change store and lifecycle against a real Postgres and real git repos.

mod agent_write;
mod paths;

use std::path::Path;

use boo_shared::error::ApiError;
use pretty_assertions::assert_eq;
use uuid::Uuid;

use super::*;
use crate::worktree::tests::{BINARY, Fixture, blob, git};
use crate::worktree::{self, FileChange, Worktree};

/// The fields a test cares about, for whole-value comparisons.
#[derive(Debug, PartialEq, Eq)]
struct Brief {
    path: String,
    kind: String,
    status: String,
    agent: Option<String>,
    old: Option<String>,
    new: Option<String>,
    error: Option<String>,
}

fn brief(r: &PendingChange) -> Brief {
    Brief {
        path: r.path.clone(),
        kind: r.kind.as_str().into(),
        status: r.status.as_str().into(),
        agent: r.agent.clone(),
        old: r.old_content.clone(),
        new: r.new_content.clone(),
        error: r.error.clone(),
    }
}

fn b(
    path: &str,
    kind: &str,
    status: &str,
    agent: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Brief {
    Brief {
        path: path.into(),
        kind: kind.into(),
        status: status.into(),
        agent: Some(agent.into()),
        old: old.map(Into::into),
        new: new.map(Into::into),
        error: None,
    }
}

/// Diff the session worktree and supersede the session's pending rows, as a turn's end does.
async fn turn(f: &Fixture, s: Uuid, agent: &str) -> Superseded {
    let wt = f.ensure(s).await.unwrap();
    supersede_from_worktree(&f.pool, &wt, None, None, agent)
        .await
        .unwrap()
}

fn by_path<'a>(rows: &'a [PendingChange], path: &str) -> &'a PendingChange {
    rows.iter().find(|r| r.path == path).unwrap()
}

async fn live(f: &Fixture, s: Uuid) -> Worktree {
    worktree::live_for_session(&f.pool, s)
        .await
        .unwrap()
        .unwrap()
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

#[tokio::test]
async fn supersede_is_latest_wins_per_session() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nv1\n").unwrap();
    std::fs::write(wt.dir().join("a.txt"), "a\n").unwrap();
    let first = turn(&f, s, "goose").await;
    assert_eq!(
        first.rows.iter().map(brief).collect::<Vec<_>>(),
        vec![
            b(
                "README.md",
                "edit",
                "pending",
                "goose",
                Some("hello\n"),
                Some("hello\nv1\n")
            ),
            b("a.txt", "create", "pending", "goose", None, Some("a\n")),
        ]
    );
    assert_eq!((first.replaced, first.skipped.clone()), (0, vec![]));
    assert_eq!(
        first.rows[0].base_commit.as_deref(),
        Some(wt.base_commit.as_str())
    );
    let readme = approve(&f.pool, first.rows[0].id).await.unwrap();
    assert_eq!(readme.status, PendingStatus::Approved);
    assert!(readme.decided_at.is_some());

    // Next turn, another agent: a.txt is gone again, b.txt is new, README changed more;
    // the approved row stays, pending rows are replaced.
    std::fs::remove_file(wt.dir().join("a.txt")).unwrap();
    std::fs::write(wt.dir().join("b.txt"), "b\n").unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nv2\n").unwrap();
    std::fs::write(wt.dir().join("bad\\name.txt"), "x").unwrap();
    let second = turn(&f, s, "qwen").await;
    assert_eq!(second.replaced, 1);
    assert_eq!(
        second.skipped,
        vec![Skipped {
            path: "bad\\name.txt".into(),
            reason: "refused path \"bad\\\\name.txt\": contains a backslash".into(),
        }]
    );
    assert_eq!(
        list(&f.pool, s, &[PendingStatus::Pending])
            .await
            .unwrap()
            .iter()
            .map(brief)
            .collect::<Vec<_>>(),
        vec![
            b(
                "README.md",
                "edit",
                "pending",
                "qwen",
                Some("hello\n"),
                Some("hello\nv2\n")
            ),
            b("b.txt", "create", "pending", "qwen", None, Some("b\n")),
        ]
    );
    assert_eq!(list(&f.pool, s, &[]).await.unwrap().len(), 3);
    assert_eq!(get(&f.pool, readme.id).await.unwrap(), readme);
    assert_eq!(
        boo_shared::coder::PendingChange::from(&readme),
        boo_shared::coder::PendingChange {
            id: readme.id,
            session_id: s,
            chat_id: None,
            task_id: None,
            path: "README.md".into(),
            kind: boo_shared::coder::ChangeKind::Edit,
            status: boo_shared::coder::ChangeStatus::Approved,
            agent: Some("goose".into()),
            diff: readme.diff.clone(),
            error: None,
            created_at: readme.created_at,
            updated_at: readme.updated_at,
        }
    );

    // Nothing changed any more: no pending rows.
    std::fs::remove_file(wt.dir().join("bad\\name.txt")).unwrap();
    std::fs::remove_file(wt.dir().join("b.txt")).unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\n").unwrap();
    let third = turn(&f, s, "qwen").await;
    assert_eq!((third.rows.len(), third.replaced), (0, 2));

    let st = Staging {
        session_id: s,
        chat_id: None,
        task_id: None,
        agent: Some("no spaces allowed"),
        base_commit: None,
    };
    let err = supersede(&f.pool, &st, &[]).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid agent name \"no spaces allowed\"");
}

#[tokio::test]
async fn apply_writes_the_project_and_rebaselines_the_worktree() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let d = wt.dir();
    std::fs::write(d.join("README.md"), "hello\nworld\n").unwrap();
    std::fs::remove_file(d.join("src/main.rs")).unwrap();
    std::fs::create_dir_all(d.join("docs/deep")).unwrap();
    std::fs::write(d.join("docs/deep/new.md"), "# new\n").unwrap();
    std::fs::write(d.join("image.bin"), BINARY).unwrap();
    std::fs::write(d.join("logo.png"), b"\0new logo").unwrap();
    std::fs::write(d.join("untouched.txt"), "stays pending\n").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    assert_eq!(staged.len(), 6);

    for path in [
        "README.md",
        "src/main.rs",
        "docs/deep/new.md",
        "image.bin",
        "logo.png",
    ] {
        let row = apply(&f.pool, by_path(&staged, path).id).await.unwrap();
        assert_eq!(
            (row.status, row.error.as_deref()),
            (PendingStatus::Applied, None),
            "{path}"
        );
        assert!(row.applied_at.is_some());
    }
    let p = &f.project;
    assert_eq!(
        read(&p.join("README.md")).as_deref(),
        Some("hello\nworld\n")
    );
    assert!(!p.join("src/main.rs").exists());
    assert!(!p.join("src").exists(), "an emptied directory is pruned");
    assert_eq!(
        read(&p.join("docs/deep/new.md")).as_deref(),
        Some("# new\n")
    );
    assert_eq!(std::fs::read(p.join("image.bin")).unwrap(), BINARY);
    assert_eq!(std::fs::read(p.join("logo.png")).unwrap(), b"\0new logo");

    // Only the unapplied file still shows; the next turn stages just that.
    let wt_now = live(&f, s).await;
    assert_ne!(wt_now.base_commit, wt.base_commit);
    let left: Vec<String> = worktree::diff(&wt_now)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(left, vec!["untouched.txt".to_owned()]);
    let next = turn(&f, s, "goose").await;
    assert_eq!(
        next.rows.iter().map(brief).collect::<Vec<_>>(),
        vec![b(
            "untouched.txt",
            "create",
            "pending",
            "goose",
            None,
            Some("stays pending\n")
        )]
    );
    // The worktree itself was not touched by the applies.
    assert_eq!(
        read(&d.join("README.md")).as_deref(),
        Some("hello\nworld\n")
    );
}

#[tokio::test]
async fn apply_refuses_when_the_project_changed_since_the_base() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nagent\n").unwrap();
    std::fs::write(wt.dir().join("new.txt"), "agent\n").unwrap();
    std::fs::remove_file(wt.dir().join("src/main.rs")).unwrap();
    let staged = turn(&f, s, "goose").await.rows;

    std::fs::write(f.project.join("README.md"), "hello\nowner\n").unwrap();
    std::fs::write(f.project.join("new.txt"), "owner\n").unwrap();
    std::fs::write(f.project.join("src/main.rs"), "fn main() { owner() }\n").unwrap();
    let cases = [
        (
            "README.md",
            "the project file changed since the change was computed",
        ),
        ("new.txt", "the file already exists in the project"),
        (
            "src/main.rs",
            "the project file changed since the change was computed",
        ),
    ];
    for (path, reason) in cases {
        let id = by_path(&staged, path).id;
        let err = apply(&f.pool, id).await.unwrap_err();
        let msg = format!("conflict on {path}: {reason}");
        assert_eq!(err.to_string(), msg);
        let api = ApiError::from(err);
        assert_eq!((api.status.as_u16(), api.code), (409, "pending_conflict"));
        let row = get(&f.pool, id).await.unwrap();
        assert_eq!(
            (row.status, row.error.as_deref()),
            (PendingStatus::Pending, Some(msg.as_str()))
        );
    }
    assert_eq!(
        read(&f.project.join("README.md")).as_deref(),
        Some("hello\nowner\n")
    );
    assert_eq!(live(&f, s).await.base_commit, wt.base_commit);

    // Once the owner's edit is undone, the same row applies.
    std::fs::write(f.project.join("README.md"), "hello\n").unwrap();
    let row = apply(&f.pool, by_path(&staged, "README.md").id)
        .await
        .unwrap();
    assert_eq!((row.status, row.error), (PendingStatus::Applied, None));
}

#[tokio::test]
async fn a_retried_apply_completes_when_the_project_already_has_it() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nsame\n").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    std::fs::write(f.project.join("README.md"), "hello\nsame\n").unwrap();
    let row = apply(&f.pool, staged[0].id).await.unwrap();
    assert_eq!(row.status, PendingStatus::Applied);
    assert_eq!(worktree::diff(&live(&f, s).await).await.unwrap(), vec![]);
}

#[tokio::test]
async fn revert_restores_the_project_and_the_change_shows_again() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let d = wt.dir();
    std::fs::write(d.join("README.md"), "hello\nworld\n").unwrap();
    std::fs::write(d.join("created.txt"), "new\n").unwrap();
    std::fs::remove_file(d.join("src/main.rs")).unwrap();
    std::fs::write(d.join("logo.png"), b"\0other").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    for r in &staged {
        apply(&f.pool, r.id).await.unwrap();
    }
    assert_eq!(worktree::diff(&live(&f, s).await).await.unwrap(), vec![]);

    for r in &staged {
        let row = revert(&f.pool, r.id).await.unwrap();
        assert_eq!(
            (row.status, row.error.as_deref()),
            (PendingStatus::Reverted, None),
            "{}",
            r.path
        );
        assert!(row.reverted_at.is_some());
    }
    let p = &f.project;
    assert_eq!(read(&p.join("README.md")).as_deref(), Some("hello\n"));
    assert!(!p.join("created.txt").exists());
    assert_eq!(
        read(&p.join("src/main.rs")).as_deref(),
        Some("fn main() {}\n")
    );
    assert_eq!(std::fs::read(p.join("logo.png")).unwrap(), BINARY);
    assert_eq!(git(p, &["status", "--porcelain"]), "");

    // The worktree still holds the agent's versions: they are changes again.
    let again: Vec<String> = worktree::diff(&live(&f, s).await)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(
        again,
        vec!["README.md", "created.txt", "logo.png", "src/main.rs"]
    );

    // Reverting twice, or reverting something never applied, is refused.
    let err = revert(&f.pool, staged[0].id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot revert change {}: it is reverted", staged[0].id)
    );
    assert_eq!(ApiError::from(err).code, "invalid_status");
}

#[tokio::test]
async fn revert_refuses_when_the_project_changed_after_the_apply() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("README.md"), "hello\nworld\n").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    apply(&f.pool, staged[0].id).await.unwrap();
    std::fs::write(f.project.join("README.md"), "hello\nworld\nowner\n").unwrap();
    let err = revert(&f.pool, staged[0].id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflict on README.md: the project file changed since the change was computed"
    );
    let row = get(&f.pool, staged[0].id).await.unwrap();
    assert_eq!(row.status, PendingStatus::Applied);
}

#[tokio::test]
async fn reject_discards_the_change_from_the_worktree_when_unchanged_since() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let d = wt.dir();
    std::fs::write(d.join("README.md"), "hello\nnope\n").unwrap();
    std::fs::write(d.join("junk.txt"), "junk\n").unwrap();
    std::fs::remove_file(d.join("src/main.rs")).unwrap();
    std::fs::write(d.join("later.txt"), "v1\n").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    // The agent touched later.txt again after the diff: rejecting leaves it alone.
    std::fs::write(d.join("later.txt"), "v2\n").unwrap();

    for r in &staged {
        let row = reject(&f.pool, r.id, true).await.unwrap();
        assert_eq!(row.status, PendingStatus::Rejected);
    }
    assert_eq!(read(&d.join("README.md")).as_deref(), Some("hello\n"));
    assert!(!d.join("junk.txt").exists());
    assert_eq!(
        read(&d.join("src/main.rs")).as_deref(),
        Some("fn main() {}\n")
    );
    assert_eq!(read(&d.join("later.txt")).as_deref(), Some("v2\n"));
    let left: Vec<String> = worktree::diff(&live(&f, s).await)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(left, vec!["later.txt"]);
    // The project never saw any of it.
    assert_eq!(git(&f.project, &["status", "--porcelain"]), "");

    let err = apply(&f.pool, staged[0].id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot apply change {}: it is rejected", staged[0].id)
    );
    let api = ApiError::from(err);
    assert_eq!((api.status.as_u16(), api.code), (409, "invalid_status"));
    let missing = Uuid::new_v4();
    let api = ApiError::from(apply(&f.pool, missing).await.unwrap_err());
    assert_eq!(
        (api.status.as_u16(), api.code, api.message),
        (
            404,
            "not_found",
            format!("pending change {missing} not found")
        )
    );
}

#[tokio::test]
async fn binary_apply_needs_the_staged_bytes_in_the_worktree() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    std::fs::write(wt.dir().join("blob.bin"), b"\0one").unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    assert_eq!(
        (staged[0].new_content.as_deref(), staged[0].diff.as_deref()),
        (
            None,
            Some(
                format!(
                    "diff --git a/blob.bin b/blob.bin\nnew file mode 100644\nindex {}..{}\n\
                     Binary files /dev/null and b/blob.bin differ\n",
                    crate::worktree::ZERO_OID,
                    blob(b"\0one")
                )
                .as_str()
            )
        )
    );
    std::fs::write(wt.dir().join("blob.bin"), b"\0two").unwrap();
    let err = apply(&f.pool, staged[0].id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "blob.bin changed in the worktree since it was staged; wait for the next diff"
    );
    assert_eq!(ApiError::from(err).code, "stale_change");
    assert!(!f.project.join("blob.bin").exists());
}

#[tokio::test]
async fn large_text_files_are_staged_by_id_and_applied_from_the_worktree() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let big = "0123456789abcde\n".repeat(worktree::MAX_TEXT_BYTES / 16 + 1);
    std::fs::write(wt.dir().join("big.txt"), &big).unwrap();
    let staged = turn(&f, s, "goose").await.rows;
    assert_eq!(
        (staged[0].new_content.as_deref(), staged[0].diff.as_deref()),
        (
            None,
            Some(
                format!(
                    "diff --git a/big.txt b/big.txt\nnew file mode 100644\nindex {}..{}\n\
                     Large file /dev/null and b/big.txt differ (0 -> {} bytes, not shown)\n",
                    crate::worktree::ZERO_OID,
                    blob(big.as_bytes()),
                    big.len()
                )
                .as_str()
            )
        )
    );
    let row = apply(&f.pool, staged[0].id).await.unwrap();
    assert_eq!(row.status, PendingStatus::Applied);
    assert_eq!(
        std::fs::read_to_string(f.project.join("big.txt")).unwrap(),
        big
    );
    assert_eq!(worktree::diff(&live(&f, s).await).await.unwrap(), vec![]);
}

#[tokio::test]
async fn a_manual_change_applies_without_touching_the_worktree_base() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let change = worktree::build_change(
        "notes/todo.md".into(),
        None,
        Some((b"- x\n", worktree::mode::FILE)),
    )
    .unwrap();
    let st = Staging {
        session_id: s,
        chat_id: None,
        task_id: None,
        agent: None,
        base_commit: None,
    };
    let row = stage(&f.pool, &st, &change).await.unwrap();
    assert_eq!(
        brief(&row),
        Brief {
            agent: None,
            ..b(
                "notes/todo.md",
                "create",
                "pending",
                "x",
                None,
                Some("- x\n")
            )
        }
    );
    let row = apply(&f.pool, row.id).await.unwrap();
    assert_eq!(row.status, PendingStatus::Applied);
    assert_eq!(
        read(&f.project.join("notes/todo.md")).as_deref(),
        Some("- x\n")
    );
    let now = live(&f, s).await;
    assert_eq!(now.base_commit, wt.base_commit);
    assert_eq!(worktree::diff(&now).await.unwrap(), vec![]);
    let err = stage(
        &f.pool,
        &st,
        &FileChange {
            path: "../x".into(),
            ..change
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused path \"../x\": '.' or '..' component"
    );
}

#[tokio::test]
async fn concurrent_applies_in_one_session_chain_their_rebaselines() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    for i in 0..4 {
        std::fs::write(wt.dir().join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
    }
    let staged = turn(&f, s, "goose").await.rows;
    let results = futures::future::join_all(staged.iter().map(|r| apply(&f.pool, r.id))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(worktree::diff(&live(&f, s).await).await.unwrap(), vec![]);
}
