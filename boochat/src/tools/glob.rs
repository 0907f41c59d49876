//! `glob`: project files whose path matches a glob, gitignore-aware, bounded in
//! time and files looked at ([`Budget`]).

use std::path::Path;

use globset::GlobBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

use super::walk::{Budget, walker};
use super::{
    Tool, ToolContext, ToolError, ToolOutput, blocking, parse_args, relative, resolve_path,
};

/// Most paths listed; the rest are counted.
const MAX_MATCHES: usize = 500;

pub(crate) struct Glob;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    pattern: String,
    path: Option<String>,
}

#[async_trait::async_trait]
impl Tool for Glob {
    fn name(&self) -> &'static str {
        "glob"
    }

    fn description(&self) -> &'static str {
        "Find project files by glob pattern, e.g. `**/*.rs` or `src/**/mod.rs`. The pattern \
         is matched against paths relative to `path` (default: the project root); `*` stays \
         within one directory, `**` crosses directories, and a pattern without `/` matches \
         file names at any depth. Files ignored by .gitignore are skipped and symlinks are \
         not followed. Returns matching file paths relative to the project root, sorted. On a \
         huge tree it stops early and says so; narrow `path` or the pattern then."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": { "type": "string", "description": "Glob pattern, e.g. \"**/*.ts\"." },
                "path": { "type": "string", "description": "Directory to search under, relative to the project root (default \".\")." },
            },
            "required": ["pattern"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let mut budget = Budget::new(&ctx.limits);
        let args: Args = parse_args(self.name(), args)?;
        let pattern = args.pattern.trim_start_matches("./").to_owned();
        let matcher = GlobBuilder::new(&pattern)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| ToolError::InvalidArguments(format!("pattern: {e}")))?
            .compile_matcher();
        let by_name = !pattern.contains('/');
        let requested = args.path.unwrap_or_else(|| ".".to_owned());
        let (root, base) = resolve_path(ctx, &requested)?;
        blocking(move || {
            if !base.is_dir() {
                return Err(ToolError::Failed(format!(
                    "directory {requested:?} does not exist"
                )));
            }
            let mut hits = Vec::new();
            let mut more = 0usize;
            for entry in walker(&base, None).flatten() {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if !budget.admit(is_file) {
                    break;
                }
                if !is_file {
                    continue;
                }
                let path = entry.path();
                let subject: &Path = if by_name {
                    Path::new(entry.file_name())
                } else {
                    path.strip_prefix(&base).unwrap_or(path)
                };
                if !matcher.is_match(subject) {
                    continue;
                }
                if hits.len() == MAX_MATCHES {
                    more += 1;
                } else {
                    hits.push(relative(&root, path));
                }
            }
            hits.sort();
            let mut out = match (hits.is_empty(), budget.stopped()) {
                (false, _) => hits.join("\n"),
                (true, false) => format!("No files match {pattern:?}."),
                (true, true) => format!("No files match {pattern:?} among those checked."),
            };
            if more > 0 {
                out.push_str(&format!(
                    "\n[{more} more matches not listed; use a narrower pattern or path]"
                ));
            }
            if let Some(note) = budget.note("checked") {
                out.push('\n');
                out.push_str(&note);
            }
            Ok(ToolOutput::text(out))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MemoryStore, context, error, text, write_files};
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn project(root: &std::path::Path) {
        git2::Repository::init(root).unwrap();
        write_files(
            root,
            &[
                (".gitignore", "target/\n"),
                ("build.rs", ""),
                ("src/lib.rs", ""),
                ("src/tools/mod.rs", ""),
                ("src/tools/grep.rs", ""),
                ("src/web/app.ts", ""),
                ("target/debug/build/out.rs", ""),
            ],
        );
    }

    #[tokio::test]
    async fn matches_recursive_and_anchored_patterns() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        let cases = [
            (
                json!({"pattern": "**/*.rs"}),
                "build.rs\nsrc/lib.rs\nsrc/tools/grep.rs\nsrc/tools/mod.rs",
            ),
            (
                json!({"pattern": "*.rs"}),
                "build.rs\nsrc/lib.rs\nsrc/tools/grep.rs\nsrc/tools/mod.rs",
            ),
            (json!({"pattern": "src/*.rs"}), "src/lib.rs"),
            (json!({"pattern": "./src/**/mod.rs"}), "src/tools/mod.rs"),
            (
                json!({"pattern": "*.{ts,rs}", "path": "src/web"}),
                "src/web/app.ts",
            ),
            (
                json!({"pattern": "tools/*.rs", "path": "src"}),
                "src/tools/grep.rs\nsrc/tools/mod.rs",
            ),
            (json!({"pattern": "*.py"}), r#"No files match "*.py"."#),
        ];
        for (args, want) in cases {
            assert_eq!(text(&ctx, "glob", args.clone()).await, want, "{args}");
        }
    }

    #[tokio::test]
    async fn stops_early_on_a_huge_tree_and_says_so() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        for i in 0..30 {
            write_files(&ctx.root, &[(&format!("d/f{i:02}.rs"), "")]);
        }
        ctx.limits.walk_max_files = 10;
        let hits: String = (0..10).map(|i| format!("d/f{i:02}.rs\n")).collect();
        assert_eq!(
            text(&ctx, "glob", json!({"pattern": "**/*.rs"})).await,
            format!("{hits}[stopped after 10 files checked; narrow the path or pattern]")
        );
        ctx.limits.walk_max_files = 1000;
        ctx.limits.walk_timeout = std::time::Duration::ZERO;
        assert_eq!(
            text(&ctx, "glob", json!({"pattern": "**/*.rs"})).await,
            "No files match \"**/*.rs\" among those checked.\n[stopped after 0 ms: 0 files \
             checked; narrow the path or pattern]"
        );
    }

    #[tokio::test]
    async fn bad_patterns_and_paths() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        assert_eq!(
            error(&ctx, "glob", json!({"pattern": "src/[a"})).await,
            "pattern: error parsing glob 'src/[a': unclosed character class; missing ']'"
        );
        assert_eq!(
            error(&ctx, "glob", json!({"pattern": "*", "path": "../.."})).await,
            r#"path "../.." escapes the project root"#
        );
        assert_eq!(
            error(&ctx, "glob", json!({"pattern": "*", "path": "nope"})).await,
            r#"directory "nope" does not exist"#
        );
    }
}
