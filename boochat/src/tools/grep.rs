//! `grep`: regex search over project files with ripgrep's own crates
//! (`grep-regex` + `grep-searcher`, `ignore` for the gitignore-aware walk).
//! Each file is opened with `pathguard::open_confined`, so one swapped for a
//! symlink mid-walk is skipped, and the walk is bounded in time and files
//! ([`Budget`]).

use std::io;
use std::path::Path;

use boo_shared::pathguard::{OpenError, open_confined};
use globset::{GlobBuilder, GlobMatcher};
use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use serde::Deserialize;
use serde_json::{Value, json};

use super::walk::{Budget, walker};
use super::{
    Tool, ToolContext, ToolError, ToolOutput, blocking, bounded, parse_args, relative, resolve_path,
};

/// Longer lines are cut to this many chars.
const MAX_LINE_CHARS: usize = 500;

pub(crate) struct Grep;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    pattern: String,
    path: Option<String>,
    glob: Option<String>,
    case_insensitive: Option<bool>,
    context: Option<usize>,
    max_results: Option<usize>,
}

#[async_trait::async_trait]
impl Tool for Grep {
    fn name(&self) -> &'static str {
        "grep"
    }

    fn description(&self) -> &'static str {
        "Search project files for a regular expression (Rust regex syntax, like ripgrep). \
         Prints `path:line:text` per matching line (context lines as `path-line-text`, groups \
         separated by `--`). Skips binary files and files ignored by .gitignore. Narrow with \
         `path` (a directory or file) and `glob` (e.g. `*.rs`; without `/` it matches file \
         names). Stops after `max_results` matching lines (default 100). Symlinks are not \
         followed. On a huge tree it stops early and says so; narrow `path` or `glob` then."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": { "type": "string", "description": "Regular expression to search for." },
                "path": { "type": "string", "description": "Directory or file to search, relative to the project root (default \".\")." },
                "glob": { "type": "string", "description": "Only search files matching this glob, e.g. \"*.rs\" or \"src/**/*.ts\"." },
                "case_insensitive": { "type": "boolean", "description": "Ignore case (default false)." },
                "context": { "type": "integer", "minimum": 0, "maximum": 10, "description": "Lines of context around each match (default 0)." },
                "max_results": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Most matching lines to return (default 100)." },
            },
            "required": ["pattern"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let budget = Budget::new(&ctx.limits);
        let args: Args = parse_args(self.name(), args)?;
        let context = bounded("context", args.context, 0, 0, 10)?;
        let max_results = bounded("max_results", args.max_results, 100, 1, 1000)?;
        let matcher = RegexMatcherBuilder::new()
            .case_insensitive(args.case_insensitive.unwrap_or(false))
            .line_terminator(Some(b'\n'))
            .build(&args.pattern)
            .map_err(|e| ToolError::InvalidArguments(format!("pattern: {e}")))?;
        let filter = args
            .glob
            .as_deref()
            .map(|g| {
                let g = g.trim_start_matches("./");
                GlobBuilder::new(g)
                    .literal_separator(true)
                    .build()
                    .map(|glob| (glob.compile_matcher(), !g.contains('/')))
                    .map_err(|e| ToolError::InvalidArguments(format!("glob: {e}")))
            })
            .transpose()?;
        let requested = args.path.unwrap_or_else(|| ".".to_owned());
        let (root, base) = resolve_path(ctx, &requested)?;
        let search = Search {
            matcher,
            searcher: SearcherBuilder::new()
                .line_number(true)
                .binary_detection(BinaryDetection::quit(0))
                .before_context(context)
                .after_context(context)
                .build(),
            filter,
            max_results,
            budget,
        };
        let pattern = args.pattern;
        blocking(move || {
            let found = search.run(&root, &base, &requested)?;
            let mut out = match (found.lines.is_empty(), found.stopped.is_some()) {
                (false, _) => found.lines.join("\n"),
                (true, false) => format!("No matches for {pattern:?}."),
                (true, true) => format!("No matches for {pattern:?} in the files searched."),
            };
            if found.capped {
                out.push_str(&format!(
                    "\n[stopped at {max_results} matching lines; narrow the pattern, path or \
                     glob, or raise max_results]"
                ));
            }
            if let Some(note) = found.stopped {
                out.push('\n');
                out.push_str(&note);
            }
            Ok(ToolOutput::text(out))
        })
        .await
    }
}

struct Search {
    matcher: RegexMatcher,
    searcher: Searcher,
    /// The `glob` filter and whether it matches file names (no `/` in it).
    filter: Option<(GlobMatcher, bool)>,
    max_results: usize,
    budget: Budget,
}

#[derive(Default)]
struct Found {
    lines: Vec<String>,
    matches: usize,
    capped: bool,
    /// The budget's note when the walk stopped early.
    stopped: Option<String>,
}

