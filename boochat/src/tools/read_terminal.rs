//! `read_terminal`: the screen and scrollback of one of the session's booterm
//! terminals, by id or by tab number (see [`super::workspace`] for what it may reach).

use boo_shared::workspace::TabKind;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::workspace::{self, DEFAULT_LINES, MAX_LINES};
use super::{Tool, ToolContext, ToolError, ToolOutput, bounded, parse_args};

pub(crate) struct ReadTerminal;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    terminal: Option<String>,
    tab: Option<u32>,
    lines: Option<usize>,
}

/// The terminal the model named.
enum Which {
    Id(Uuid),
    Tab(u32),
}

#[async_trait::async_trait]
impl Tool for ReadTerminal {
    fn name(&self) -> &'static str {
        "read_terminal"
    }

    fn description(&self) -> &'static str {
        "Read what a terminal of this workspace session shows: its visible screen as plain \
         text, with up to `lines` lines of scrollback above it. Name the terminal by its id \
         (`terminal`) or by its tab number in the session (`tab`), not both. Only the \
         session's own terminals can be read."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "terminal": { "type": "string", "format": "uuid", "description": "The terminal's id (a UUID)." },
                "tab": { "type": "integer", "minimum": 1, "description": "The terminal's tab number in this session." },
                "lines": { "type": "integer", "minimum": 0, "maximum": MAX_LINES, "description": format!("Lines of scrollback above the screen (default {DEFAULT_LINES}, 0 = the screen only).") },
            },
            "additionalProperties": false,
        })
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(self.name(), args)?;
        let lines = bounded("lines", args.lines, DEFAULT_LINES, 0, MAX_LINES)?;
        let which = match (args.terminal.as_deref(), args.tab) {
            (Some(_), Some(_)) => {
                return Err(ToolError::InvalidArguments(
                    "give either terminal or tab, not both".to_owned(),
                ));
            }
            (None, None) => {
                return Err(ToolError::InvalidArguments(
                    "give terminal (a terminal id) or tab (a tab number)".to_owned(),
                ));
            }
            (Some(raw), None) => Which::Id(Uuid::parse_str(raw.trim()).map_err(|_| {
                ToolError::InvalidArguments(format!(
                    "terminal: {raw:?} is not a terminal id (a UUID)"
                ))
            })?),
            (None, Some(number)) => Which::Tab(number),
        };
        let scope = workspace::scope(ctx, self.name())?;
        let (id, tab) = match which {
            Which::Id(id) => (id, None),
            Which::Tab(number) => {
                let t = workspace::tab(scope, number).await?;
                if t.kind != TabKind::Term {
                    return Err(ToolError::Failed(format!(
                        "tab {number} is a {}, not a terminal; read it with read_tab_by_number",
                        workspace::kind_label(t.kind)
                    )));
                }
                (t.id, Some(number))
            }
        };
        workspace::terminal_screen(scope, id, tab, lines)
            .await
            .map(ToolOutput::text)
    }
}

#[cfg(test)]
mod tests {
    use crate::tools::testing::{MemoryStore, context, error};
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[tokio::test]
    async fn arguments_are_checked_before_anything_is_read() {
        let (_dir, ctx) = context(MemoryStore::default());
        let cases = [
            (
                json!({"lines": 2001, "tab": 1}),
                "lines: 2001 is out of range (0..=2000)",
            ),
            (
                json!({"tab": -1}),
                "invalid arguments for read_terminal: tab: invalid value: integer `-1`, expected u32",
            ),
            (
                json!({"id": "x"}),
                "invalid arguments for read_terminal: unknown field `id`, expected one of `terminal`, `tab`, `lines`",
            ),
            (
                json!({}),
                "give terminal (a terminal id) or tab (a tab number)",
            ),
            (
                json!({"terminal": "0e0e0e0e-0000-4000-8000-000000000001", "tab": 2}),
                "give either terminal or tab, not both",
            ),
            (
                json!({"terminal": "tab-2"}),
                r#"terminal: "tab-2" is not a terminal id (a UUID)"#,
            ),
            // Outside a workspace session (boochat acp) there is nothing to read.
            (
                json!({"tab": 1}),
                "read_terminal reads the tabs of a workspace session; this conversation has none",
            ),
        ];
        for (args, want) in cases {
            assert_eq!(error(&ctx, "read_terminal", args).await, want);
        }
    }
}
