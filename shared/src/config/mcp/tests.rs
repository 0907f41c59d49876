#![allow(clippy::result_large_err)] // figment::Jail's API

use super::*;
use crate::config::Settings;
use figment::Jail;
use pretty_assertions::assert_eq;

fn stdio(command: &str) -> McpServerConfig {
    McpServerConfig {
        command: Some(command.into()),
        ..McpServerConfig::default()
    }
}

fn http(url: &str) -> McpServerConfig {
    McpServerConfig {
        url: Some(url.into()),
        ..McpServerConfig::default()
    }
}

#[test]
fn servers_load_from_the_file_and_env() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "boo.toml",
            r#"
            [chat.mcp]
            timeout_secs = 5
            [chat.mcp.servers.fs]
            command = "mcp-server-filesystem"
            args = ["/srv/docs"]
            env = { NODE_OPTIONS = "--max-old-space-size=256" }
            cwd = "/srv"
            tools = ["read_text_file"]
            [chat.mcp.servers.web]
            url = "http://127.0.0.1:7000/mcp"
            headers = { Authorization = "Bearer t0ken" }
            timeout_secs = 60
            "#,
        )?;
        jail.set_env(
            "BOO_CHAT__MCP__SERVERS__WEB__URL",
            "http://127.0.0.1:7001/mcp",
        );
        let path = jail.directory().join("boo.toml");
        let got: Settings = Settings::figment(Some(&path)).unwrap().extract().unwrap();
        let want = McpConfig {
            timeout_secs: 5,
            servers: BTreeMap::from([
                (
                    "fs".to_owned(),
                    McpServerConfig {
                        command: Some("mcp-server-filesystem".into()),
                        args: vec!["/srv/docs".into()],
                        env: BTreeMap::from([(
                            "NODE_OPTIONS".to_owned(),
                            Secret::new("--max-old-space-size=256"),
                        )]),
                        cwd: Some(PathBuf::from("/srv")),
                        tools: Some(vec!["read_text_file".into()]),
                        ..McpServerConfig::default()
                    },
                ),
                (
                    "web".to_owned(),
                    McpServerConfig {
                        url: Some("http://127.0.0.1:7001/mcp".into()),
                        headers: BTreeMap::from([(
                            "Authorization".to_owned(),
                            Secret::new("Bearer t0ken"),
                        )]),
                        timeout_secs: Some(60),
                        ..McpServerConfig::default()
                    },
                ),
            ]),
        };
        assert_eq!(got.chat.mcp, want);
        assert_eq!(got.chat.mcp.problem(), None);
        assert_eq!(
            got.chat.mcp.timeout_for(&got.chat.mcp.servers["fs"]),
            std::time::Duration::from_secs(5)
        );
        assert_eq!(
            got.chat.mcp.timeout_for(&got.chat.mcp.servers["web"]),
            std::time::Duration::from_secs(60)
        );
        // Secrets stay out of Debug output.
        let debug = format!("{:?}", got.chat.mcp);
        assert!(!debug.contains("t0ken"), "{debug}");
        Ok(())
    });
}

#[test]
fn unknown_server_keys_are_refused() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "boo.toml",
            "[chat.mcp.servers.fs]\ncommand = \"x\"\nargv = [\"y\"]\n",
        )?;
        let path = jail.directory().join("boo.toml");
        let err = Settings::figment(Some(&path))
            .unwrap()
            .extract::<Settings>()
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown field: found `argv`"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn problems_name_the_server_and_key() {
    let with = |name: &str, server: McpServerConfig| McpConfig {
        timeout_secs: 30,
        servers: BTreeMap::from([(name.to_owned(), server)]),
    };
    let mut both = stdio("x");
    both.url = Some("http://h/mcp".into());
    let mut stdio_headers = stdio("x");
    stdio_headers.headers.insert("X-A".into(), Secret::new("1"));
    let mut http_args = http("http://h/mcp");
    http_args.args = vec!["a".into()];
    let mut bad_header = http("http://h/mcp");
    bad_header
        .headers
        .insert("bad header".into(), Secret::new("1"));
    let mut zero = stdio("x");
    zero.timeout_secs = Some(0);
    let cases = [
        (with("fs", stdio("x")), None),
        (with("fs", http("https://h/mcp")), None),
        (
            with("", stdio("x")),
            Some("chat.mcp.servers.: the server name \"\" must be 1 to 32 characters long"),
        ),
        (
            with("my.fs", stdio("x")),
            Some(
                "chat.mcp.servers.my.fs: the server name \"my.fs\" may only contain letters, \
                 digits, `_` and `-`",
            ),
        ),
        (
            with("a__b", stdio("x")),
            Some("chat.mcp.servers.a__b: the server name \"a__b\" must not contain `__`"),
        ),
        (
            with("fs", both),
            Some("chat.mcp.servers.fs: set either `command` or `url`, not both"),
        ),
        (
            with("fs", McpServerConfig::default()),
            Some("chat.mcp.servers.fs: set `command` (a stdio server) or `url` (streamable HTTP)"),
        ),
        (
            with("fs", stdio(" ")),
            Some("chat.mcp.servers.fs.command must not be empty"),
        ),
        (
            with("fs", stdio_headers),
            Some("chat.mcp.servers.fs.headers only apply to a `url` server"),
        ),
        (
            with("fs", http("ftp://h")),
            Some("chat.mcp.servers.fs.url must be an http:// or https:// URL, got \"ftp://h\""),
        ),
        (
            with("fs", http_args),
            Some("chat.mcp.servers.fs: `args`, `env` and `cwd` only apply to a `command` server"),
        ),
        (
            with("fs", bad_header),
            Some("chat.mcp.servers.fs.headers: \"bad header\" is not a header name"),
        ),
        (
            with("fs", zero),
            Some("chat.mcp.servers.fs.timeout_secs must be at least 1"),
        ),
        (
            McpConfig {
                timeout_secs: 0,
                servers: BTreeMap::new(),
            },
            Some("chat.mcp.timeout_secs must be at least 1"),
        ),
    ];
    for (config, want) in cases {
        assert_eq!(config.problem().as_deref(), want, "{config:?}");
    }
}

#[test]
fn the_chat_daemon_refuses_a_bad_server_at_start() {
    let mut settings = Settings::default();
    settings
        .chat
        .mcp
        .servers
        .insert("fs".into(), McpServerConfig::default());
    let err = settings
        .validate_for(crate::config::DaemonKind::Chat)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "chat.mcp.servers.fs: set `command` (a stdio server) or `url` (streamable HTTP)"
    );
    // Other daemons do not read the section.
    assert!(
        settings
            .validate_for(crate::config::DaemonKind::Term)
            .is_ok()
    );
}
