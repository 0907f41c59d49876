//! Checkpoints against real git repositories and a real Postgres.

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::Path;

use git2::Repository;
use pretty_assertions::assert_eq;
use uuid::Uuid;

use super::*;
use crate::worktree::tests::{Fixture, git};
use boo_testkit::workspace::{Node, scratch_tree, tree};

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn set_exec(dir: &Path, rel: &str) {
    std::fs::set_permissions(dir.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A chat and a task in `session`, for rows to point at.
async fn turn_rows(f: &Fixture, session: Uuid) -> (Uuid, Uuid) {
    let chat: Uuid = sqlx::query_scalar("INSERT INTO chats (session_id) VALUES ($1) RETURNING id")
        .bind(session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    let task = new_task(f, session, chat, "queued").await;
    (chat, task)
}

async fn new_task(f: &Fixture, session: Uuid, chat: Uuid, status: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO tasks (project_id, session_id, chat_id, agent, prompt, status)
         VALUES ($1, $2, $3, 'fake', 'p', $4) RETURNING id",
    )
    .bind(f.project_id)
    .bind(session)
    .bind(chat)
    .bind(status)
    .fetch_one(&f.pool)
    .await
    .unwrap()
}

fn turn<'a>(task: Uuid, chat: Uuid, prompt: &'a str) -> Turn<'a> {
    Turn {
        task_id: task,
        chat_id: Some(chat),
        message_id: None,
        agent: "fake",
        prompt,
    }
}

fn ref_target(dir: &Path, name: &str) -> Option<String> {
    Repository::open(dir)
        .unwrap()
        .refname_to_id(name)
        .ok()
        .map(|o| o.to_string())
}

#[tokio::test]
async fn a_checkpoint_holds_the_files_as_git_add_would_and_touches_nothing() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let wt = f.ensure(s).await.unwrap();
    let dir = wt.dir().to_path_buf();
    // Committed on the branch and unmodified: taken from the index as they are.
    write(&dir, "bin/tool", b"#!/bin/sh\n");
    set_exec(&dir, "bin/tool");
    symlink("bin/tool", dir.join("tool-link")).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "tools"]);
    write(&dir, "README.md", b"changed\n");
    std::fs::remove_file(dir.join("src/main.rs")).unwrap();
    write(&dir, "notes/new.txt", b"untracked\n");
    write(&dir, "run.sh", b"#!/bin/sh\n");
    set_exec(&dir, "run.sh");
    symlink("README.md", dir.join("readme-link")).unwrap();
    write(&dir, "build.log", b"ignored\n");
    write(&dir, "target/out.bin", b"ignored too\n");
    // Something staged: the index must stay as it is.
    git(&dir, &["add", "README.md"]);
    let index_file = Repository::open(&dir).unwrap().path().join("index");
    let index_before = std::fs::read(&index_file).unwrap();
    let files_before = tree(&dir);
    let head = git(&dir, &["rev-parse", "HEAD"]).trim().to_owned();

    let row = record(
        &f.pool,
        &wt,
        &turn(task, chat, "\n  write notes\nsecond line"),
    )
    .await
    .unwrap();

    assert_eq!(
        (
            row.session_id,
            row.n,
            row.task_id,
            row.chat_id,
            row.agent.as_str(),
            row.prompt_line.as_str()
        ),
        (s, 1, Some(task), Some(chat), "fake", "write notes")
    );
    assert_eq!(
        ref_target(&f.project, &ref_name(s, 1)),
        Some(row.commit_id.clone())
    );
    let repo = Repository::open(&f.project).unwrap();
    let commit = repo
        .find_commit(git2::Oid::from_str(&row.commit_id).unwrap())
        .unwrap();
    assert_eq!(commit.tree_id().to_string(), scratch_tree(&dir));
    assert_eq!(
        commit
            .parent_ids()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        vec![head.clone()]
    );
    let listed = git(
        &f.project,
        &["ls-tree", "-r", "--name-only", &row.commit_id],
    );
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        vec![
            ".gitignore",
            "README.md",
            "bin/tool",
            "logo.png",
            "notes/new.txt",
            "readme-link",
            "run.sh",
            "tool-link"
        ]
    );
    // Nothing moved: files, index, HEAD.
    assert_eq!(tree(&dir), files_before);
    assert_eq!(std::fs::read(&index_file).unwrap(), index_before);
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]).trim(), head);

    // The next one is number 2.
    let second = record(&f.pool, &wt, &turn(task, chat, "again"))
        .await
        .unwrap();
    assert_eq!(second.n, 2);
}

