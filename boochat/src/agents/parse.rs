//! Splitting `AGENTS.md` into agent sections: heading, frontmatter, prompt.

use std::collections::HashMap;

use super::frontmatter::{self, Frontmatter};
use super::{AgentDef, AgentsError};

/// Parses the text of an agents file. `file_label` names the file in errors
/// (`<file_label>:<line>: …`).
///
/// Stops at the first problem: a half-valid file loads nothing, so a typo can
/// never silently drop or weaken an agent.
pub fn parse(file_label: &str, text: &str) -> Result<Vec<AgentDef>, AgentsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut agents: Vec<AgentDef> = Vec::new();
    let mut first_lines: HashMap<String, usize> = HashMap::new();

    // The preamble runs up to the first heading outside a code fence.
    let mut at = next_heading(&lines, 0);
    while let Some(heading) = at {
        let (agent, next) = parse_section(file_label, &lines, heading)?;
        if let Some(&first_line) = first_lines.get(&name_key(&agent.name)) {
            return Err(AgentsError::DuplicateAgent {
                file: file_label.to_owned(),
                line: agent.line,
                agent: agent.name,
                first_line,
            });
        }
        first_lines.insert(name_key(&agent.name), agent.line);
        agents.push(agent);
        at = next;
    }
    Ok(agents)
}

/// The form of a name that lookups and the duplicate check compare.
pub(super) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Parses the section whose heading is at index `heading`; returns the agent and
/// the index of the next heading, if any.
fn parse_section(
    file: &str,
    lines: &[&str],
    heading: usize,
) -> Result<(AgentDef, Option<usize>), AgentsError> {
    let line = heading + 1;
    let name = heading_name(lines[heading]).unwrap_or_default().trim();
    if name.is_empty() {
        return Err(AgentsError::EmptyName {
            file: file.to_owned(),
            line,
        });
    }

    let open = (heading + 1..lines.len()).find(|&i| !lines[i].trim().is_empty());
    let open = match open {
        Some(i) if is_fence(lines[i]) => i,
        found => {
            // Point at the stray line, or at the heading when nothing follows it.
            let at = found.filter(|&i| heading_name(lines[i]).is_none());
            return Err(AgentsError::MissingFrontmatter {
                file: file.to_owned(),
                line: at.map_or(line, |i| i + 1),
                agent: name.to_owned(),
            });
        }
    };
    let close = (open + 1..lines.len())
        .take_while(|&i| heading_name(lines[i]).is_none())
        .find(|&i| is_fence(lines[i]))
        .ok_or_else(|| AgentsError::UnclosedFrontmatter {
            file: file.to_owned(),
            line: open + 1,
            agent: name.to_owned(),
        })?;

    let yaml = lines[open + 1..close].join("\n");
    let context = frontmatter::Context {
        file,
        agent: name,
        fence_line: open + 1,
    };
    let Frontmatter {
        model,
        description,
        tools,
        max_tool_calls,
        sampling,
    } = frontmatter::parse(&context, &yaml)?;

    let next = next_heading(lines, close + 1);
    let body = &lines[close + 1..next.unwrap_or(lines.len())];
    let agent = AgentDef {
        name: name.to_owned(),
        description,
        model,
        tools,
        max_tool_calls,
        sampling,
        prompt: trim_prompt(body),
        line,
    };
    Ok((agent, next))
}

