#![allow(clippy::result_large_err, clippy::field_reassign_with_default)] // figment::Jail's API; whole-value fixtures

use super::*;
use figment::Jail;
use pretty_assertions::assert_eq;

fn load_in(jail: &Jail, file: Option<&str>) -> Result<Settings, ConfigError> {
    let path = file.map(|f| jail.directory().join(f));
    Settings::figment(path.as_deref())?
        .extract()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
}

#[test]
fn defaults_when_nothing_is_set() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        assert_eq!(load_in(jail, None).unwrap(), Settings::default());
        Ok(())
    });
}

#[test]
fn file_overrides_defaults_and_env_overrides_file() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "boo.toml",
            r#"
            shutdown_grace_secs = 3
            [database]
            url = "postgres://file@db/boochat"
            max_connections = 4
            [auth]
            mode = "none"
            [chat]
            http_addr = "127.0.0.1:19500"
            project_roots = ["/srv/a"]
            web_fetch_allow = ["docs.lan", "192.168.1.0/24"]
            "#,
        )?;
        jail.set_env("BOO_DATABASE__MAX_CONNECTIONS", "7");
        jail.set_env("BOO_CHAT__GRPC_ADDR", "127.0.0.1:19510");
        jail.set_env("BOO_AUTH__TRUSTED_PROXIES", "[\"10.1.0.0/16\"]");
        jail.set_env("BOO_GRPC__TOKEN", "s3cret");
        jail.set_env("BOO_CHAT__TOOL_WALK_TIMEOUT_SECS", "3");
        // Not a config key: must be ignored, not rejected.
        jail.set_env("BOO_E2E_CHAT_URL", "http://x");
        let got = load_in(jail, Some("boo.toml")).unwrap();
        let mut want = Settings::default();
        want.shutdown_grace_secs = 3;
        want.database.url = "postgres://file@db/boochat".into();
        want.database.max_connections = 7;
        want.auth.mode = AuthMode::None;
        want.auth.trusted_proxies = vec!["10.1.0.0/16".parse().unwrap()];
        want.chat.http_addr = "127.0.0.1:19500".parse().unwrap();
        want.chat.grpc_addr = "127.0.0.1:19510".parse().unwrap();
        want.chat.project_roots = vec![PathBuf::from("/srv/a")];
        want.chat.web_fetch_allow = vec![
            "docs.lan".parse().unwrap(),
            "192.168.1.0/24".parse().unwrap(),
        ];
        want.chat.tool_walk_timeout_secs = 3;
        want.grpc.token = Some(Secret::new("s3cret"));
        assert_eq!(got, want);
        Ok(())
    });
}

#[test]
fn unknown_key_in_file_is_an_error_naming_it() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("boo.toml", "[database]\nulr = \"x\"\n")?;
        let err = load_in(jail, Some("boo.toml")).unwrap_err().to_string();
        assert!(err.contains("ulr"), "{err}");
        Ok(())
    });
}

#[test]
fn bad_value_is_an_error_naming_the_key() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.set_env("BOO_TERM__HTTP_ADDR", "not-an-address");
        let err = load_in(jail, None).unwrap_err().to_string();
        assert!(err.to_lowercase().contains("term.http_addr"), "{err}");
        Ok(())
    });
}

#[test]
fn a_bad_web_fetch_allow_entry_is_an_error_naming_it() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("boo.toml", "[chat]\nweb_fetch_allow = [\"docs:0\"]\n")?;
        let err = load_in(jail, Some("boo.toml")).unwrap_err().to_string();
        assert!(
            err.contains(r#""docs:0" is not an allowed host: the port must be 1-65535"#)
                && err.contains("chat.web_fetch_allow"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn listen_addrs_are_every_daemons_listeners() {
    let s = Settings::default();
    let want: Vec<SocketAddr> = [9500, 9510, 9501, 9511, 9502, 9512]
        .into_iter()
        .map(loopback)
        .collect();
    assert_eq!(s.listen_addrs(), want);
}

#[test]
fn missing_config_file_is_an_error() {
    let err = Settings::figment(Some(std::path::Path::new("/nonexistent/boo.toml")))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "config file /nonexistent/boo.toml (from BOO_CONFIG) does not exist"
    );
}

#[test]
fn secrets_are_redacted_in_debug() {
    let mut s = Settings::default();
    s.grpc.token = Some(Secret::new("tok-123"));
    s.llm.api_key = Some(Secret::new("sk-456"));
    s.database.url = "postgres://u:pw-789@h/db".into();
    let dbg = format!("{s:?}");
    for secret in ["tok-123", "sk-456", "pw-789"] {
        assert!(!dbg.contains(secret), "{secret} leaked: {dbg}");
    }
    assert!(dbg.contains("postgres://u:[redacted]@h/db"), "{dbg}");
}

#[test]
fn auth_none_requires_loopback_listeners() {
    let mut s = Settings::default();
    s.auth.mode = AuthMode::None;
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
    s.term.grpc_addr = "0.0.0.0:9511".parse().unwrap();
    // Chat's own listeners are loopback: fine.
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
    assert_eq!(
        s.validate_for(DaemonKind::Term).unwrap_err().to_string(),
        "auth.mode = \"none\" is only allowed when every listener is loopback, but \
         term.grpc_addr is 0.0.0.0:9511; bind it to 127.0.0.1 or set auth.mode = \"authelia\""
    );
    s.auth.mode = AuthMode::Authelia;
    assert!(s.validate_for(DaemonKind::Term).is_ok());
}

#[test]
fn the_example_config_file_loads_and_validates() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/boocode.example.toml");
        let settings: Settings = Settings::figment(Some(&example))
            .unwrap()
            .extract()
            .unwrap();
        for kind in [DaemonKind::Chat, DaemonKind::Term, DaemonKind::Coder] {
            settings.validate_for(kind).unwrap();
        }
        // The example shows the real defaults, plus two marked example values.
        let mut want = Settings::default();
        want.auth.public_origin = Some("https://boo.example.com".into());
        want.chat.project_roots = vec![PathBuf::from("/srv/projects")];
        assert_eq!(settings, want);
        Ok(())
    });
}

