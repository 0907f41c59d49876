//! `read_file`: a text file with line numbers, whole or a line range.

use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

use boo_shared::pathguard::{OpenError, open_confined};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, blocking, parse_args, resolve_path};

/// Lines shown when no `limit` is given.
pub(crate) const DEFAULT_LINES: usize = 2000;
/// Longer lines (minified code) are cut to this many chars.
const MAX_LINE_CHARS: usize = 2000;
/// A NUL byte in this many leading bytes marks a file as binary.
const SNIFF_BYTES: u64 = 8192;

pub(crate) struct ReadFile;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: String,
    offset: Option<usize>,
    limit: Option<usize>,
}

#[async_trait::async_trait]
impl Tool for ReadFile {
    fn name(&self) -> &'static str {
        "read_file"
    }

    fn description(&self) -> &'static str {
        "Read a text file from the project, with line numbers (like `cat -n`). Paths are \
         relative to the project root. Reads up to 2000 lines unless `limit` says otherwise; \
         use `offset` (1-based line) and `limit` (lines) to read a part of a long or large \
         file. Binary files are refused."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": { "type": "string", "description": "File path relative to the project root." },
                "offset": { "type": "integer", "minimum": 1, "description": "First line to read (1-based)." },
                "limit": { "type": "integer", "minimum": 1, "description": "How many lines to read." },
            },
            "required": ["path"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        if args.offset == Some(0) {
            return Err(ToolError::InvalidArguments(
                "offset: lines are numbered from 1".to_owned(),
            ));
        }
        if args.limit == Some(0) {
            return Err(ToolError::InvalidArguments(
                "limit: must be at least 1".to_owned(),
            ));
        }
        let (root, abs) = resolve_path(ctx, &args.path)?;
        let max_file_bytes = ctx.limits.max_file_bytes;
        blocking(move || read(&root, &abs, &args, max_file_bytes))
            .await
            .map(ToolOutput::text)
    }
}

fn read(root: &Path, abs: &Path, args: &Args, max_file_bytes: u64) -> Result<String, ToolError> {
    let shown = &args.path;
    // Opened before anything is looked at, so every check below is about the file
    // actually read (a FIFO opens without blocking and is refused as not regular).
    let mut file = open_confined(root, abs, shown).map_err(|e| match e {
        OpenError::Path(e) => ToolError::Path(e),
        OpenError::Io(e) => io_failure(shown, &e),
    })?;
    let meta = file.metadata().map_err(|e| io_failure(shown, &e))?;
    if meta.is_dir() {
        return Err(ToolError::Failed(format!(
            "{shown:?} is a directory; use list_dir to see what is in it"
        )));
    }
    if !meta.is_file() {
        return Err(ToolError::Failed(format!(
            "{shown:?} is not a regular file"
        )));
    }
    let size = meta.len();
    let mut head = Vec::new();
    (&mut file)
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| io_failure(shown, &e))?;
    if head.contains(&0) {
        return Err(ToolError::Failed(format!(
            "{shown:?} looks like a binary file ({size} bytes); read_file only reads text"
        )));
    }
    let ranged = args.offset.is_some() || args.limit.is_some();
    let too_big = size > max_file_bytes;
    if too_big && !ranged {
        return Err(ToolError::Failed(format!(
            "{shown:?} is {size} bytes, over read_file's limit of {max_file_bytes} bytes; \
             read a part of it with offset and limit (in lines)"
        )));
    }
    let mut reader = BufReader::new(Cursor::new(head).chain(file));

    let first = args.offset.unwrap_or(1);
    let limit = args.limit.unwrap_or(DEFAULT_LINES);
    let last = first.saturating_add(limit - 1);
    let mut body = String::new();
    let mut line = Vec::new();
    let mut total = 0usize;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| io_failure(shown, &e))?
            == 0
        {
            break;
        }
        total += 1;
        if (first..=last).contains(&total) {
            push_numbered(&mut body, total, &line);
        } else if total > last && too_big {
            // Counting the rest of an over-limit file is not worth the read.
            return Ok(with_footer(body, first, last, None, size));
        }
    }

    if total == 0 {
        return Ok("(empty file)".to_owned());
    }
    if first > total {
        return Err(ToolError::InvalidArguments(format!(
            "offset: line {first} is past the end of {shown:?}, which has {total} lines"
        )));
    }
    let shown_last = last.min(total);
    if !ranged && shown_last == total {
        return Ok(body);
    }
    Ok(with_footer(body, first, shown_last, Some(total), size))
}