impl Search {
    fn run(mut self, root: &Path, base: &Path, requested: &str) -> Result<Found, ToolError> {
        let mut found = Found::default();
        let meta = base
            .metadata()
            .map_err(|_| ToolError::Failed(format!("path {requested:?} does not exist")))?;
        if meta.is_file() {
            // An explicitly named file is searched even if ignored or unmatched by glob.
            self.budget.count_file();
            self.search_file(root, base, &mut found)
                .map_err(|e| match e {
                    OpenError::Path(e) => ToolError::Path(e),
                    OpenError::Io(e) => {
                        ToolError::Failed(format!("cannot read {requested:?}: {e}"))
                    }
                })?;
            found.stopped = self.budget.note("searched");
            return Ok(found);
        }
        for entry in walker(base, None).flatten() {
            if found.capped || !self.budget.admit(false) {
                break;
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            if let Some((glob, by_name)) = &self.filter {
                let subject: &Path = if *by_name {
                    Path::new(entry.file_name())
                } else {
                    path.strip_prefix(base).unwrap_or(path)
                };
                if !glob.is_match(subject) {
                    continue;
                }
            }
            if !self.budget.admit(true) {
                break;
            }
            if let Err(e) = self.search_file(root, path, &mut found) {
                tracing::debug!(path = %path.display(), error = %e, "grep skipped a file");
            }
        }
        found.stopped = self.budget.note("searched");
        Ok(found)
    }

    /// Search one file (opened confined to `root`) into `found`. Errors opening it
    /// are returned; errors while reading end its search quietly.
    fn search_file(
        &mut self,
        root: &Path,
        path: &Path,
        found: &mut Found,
    ) -> Result<(), OpenError> {
        let shown = relative(root, path);
        let file = open_confined(root, path, &shown)?;
        let separate = self.searcher.before_context() > 0 || self.searcher.after_context() > 0;
        let before = found.lines.len();
        if separate && !found.lines.is_empty() {
            found.lines.push("--".to_owned());
        }
        let sink = Collector {
            display: &shown,
            found: &mut *found,
            max: self.max_results,
            budget: &mut self.budget,
        };
        if let Err(e) = self.searcher.search_file(&self.matcher, &file, sink) {
            tracing::debug!(path = %shown, error = %e, "grep skipped a file");
        }
        if separate && found.lines.len() == before + 1 {
            // Nothing found in this file: drop the separator again.
            found.lines.pop();
        }
        Ok(())
    }
}

struct Collector<'a> {
    display: &'a str,
    found: &'a mut Found,
    max: usize,
    /// Checked per match, so one huge file cannot outlast the time bound.
    budget: &'a mut Budget,
}

impl Collector<'_> {
    fn push(&mut self, sep: char, number: Option<u64>, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim_end_matches('\n').trim_end_matches('\r');
        let text = match text.char_indices().nth(MAX_LINE_CHARS) {
            Some((cut, _)) => format!("{} …", &text[..cut]),
            None => text.to_owned(),
        };
        let number = number.unwrap_or(0);
        self.found
            .lines
            .push(format!("{}{sep}{number}{sep}{text}", self.display));
    }
}

