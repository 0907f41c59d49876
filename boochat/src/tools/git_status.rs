//! `git_status`: branch, ahead/behind and changed files of the project repository.
//!
//! Read with libgit2 (`git2`), as the house style asks for git reads: no child
//! process, no dependence on the daemon's `PATH`, `HOME` or git config, and nothing
//! that could prompt or hang. The repository is opened at the project root only —
//! never discovered in a parent directory, which would read outside the project.

use std::ffi::OsStr;
use std::path::Path;

use git2::{BranchType, ErrorCode, Repository, RepositoryOpenFlags, Status, StatusOptions};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, blocking, parse_args, project_root};

/// Most entries listed per section; the rest are counted.
const MAX_PER_SECTION: usize = 200;

pub(crate) struct GitStatus;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {}

#[async_trait::async_trait]
impl Tool for GitStatus {
    fn name(&self) -> &'static str {
        "git_status"
    }

    fn description(&self) -> &'static str {
        "Show the project's git status: current branch, ahead/behind its upstream, and the \
         staged, unstaged, untracked and conflicted files (paths relative to the repository \
         root). Takes no arguments."
    }

    fn parameters(&self) -> Value {
        json!({ "type": "object", "properties": {}, "additionalProperties": false })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let Args {} = parse_args(self.name(), args)?;
        let root = project_root(ctx)?;
        blocking(move || status(&root).map(ToolOutput::text)).await
    }
}

fn status(root: &Path) -> Result<String, ToolError> {
    let repo = Repository::open_ext(root, RepositoryOpenFlags::NO_SEARCH, [] as [&OsStr; 0])
        .map_err(|_| ToolError::Failed("the project root is not a git repository".to_owned()))?;
    if repo.is_bare() {
        return Err(ToolError::Failed(
            "the project root is a bare git repository (no working tree)".to_owned(),
        ));
    }
    let mut out = branch_line(&repo).map_err(git_failure)?;

    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(false)
        .include_ignored(false)
        .renames_head_to_index(true);
    let statuses = repo.statuses(Some(&mut options)).map_err(git_failure)?;
    let mut staged = Vec::new();
    let mut unstaged = Vec::new();
    let mut untracked = Vec::new();
    let mut conflicted = Vec::new();
    for entry in statuses.iter() {
        let s = entry.status();
        let path = String::from_utf8_lossy(entry.path_bytes()).into_owned();
        if s.is_conflicted() {
            conflicted.push(path);
            continue;
        }
        if let Some(kind) = index_kind(s) {
            let shown = match entry.head_to_index().and_then(|d| d.old_file().path()) {
                Some(old) if s.is_index_renamed() => format!("{} -> {path}", old.display()),
                _ => path.clone(),
            };
            staged.push(format!("{kind}: {shown}"));
        }
        if let Some(kind) = worktree_kind(s) {
            unstaged.push(format!("{kind}: {path}"));
        }
        if s.is_wt_new() {
            untracked.push(path);
        }
    }
    if staged.is_empty() && unstaged.is_empty() && untracked.is_empty() && conflicted.is_empty() {
        out.push_str("\nworking tree clean");
    }
    for (title, items) in [
        ("conflicted", conflicted),
        ("staged", staged),
        ("unstaged", unstaged),
        ("untracked", untracked),
    ] {
        push_section(&mut out, title, &items);
    }
    Ok(out)
}

fn branch_line(repo: &Repository) -> Result<String, git2::Error> {
    let head = match repo.head() {
        Ok(head) => head,
        Err(e) if e.code() == ErrorCode::UnbornBranch => {
            let head = repo.find_reference("HEAD")?;
            let name = head
                .symbolic_target()
                .ok()
                .flatten()
                .and_then(|t| t.strip_prefix("refs/heads/"))
                .unwrap_or("HEAD")
                .to_owned();
            return Ok(format!("branch: {name} (no commits yet)"));
        }
        Err(e) => return Err(e),
    };
    let Some(oid) = head.target() else {
        return Ok("branch: HEAD (unresolved)".to_owned());
    };
    if !head.is_branch() {
        let short = oid.to_string().chars().take(7).collect::<String>();
        return Ok(format!("HEAD detached at {short}"));
    }
    let name = head.shorthand().unwrap_or("HEAD").to_owned();
    let upstream = repo
        .find_branch(&name, BranchType::Local)
        .and_then(|b| b.upstream())
        .ok();
    let Some(upstream) = upstream else {
        return Ok(format!("branch: {name} (no upstream)"));
    };
    let up_name = upstream
        .name()
        .ok()
        .flatten()
        .unwrap_or("upstream")
        .to_owned();
    match upstream.get().target() {
        Some(up_oid) => {
            let (ahead, behind) = repo.graph_ahead_behind(oid, up_oid)?;
            Ok(format!(
                "branch: {name} (upstream {up_name}: ahead {ahead}, behind {behind})"
            ))
        }
        None => Ok(format!("branch: {name} (upstream {up_name})")),
    }
}

