//! The symlink corpus, run through every filesystem tool: a link to `/etc`, a link
//! chain, a relative link escaping by `..`, a link to a sibling project inside the
//! same root, and the project directory itself swapped for a link after the fact.
//! Every one is refused with the guard's message, and nothing from outside the
//! project appears in any output.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::tools::ToolContext;
use crate::tools::testing::{MemoryStore, context, run, write_files};

/// Text that lives only outside the project.
const SECRET: &str = "TOP-SECRET-OUTSIDE";

/// `<tmp>/roots` is `chat.project_roots`; the project is `<tmp>/roots/project`,
/// with `<tmp>/roots/sibling` (inside the roots, outside the project) and
/// `<tmp>/outside` (outside both) beside it.
struct Corpus {
    _dir: tempfile::TempDir,
    base: PathBuf,
    ctx: ToolContext,
}

fn corpus() -> Corpus {
    let (dir, mut ctx) = context(MemoryStore::default());
    let base = dir.path().canonicalize().unwrap();
    let roots = base.join("roots");
    let project = roots.join("project");
    write_files(
        &project,
        &[
            ("notes.txt", "the answer is 42\n"),
            ("src/main.rs", "fn main() {}\n"),
        ],
    );
    write_files(
        &base,
        &[
            ("outside/secret.txt", &format!("{SECRET}\nroot:x:0:0\n")),
            ("roots/sibling/secret.txt", &format!("{SECRET} sibling\n")),
        ],
    );
    // Made after the project exists, as an attacker (or a careless agent) would.
    let link = |target: &str, name: &str| symlink(target, project.join(name)).unwrap();
    link("/etc", "etc");
    link("chain_b", "chain_a");
    link(base.join("outside").to_str().unwrap(), "chain_b");
    link("../../outside", "up");
    link("../../outside/secret.txt", "secret_link");
    link("../sibling", "to_sibling");
    ctx.root = project;
    ctx.roots = vec![roots];
    Corpus {
        _dir: dir,
        base,
        ctx,
    }
}

/// What the model would see: the output, or `error: <message>`.
async fn seen(ctx: &ToolContext, name: &str, args: Value) -> String {
    match run(ctx, name, args).await {
        Ok(out) => out.full.unwrap_or(out.content),
        Err(e) => format!("error: {e}"),
    }
}

fn escape(path: &str) -> String {
    format!("error: path {path:?} goes through a symlink that points outside the project root")
}

fn assert_nothing_leaked(out: &str) {
    for leak in [SECRET, "root:x:0:0", "127.0.0.1"] {
        assert!(!out.contains(leak), "{leak:?} leaked: {out}");
    }
}

#[tokio::test]
async fn links_out_of_the_project_are_refused_by_every_tool() {
    let c = corpus();
    let mut cases: Vec<(&str, Value, String)> = Vec::new();
    for path in [
        "etc",
        "etc/passwd",
        "etc/hosts",
        "chain_a",
        "chain_a/secret.txt",
        "up/secret.txt",
        "secret_link",
        "to_sibling/secret.txt",
    ] {
        cases.push(("read_file", json!({"path": path}), escape(path)));
        cases.push(("grep", json!({"pattern": ".", "path": path}), escape(path)));
    }
    for path in ["etc", "chain_a", "chain_b", "up", "to_sibling"] {
        cases.push(("list_dir", json!({"path": path}), escape(path)));
        cases.push(("glob", json!({"pattern": "*", "path": path}), escape(path)));
    }
    for (tool, args, want) in cases {
        let got = seen(&c.ctx, tool, args.clone()).await;
        assert_eq!(got, want, "{tool} {args}");
    }
}

#[tokio::test]
async fn walks_list_links_but_never_go_through_them() {
    let c = corpus();
    let cases = [
        (
            "list_dir",
            json!({"depth": 3}),
            "chain_a\nchain_b\netc\nnotes.txt\nsecret_link\nsrc/\nsrc/main.rs\nto_sibling\nup",
        ),
        ("glob", json!({"pattern": "**/*"}), "notes.txt\nsrc/main.rs"),
        (
            "glob",
            json!({"pattern": "passwd"}),
            r#"No files match "passwd"."#,
        ),
        (
            "grep",
            json!({"pattern": "SECRET|root|127"}),
            r#"No matches for "SECRET|root|127"."#,
        ),
        (
            "grep",
            json!({"pattern": "42"}),
            "notes.txt:1:the answer is 42",
        ),
    ];
    for (tool, args, want) in cases {
        let got = seen(&c.ctx, tool, args.clone()).await;
        assert_eq!(got, want, "{tool} {args}");
        assert_nothing_leaked(&got);
    }
}

/// The project was fine when created; then its directory became a link elsewhere.
#[tokio::test]
async fn a_project_dir_swapped_for_a_link_is_refused_at_use() {
    for target in ["outside", "/etc"] {
        let c = corpus();
        let project = c.ctx.root.clone();
        std::fs::rename(&project, c.base.join("project.real")).unwrap();
        let resolved = if target.starts_with('/') {
            PathBuf::from(target)
        } else {
            c.base.join(target)
        };
        symlink(&resolved, &project).unwrap();
        let want = format!(
            "error: the project directory {project:?} resolves to {resolved:?}, which is outside \
             chat.project_roots; no tool reads it until it is back inside"
        );
        let calls = [
            ("read_file", json!({"path": "secret.txt"})),
            ("read_file", json!({"path": "passwd"})),
            ("list_dir", json!({})),
            ("glob", json!({"pattern": "**/*"})),
            ("grep", json!({"pattern": "."})),
            ("git_status", json!({})),
        ];
        for (tool, args) in calls {
            assert_eq!(
                seen(&c.ctx, tool, args.clone()).await,
                want,
                "{tool} {args}"
            );
        }
    }
}

/// Without `chat.project_roots` a swapped project dir is the owner's business, but
/// links inside it are still confined to wherever it now is.
#[tokio::test]
async fn without_roots_links_are_still_confined_to_the_project() {
    let mut c = corpus();
    c.ctx.roots.clear();
    assert_eq!(
        seen(&c.ctx, "read_file", json!({"path": "up/secret.txt"})).await,
        escape("up/secret.txt")
    );
    assert_eq!(
        seen(&c.ctx, "read_file", json!({"path": "notes.txt"})).await,
        "     1\tthe answer is 42\n"
    );
}

#[test]
fn the_corpus_links_really_lead_outside() {
    let c = corpus();
    let p = |name: &str| c.ctx.root.join(name).canonicalize().unwrap();
    assert_eq!(p("etc"), Path::new("/etc"));
    assert_eq!(p("chain_a"), c.base.join("outside"));
    assert_eq!(p("up"), c.base.join("outside"));
    assert_eq!(p("secret_link"), c.base.join("outside/secret.txt"));
    assert_eq!(p("to_sibling"), c.base.join("roots/sibling"));
}
