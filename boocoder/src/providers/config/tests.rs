use std::collections::BTreeMap;

use pretty_assertions::assert_eq;

use super::*;
use crate::providers::builtin::builtins;

fn base() -> Vec<ProviderDef> {
    builtins(&boo_shared::config::Settings::default())
}

fn by_id<'a>(defs: &'a [ProviderDef], id: &str) -> &'a ProviderDef {
    defs.iter().find(|d| d.id == id).unwrap()
}

#[test]
fn overrides_merge_into_builtins_and_customs_are_added() {
    let text = r#"
[providers.qwen]
args = ["--acp", "--yolo"]
env = { OPENAI_BASE_URL = "http://127.0.0.1:8081/v1", EXTRA = "1" }
models = ["qwen3-coder", { id = "qwen3-8b", name = "Qwen3 8B", description = "small" }]

[providers.goose]
enabled = false

[providers.boocode]
display_name = "Boo"
command = "/opt/boo/bin/boochat"

[providers."zed.agent"]
command = "zed-agent"

[providers.amp]
display_name = "Amp"
command = "/usr/local/bin/amp-acp"
args = ["--stdio"]
env = { AMP_TOKEN = "t" }
enabled = false
"#;
    let (defs, errors) = apply(text, base());
    assert_eq!(errors, vec![]);
    assert_eq!(
        defs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [
            "boocode",
            "opencode",
            "goose",
            "qwen",
            "claude",
            "amp",
            "zed.agent"
        ]
    );

    let mut qwen = by_id(&base(), "qwen").clone();
    qwen.args = vec!["--acp".into(), "--yolo".into()];
    qwen.env
        .insert("OPENAI_BASE_URL".into(), "http://127.0.0.1:8081/v1".into());
    qwen.env.insert("EXTRA".into(), "1".into());
    qwen.models = Some(vec![
        ModelInfo {
            id: "qwen3-coder".into(),
            name: "qwen3-coder".into(),
            description: None,
        },
        ModelInfo {
            id: "qwen3-8b".into(),
            name: "Qwen3 8B".into(),
            description: Some("small".into()),
        },
    ]);
    assert_eq!(by_id(&defs, "qwen"), &qwen);
    assert_eq!(
        by_id(&defs, "qwen").env["OPENAI_API_KEY"],
        "none",
        "unset keys survive the merge"
    );

    assert!(!by_id(&defs, "goose").enabled);
    let boocode = by_id(&defs, "boocode");
    assert_eq!(
        (boocode.display_name.as_str(), boocode.command_line()),
        ("Boo", "/opt/boo/bin/boochat acp".into())
    );

    assert_eq!(
        by_id(&defs, "amp"),
        &ProviderDef {
            id: "amp".into(),
            display_name: "Amp".into(),
            kind: ProviderKind::Custom,
            transport: Transport::Acp,
            parser: PtyParser::StreamJson,
            command: "/usr/local/bin/amp-acp".into(),
            args: vec!["--stdio".into()],
            env: BTreeMap::from([("AMP_TOKEN".into(), "t".into())]),
            enabled: false,
            models: None,
            search_dirs: vec![],
        }
    );
    let zed = by_id(&defs, "zed.agent");
    assert_eq!(
        (zed.display_name.as_str(), zed.enabled, zed.kind),
        ("zed.agent", true, ProviderKind::Custom)
    );
}