fn index_kind(s: Status) -> Option<&'static str> {
    if s.is_index_new() {
        Some("added")
    } else if s.is_index_modified() {
        Some("modified")
    } else if s.is_index_deleted() {
        Some("deleted")
    } else if s.is_index_renamed() {
        Some("renamed")
    } else if s.is_index_typechange() {
        Some("typechange")
    } else {
        None
    }
}

fn worktree_kind(s: Status) -> Option<&'static str> {
    if s.is_wt_modified() {
        Some("modified")
    } else if s.is_wt_deleted() {
        Some("deleted")
    } else if s.is_wt_renamed() {
        Some("renamed")
    } else if s.is_wt_typechange() {
        Some("typechange")
    } else {
        None
    }
}

fn push_section(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n{title} ({}):", items.len()));
    for item in items.iter().take(MAX_PER_SECTION) {
        out.push_str("\n  ");
        out.push_str(item);
    }
    if items.len() > MAX_PER_SECTION {
        out.push_str(&format!("\n  … {} more", items.len() - MAX_PER_SECTION));
    }
}

fn git_failure(e: git2::Error) -> ToolError {
    ToolError::Failed(format!("git status failed: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MemoryStore, context, error, text, write_files};
    use git2::{Repository, RepositoryInitOptions, Signature};
    use pretty_assertions::assert_eq;
    use serde_json::json;
    use std::path::Path;

    fn init(root: &Path) -> Repository {
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        Repository::init_opts(root, &opts).unwrap()
    }

    fn commit_all(repo: &Repository, message: &str) -> git2::Oid {
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::now("Boo", "boo@example.invalid").unwrap();
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    fn stage(repo: &Repository, path: &str) {
        let mut index = repo.index().unwrap();
        index.add_path(Path::new(path)).unwrap();
        index.write().unwrap();
    }

    #[tokio::test]
    async fn reports_branch_upstream_and_changes() {
        let (_dir, ctx) = context(MemoryStore::default());
        let repo = init(&ctx.root);
        write_files(
            &ctx.root,
            &[
                ("a.txt", "a\n"),
                ("b.txt", "b\n"),
                ("c.txt", "c\n"),
                (".gitignore", "*.log\n"),
            ],
        );
        let first = commit_all(&repo, "first");
        repo.reference("refs/remotes/origin/main", first, true, "test upstream")
            .unwrap();
        repo.remote("origin", "https://example.invalid/boo.git")
            .unwrap();
        write_files(&ctx.root, &[("d.txt", "d\n")]);
        commit_all(&repo, "second");
        repo.find_branch("main", git2::BranchType::Local)
            .unwrap()
            .set_upstream(Some("origin/main"))
            .unwrap();

        write_files(
            &ctx.root,
            &[("a.txt", "a2\n"), ("b.txt", "b2\n"), ("new.txt", "n\n")],
        );
        stage(&repo, "b.txt");
        stage(&repo, "new.txt");
        std::fs::remove_file(ctx.root.join("c.txt")).unwrap();
        write_files(
            &ctx.root,
            &[
                ("notes/x.md", "x"),
                ("u.txt", "u"),
                ("debug.log", "ignored"),
            ],
        );

        let out = text(&ctx, "git_status", json!({})).await;
        assert_eq!(
            out,
            "branch: main (upstream origin/main: ahead 1, behind 0)\n\
             staged (2):\n  modified: b.txt\n  added: new.txt\n\
             unstaged (2):\n  modified: a.txt\n  deleted: c.txt\n\
             untracked (2):\n  notes/\n  u.txt"
        );
    }

    #[tokio::test]
    async fn clean_unborn_and_no_upstream() {
        let (_dir, ctx) = context(MemoryStore::default());
        let repo = init(&ctx.root);
        assert_eq!(
            text(&ctx, "git_status", json!(null)).await,
            "branch: main (no commits yet)\nworking tree clean"
        );
        write_files(&ctx.root, &[("a.txt", "a\n")]);
        commit_all(&repo, "first");
        assert_eq!(
            text(&ctx, "git_status", json!({})).await,
            "branch: main (no upstream)\nworking tree clean"
        );
    }

    #[tokio::test]
    async fn not_a_repository_even_inside_one() {
        let (dir, ctx) = context(MemoryStore::default());
        // The temp dir above the project is a repository; it must not be used.
        init(dir.path());
        assert_eq!(
            error(&ctx, "git_status", json!({})).await,
            "the project root is not a git repository"
        );
    }
}