#[test]
fn allowed_hosts_must_be_host_or_host_port() {
    let mut s = Settings::default();
    s.auth.allowed_hosts = vec!["boo.lan".into(), "boo.lan:9480".into(), "[::1]:80".into()];
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
    for (bad, why) in [
        ("http://boo.lan", "give a host or host:port, not a URL"),
        ("boo.lan/x", "give a host or host:port, not a URL"),
        ("user@boo.lan", "give a host or host:port, not a URL"),
        ("", "empty"),
        ("boo.lan:http", "not a host or host:port"),
    ] {
        s.auth.allowed_hosts = vec![bad.into()];
        assert_eq!(
            s.validate_for(DaemonKind::Chat).map_err(|e| e.to_string()),
            Err(format!(
                "auth.allowed_hosts entry {bad:?} is invalid: {why}"
            ))
        );
    }
}

#[test]
fn the_warm_agent_cap_and_the_reaper_interval_must_be_positive() {
    let mut s = Settings::default();
    assert_eq!(
        (s.coder.max_warm_agents, s.coder.reaper_interval_secs),
        (8, 600)
    );
    s.coder.max_warm_agents = 0;
    // Only boocoder cares.
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
    assert_eq!(
        s.validate_for(DaemonKind::Coder).map_err(|e| e.to_string()),
        Err("coder.max_warm_agents must be at least 1".to_owned())
    );
    s.coder.max_warm_agents = 1;
    s.coder.reaper_interval_secs = 0;
    assert_eq!(
        s.validate_for(DaemonKind::Coder).map_err(|e| e.to_string()),
        Err("coder.reaper_interval_secs must be at least 1".to_owned())
    );
    s.coder.reaper_interval_secs = 1;
    assert!(s.validate_for(DaemonKind::Coder).is_ok());
    assert_eq!(s.coder.opencode_health_secs, 15);
    s.coder.opencode_health_secs = 0;
    assert_eq!(
        s.validate_for(DaemonKind::Coder).map_err(|e| e.to_string()),
        Err("coder.opencode_health_secs must be at least 1".to_owned())
    );
    s.coder.opencode_health_secs = 1;
    assert!(s.validate_for(DaemonKind::Coder).is_ok());
}

#[test]
fn public_origin_must_be_an_origin() {
    let mut s = Settings::default();
    s.auth.public_origin = Some("https://boo.example.com/path".into());
    assert!(s.validate_for(DaemonKind::Chat).is_err());
    s.auth.public_origin = Some("https://boo.example.com".into());
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
}

#[test]
fn the_sandbox_policy_reads_from_the_file_and_env() {
    Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file(
            "boo.toml",
            r#"
            [coder.sandbox]
            network = false
            [coder.sandbox.providers.qwen]
            read_only = ["/opt/qwen"]
            writable = ["/srv/cache/qwen"]
            network = true
            "#,
        )?;
        jail.set_env("BOO_CODER__SANDBOX__MODE", "off");
        let s = load_in(jail, Some("boo.toml")).unwrap();
        assert_eq!(
            s.coder.sandbox,
            SandboxConfig {
                mode: SandboxMode::Off,
                bwrap: "/usr/bin/bwrap".into(),
                network: false,
                providers: [(
                    "qwen".to_owned(),
                    SandboxPaths {
                        read_only: vec!["/opt/qwen".into()],
                        writable: vec!["/srv/cache/qwen".into()],
                        network: Some(true),
                    }
                )]
                .into(),
            }
        );
        assert!(s.coder.sandbox.network_for("qwen"));
        assert!(!s.coder.sandbox.network_for("opencode"));
        Ok(())
    });
}

#[test]
fn sandbox_paths_must_be_absolute() {
    let mut s = Settings::default();
    assert_eq!(s.coder.sandbox.mode, SandboxMode::Bwrap);
    s.coder.sandbox.providers.insert(
        "goose".into(),
        SandboxPaths {
            writable: vec!["cache".into()],
            ..SandboxPaths::default()
        },
    );
    assert!(s.validate_for(DaemonKind::Chat).is_ok());
    assert_eq!(
        s.validate_for(DaemonKind::Coder).map_err(|e| e.to_string()),
        Err("coder.sandbox.providers.goose: cache is not an absolute path".to_owned())
    );
}

#[test]
fn the_namer_is_on_by_default_and_its_timeout_must_be_positive() {
    let mut s = Settings::default();
    assert_eq!(
        (
            s.chat.auto_name,
            s.chat.task_model.clone(),
            s.chat.auto_name_timeout_secs
        ),
        (true, None, 20)
    );
    s.chat.auto_name_timeout_secs = 0;
    // Only boochat names chats.
    assert!(s.validate_for(DaemonKind::Coder).is_ok());
    assert_eq!(
        s.validate_for(DaemonKind::Chat).map_err(|e| e.to_string()),
        Err("chat.auto_name_timeout_secs must be at least 1".to_owned())
    );
}
