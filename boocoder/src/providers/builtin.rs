//! The built-in providers, before the providers file is applied.

use std::collections::BTreeMap;
use std::path::PathBuf;

use boo_shared::config::{SandboxConfig, Settings};

use super::{ProviderDef, ProviderKind, Transport};

/// Ids of the built-ins, in snapshot order.
pub const BUILTIN_IDS: [&str; 5] = ["boocode", "opencode", "goose", "qwen", "claude"];

/// The built-ins. qwen talks to the owner's OpenAI-compatible server from `llm`
/// (`OPENAI_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_MODEL`); `boocode` (`boochat acp`,
/// found next to boocoder's own executable) gets boocoder's model server and
/// AGENTS.md file as `BOO_*` variables, so it runs on the same configuration
/// whichever way boocoder got its own, and nothing else: no database (it keeps its
/// sessions under its HOME). The providers file can override each variable.
pub fn builtins(settings: &Settings) -> Vec<ProviderDef> {
    let llm = &settings.llm;
    let own_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from));
    let mut qwen_env = BTreeMap::from([
        ("OPENAI_BASE_URL".to_owned(), llm.base_url.clone()),
        (
            "OPENAI_API_KEY".to_owned(),
            llm.api_key
                .as_ref()
                .map_or_else(|| "none".to_owned(), |k| k.expose().to_owned()),
        ),
    ]);
    if let Some(model) = &llm.default_model {
        qwen_env.insert("OPENAI_MODEL".to_owned(), model.clone());
    }
    let mut boocode_env = BTreeMap::from([("BOO_LLM__BASE_URL".to_owned(), llm.base_url.clone())]);
    if let Some(key) = &llm.api_key {
        boocode_env.insert("BOO_LLM__API_KEY".to_owned(), key.expose().to_owned());
    }
    if let Some(model) = &llm.default_model {
        boocode_env.insert("BOO_LLM__DEFAULT_MODEL".to_owned(), model.clone());
    }
    if let Some(file) = &settings.chat.agents_file {
        boocode_env.insert(
            "BOO_CHAT__AGENTS_FILE".to_owned(),
            file.to_string_lossy().into_owned(),
        );
    }
    vec![
        ProviderDef {
            search_dirs: own_dir.into_iter().collect(),
            env: boocode_env,
            ..def("boocode", "BooCode", "boochat", &["acp"])
        },
        ProviderDef {
            transport: Transport::OpencodeServer,
            ..def("opencode", "opencode", "opencode", &["serve"])
        },
        def("goose", "Goose", "goose", &["acp"]),
        ProviderDef {
            env: qwen_env,
            ..def("qwen", "Qwen Code", "qwen", &["--acp"])
        },
        claude(),
    ]
}

/// Claude Code: through its ACP adapter when `claude-code-acp` is installed, else
/// the `claude` CLI itself in a PTY, read as stream-json (the snapshot and the
/// diagnostic show which transport was taken). With neither, the adapter is what
/// the diagnostic reports missing.
fn claude() -> ProviderDef {
    let acp = def("claude", "Claude Code", "claude-code-acp", &[]);
    if super::probe::resolve(&acp, None).path.is_some() {
        return acp;
    }
    let template = crate::pty::PtyCommand::claude();
    let (program, args) = template
        .template()
        .split_first()
        .map(|(p, a)| (p.clone(), a.to_vec()))
        .unwrap_or_default();
    let cli = ProviderDef {
        transport: Transport::Pty,
        command: program,
        args,
        ..acp.clone()
    };
    if super::probe::resolve(&cli, None).path.is_some() {
        cli
    } else {
        acp
    }
}

/// `coder.sandbox` plus what the built-ins need to see: `boocode` reads the
/// AGENTS.md file boocoder points it at (read-only, the file alone).
pub fn sandbox_policy(settings: &Settings) -> SandboxConfig {
    let mut policy = settings.coder.sandbox.clone();
    if let Some(file) = &settings.chat.agents_file {
        let paths = policy.providers.entry("boocode".to_owned()).or_default();
        if !paths.read_only.contains(file) && !paths.writable.contains(file) {
            paths.read_only.push(file.clone());
        }
    }
    policy
}

