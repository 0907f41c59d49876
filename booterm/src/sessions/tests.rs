//! Unit tests of the request checks (no database, no tmux).

use pretty_assertions::assert_eq;

use super::*;
use std::path::Path;

use boo_shared::term::CommandSpec;

use crate::request::{expand_tilde, find_program, resolve_command, resolve_cwd};

fn sessions(cfg: SessionsConfig) -> Arc<Sessions> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .unwrap();
    Sessions::new(pool, Tmux::new("/nonexistent/sock".into()), cfg)
}

fn cfg() -> SessionsConfig {
    SessionsConfig {
        shell: "/bin/sh".into(),
        default_cwd: Some("/tmp".into()),
        ssh_target: None,
        ssh_options: Vec::new(),
        history_lines: 1000,
        exited_retention_days: 30,
    }
}

fn code(r: Result<impl std::fmt::Debug, SessionError>) -> String {
    match r {
        Err(SessionError::Invalid { code, message }) => format!("{code}: {message}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn tmux_names_round_trip_in_canonical_form_only() {
    let id = Uuid::new_v4();
    assert_eq!(parse_tmux_name(&tmux_name(id)), Some(id));
    assert_eq!(parse_tmux_name(&format!("bc-{}", id.simple())), None);
    assert_eq!(
        parse_tmux_name(&format!("bc-{}", id.to_string().to_uppercase())),
        None
    );
    assert_eq!(parse_tmux_name("bc-x"), None);
    assert_eq!(parse_tmux_name(&id.to_string()), None);
}

#[test]
fn sizes_titles_and_text() {
    assert_eq!(size("cols", None, 80).unwrap(), 80);
    assert_eq!(size("cols", Some(2), 80).unwrap(), 2);
    assert_eq!(size("rows", Some(1000), 24).unwrap(), 1000);
    assert_eq!(
        [
            code(size("cols", Some(1), 80)),
            code(size("rows", Some(1001), 24))
        ],
        [
            "invalid_size: cols must be between 2 and 1000, got 1",
            "invalid_size: rows must be between 2 and 1000, got 1001"
        ]
    );
    assert_eq!(
        clean_title(Some("  build  ".into())).unwrap(),
        Some("build".into())
    );
    assert_eq!(clean_title(Some("   ".into())).unwrap(), None);
    assert_eq!(
        clean_title(Some("é".repeat(200))).unwrap(),
        Some("é".repeat(200))
    );
    assert_eq!(
        code(clean_title(Some("x".repeat(201)))),
        "invalid_title: title must be at most 200 characters"
    );
    assert_eq!(tidy("a  \n\nb\t\n \n\n"), "a\n\nb");
    assert_eq!(tidy(""), "");
}

#[test]
fn tilde_expands_against_home() {
    let home = Path::new("/home/o");
    assert_eq!(
        expand_tilde("~", Some(home)).unwrap(),
        PathBuf::from("/home/o")
    );
    assert_eq!(
        expand_tilde("~/src", Some(home)).unwrap(),
        PathBuf::from("/home/o/src")
    );
    assert_eq!(
        expand_tilde("~other", Some(home)).unwrap(),
        PathBuf::from("~other")
    );
    assert_eq!(expand_tilde("/abs", None).unwrap(), PathBuf::from("/abs"));
    assert_eq!(
        code(expand_tilde("~/x", None)),
        "invalid_cwd: cannot expand ~: HOME is not set"
    );
}

#[tokio::test]
async fn cwd_must_be_an_existing_absolute_directory() {
    let s = sessions(cfg());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "").unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    assert_eq!(resolve_cwd(&s.cfg, Some(&d)).await.unwrap(), dir.path());
    assert_eq!(
        resolve_cwd(&s.cfg, None).await.unwrap(),
        PathBuf::from("/tmp")
    );
    assert_eq!(
        resolve_cwd(&s.cfg, Some("  ")).await.unwrap(),
        PathBuf::from("/tmp")
    );
    let f = file.to_string_lossy().into_owned();
    let missing = format!("{d}/missing");
    assert_eq!(
        [
            code(resolve_cwd(&s.cfg, Some("relative/dir")).await),
            code(resolve_cwd(&s.cfg, Some(&f)).await),
            code(resolve_cwd(&s.cfg, Some(&missing)).await),
            code(resolve_cwd(&s.cfg, Some("/a\0b")).await),
        ],
        [
            "invalid_cwd: cwd must be an absolute path, got \"relative/dir\"".to_owned(),
            format!("cwd_not_a_directory: cwd {f} is not a directory"),
            format!("cwd_not_found: cwd {missing} does not exist"),
            "invalid_cwd: cwd contains NUL".to_owned(),
        ]
    );
}

#[tokio::test]
async fn commands_are_argv_or_ssh() {
    let s = sessions(cfg());
    let cwd = Path::new("/");
    let argv = |v: &[&str]| Some(CommandSpec::Argv(v.iter().map(|a| a.to_string()).collect()));
    assert_eq!(resolve_command(&s.cfg, None, cwd).unwrap(), (None, None));
    assert_eq!(
        resolve_command(&s.cfg, argv(&["sh", "-c", "true"]), cwd).unwrap(),
        (Some(vec!["sh".into(), "-c".into(), "true".into()]), None)
    );
    assert_eq!(
        resolve_command(&s.cfg, argv(&["/bin/sh"]), cwd).unwrap(),
        (Some(vec!["/bin/sh".into()]), None)
    );
    assert_eq!(
        [
            code(resolve_command(&s.cfg, argv(&[]), cwd)),
            code(resolve_command(&s.cfg, argv(&[""]), cwd)),
            code(resolve_command(&s.cfg, argv(&["no-such-program-xyz"]), cwd)),
            code(resolve_command(&s.cfg, argv(&["/etc/passwd"]), cwd)),
            code(resolve_command(&s.cfg, argv(&["A=b"]), cwd)),
            code(resolve_command(&s.cfg, argv(&["sh", "a\0b"]), cwd)),
            code(resolve_command(&s.cfg, Some(CommandSpec::Named("htop".into())), cwd)),
            code(resolve_command(&s.cfg, Some(CommandSpec::Named("ssh".into())), cwd)),
        ],
        [
            "invalid_command: command must name a program",
            "invalid_command: command must name a program",
            "command_not_found: no-such-program-xyz: no such program (not an executable file, nor on PATH)",
            "command_not_found: /etc/passwd: no such program (not an executable file, nor on PATH)",
            "invalid_command: a program name cannot contain '='",
            "invalid_command: command contains NUL",
            "invalid_command: command must be an argv array or \"ssh\", got \"htop\"",
            "ssh_not_configured: no SSH target is configured (term.ssh_target)",
        ]
        .map(String::from)
    );
}

#[tokio::test]
async fn ssh_runs_the_configured_target_with_its_options() {
    let s = sessions(SessionsConfig {
        ssh_target: Some("dev@build.example".into()),
        ssh_options: vec!["-p".into(), "2222".into()],
        ..cfg()
    });
    let got = resolve_command(
        &s.cfg,
        Some(CommandSpec::Named("ssh".into())),
        Path::new("/"),
    );
    if find_program("ssh", Path::new("/")).is_none() {
        assert_eq!(
            code(got),
            "command_not_found: ssh is not installed on this host"
        );
        return;
    }
    assert_eq!(
        got.unwrap(),
        (
            Some(
                [
                    "env",
                    "TERM=xterm-256color",
                    "ssh",
                    "-p",
                    "2222",
                    "--",
                    "dev@build.example"
                ]
                .map(String::from)
                .to_vec()
            ),
            Some("dev@build.example".into())
        )
    );
}
