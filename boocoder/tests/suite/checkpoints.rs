//! Checkpoints end to end (CODER-12): the scripted agent (`boo-fake-acp`) changes the
//! worktree turn after turn (its own writes and a shell command's), each turn is
//! preceded by a checkpoint, and restoring one puts the worktree back byte for byte,
//! re-stages the pending changes, tells every device, and tells the agent on its
//! next turn.

use std::path::{Path, PathBuf};
use std::time::Duration;

use boo_shared::coder::{Checkpoint, CheckpointRestored, PendingChange};
use boo_testkit::workspace::{Node, fake_acp_providers, git, scratch_tree, tree};
use boo_testkit::{TestDb, wait_for};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use uuid::Uuid;

use super::turns::{Fx, fx_on, next_frame};

/// boocoder with booterm unreachable, so the agent's commands run as boocoder's own
/// children; the project has a `.gitignore` and two more tracked files.
async fn fx() -> Fx {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let f = fx_on(
        TestDb::create().await,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| s.term.grpc_addr = closed,
    )
    .await;
    let project = f.project_dir.path();
    std::fs::write(project.join(".gitignore"), "*.log\n").unwrap();
    std::fs::write(project.join("keep.txt"), "keep v0\n").unwrap();
    std::fs::write(project.join("gone.txt"), "will go\n").unwrap();
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", "layout"]);
    f
}

/// The session's live worktree directory.
async fn worktree_dir(f: &Fx) -> PathBuf {
    let path: String =
        sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1 AND status = 'live'")
            .bind(f.session)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    PathBuf::from(path)
}

async fn checkpoints(f: &Fx) -> Vec<Checkpoint> {
    f.get(&format!("/api/sessions/{}/checkpoints", f.session))
        .await
}

fn restore_path(f: &Fx, n: impl std::fmt::Display) -> String {
    format!("/api/sessions/{}/checkpoints/{n}/restore", f.session)
}

/// The checkpoint the list says precedes `task`.
fn of_task(list: &[Checkpoint], task: Uuid) -> Checkpoint {
    list.iter()
        .find(|c| c.task_id == Some(task))
        .cloned()
        .unwrap_or_else(|| panic!("a checkpoint of task {task} in {list:?}"))
}

/// (path, kind, new content, agent, task) of the session's open pending changes.
async fn pending_rows(
    f: &Fx,
) -> Vec<(String, String, Option<String>, Option<String>, Option<Uuid>)> {
    sqlx::query_as(
        "SELECT path, kind, new_content, agent, task_id FROM pending_changes \
          WHERE session_id = $1 AND status = 'pending' ORDER BY path",
    )
    .bind(f.session)
    .fetch_all(&f.pool)
    .await
    .unwrap()
}

/// The object `what` names in `dir`.
fn rev_parse(dir: &Path, what: &str) -> String {
    git(dir, &["rev-parse", what]).trim().to_owned()
}

const TURN_ONE: &str = r#"write a.txt turn one
write keep.txt keep v1
run {"command":"sh","args":["-c","rm gone.txt && mkdir -p sub && printf 'by the shell\\n' > sub/made.txt && chmod +x sub/made.txt && echo noise > one.log"]}"#;

const TURN_TWO: &str = r#"write b.txt turn two
write a.txt turn two changed a
run {"command":"sh","args":["-c","rm keep.txt && rm -r sub && echo more > two.log"]}"#;