/// Text another reader produced (an ACP client's `fs/read_text_file`: lines
/// `first..` of a file, at most `limit`) in `read_file`'s form.
pub(crate) fn numbered(text: &str, first: usize, limit: usize) -> String {
    if text.is_empty() {
        return if first == 1 {
            "(empty file)".to_owned()
        } else {
            format!("[no lines from {first} on]")
        };
    }
    let mut body = String::new();
    let mut n = 0usize;
    for line in text.split_inclusive('\n') {
        push_numbered(&mut body, first + n, line.as_bytes());
        n += 1;
    }
    let ranged = first > 1 || n >= limit;
    if ranged {
        let last = first + n - 1;
        if n >= limit {
            body.push_str(&format!(
                "[lines {first}-{last}; continue with offset {}]",
                last + 1
            ));
        } else {
            body.push_str(&format!("[lines {first}-{last}]"));
        }
    }
    body
}

fn push_numbered(body: &mut String, number: usize, raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches('\n').trim_end_matches('\r');
    body.push_str(&format!("{number:>6}\t"));
    match text.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => {
            body.push_str(&text[..cut]);
            body.push_str(&format!(" … [line cut at {MAX_LINE_CHARS} chars]"));
        }
        None => body.push_str(text),
    }
    body.push('\n');
}

fn with_footer(
    mut body: String,
    first: usize,
    last: usize,
    total: Option<usize>,
    size: u64,
) -> String {
    match total {
        Some(total) if last < total => body.push_str(&format!(
            "[lines {first}-{last} of {total}; continue with offset {}]",
            last + 1
        )),
        Some(total) => body.push_str(&format!("[lines {first}-{last} of {total}]")),
        None => body.push_str(&format!(
            "[lines {first}-{last}; the file is {size} bytes, too large to count its lines; \
             continue with offset {}]",
            last + 1
        )),
    }
    body
}