/// The text after `## ` when `line` is an agent heading.
fn heading_name(line: &str) -> Option<&str> {
    line.strip_prefix("## ")
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Index of the first heading at or after `from` that is not inside a fenced
/// code block.
fn next_heading(lines: &[&str], from: usize) -> Option<usize> {
    let mut fence: Option<CodeFence> = None;
    for (i, line) in lines.iter().enumerate().skip(from) {
        match fence {
            Some(open) => {
                if open.is_closed_by(line) {
                    fence = None;
                }
            }
            None if heading_name(line).is_some() => return Some(i),
            None => fence = CodeFence::opened_by(line),
        }
    }
    None
}

/// An open Markdown code fence: its character and run length.
#[derive(Clone, Copy)]
struct CodeFence {
    marker: char,
    len: usize,
}

impl CodeFence {
    /// A line of at least three backticks or tildes (after up to three spaces)
    /// opens a fence.
    fn opened_by(line: &str) -> Option<Self> {
        let rest = strip_fence_indent(line)?;
        let marker = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = rest.chars().take_while(|c| *c == marker).count();
        // A backtick fence's info string cannot itself hold backticks.
        let info_ok = marker == '~' || !rest[len..].contains('`');
        (len >= 3 && info_ok).then_some(Self { marker, len })
    }

    /// The fence closes on a run of the same character at least as long, with
    /// nothing after it but spaces.
    fn is_closed_by(self, line: &str) -> bool {
        let Some(rest) = strip_fence_indent(line) else {
            return false;
        };
        let len = rest.chars().take_while(|c| *c == self.marker).count();
        len >= self.len && rest[len..].trim().is_empty()
    }
}

fn strip_fence_indent(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(' ');
    (line.len() - rest.len() <= 3).then_some(rest)
}

/// Drops blank lines before the prompt and whitespace after it; keeps the
/// indentation of the first line.
fn trim_prompt(body: &[&str]) -> String {
    let start = body
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(body.len());
    body[start..].join("\n").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::Sampling;
    use super::*;
    use pretty_assertions::assert_eq;

    const REALISTIC: &str = "\
# BooCode agents

Shared rules live in CLAUDE.md. Everything above the first agent heading is
ignored by the parser, so this preamble can say anything -- even show an example:

```markdown
## NotAnAgent
```

## Coder
---
model: qwen3.6-35b-a3b
description: Writes and edits code in the session worktree
max_tool_calls: 100
temperature: 0.6
top_p: 0.95
top_k: 20
min_p: 0
presence_penalty: 1.5
top_n_sigma: 1.0
dry_multiplier: 0.8
dry_base: 1.75
dry_allowed_length: 2
dry_penalty_last_n: -1
dry_sequence_breakers: [\"\\n\", \":\", \"\\\"\", \"*\"]
---
You are Coder. Make the smallest change that works.

### Rules
- Run the tests before you finish.

## Reviewer
---
description: Reads diffs and points out bugs
tools: [read_file, grep, git_status, git_diff]
temperature: 0.2
seed: 7
---

You review changes; you never edit files.

## Chat
---
tools: []
---
Answer briefly.
";

    fn agent(name: &str, line: usize, prompt: &str) -> AgentDef {
        AgentDef {
            name: name.into(),
            description: None,
            model: None,
            tools: None,
            max_tool_calls: None,
            sampling: Sampling::default(),
            prompt: prompt.into(),
            line,
        }
    }

    fn err(text: &str) -> String {
        parse("AGENTS.md", text).unwrap_err().to_string()
    }

    #[test]
    fn realistic_file_with_preamble_loads_three_agents() {
        let expected = vec![
            AgentDef {
                description: Some("Writes and edits code in the session worktree".into()),
                model: Some("qwen3.6-35b-a3b".into()),
                max_tool_calls: Some(100),
                sampling: Sampling {
                    temperature: Some(0.6),
                    top_p: Some(0.95),
                    top_k: Some(20),
                    min_p: Some(0.0),
                    presence_penalty: Some(1.5),
                    top_n_sigma: Some(1.0),
                    dry_multiplier: Some(0.8),
                    dry_base: Some(1.75),
                    dry_allowed_length: Some(2),
                    dry_penalty_last_n: Some(-1),
                    dry_sequence_breakers: Some(vec![
                        "\n".into(),
                        ":".into(),
                        "\"".into(),
                        "*".into(),
                    ]),
                    ..Sampling::default()
                },
                ..agent(
                    "Coder",
                    10,
                    "You are Coder. Make the smallest change that works.\n\n\
                     ### Rules\n- Run the tests before you finish.",
                )
            },
            AgentDef {
                description: Some("Reads diffs and points out bugs".into()),
                tools: Some(vec![
                    "read_file".into(),
                    "grep".into(),
                    "git_status".into(),
                    "git_diff".into(),
                ]),
                sampling: Sampling {
                    temperature: Some(0.2),
                    seed: Some(7),
                    ..Sampling::default()
                },
                ..agent("Reviewer", 32, "You review changes; you never edit files.")
            },
            AgentDef {
                tools: Some(vec![]),
                ..agent("Chat", 42, "Answer briefly.")
            },
        ];
        assert_eq!(parse("AGENTS.md", REALISTIC).unwrap(), expected);
    }

    #[test]
    fn empty_file_and_preamble_only_have_no_agents() {
        assert_eq!(parse("AGENTS.md", "").unwrap(), vec![]);
        assert_eq!(
            parse(
                "AGENTS.md",
                "# Agents\n\nNone yet.\n#### Not a heading\n##Nor this\n"
            )
            .unwrap(),
            vec![]
        );
    }

    #[test]
    fn fenced_headings_stay_in_the_prompt() {
        let text = "\
## Writer
---
---
Format replies like this:

````markdown
## Summary
```
## Still inside the four-backtick fence
```
````

~~~
## Tilde fence
~~~
Done.
## Next
---
---
";
        let prompt = "\
Format replies like this:

````markdown
## Summary
```
## Still inside the four-backtick fence
```
````

~~~
## Tilde fence
~~~
Done.";
        assert_eq!(
            parse("AGENTS.md", text).unwrap(),
            vec![agent("Writer", 1, prompt), agent("Next", 17, "")]
        );
    }

    #[test]
    fn frontmatter_may_follow_blank_lines_and_be_empty_or_comments() {
        let text = "## A\n\n\n---\n# only a comment\n---\n\n\n  indented first line\n\n";
        assert_eq!(
            parse("AGENTS.md", text).unwrap(),
            vec![agent("A", 1, "  indented first line")]
        );
    }

    #[test]
    fn crlf_line_endings_and_a_bom_are_accepted() {
        let text = "\u{feff}## A\r\n---\r\nmodel: m\r\n---\r\nline one\r\nline two\r\n";
        assert_eq!(
            parse("AGENTS.md", text).unwrap(),
            vec![AgentDef {
                model: Some("m".into()),
                ..agent("A", 1, "line one\nline two")
            }]
        );
    }

    #[test]
    fn missing_fence_names_the_stray_line() {
        assert_eq!(
            err("intro\n\n## Coder\n\nYou are Coder.\n"),
            "AGENTS.md:5: agent \"Coder\": expected a '---' frontmatter fence after the heading"
        );
    }

    #[test]
    fn missing_fence_at_end_of_file_or_before_next_heading_names_the_heading() {
        assert_eq!(
            err("## Coder\n\n"),
            "AGENTS.md:1: agent \"Coder\": expected a '---' frontmatter fence after the heading"
        );
        assert_eq!(
            err("## Rules\n## Coder\n---\n---\n"),
            "AGENTS.md:1: agent \"Rules\": expected a '---' frontmatter fence after the heading"
        );
    }

    #[test]
    fn unclosed_fence_names_the_opening_line() {
        assert_eq!(
            err("## Coder\n---\nmodel: m\n"),
            "AGENTS.md:2: agent \"Coder\": frontmatter fence is never closed \
             (expected a '---' line before the next agent or the end of the file)"
        );
        assert_eq!(
            err("## Coder\n---\nmodel: m\n## Next\n---\n---\n"),
            "AGENTS.md:2: agent \"Coder\": frontmatter fence is never closed \
             (expected a '---' line before the next agent or the end of the file)"
        );
    }

    #[test]
    fn heading_without_a_name_is_an_error() {
        assert_eq!(
            err("## A\n---\n---\n##   \n"),
            "AGENTS.md:4: agent heading has no name"
        );
    }

    #[test]
    fn duplicate_names_ignore_case_and_name_both_lines() {
        assert_eq!(
            parse(
                "/data/AGENTS.md",
                "## Coder\n---\n---\n\n## coder\n---\n---\n"
            )
            .unwrap_err(),
            AgentsError::DuplicateAgent {
                file: "/data/AGENTS.md".into(),
                line: 5,
                agent: "coder".into(),
                first_line: 1,
            }
        );
        assert_eq!(
            err("## Coder\n---\n---\n\n## coder\n---\n---\n"),
            "AGENTS.md:5: agent \"coder\" is already defined at line 1 (agent names ignore case)"
        );
    }

    #[test]
    fn heading_names_are_trimmed() {
        assert_eq!(
            parse("AGENTS.md", "##   Deep Thinker  \n---\n---\n").unwrap(),
            vec![agent("Deep Thinker", 1, "")]
        );
    }
}
