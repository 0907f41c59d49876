//! What a session may do ([`Mode`]), and what the model is told: the system
//! prompt and the prompt's text from ACP content blocks.

use agent_client_protocol::v1::schema as acp;

/// What a session may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read-only tools.
    Ask,
    /// Write and command tools, each asking permission first.
    Code,
    /// Write and command tools without asking.
    Auto,
}

impl Mode {
    pub(super) const ALL: [(Mode, &'static str, &'static str); 3] = [
        (Mode::Ask, "ask", "Ask (read-only)"),
        (Mode::Code, "code", "Code (asks before writes and commands)"),
        (Mode::Auto, "auto", "Auto (no asking)"),
    ];

    pub(super) fn id(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(m, _, _)| *m == self)
            .map_or("code", |(_, id, _)| id)
    }

    pub(super) fn parse(id: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, i, _)| *i == id)
            .map(|(m, _, _)| *m)
    }
}

/// The prompt's text: text blocks, links as `[name](uri)`, embedded text
/// resources as fenced blocks headed by their URI.
pub(super) fn prompt_text(blocks: &[acp::ContentBlock]) -> String {
    blocks
        .iter()
        .filter_map(|b| match b {
            acp::ContentBlock::Text(t) => Some(t.text.clone()),
            acp::ContentBlock::ResourceLink(l) => Some(format!("[{}]({})", l.name, l.uri)),
            acp::ContentBlock::Resource(r) => match &r.resource {
                acp::EmbeddedResourceResource::TextResourceContents(t) => {
                    Some(format!("{}\n```\n{}\n```", t.uri, t.text))
                }
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn system_prompt(
    cwd: &std::path::Path,
    mode: Mode,
    agent: Option<&crate::agents::AgentDef>,
) -> String {
    let mut s = format!(
        "You are BooCode, a coding agent. You work in the project at {}; tool paths are \
         relative to it. Read before you change; keep changes small and say what you did.",
        cwd.display()
    );
    s.push(' ');
    s.push_str(match mode {
        Mode::Ask => "This session is read-only: you can read, list and search files, but not change them or run commands.",
        Mode::Code => "You can write, edit and delete files and run commands; the user approves each one.",
        Mode::Auto => "You can write, edit and delete files and run commands.",
    });
    if let Some(a) = agent
        && !a.prompt.trim().is_empty()
    {
        s.push_str("\n\n");
        s.push_str(a.prompt.trim());
    }
    s
}