impl Sink for Collector<'_> {
    type Error = io::Error;

    fn matched(&mut self, _: &Searcher, mat: &SinkMatch<'_>) -> Result<bool, io::Error> {
        if self.budget.out_of_time() {
            return Ok(false);
        }
        if self.found.matches == self.max {
            self.found.capped = true;
            return Ok(false);
        }
        self.found.matches += 1;
        self.push(':', mat.line_number(), mat.bytes());
        Ok(true)
    }

    fn context(&mut self, _: &Searcher, ctx: &SinkContext<'_>) -> Result<bool, io::Error> {
        self.push('-', ctx.line_number(), ctx.bytes());
        Ok(true)
    }

    fn context_break(&mut self, _: &Searcher) -> Result<bool, io::Error> {
        self.found.lines.push("--".to_owned());
        Ok(true)
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
                (".gitignore", "target/\n*.log\n"),
                (
                    "src/main.rs",
                    "fn main() {\n    let todo = 1;\n    // TODO: fix\n}\n",
                ),
                ("src/lib.rs", "// todo later\npub fn f() {}\n"),
                ("web/app.ts", "// TODO ts\n"),
                ("target/gen.rs", "// TODO generated\n"),
                ("build.log", "TODO in a log\n"),
                ("blob.bin", "TODO\0\0binary"),
            ],
        );
    }

    #[tokio::test]
    async fn finds_matches_and_respects_gitignore() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        let out = text(&ctx, "grep", json!({"pattern": "TODO"})).await;
        assert_eq!(
            out,
            "src/main.rs:3:    // TODO: fix\nweb/app.ts:1:// TODO ts"
        );
    }

    #[tokio::test]
    async fn filters_and_options() {
        let (_dir, ctx) = context(MemoryStore::default());
        project(&ctx.root);
        let cases = [
            (
                json!({"pattern": "todo", "case_insensitive": true, "glob": "*.rs"}),
                "src/lib.rs:1:// todo later\nsrc/main.rs:2:    let todo = 1;\nsrc/main.rs:3:    // TODO: fix",
            ),
            (
                json!({"pattern": "TODO", "path": "web"}),
                "web/app.ts:1:// TODO ts",
            ),
            (
                json!({"pattern": "TODO", "glob": "src/*.rs"}),
                "src/main.rs:3:    // TODO: fix",
            ),
            // An ignored file named explicitly is searched.
            (
                json!({"pattern": "TODO", "path": "build.log"}),
                "build.log:1:TODO in a log",
            ),
            (
                json!({"pattern": "nothing_here"}),
                r#"No matches for "nothing_here"."#,
            ),
        ];
        for (args, want) in cases {
            assert_eq!(text(&ctx, "grep", args.clone()).await, want, "{args}");
        }
    }

    #[tokio::test]
    async fn context_lines_and_separators() {
        let (_dir, ctx) = context(MemoryStore::default());
        write_files(
            &ctx.root,
            &[("a.txt", "1\nhit\n3\n4\n5\nhit\n7\n"), ("b.txt", "hit\n")],
        );
        let out = text(&ctx, "grep", json!({"pattern": "hit", "context": 1})).await;
        assert_eq!(
            out,
            "a.txt-1-1\na.txt:2:hit\na.txt-3-3\n--\na.txt-5-5\na.txt:6:hit\na.txt-7-7\n--\nb.txt:1:hit"
        );
    }

    #[tokio::test]
    async fn caps_results_with_a_note() {
        let (_dir, ctx) = context(MemoryStore::default());
        write_files(&ctx.root, &[("a.txt", "x1\nx2\nx3\n"), ("b.txt", "x4\n")]);
        let out = text(&ctx, "grep", json!({"pattern": "x", "max_results": 2})).await;
        assert_eq!(
            out,
            "a.txt:1:x1\na.txt:2:x2\n[stopped at 2 matching lines; narrow the pattern, path or glob, or raise max_results]"
        );
        // Exactly max matches: no note.
        let out = text(&ctx, "grep", json!({"pattern": "x", "max_results": 4})).await;
        assert_eq!(out, "a.txt:1:x1\na.txt:2:x2\na.txt:3:x3\nb.txt:1:x4");
    }

    #[tokio::test]
    async fn stops_early_on_a_huge_tree_and_says_so() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        for i in 0..30 {
            write_files(&ctx.root, &[(&format!("f{i:02}.txt"), "hit\n")]);
        }
        ctx.limits.walk_max_files = 10;
        let hits: String = (0..10).map(|i| format!("f{i:02}.txt:1:hit\n")).collect();
        assert_eq!(
            text(&ctx, "grep", json!({"pattern": "hit"})).await,
            format!("{hits}[stopped after 10 files searched; narrow the path or pattern]")
        );
        // Files the glob filters out are not counted as searched.
        write_files(&ctx.root, &[("z.md", "hit\n")]);
        assert_eq!(
            text(&ctx, "grep", json!({"pattern": "hit", "glob": "*.md"})).await,
            "z.md:1:hit"
        );
        ctx.limits.walk_max_files = 1000;
        ctx.limits.walk_timeout = std::time::Duration::ZERO;
        assert_eq!(
            text(&ctx, "grep", json!({"pattern": "hit"})).await,
            "No matches for \"hit\" in the files searched.\n[stopped after 0 ms: 0 files \
             searched; narrow the path or pattern]"
        );
        // A named file is searched, but the time bound still stops it at its first match.
        assert_eq!(
            text(&ctx, "grep", json!({"pattern": "hit", "path": "f00.txt"})).await,
            "No matches for \"hit\" in the files searched.\n[stopped after 0 ms: 1 file \
             searched; narrow the path or pattern]"
        );
    }

    #[tokio::test]
    async fn bad_arguments_and_confinement() {
        let (dir, ctx) = context(MemoryStore::default());
        write_files(dir.path(), &[("secret.txt", "TODO")]);
        std::os::unix::fs::symlink(dir.path(), ctx.root.join("up")).unwrap();
        let cases = [
            (
                json!({"pattern": "("}),
                "pattern: regex parse error:\n    (?:()\n    ^\nerror: unclosed group",
            ),
            (
                json!({"pattern": "x", "path": "../secret.txt"}),
                r#"path "../secret.txt" escapes the project root"#,
            ),
            (
                json!({"pattern": "x", "path": "up/secret.txt"}),
                r#"path "up/secret.txt" goes through a symlink that points outside the project root"#,
            ),
            (
                json!({"pattern": "x", "context": 11}),
                "context: 11 is out of range (0..=10)",
            ),
            (
                json!({"pattern": "x", "path": "nope"}),
                r#"path "nope" does not exist"#,
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "grep", args).await, want);
        }
        // The symlinked directory is not followed by the walk.
        assert_eq!(
            text(&ctx, "grep", json!({"pattern": "TODO"})).await,
            r#"No matches for "TODO"."#
        );
    }
}
