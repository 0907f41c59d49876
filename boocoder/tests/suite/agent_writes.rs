//! "Agent writes never vanish", end to end: the scripted agent (`boo-fake-acp`, a real
//! child) writes every odd path of the corpus through `fs/write_text_file` in one
//! turn. Each write is either refused to the agent — with the message the in-process
//! check gives — and absent from the worktree, or lands and is a pending change with
//! the same path and content after the turn. Files made behind the agent's back
//! during a turn are staged too, or listed in the chat's `unstaged_files` notice.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use boo_testkit::workspace::{Node, git, tree};
use boocoder::pending::agent_write::{self, Refused};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::turns::{Fx, fx, next_frame};

/// Between two commands' reports in the agent's answer.
const SEP: &str = "\u{241e}";

async fn worktree_dir(f: &Fx) -> PathBuf {
    let path: String =
        sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1 AND status = 'live'")
            .bind(f.session)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    PathBuf::from(path)
}

/// (path, new content) of the session's open pending rows.
async fn pending_rows(f: &Fx) -> BTreeMap<String, Option<String>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT path, new_content FROM pending_changes WHERE session_id = $1 AND status = 'pending'",
    )
    .bind(f.session)
    .fetch_all(&f.pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// `metadata.files` of the chat's `unstaged_files` notices, oldest first.
async fn notices(f: &Fx) -> Vec<Value> {
    sqlx::query_scalar(
        "SELECT metadata -> 'files' FROM messages \
          WHERE chat_id = $1 AND role = 'system' AND metadata ->> 'kind' = 'unstaged_files' \
          ORDER BY seq",
    )
    .bind(f.chat)
    .fetch_all(&f.pool)
    .await
    .unwrap()
}

/// What the agent is told for `path`: the in-process check's verdict, as the ACP
/// handler words it.
fn expected_report(dir: &Path, path: &str) -> String {
    match agent_write::check(dir, path) {
        Ok(_) => format!("wrote {path}"),
        Err(Refused::Outside(e)) => {
            format!("error: refused: {e}; file access is confined to the session worktree")
        }
        Err(e) => format!("error: {e}"),
    }
}

#[tokio::test]
async fn every_odd_write_is_refused_to_the_agent_or_staged_exactly() {
    let f = fx().await;
    // In the base: `.gitignore` (*.log), `src/`, and `code -> src`.
    let project = f.project_dir.path();
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(project.join(".gitignore"), "*.log\n").unwrap();
    symlink("src", project.join("code")).unwrap();
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", "layout"]);
    let (status, _) = f.turn("say hi").await;
    assert_eq!(status, "completed");
    let dir = worktree_dir(&f).await;
    // Made in the worktree: a nested repository.
    std::fs::create_dir_all(dir.join("vendor/lib")).unwrap();
    git(&dir.join("vendor/lib"), &["init", "-q"]);
    std::fs::write(dir.join("vendor/lib/lib.rs"), "pub fn lib() {}\n").unwrap();

    let mut paths: Vec<String> = boo_testkit::odd_paths::odd_paths()
        .into_iter()
        .map(|(p, _)| p.to_owned())
        .collect();
    paths.push(format!("{}/abs.txt", dir.display()));
    let script: Vec<String> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| format!("write {} {i}\nsay {SEP}", json!(p)))
        .collect();
    let before = tree(&dir);
    let (status, answer) = f.turn(&script.join("\n")).await;
    assert_eq!(status, "completed");

    // The agent was told, per write, exactly what the in-process check says.
    let reports: Vec<&str> = answer
        .content
        .split(SEP)
        .filter(|r| !r.is_empty())
        .collect();
    let expected: Vec<String> = paths.iter().map(|p| expected_report(&dir, p)).collect();
    assert_eq!(reports, expected);

    // What landed is on disk, nothing else is; each landed file is a pending row with
    // the same path and content.
    let mut want_files = before.clone();
    let mut want_rows = BTreeMap::new();
    for (i, p) in paths.iter().enumerate() {
        if let Ok(landing) = agent_write::check(&dir, p) {
            let rel = landing.full.strip_prefix(&dir).unwrap().to_string_lossy();
            want_files.insert(
                rel.into_owned(),
                Node::File(i.to_string().into_bytes(), false),
            );
            want_rows.insert(landing.path, Some(i.to_string()));
        }
    }
    assert!(want_rows.len() >= 20, "{want_rows:?}");
    assert_eq!(tree(&dir), want_files);
    assert_eq!(pending_rows(&f).await, want_rows);
    assert_eq!(
        notices(&f).await,
        vec![json!([{
            "path": "vendor/lib",
            "reason": "a nested git repository (or submodule): its files are not staged"
        }])]
    );
}

#[tokio::test]
async fn files_made_behind_the_agents_back_are_staged_or_reported() {
    let f = fx().await;
    let (status, _) = f.turn("write first.txt one").await;
    assert_eq!(status, "completed");
    let dir = worktree_dir(&f).await;
    let mut ws = f.ws().await;
    // The agent waits on a permission card; meanwhile "a command it ran" writes.
    let acc = f.send("ask\nsay done").await;
    let card = next_frame(&mut ws, "permission_requested").await;
    std::fs::create_dir_all(dir.join("made by")).unwrap();
    std::fs::write(dir.join("made by/a command.txt"), "built\n").unwrap();
    std::fs::write(dir.join("bad\\name.txt"), "x").unwrap();
    std::fs::write(
        dir.join(std::ffi::OsStr::from_bytes(b"latin1-\xe9.txt")),
        "x",
    )
    .unwrap();
    let request = card["request_id"].as_str().unwrap();
    let resp = f
        .post(
            &format!("/api/permissions/{request}"),
            Some(json!({"option_id": "allow_once"})),
        )
        .await;
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(f.wait_task(acc.task_id).await.0, "completed");
    assert_eq!(
        pending_rows(&f).await,
        BTreeMap::from([
            ("first.txt".to_owned(), Some("one".to_owned())),
            (
                "made by/a command.txt".to_owned(),
                Some("built\n".to_owned())
            ),
        ])
    );
    let unstaged = json!([
        {"path": "bad\\name.txt", "reason": "refused path \"bad\\\\name.txt\": contains a backslash"},
        {"path": "latin1-\u{fffd}.txt", "reason": "the name is not valid UTF-8"},
    ]);
    let frame = next_frame(&mut ws, "sentinel").await;
    assert_eq!(
        (
            frame["chat_id"].as_str(),
            &frame["message"]["role"],
            &frame["message"]["metadata"]
        ),
        (
            Some(f.chat.to_string().as_str()),
            &json!("system"),
            &json!({"kind": "unstaged_files", "files": unstaged})
        )
    );
    assert_eq!(
        frame["message"]["content"],
        "2 changed file(s) in the worktree cannot be staged as pending changes:\n\
         \"bad\\\\name.txt\": refused path \"bad\\\\name.txt\": contains a backslash\n\
         \"latin1-\u{fffd}.txt\": the name is not valid UTF-8"
    );
    // The next turn finds the same files: no second notice.
    let (status, _) = f.turn("say again").await;
    assert_eq!(status, "completed");
    assert_eq!(notices(&f).await, vec![unstaged]);
}