#[tokio::test]
async fn restore_puts_every_file_back_byte_for_byte_and_leaves_ignored_files() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let wt = f.ensure(s).await.unwrap();
    let dir = wt.dir().to_path_buf();
    // Line endings git would convert: the bytes on disk are what counts.
    write(&dir, ".gitattributes", b"* text=auto\n");
    write(&dir, "crlf.txt", b"one\r\ntwo\r\n");
    write(&dir, "keep/untracked.txt", b"made before the checkpoint\n");
    write(&dir, "tool.sh", b"#!/bin/sh\necho hi\n");
    set_exec(&dir, "tool.sh");
    symlink("keep/untracked.txt", dir.join("link")).unwrap();
    write(&dir, "mode.txt", b"plain\n");
    let at_checkpoint = tree(&dir);
    let first = record(&f.pool, &wt, &turn(task, chat, "first"))
        .await
        .unwrap();

    // A later turn changes everything it can.
    write(&dir, "crlf.txt", b"one\ntwo\n");
    write(&dir, "README.md", b"rewritten\n");
    std::fs::remove_file(dir.join("keep/untracked.txt")).unwrap();
    std::fs::remove_file(dir.join("src/main.rs")).unwrap();
    write(&dir, "brand/new/deep.txt", b"new\n");
    write(&dir, "new.txt", b"new\n");
    std::fs::remove_file(dir.join("tool.sh")).unwrap();
    write(&dir, "tool.sh", b"#!/bin/sh\necho changed\n");
    set_exec(&dir, "mode.txt");
    std::fs::remove_file(dir.join("link")).unwrap();
    write(&dir, "link", b"now a file\n");
    write(&dir, "later.log", b"ignored, made later\n");
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "agent commit"]);
    let second = record(&f.pool, &wt, &turn(task, chat, "second"))
        .await
        .unwrap();

    // Unconfirmed: refused with the turns it would discard.
    let refused = restore(&f.pool, s, 1, false).await.unwrap_err();
    match &refused {
        CheckpointError::DiscardsLater { n, discarded } => {
            assert_eq!(
                (*n, discarded.iter().map(|r| r.n).collect::<Vec<_>>()),
                (1, vec![1, 2])
            );
            assert_eq!(discarded[1], second);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refused.status_and_code(),
        (StatusCode::CONFLICT, "checkpoint_discards_later")
    );

    let done = restore(&f.pool, s, 1, true).await.unwrap();
    let mut want = at_checkpoint.clone();
    want.insert(
        "later.log".into(),
        Node::File(b"ignored, made later\n".to_vec(), false),
    );
    assert_eq!(tree(&dir), want);
    // The checkpoint holds the bytes, not what `text=auto` would make of them.
    assert_eq!(
        git(
            &dir,
            &["cat-file", "-p", &format!("{}:crlf.txt", first.commit_id)]
        ),
        "one\r\ntwo\r\n"
    );
    assert_eq!(done.checkpoint.n, 1);
    assert!(done.checkpoint.restored_at.is_some());
    assert_eq!(
        done.discarded.iter().map(|r| r.n).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(done.previous, None);
    assert!(
        !dir.join("brand").exists(),
        "directories emptied by the restore go"
    );
    // HEAD's branch and the index are back where they were.
    assert_eq!(git(&dir, &["rev-parse", "HEAD"]).trim(), f.head());
    assert_eq!(git(&dir, &["diff", "--cached", "--name-only"]), "");
    // Restoring again changes nothing.
    let again = restore(&f.pool, s, 1, true).await.unwrap();
    assert_eq!(again.files, FilesRestored::default());
    assert_eq!(tree(&dir), want);
    // Forward to checkpoint 2: the later turn's state again (its commit is HEAD's parent there).
    let forward = restore(&f.pool, s, 2, true).await.unwrap();
    assert_eq!(forward.previous.map(|p| p.n), Some(1));
    assert_eq!(
        tree(&dir).get("README.md"),
        Some(&Node::File(b"rewritten\n".to_vec(), false))
    );
    assert_eq!(
        tree(&dir).get("link"),
        Some(&Node::File(b"now a file\n".to_vec(), false))
    );
    assert_eq!(
        tree(&dir).get("mode.txt"),
        Some(&Node::File(b"plain\n".to_vec(), true))
    );
}

#[tokio::test]
async fn restore_refuses_unknown_checkpoints_and_running_turns() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let wt = f.ensure(s).await.unwrap();
    record(&f.pool, &wt, &turn(task, chat, "p")).await.unwrap();
    let e = restore(&f.pool, s, 2, true).await.unwrap_err();
    assert_eq!(e.status_and_code(), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(e.to_string(), format!("session {s} has no checkpoint 2"));
    let running = new_task(&f, s, chat, "running").await;
    let e = restore(&f.pool, s, 1, true).await.unwrap_err();
    assert_eq!(e.status_and_code(), (StatusCode::CONFLICT, "turn_running"));
    sqlx::query("UPDATE tasks SET status = 'completed' WHERE id = $1")
        .bind(running)
        .execute(&f.pool)
        .await
        .unwrap();
    restore(&f.pool, s, 1, true).await.unwrap();

    // A worktree directory that vanished is said so (no 500); nothing is marked restored.
    std::fs::rename(wt.dir(), wt.dir().with_extension("gone")).unwrap();
    let e = restore(&f.pool, s, 1, true).await.unwrap_err();
    assert_eq!(
        e.status_and_code(),
        (StatusCode::CONFLICT, "worktree_missing")
    );
    std::fs::rename(wt.dir().with_extension("gone"), wt.dir()).unwrap();
}

#[tokio::test]
async fn agents_hear_of_a_restore_once_on_their_next_turn() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let hub = Hub::new();
    let wt = f.ensure(s).await.unwrap();
    assert_eq!(
        before_turn(&f.pool, &hub, &wt, &turn(task, chat, "write a\nmore")).await,
        None
    );
    assert_eq!(
        before_turn(&f.pool, &hub, &wt, &turn(task, chat, "write b")).await,
        None
    );
    restore(&f.pool, s, 1, true).await.unwrap();
    let note = before_turn(&f.pool, &hub, &wt, &turn(task, chat, "next")).await;
    assert_eq!(
        note.as_deref(),
        Some(
            "The owner restored the worktree to checkpoint 1 (before your turn \"write a\"); later changes were discarded."
        )
    );
    // Told once.
    assert_eq!(
        before_turn(&f.pool, &hub, &wt, &turn(task, chat, "after")).await,
        None
    );
    // Another agent of the chat, that has had turns before the restore, hears it too.
    restore(&f.pool, s, 2, true).await.unwrap();
    let other = Turn {
        agent: "qwen",
        ..turn(task, chat, "x")
    };
    let mut conn = f.pool.acquire().await.unwrap();
    let untold = store::untold_restore(&mut conn, s, chat, "qwen")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        note_text(&untold, chat, other.agent),
        "The owner restored the worktree to checkpoint 2 (before fake's turn \"write b\"); later changes were discarded."
    );
    assert_eq!(with_note(Some("n".into()), "p".into()), "n\n\np");
    assert_eq!(with_note(None, "p".into()), "p");
}

