//! Turning serde-saphyr's errors into load errors that name the file line,
//! the key and, for an unknown key, the key that was probably meant.

use serde_saphyr::{MessageFormatter, UserMessageFormatter};

use super::AgentsError;
use super::frontmatter::Context;

/// The load error for a frontmatter block that serde-saphyr rejected.
pub(super) fn to_agents_error(
    ctx: &Context<'_>,
    err: &serde_saphyr::Error,
    yaml: &str,
) -> AgentsError {
    let err = err.without_snippet();
    let line = err
        .location()
        .map_or(ctx.fence_line + 1, |at| ctx.line(&at));
    if let serde_saphyr::Error::SerdeUnknownField {
        field, expected, ..
    } = err
    {
        return AgentsError::UnknownKey {
            file: ctx.file.to_owned(),
            line,
            agent: ctx.agent.to_owned(),
            key: field.clone(),
            suggestion: closest(field, expected).map(str::to_owned),
        };
    }
    let message = match err {
        serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } => {
            format!("`{}` is set twice", key.escape_debug())
        }
        _ => {
            let message = yaml_message(err);
            // Name the key when the error sits on a `key: value` line.
            let key = (line > ctx.fence_line)
                .then(|| yaml.lines().nth(line - ctx.fence_line - 1))
                .flatten()
                .and_then(top_level_key);
            match key {
                Some(key) => format!("`{key}`: {message}"),
                None => message,
            }
        }
    };
    AgentsError::InvalidYaml {
        file: ctx.file.to_owned(),
        line,
        agent: ctx.agent.to_owned(),
        message,
    }
}

/// The YAML error in words for someone editing the file, control characters
/// escaped.
fn yaml_message(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    let text = match err {
        E::InvalidScalar { ty, .. } if ty.starts_with(['i', 'u']) => "expected an integer".into(),
        E::InvalidScalar { ty, .. } if ty.contains("float") => "expected a number".into(),
        E::Unexpected {
            expected: "string scalar",
            ..
        } => "expected a string".into(),
        E::Unexpected {
            expected: "sequence start",
            ..
        } => "expected a list".into(),
        E::Unexpected {
            expected: "mapping start",
            ..
        } => "expected `key: value` lines".into(),
        other => UserMessageFormatter.format_message(other),
    };
    text.chars().flat_map(char::escape_debug).collect()
}

/// `key` from a `key: value` line at the top level of the frontmatter.
fn top_level_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then_some(key)
}

/// The known key an unknown one was most likely meant to be: the same key with
/// `-` for `_` or other letter case, else the nearest within two edits.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let normalized = key.to_lowercase().replace('-', "_");
    if let Some(exact) = known.iter().find(|k| **k == normalized) {
        return Some(exact);
    }
    known
        .iter()
        .map(|k| (edit_distance(&normalized, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::{AgentDef, parse};
    use super::*;
    use pretty_assertions::assert_eq;

    /// The agent `A` with `frontmatter` after a two-line preamble, so the
    /// opening fence is line 4 and the first frontmatter line is line 5.
    fn parse_one(frontmatter: &str) -> Result<AgentDef, AgentsError> {
        let text = format!("Preamble.\n\n## A\n---\n{frontmatter}\n---\nPrompt.\n");
        parse("AGENTS.md", &text).map(|mut agents| agents.remove(0))
    }

    fn error_of(frontmatter: &str) -> String {
        match parse_one(frontmatter) {
            Ok(agent) => format!("accepted: {agent:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn unknown_key_is_an_error_with_a_suggestion() {
        assert_eq!(
            parse_one("model: m\ntempurature: 0.5"),
            Err(AgentsError::UnknownKey {
                file: "AGENTS.md".into(),
                line: 6,
                agent: "A".into(),
                key: "tempurature".into(),
                suggestion: Some("temperature".into()),
            })
        );
        assert_eq!(
            [error_of("Top-P: 0.5"), error_of("temp: 1")],
            [
                "AGENTS.md:5: agent \"A\": unknown frontmatter key `Top-P` (did you mean `top_p`?)",
                "AGENTS.md:5: agent \"A\": unknown frontmatter key `temp`",
            ]
        );
    }

    #[test]
    fn yaml_errors_name_the_file_line() {
        let cases = [
            (
                "model: m\n\ntop_k: 1.5",
                "AGENTS.md:7: agent \"A\": invalid frontmatter: `top_k`: expected an integer",
            ),
            (
                "temperature: hot",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: `temperature`: expected a number",
            ),
            (
                "max_tool_calls: 1.0",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: `max_tool_calls`: expected an integer",
            ),
            (
                "model: [a, b]",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: `model`: expected a string",
            ),
            (
                "tools: read_file",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: `tools`: expected a list",
            ),
            (
                "tools:\n  - a\n  - [b]",
                "AGENTS.md:7: agent \"A\": invalid frontmatter: expected a string",
            ),
            (
                "model: x\nmodel: y",
                "AGENTS.md:6: agent \"A\": invalid frontmatter: `model` is set twice",
            ),
            (
                "model: x\n  bad: indent",
                "AGENTS.md:6: agent \"A\": invalid frontmatter: mapping values are not allowed in this context",
            ),
            (
                "model: 'open",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: `model`: unclosed quote",
            ),
            (
                "just some text",
                "AGENTS.md:5: agent \"A\": invalid frontmatter: expected `key: value` lines",
            ),
        ];
        let (inputs, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
        assert_eq!(
            inputs.into_iter().map(error_of).collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn closest_prefers_separator_and_case_fixes_then_two_edits() {
        let known = ["top_p", "top_k", "temperature", "seed"];
        assert_eq!(
            [
                closest("TOP-K", &known),
                closest("tempreture", &known),
                closest("sed", &known),
                closest("creativity", &known),
            ],
            [Some("top_k"), Some("temperature"), Some("seed"), None]
        );
    }
}