fn io_failure(shown: &str, e: &io::Error) -> ToolError {
    match e.kind() {
        io::ErrorKind::NotFound => ToolError::Failed(format!("file {shown:?} does not exist")),
        _ => ToolError::Failed(format!("cannot read {shown:?}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MemoryStore, context, error, text, write_files};
    use pretty_assertions::assert_eq;
    use serde_json::json;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_clients_text_is_numbered_like_a_read() {
        assert_eq!(super::numbered("a\nb\n", 1, 2000), "     1\ta\n     2\tb\n");
        assert_eq!(
            super::numbered("c\nd", 3, 2),
            "     3\tc\n     4\td\n[lines 3-4; continue with offset 5]"
        );
        assert_eq!(super::numbered("", 1, 10), "(empty file)");
    }

    #[tokio::test]
    async fn reads_a_whole_file_with_line_numbers() {
        let (_dir, ctx) = context(MemoryStore::default());
        write_files(
            &ctx.root,
            &[("src/main.rs", "fn main() {\r\n    println!(\"hi\");\n}")],
        );
        let out = text(&ctx, "read_file", json!({"path": "src/main.rs"})).await;
        assert_eq!(
            out,
            "     1\tfn main() {\n     2\t    println!(\"hi\");\n     3\t}\n"
        );
        let abs = ctx.root.join("src/main.rs");
        let out = text(&ctx, "read_file", json!({"path": abs.to_str().unwrap()})).await;
        assert!(out.starts_with("     1\tfn main() {\n"));
    }

    #[tokio::test]
    async fn reads_a_range_and_reports_the_total() {
        let (_dir, ctx) = context(MemoryStore::default());
        let body: String = (1..=10).map(|i| format!("l{i}\n")).collect();
        write_files(&ctx.root, &[("a.txt", &body)]);
        let out = text(
            &ctx,
            "read_file",
            json!({"path": "a.txt", "offset": 3, "limit": 2}),
        )
        .await;
        assert_eq!(
            out,
            "     3\tl3\n     4\tl4\n[lines 3-4 of 10; continue with offset 5]"
        );
        let out = text(&ctx, "read_file", json!({"path": "a.txt", "offset": 9})).await;
        assert_eq!(out, "     9\tl9\n    10\tl10\n[lines 9-10 of 10]");
        let e = error(&ctx, "read_file", json!({"path": "a.txt", "offset": 11})).await;
        assert_eq!(
            e,
            r#"offset: line 11 is past the end of "a.txt", which has 10 lines"#
        );
        let e = error(&ctx, "read_file", json!({"path": "a.txt", "offset": 0})).await;
        assert_eq!(e, "offset: lines are numbered from 1");
    }

    #[tokio::test]
    async fn long_files_stop_at_the_default_line_count() {
        let (_dir, ctx) = context(MemoryStore::default());
        let body: String = (1..=2001).map(|_| "x\n").collect();
        write_files(&ctx.root, &[("long.txt", &body)]);
        let out = crate::tools::testing::run(&ctx, "read_file", json!({"path": "long.txt"}))
            .await
            .unwrap();
        let full = out.full.unwrap();
        assert!(full.starts_with("     1\tx\n"));
        assert!(full.ends_with("  2000\tx\n[lines 1-2000 of 2001; continue with offset 2001]"));
    }

    #[tokio::test]
    async fn refuses_binary_missing_directories_and_big_files() {
        let (_dir, mut ctx) = context(MemoryStore::default());
        write_files(
            &ctx.root,
            &[
                ("img.png", "\u{89}PNG\r\n\u{1a}\n\0\0\0"),
                ("big.txt", "0123456789\nabc\n"),
            ],
        );
        std::fs::create_dir(ctx.root.join("dir")).unwrap();
        ctx.limits.max_file_bytes = 8;
        let cases = [
            (
                json!({"path": "img.png"}),
                r#""img.png" looks like a binary file (12 bytes); read_file only reads text"#,
            ),
            (
                json!({"path": "nope.txt"}),
                r#"file "nope.txt" does not exist"#,
            ),
            (
                json!({"path": "dir"}),
                r#""dir" is a directory; use list_dir to see what is in it"#,
            ),
            (
                json!({"path": "big.txt"}),
                r#""big.txt" is 15 bytes, over read_file's limit of 8 bytes; read a part of it with offset and limit (in lines)"#,
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "read_file", args).await, want);
        }
        let out = text(&ctx, "read_file", json!({"path": "big.txt", "limit": 1})).await;
        assert_eq!(
            out,
            "     1\t0123456789\n[lines 1-1; the file is 15 bytes, too large to count its lines; continue with offset 2]"
        );
    }

    #[tokio::test]
    async fn stays_inside_the_root() {
        let (dir, ctx) = context(MemoryStore::default());
        write_files(dir.path(), &[("secret.txt", "s")]);
        write_files(&ctx.root, &[(".git/config", "[core]")]);
        symlink(dir.path().join("secret.txt"), ctx.root.join("link")).unwrap();
        let cases = [
            (
                "../secret.txt",
                r#"path "../secret.txt" escapes the project root"#,
            ),
            (
                "link",
                r#"path "link" goes through a symlink that points outside the project root"#,
            ),
            (
                "/etc/hostname",
                r#"path "/etc/hostname" is outside the project root"#,
            ),
            (
                ".git/config",
                r#"path ".git/config" is inside a .git directory, which is off limits"#,
            ),
        ];
        for (path, want) in cases {
            assert_eq!(error(&ctx, "read_file", json!({"path": path})).await, want);
        }
    }

    #[tokio::test]
    async fn empty_files_and_very_long_lines() {
        let (_dir, ctx) = context(MemoryStore::default());
        let long = "é".repeat(2005);
        write_files(&ctx.root, &[("empty", ""), ("min.js", &long)]);
        assert_eq!(
            text(&ctx, "read_file", json!({"path": "empty"})).await,
            "(empty file)"
        );
        let out = text(&ctx, "read_file", json!({"path": "min.js"})).await;
        assert_eq!(
            out,
            format!("     1\t{} … [line cut at 2000 chars]\n", "é".repeat(2000))
        );
    }
}
