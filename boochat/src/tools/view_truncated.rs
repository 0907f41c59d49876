//! `view_truncated_output`: page through the full text of an earlier truncated result.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, ToolOutput, cut_point, parse_args};

pub(crate) struct ViewTruncatedOutput;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    call_id: String,
    offset: Option<usize>,
    limit: Option<usize>,
}

#[async_trait::async_trait]
impl Tool for ViewTruncatedOutput {
    fn name(&self) -> &'static str {
        "view_truncated_output"
    }

    fn description(&self) -> &'static str {
        "Read more of a tool result that was truncated. Pass the `call_id` and the byte \
         `offset` named in the truncation note; each call returns the next page and says \
         which offset to continue from."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "call_id": { "type": "string", "description": "Id of the tool call whose output was truncated." },
                "offset": { "type": "integer", "minimum": 0, "description": "Byte offset to start reading at (default 0)." },
                "limit": { "type": "integer", "minimum": 1, "description": "Most bytes to return (default and maximum: one page)." },
            },
            "required": ["call_id"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let Some(full) = ctx.outputs.full_output(&args.call_id).await else {
            return Err(ToolError::Failed(format!(
                "no truncated output is stored for call_id {:?}; use the call_id from a \
                 truncation note",
                args.call_id
            )));
        };
        let total = full.len();
        let offset = args.offset.unwrap_or(0);
        if offset >= total && total > 0 {
            return Err(ToolError::InvalidArguments(format!(
                "offset: {offset} is past the end of the output ({total} bytes)"
            )));
        }
        if args.limit == Some(0) {
            return Err(ToolError::InvalidArguments(
                "limit: must be at least 1".to_owned(),
            ));
        }
        let mut start = offset.min(total);
        while !full.is_char_boundary(start) {
            start -= 1;
        }
        // Header and footer must fit beside the page so the registry never truncates
        // this result again; size them with the largest numbers they can hold.
        let header = |s: usize, e: usize| format!("[bytes {s}-{e} of {total}]\n");
        let more = |e: usize| {
            format!(
                "\n[more: call view_truncated_output with call_id {:?} and offset {e}]",
                args.call_id
            )
        };
        let end_note = "\n[end of output]";
        let reserve = header(total, total).len() + more(total).len().max(end_note.len());
        let page = ctx.limits.max_output_bytes.saturating_sub(reserve).max(1);
        let budget = args.limit.map_or(page, |l| l.min(page));
        let end = cut_point(&full, start, budget);
        Ok(ToolOutput::text(format!(
            "{}{}{}",
            header(start, end),
            &full[start..end],
            if end < total {
                more(end)
            } else {
                end_note.to_owned()
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MemoryStore, context, error, run, text, write_files};
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[tokio::test]
    async fn pages_through_a_stored_output() {
        let store = MemoryStore::default();
        let (_dir, ctx) = context(store.clone());
        store.insert("c9", "alpha\nbeta\ngamma\n");
        let out = text(
            &ctx,
            "view_truncated_output",
            json!({"call_id": "c9", "limit": 8}),
        )
        .await;
        assert_eq!(
            out,
            "[bytes 0-6 of 17]\nalpha\n\n[more: call view_truncated_output with call_id \"c9\" and offset 6]"
        );
        let out = text(
            &ctx,
            "view_truncated_output",
            json!({"call_id": "c9", "offset": 6}),
        )
        .await;
        assert_eq!(out, "[bytes 6-17 of 17]\nbeta\ngamma\n\n[end of output]");
        // An offset inside a multi-byte char starts at that char.
        store.insert("c10", "aé");
        let out = text(
            &ctx,
            "view_truncated_output",
            json!({"call_id": "c10", "offset": 2}),
        )
        .await;
        assert_eq!(out, "[bytes 1-3 of 3]\né\n[end of output]");
    }

    #[tokio::test]
    async fn unknown_ids_and_bad_offsets() {
        let store = MemoryStore::default();
        let (_dir, ctx) = context(store.clone());
        store.insert("c1", "abc");
        assert_eq!(
            error(&ctx, "view_truncated_output", json!({"call_id": "nope"})).await,
            r#"no truncated output is stored for call_id "nope"; use the call_id from a truncation note"#
        );
        assert_eq!(
            error(
                &ctx,
                "view_truncated_output",
                json!({"call_id": "c1", "offset": 3})
            )
            .await,
            "offset: 3 is past the end of the output (3 bytes)"
        );
    }

    /// A truncated read_file result, stored as the engine would, read back in pages
    /// that join up to exactly the full text.
    #[tokio::test]
    async fn truncation_round_trip() {
        let store = MemoryStore::default();
        let (_dir, mut ctx) = context(store.clone());
        ctx.limits.max_output_bytes = 1024;
        let body: String = (1..=300).map(|i| format!("line number {i}\n")).collect();
        write_files(&ctx.root, &[("big.txt", &body)]);

        let first = run(&ctx, "read_file", json!({"path": "big.txt"}))
            .await
            .unwrap();
        assert!(first.truncated);
        assert!(first.content.len() <= 1024, "{}", first.content.len());
        let full = first.full.clone().unwrap();
        store.insert("call_1", &full);

        let note = first.content.rsplit_once("\n\n").unwrap().1;
        let cut: usize = note
            .split("offset ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            note,
            format!(
                "[output truncated: showing bytes 0-{cut} of {}. Call view_truncated_output with \
                 call_id \"call_1\" and offset {cut} to read the rest.]",
                full.len()
            )
        );
        let mut joined = first.content[..cut].to_owned();
        let mut offset = cut;
        let mut pages = 0;
        loop {
            let page = run(
                &ctx,
                "view_truncated_output",
                json!({"call_id": "call_1", "offset": offset}),
            )
            .await
            .unwrap();
            assert!(!page.truncated, "a page must fit without re-truncation");
            assert!(page.content.len() <= 1024);
            let (header, rest) = page.content.split_once('\n').unwrap();
            let range = header
                .trim_start_matches("[bytes ")
                .split(' ')
                .next()
                .unwrap();
            let (s, e) = range.split_once('-').unwrap();
            let (s, e): (usize, usize) = (s.parse().unwrap(), e.parse().unwrap());
            assert_eq!(s, offset);
            joined.push_str(&rest[..e - s]);
            offset = e;
            pages += 1;
            if e == full.len() {
                assert_eq!(&rest[e - s..], "\n[end of output]");
                break;
            }
        }
        assert_eq!(joined, full);
        assert!(pages > 5, "{pages}");
    }
}
