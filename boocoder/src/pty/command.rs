//! A provider's argv template, rendered per turn.
//!
//! The template is a list of arguments. Inside any argument, `{prompt}` is the
//! turn's prompt, `{session_id}` the CLI session to resume, and `{mode}` and
//! `{model}` the chat's chosen mode and model (a template that names neither
//! takes none: a chosen one is reported as not applied). `{name|default}` uses
//! `default` when the value is unset. An argument written
//! `[a b {session_id}]` is an *optional group*: split on spaces into several
//! arguments, and left out entirely when a placeholder in it has no value (no
//! session to resume on the first turn). Values are substituted after splitting,
//! so a prompt with spaces or newlines stays one argument; nothing goes through a
//! shell.
//!
//! ```text
//! ["claude", "-p", "--output-format", "stream-json", "--verbose",
//!  "--permission-mode", "{mode|acceptEdits}", "[--model {model}]",
//!  "[--resume {session_id}]", "--", "{prompt}"]
//! ```

#[cfg(test)]
mod tests;

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the command template is empty")]
    Empty,
    #[error("the command template never uses {{prompt}}")]
    NoPrompt,
    #[error(
        "unknown placeholder {{{0}}} in the command template (use {{prompt}}, {{session_id}}, {{mode}}, {{model}})"
    )]
    UnknownPlaceholder(String),
    #[error("unclosed {{ in the command template argument {0:?}")]
    Unclosed(String),
    #[error("the optional group {0:?} is empty")]
    EmptyGroup(String),
}

/// A validated argv template.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct PtyCommand {
    template: Vec<String>,
}

/// The values a template may use.
#[derive(Clone, Copy, Debug, Default)]
pub struct Vars<'a> {
    pub prompt: &'a str,
    pub session_id: Option<&'a str>,
    pub mode: Option<&'a str>,
    pub model: Option<&'a str>,
}

/// The placeholder names a template may use.
const NAMES: [&str; 4] = ["prompt", "session_id", "mode", "model"];

impl PtyCommand {
    /// Check `template`: not empty, `{prompt}` somewhere, only known placeholders.
    pub fn new(template: Vec<String>) -> Result<Self, TemplateError> {
        if template.is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut has_prompt = false;
        for arg in &template {
            if let Some(inner) = group(arg)
                && inner.split_whitespace().next().is_none()
            {
                return Err(TemplateError::EmptyGroup(arg.clone()));
            }
            for (name, _) in placeholders(arg)? {
                match name {
                    "prompt" => has_prompt = true,
                    n if NAMES.contains(&n) => {}
                    other => return Err(TemplateError::UnknownPlaceholder(other.to_owned())),
                }
            }
        }
        if !has_prompt {
            return Err(TemplateError::NoPrompt);
        }
        Ok(Self { template })
    }

    /// Claude Code in print mode with stream-json output and partial messages,
    /// resuming `{session_id}` when there is one. Print mode cannot ask for
    /// permission, so its permission mode is the chat's mode, by default
    /// `acceptEdits` (edits are staged as pending changes the owner approves;
    /// other tools that need asking are refused): `plan`, `default`,
    /// `bypassPermissions` are the others.
    pub fn claude() -> Self {
        let template = [
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-partial-messages",
            "--permission-mode",
            "{mode|acceptEdits}",
            "[--model {model}]",
            "[--resume {session_id}]",
            "--",
            "{prompt}",
        ];
        Self {
            template: template.map(str::to_owned).into(),
        }
    }

    /// The template as written.
    pub fn template(&self) -> &[String] {
        &self.template
    }

    /// Whether the template uses placeholder `name` (so the CLI takes that value).
    pub fn uses(&self, name: &str) -> bool {
        self.template
            .iter()
            .any(|arg| placeholders(arg).is_ok_and(|names| names.iter().any(|(n, _)| *n == name)))
    }

    /// The argv for one turn with only a prompt and a session.
    pub fn render(&self, prompt: &str, session_id: Option<&str>) -> Vec<String> {
        self.render_with(Vars {
            prompt,
            session_id,
            ..Vars::default()
        })
    }

    /// The argv for one turn.
    pub fn render_with(&self, vars: Vars<'_>) -> Vec<String> {
        let mut argv = Vec::with_capacity(self.template.len() + 2);
        for arg in &self.template {
            match group(arg) {
                Some(inner) => {
                    let parts: Option<Vec<String>> = inner
                        .split_whitespace()
                        .map(|part| substitute(part, vars))
                        .collect();
                    argv.extend(parts.unwrap_or_default());
                }
                // Outside a group an unset value is the empty string.
                None => argv.push(substitute(arg, vars).unwrap_or_default()),
            }
        }
        argv
    }
}

impl TryFrom<Vec<String>> for PtyCommand {
    type Error = TemplateError;

    fn try_from(template: Vec<String>) -> Result<Self, Self::Error> {
        Self::new(template)
    }
}

impl From<PtyCommand> for Vec<String> {
    fn from(c: PtyCommand) -> Self {
        c.template
    }
}

/// The inside of an optional group `[…]`.
fn group(arg: &str) -> Option<&str> {
    arg.strip_prefix('[')?.strip_suffix(']')
}

/// The placeholders in `arg`, in order: each name and its default, if any.
fn placeholders(arg: &str) -> Result<Vec<(&str, Option<&str>)>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| TemplateError::Unclosed(arg.to_owned()))?;
        names.push(split_default(&after[..close]));
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// `name|default` → (`name`, `Some(default)`).
fn split_default(placeholder: &str) -> (&str, Option<&str>) {
    match placeholder.split_once('|') {
        Some((name, default)) => (name, Some(default)),
        None => (placeholder, None),
    }
}

/// `part` with its placeholders replaced; `None` if one of them has no value.
fn substitute(part: &str, vars: Vars<'_>) -> Option<String> {
    let mut out = String::with_capacity(part.len());
    let mut rest = part;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let (name, default) = split_default(&after[..close]);
        let value = match name {
            "prompt" => Some(vars.prompt),
            "session_id" => vars.session_id,
            "mode" => vars.mode,
            "model" => vars.model,
            _ => None,
        }
        .filter(|v| !v.is_empty() || name == "prompt")
        .or(default)?;
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}