#[tokio::test]
async fn a_checkpoint_that_cannot_be_made_is_shown_and_the_turn_goes_on() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let hub = Hub::new();
    let wt = f.ensure(s).await.unwrap();
    // HEAD points nowhere: there is no parent to record.
    let git_dir = Repository::open(wt.dir()).unwrap().path().to_path_buf();
    std::fs::write(git_dir.join("HEAD"), "ref: refs/heads/nowhere\n").unwrap();
    assert_eq!(
        before_turn(&f.pool, &hub, &wt, &turn(task, chat, "p")).await,
        None
    );
    let rows: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT role, metadata FROM messages WHERE chat_id = $1")
            .bind(chat)
            .fetch_all(&f.pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![(
            "system".to_owned(),
            serde_json::json!({"kind": FAILED_KIND})
        )]
    );
    assert_eq!(list(&f.pool, s).await.unwrap(), Vec::new());
    assert_eq!(ref_target(&f.project, &ref_name(s, 1)), None);
}

#[tokio::test]
async fn removing_the_worktree_prunes_the_refs_and_rows() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let other = f.session().await;
    let (chat, task) = turn_rows(&f, s).await;
    let (other_chat, other_task) = turn_rows(&f, other).await;
    let wt = f.ensure(s).await.unwrap();
    let other_wt = f.ensure(other).await.unwrap();
    record(&f.pool, &wt, &turn(task, chat, "a")).await.unwrap();
    record(&f.pool, &wt, &turn(task, chat, "b")).await.unwrap();
    record(&f.pool, &other_wt, &turn(other_task, other_chat, "c"))
        .await
        .unwrap();
    assert!(ref_target(&f.project, &ref_name(s, 2)).is_some());

    crate::worktree::remove_for_session(&f.pool, &f.cfg, s, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ref_target(&f.project, &ref_name(s, 1)), None);
    assert_eq!(ref_target(&f.project, &ref_name(s, 2)), None);
    assert_eq!(list(&f.pool, s).await.unwrap(), Vec::new());
    // Another session's are untouched.
    assert!(ref_target(&f.project, &ref_name(other, 1)).is_some());
    assert_eq!(list(&f.pool, other).await.unwrap().len(), 1);
    // Without a session (deleted: the orphan reaper's case) the branch names it.
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(other)
        .execute(&f.pool)
        .await
        .unwrap();
    crate::worktree::remove(&f.pool, &f.cfg, other_wt.id, true)
        .await
        .unwrap();
    assert_eq!(ref_target(&f.project, &ref_name(other, 1)), None);
}

#[test]
fn the_prompt_line_is_the_first_non_blank_line_cut_to_200_characters() {
    assert_eq!(
        prompt_line("\n \n  fix the bug  \nthen more"),
        "fix the bug"
    );
    assert_eq!(prompt_line(""), "");
    let long = "é".repeat(300);
    let cut = prompt_line(&long);
    assert_eq!(cut.chars().count(), 200);
    assert_eq!(cut, format!("{}…", "é".repeat(199)));
    assert_eq!(
        session_of_branch(&format!("boo/{}", Uuid::nil())),
        Some(Uuid::nil())
    );
    assert_eq!(session_of_branch("main"), None);
}