#[tokio::test]
async fn restoring_a_checkpoint_puts_the_worktree_back_restages_and_tells_the_agent() {
    let f = fx().await;
    let mut ws = f.ws().await;
    // A first turn makes the worktree; then the owner edits it by hand.
    let opening = f.send("say ready").await;
    assert_eq!(f.wait_task(opening.task_id).await.0, "completed");
    let dir = worktree_dir(&f).await;
    std::fs::write(dir.join("README.md"), "hello, edited by hand\n").unwrap();
    std::fs::write(dir.join("owner.txt"), "untracked, by hand\n").unwrap();
    let before_one = tree(&dir);

    let one = f.send(TURN_ONE).await;
    assert_eq!(f.wait_task(one.task_id).await.0, "completed");
    let after_one = tree(&dir);
    assert_eq!(
        after_one.keys().collect::<Vec<_>>(),
        vec![
            ".gitignore",
            "README.md",
            "a.txt",
            "keep.txt",
            "one.log",
            "owner.txt",
            "sub/made.txt"
        ],
        "turn one wrote, changed, deleted, made a file by a command"
    );
    let two = f.send(TURN_TWO).await;
    assert_eq!(f.wait_task(two.task_id).await.0, "completed");
    assert_eq!(
        tree(&dir).keys().collect::<Vec<_>>(),
        vec![
            ".gitignore",
            "README.md",
            "a.txt",
            "b.txt",
            "one.log",
            "owner.txt",
            "two.log"
        ]
    );

    // One checkpoint per turn, newest first, naming its turn.
    let list = checkpoints(&f).await;
    assert_eq!(list.iter().map(|c| c.n).collect::<Vec<_>>(), vec![3, 2, 1]);
    let first = of_task(&list, one.task_id);
    let second = of_task(&list, two.task_id);
    let answer_one = f.answer(one.task_id).await;
    assert_eq!(
        first,
        Checkpoint {
            session_id: f.session,
            n: 2,
            commit: first.commit.clone(),
            task_id: Some(one.task_id),
            chat_id: Some(f.chat),
            message_id: Some(answer_one.id),
            agent: "fake".into(),
            prompt: "write a.txt turn one".into(),
            created_at: first.created_at,
            restored_at: None,
        }
    );
    let opening_checkpoint = of_task(&list, opening.task_id);
    assert_eq!(
        (opening_checkpoint.n, opening_checkpoint.prompt.as_str()),
        (1, "say ready")
    );
    // Each ref is there, on its commit, whose parent is the worktree's HEAD.
    let project = f.project_dir.path();
    for c in &list {
        let name = format!("refs/boo/checkpoints/{}/{}", f.session, c.n);
        assert_eq!(rev_parse(project, &name), c.commit);
        assert_eq!(
            rev_parse(project, &format!("{name}^")),
            rev_parse(&dir, "HEAD")
        );
    }

    // Without the confirmation: refused, with what would be discarded.
    let resp = f.post(&restore_path(&f, 2), None).await;
    assert_eq!(resp.status().as_u16(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "error": "restoring checkpoint 2 discards the work of 2 turn(s) (this checkpoint's turn and every later one); send {\"discard_later\": true} to go ahead",
            "code": "checkpoint_discards_later",
            "discarded": [first, second],
        })
    );
    let resp = f
        .post(&restore_path(&f, 2), Some(json!({"discard_later": false})))
        .await;
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(
        tree(&dir).contains_key("b.txt"),
        true,
        "nothing restored yet"
    );

    // Confirmed: the worktree is what it was before turn one, byte for byte; the
    // ignored files the turns made stay.
    let resp = f
        .post(&restore_path(&f, 2), Some(json!({"discard_later": true})))
        .await;
    assert_eq!(resp.status().as_u16(), 200);
    let restored: CheckpointRestored = resp.json().await.unwrap();
    let mut want = before_one.clone();
    want.insert("one.log".into(), Node::File(b"noise\n".to_vec(), false));
    want.insert("two.log".into(), Node::File(b"more\n".to_vec(), false));
    assert_eq!(tree(&dir), want);
    // The ref's tree is the tree git itself makes of the restored worktree.
    assert_eq!(
        rev_parse(
            project,
            &format!("refs/boo/checkpoints/{}/2^{{tree}}", f.session)
        ),
        scratch_tree(&dir)
    );
    assert_eq!(restored.checkpoint.n, 2);
    assert!(restored.checkpoint.restored_at.is_some());
    assert_eq!(restored.discarded, vec![first.clone(), second.clone()]);

    // Pending changes re-staged from the worktree, attributed to the turn before.
    let want_rows = vec![
        (
            "README.md".to_owned(),
            "edit".to_owned(),
            Some("hello, edited by hand\n".to_owned()),
            Some("fake".to_owned()),
            Some(opening.task_id),
        ),
        (
            "owner.txt".to_owned(),
            "create".to_owned(),
            Some("untracked, by hand\n".to_owned()),
            Some("fake".to_owned()),
            Some(opening.task_id),
        ),
    ];
    assert_eq!(pending_rows(&f).await, want_rows);
    let listed: Vec<PendingChange> = f.pending().await;
    let open: Vec<PendingChange> = listed
        .into_iter()
        .filter(|c| format!("{:?}", c.status) == "Pending")
        .collect();
    assert_eq!(restored.changes, open);
    assert_eq!(
        open.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(),
        vec!["README.md", "owner.txt"]
    );

    // Every device hears it.
    let frame = next_frame(&mut ws, "checkpoint_restored").await;
    assert_eq!(
        frame["checkpoint"],
        serde_json::to_value(&restored.checkpoint).unwrap()
    );
    assert_eq!(frame["discarded"], json!([first, second]));
    let frame = next_frame(&mut ws, "pending_changed").await;
    assert_eq!(
        frame["changes"],
        serde_json::to_value(&restored.changes).unwrap()
    );

    // The agent's next turn is told, once.
    let (status, told) = f.turn("say after").await;
    assert_eq!(status, "completed");
    assert_eq!(
        told.content,
        "Echo: The owner restored the worktree to checkpoint 2 (before your turn \"write a.txt turn one\"); later changes were discarded.after"
    );
    let (_, again) = f.turn("say again").await;
    assert_eq!(again.content, "again");
    let list = checkpoints(&f).await;
    assert_eq!(
        list.iter().map(|c| c.n).collect::<Vec<_>>(),
        vec![5, 4, 3, 2, 1]
    );
    assert_eq!(list[3].restored_at, restored.checkpoint.restored_at);
}