#[test]
fn invalid_entries_are_skipped_with_errors_naming_provider_and_key() {
    let text = r#"
[providers.qwen]
args = "--acp"

[providers.goose]
comand = "goose"

[providers.opencode]
enabled = "yes"

[providers.claude]
transport = "tty"
parser = "json"
command = "bin/claude"

[providers.custom1]
args = ["acp"]

[providers."bad id!"]
command = "x"

[providers.custom2]
command = "/bin/agent"
env = { "A=B" = "1" }
models = [""]

[providers.fine]
command = "fine-agent"
"#;
    let (defs, errors) = apply(text, base());
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "provider `bad id!`: invalid id: 1-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit",
            "provider `claude`, key `command`: must be a bare name looked up on PATH or an absolute path",
            "provider `claude`, key `transport`: `tty` is not one of `acp`, `opencode_server`, `pty`",
            "provider `claude`, key `parser`: `json` is not one of `stream-json`, `raw`",
            "provider `custom1`, key `command`: required for a custom provider",
            "provider `custom2`, key `env.A=B`: not a valid variable name",
            "provider `custom2`, key `models[0]`: model id must not be empty",
            "provider `goose`, key `comand`: unknown field: found `comand`, expected `one of `display_name`, `command`, `args`, `env`, `models`, `enabled`, `transport`, `parser``",
            "provider `opencode`, key `enabled`: invalid type: found string \"yes\", expected a boolean",
            "provider `qwen`, key `args`: invalid type: found string \"--acp\", expected a sequence",
        ]
    );
    assert_eq!(errors[1].provider.as_deref(), Some("claude"));
    assert_eq!(errors[1].key.as_deref(), Some("command"));
    // Skipped entries leave the built-ins untouched; valid ones still apply.
    let mut expected = base();
    expected.push(ProviderDef {
        id: "fine".into(),
        display_name: "fine".into(),
        kind: ProviderKind::Custom,
        transport: Transport::Acp,
        parser: PtyParser::StreamJson,
        command: "fine-agent".into(),
        args: vec![],
        env: BTreeMap::new(),
        enabled: true,
        models: None,
        search_dirs: vec![],
    });
    assert_eq!(defs, expected);
}

#[test]
fn file_level_errors_keep_the_builtins() {
    let (defs, errors) = apply("[providers.qwen\nargs = 1", base());
    assert_eq!(defs, base());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.starts_with("not valid TOML: "),
        "{}",
        errors[0]
    );

    let (defs, errors) = apply("timeout = 3\nproviders = 1\n", base());
    assert_eq!(defs, base());
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            "key `providers`: must be a table of `[providers.<id>]` tables",
            "key `timeout`: unknown top-level key (expected `[providers.<id>]` tables)",
        ]
    );
}

#[tokio::test]
async fn load_reads_the_file_and_tolerates_its_absence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("providers.toml");

    let missing = load(Some(&path), base()).await;
    assert_eq!(
        missing,
        Registry {
            defs: base(),
            path: Some(path.clone()),
            loaded: false,
            errors: vec![]
        }
    );
    assert_eq!(load(None, base()).await, Registry::builtins_only(base()));

    std::fs::write(
        &path,
        "[providers.goose]\nenabled = false\n[providers.x]\nargs = []\n",
    )
    .unwrap();
    let loaded = load(Some(&path), base()).await;
    assert!(loaded.loaded);
    assert!(!loaded.get("goose").unwrap().enabled);
    assert_eq!(
        loaded.status(),
        ConfigStatus {
            path: Some(path.display().to_string()),
            loaded: true,
            errors: vec!["provider `x`, key `command`: required for a custom provider".into()],
        }
    );
}

#[test]
fn ids_follow_the_table_constraint() {
    for ok in ["a", "qwen", "Z9", "my-agent.v2_x", &"a".repeat(64)] {
        assert!(valid_id(ok), "{ok}");
    }
    for bad in ["", "-a", ".a", "a b", "a/b", "é", &"a".repeat(65)] {
        assert!(!valid_id(bad), "{bad}");
    }
}

#[test]
fn transport_and_parser_choose_how_a_provider_runs() {
    let text = r#"
[providers.opencode]
transport = "acp"
args = ["acp"]

[providers.mycli]
transport = "pty"
parser = "raw"
command = "/opt/mycli"
args = ["--prompt", "{prompt}"]
"#;
    let (defs, errors) = apply(text, base());
    assert_eq!(errors, vec![]);
    let opencode = by_id(&defs, "opencode");
    assert_eq!(
        (opencode.transport, opencode.command_line()),
        (Transport::Acp, "opencode acp".to_owned())
    );
    assert_eq!(
        by_id(&defs, "mycli"),
        &ProviderDef {
            id: "mycli".into(),
            display_name: "mycli".into(),
            kind: ProviderKind::Custom,
            transport: Transport::Pty,
            parser: PtyParser::Raw,
            command: "/opt/mycli".into(),
            args: vec!["--prompt".into(), "{prompt}".into()],
            env: BTreeMap::new(),
            enabled: true,
            models: None,
            search_dirs: vec![],
        }
    );
}
