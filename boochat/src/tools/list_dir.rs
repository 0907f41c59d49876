//! `list_dir`: the entries of a directory, a few levels deep, gitignore-aware.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::walk::walker;
use super::{
    Tool, ToolContext, ToolError, ToolOutput, blocking, bounded, parse_args, relative, resolve_path,
};

/// Most entries listed; the rest are counted.
const MAX_ENTRIES: usize = 500;

pub(crate) struct ListDir;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: Option<String>,
    depth: Option<usize>,
}

#[async_trait::async_trait]
impl Tool for ListDir {
    fn name(&self) -> &'static str {
        "list_dir"
    }

    fn description(&self) -> &'static str {
        "List a project directory: one entry per line as a path relative to the project \
         root, directories ending in `/`, sorted. Skips files ignored by .gitignore and the \
         .git directory. `depth` 1-3 (default 1) also lists subdirectories' contents."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": { "type": "string", "description": "Directory relative to the project root (default \".\")." },
                "depth": { "type": "integer", "minimum": 1, "maximum": 3, "description": "How many levels to list (default 1)." },
            },
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let depth = bounded("depth", args.depth, 1, 1, 3)?;
        let requested = args.path.unwrap_or_else(|| ".".to_owned());
        let (root, abs) = resolve_path(ctx, &requested)?;
        blocking(move || list(&root, &abs, &requested, depth))
            .await
            .map(ToolOutput::text)
    }
}

fn list(root: &Path, abs: &Path, requested: &str, depth: usize) -> Result<String, ToolError> {
    match abs.metadata() {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(ToolError::Failed(format!(
                "{requested:?} is a file, not a directory; use read_file to read it"
            )));
        }
        Err(_) => {
            return Err(ToolError::Failed(format!(
                "directory {requested:?} does not exist"
            )));
        }
    }
    let mut lines = Vec::new();
    let mut more = 0usize;
    for entry in walker(abs, Some(depth)).flatten() {
        if entry.depth() == 0 {
            continue;
        }
        if lines.len() == MAX_ENTRIES {
            more += 1;
            continue;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        let mut line = relative(root, entry.path());
        if is_dir {
            line.push('/');
        }
        lines.push(line);
    }
    // The walk is depth-first by name; a flat sort by path reads better.
    lines.sort();
    let mut out = if lines.is_empty() {
        format!("{requested:?} is empty (or everything in it is ignored)")
    } else {
        lines.join("\n")
    };
    if more > 0 {
        out.push_str(&format!(
            "\n[{more} more entries not listed; list a subdirectory or lower the depth]"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MemoryStore, context, error, text, write_files};
    use pretty_assertions::assert_eq;
    use serde_json::json;
    use std::os::unix::fs::symlink;

    fn project(root: &std::path::Path) {
        git2::Repository::init(root).unwrap();
        write_files(
            root,
            &[
                (".gitignore", "target/\n*.log\n"),
                ("Cargo.toml", "[package]\n"),
                ("src/main.rs", "fn main() {}\n"),
                ("src/tools/mod.rs", "\n"),
                ("src/tools/deep/x.rs", "\n"),
                ("target/debug/app", "bin"),
                ("debug.log", "log"),
                (".env", "A=1"),
            ],
        );
    }

    #[tokio::test]
    async fn lists_one_level_by_default() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        let out = text(&ctx, "list_dir", json!({})).await;
        assert_eq!(out, ".env\n.gitignore\nCargo.toml\nsrc/");
        let out = text(&ctx, "list_dir", json!({"path": "src"})).await;
        assert_eq!(out, "src/main.rs\nsrc/tools/");
    }

    #[tokio::test]
    async fn lists_deeper_levels() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        let out = text(&ctx, "list_dir", json!({"path": "./src", "depth": 3})).await;
        assert_eq!(
            out,
            "src/main.rs\nsrc/tools/\nsrc/tools/deep/\nsrc/tools/deep/x.rs\nsrc/tools/mod.rs"
        );
        let e = error(&ctx, "list_dir", json!({"depth": 4})).await;
        assert_eq!(e, "depth: 4 is out of range (1..=3)");
    }

    #[tokio::test]
    async fn caps_the_listing() {
        let (_dir, ctx) = context(MemoryStore::default());
        for i in 0..(super::MAX_ENTRIES + 3) {
            std::fs::write(ctx.root.join(format!("f{i:04}")), "").unwrap();
        }
        let out = crate::tools::testing::run(&ctx, "list_dir", json!({}))
            .await
            .unwrap();
        assert!(!out.truncated);
        let lines: Vec<&str> = out.content.lines().collect();
        assert_eq!(lines.len(), super::MAX_ENTRIES + 1);
        assert_eq!(lines[0], "f0000");
        assert_eq!(
            lines[super::MAX_ENTRIES],
            "[3 more entries not listed; list a subdirectory or lower the depth]"
        );
    }

    #[tokio::test]
    async fn errors_and_confinement() {
        let (dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        symlink(dir.path(), ctx.root.join("up")).unwrap();
        std::fs::create_dir(ctx.root.join("empty")).unwrap();
        let cases = [
            (
                json!({"path": "../"}),
                r#"path "../" escapes the project root"#,
            ),
            (
                json!({"path": "up"}),
                r#"path "up" goes through a symlink that points outside the project root"#,
            ),
            (
                json!({"path": ".git"}),
                r#"path ".git" is inside a .git directory, which is off limits"#,
            ),
            (
                json!({"path": "nope"}),
                r#"directory "nope" does not exist"#,
            ),
            (
                json!({"path": "Cargo.toml"}),
                r#""Cargo.toml" is a file, not a directory; use read_file to read it"#,
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "list_dir", args).await, want);
        }
        assert_eq!(
            text(&ctx, "list_dir", json!({"path": "empty"})).await,
            r#""empty" is empty (or everything in it is ignored)"#
        );
    }
}