#[tokio::test]
async fn restore_refuses_bad_input_unknown_checkpoints_and_running_turns() {
    let f = fx().await;
    let (status, _) = f.turn("write x.txt x").await;
    assert_eq!(status, "completed");
    let confirm = Some(json!({"discard_later": true}));
    for (path, body, status, code) in [
        (restore_path(&f, 2), confirm.clone(), 404, "not_found"),
        (
            restore_path(&f, 0),
            confirm.clone(),
            400,
            "invalid_checkpoint",
        ),
        (
            restore_path(&f, "two"),
            confirm.clone(),
            400,
            "invalid_path_parameter",
        ),
        (
            format!("/api/sessions/{}/checkpoints/1/restore", Uuid::new_v4()),
            confirm.clone(),
            404,
            "not_found",
        ),
        (
            restore_path(&f, 1),
            Some(json!({"discard_later": "yes"})),
            400,
            "invalid_body",
        ),
        (
            restore_path(&f, 1),
            Some(json!({"confirm": true})),
            400,
            "invalid_body",
        ),
    ] {
        let resp = f.post(&path, body.clone()).await;
        let got = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(
            (got, v["code"].as_str()),
            (status, Some(code)),
            "{path} {body:?}: {v}"
        );
    }
    let resp = f
        .http
        .get(f.url(&format!("/api/sessions/{}/checkpoints", Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);

    // A turn is running (for 5 s): 409, whatever the confirmation.
    let slow = f.send("slow 5000").await;
    wait_for("the slow turn to run", Duration::from_secs(30), || async {
        (f.task_status(slow.task_id).await.0 == "running").then_some(())
    })
    .await;
    let resp = f.post(&restore_path(&f, 1), confirm.clone()).await;
    assert_eq!(resp.status().as_u16(), 409);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v,
        json!({
            "error": "a turn of this session is running; restore once it has ended",
            "code": "turn_running",
            "discarded": [],
        })
    );
    assert_eq!(f.wait_task(slow.task_id).await.0, "completed");
    let resp = f.post(&restore_path(&f, 1), confirm).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(!worktree_dir(&f).await.join("x.txt").exists());
}

#[tokio::test]
async fn removing_the_sessions_worktree_prunes_its_checkpoints() {
    let f = fx().await;
    for prompt in ["write x.txt x", "write y.txt y"] {
        assert_eq!(f.turn(prompt).await.0, "completed");
    }
    let project = f.project_dir.path();
    let refs = || {
        git(
            project,
            &[
                "for-each-ref",
                "--format=%(refname)",
                "refs/boo/checkpoints/",
            ],
        )
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        refs(),
        vec![
            format!("refs/boo/checkpoints/{}/1", f.session),
            format!("refs/boo/checkpoints/{}/2", f.session)
        ]
    );
    let settings = boo_shared::config::CoderConfig {
        worktree_root: f._scratch.path().join("wt"),
        ..Default::default()
    };
    boocoder::worktree::remove_for_session(&f.pool, &settings, f.session, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refs(), Vec::<String>::new());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM checkpoints WHERE session_id = $1")
        .bind(f.session)
        .fetch_one(&f.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    assert_eq!(checkpoints(&f).await, Vec::new());
}