fn def(id: &str, display_name: &str, command: &str, args: &[&str]) -> ProviderDef {
    ProviderDef {
        id: id.to_owned(),
        display_name: display_name.to_owned(),
        kind: ProviderKind::Builtin,
        transport: Transport::Acp,
        parser: super::PtyParser::default(),
        command: command.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        env: BTreeMap::new(),
        enabled: true,
        models: None,
        search_dirs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use boo_shared::config::Secret;
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn builtins_launch_their_acp_commands() {
        let mut settings = Settings {
            llm: boo_shared::config::LlmConfig {
                base_url: "http://127.0.0.1:9/v1".into(),
                api_key: Some(Secret::new("sk-test")),
                default_model: Some("qwen3-coder".into()),
                ..boo_shared::config::LlmConfig::default()
            },
            ..Settings::default()
        };
        settings.database.url = "postgres://boo@127.0.0.1:5/boo".into();
        let defs = builtins(&settings);
        let lines: Vec<(String, String, bool)> = defs
            .iter()
            .map(|d| (d.id.clone(), d.command_line(), d.enabled))
            .collect();
        let expected = [
            ("boocode", "boochat acp"),
            ("opencode", "opencode serve"),
            ("goose", "goose acp"),
            ("qwen", "qwen --acp"),
            ("claude", "claude-code-acp"),
        ]
        .map(|(id, line)| (id.to_owned(), line.to_owned(), true));
        assert_eq!(lines, expected.to_vec());
        assert_eq!(
            defs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            BUILTIN_IDS
        );

        let qwen = &defs[3];
        assert_eq!(
            qwen.env,
            BTreeMap::from([
                ("OPENAI_API_KEY".to_owned(), "sk-test".to_owned()),
                (
                    "OPENAI_BASE_URL".to_owned(),
                    "http://127.0.0.1:9/v1".to_owned()
                ),
                ("OPENAI_MODEL".to_owned(), "qwen3-coder".to_owned()),
            ])
        );
        // No database for boocode (issue 13): only the model server and AGENTS.md.
        assert_eq!(
            defs[0].env,
            BTreeMap::from([
                ("BOO_LLM__API_KEY".to_owned(), "sk-test".to_owned()),
                (
                    "BOO_LLM__BASE_URL".to_owned(),
                    "http://127.0.0.1:9/v1".to_owned()
                ),
                (
                    "BOO_LLM__DEFAULT_MODEL".to_owned(),
                    "qwen3-coder".to_owned()
                ),
            ])
        );
        // Secrets stay out of Debug output.
        assert!(!format!("{qwen:?}").contains("sk-test"));
        let own_dir = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        assert_eq!(defs[0].search_dirs, vec![own_dir]);
    }

    #[test]
    fn boocode_sees_the_agents_file_it_is_pointed_at() {
        let mut settings = Settings::default();
        assert_eq!(sandbox_policy(&settings), settings.coder.sandbox);
        settings.chat.agents_file = Some("/etc/boocode/AGENTS.md".into());
        settings.coder.sandbox.providers.insert(
            "boocode".into(),
            boo_shared::config::SandboxPaths {
                read_only: vec!["/opt/docs".into()],
                ..Default::default()
            },
        );
        let policy = sandbox_policy(&settings);
        assert_eq!(
            policy.paths_for("boocode").read_only,
            [PathBuf::from("/opt/docs"), "/etc/boocode/AGENTS.md".into()]
        );
        assert_eq!(
            builtins(&settings)[0]
                .env
                .get("BOO_CHAT__AGENTS_FILE")
                .map(String::as_str),
            Some("/etc/boocode/AGENTS.md")
        );
    }
}
