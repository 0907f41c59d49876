//! `terminal/*` without booterm (the hooks name none): the scripted agent's
//! commands run as boocoder's own children, in process.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::super::tests::{TestHooks, setup, text, turn};
use super::FALLBACK_NOTE;
use crate::acp::StopReason;

/// Each line the agent said: `{"line": <word>, "json": …}` for `<word>: {json}`,
/// else `{"line": <line>}`.
fn said(answer: &str) -> Vec<Value> {
    answer
        .lines()
        .map(|l| match l.split_once(": ") {
            Some((word, rest)) if rest.starts_with('{') => {
                json!({"line": word, "json": serde_json::from_str::<Value>(rest).unwrap()})
            }
            _ => json!({ "line": l }),
        })
        .collect()
}

#[tokio::test]
async fn a_command_runs_as_our_own_child_with_env_cwd_output_and_exit_code() {
    let hooks = TestHooks::new();
    std::fs::create_dir(hooks.root.join("sub")).unwrap();
    let (conn, session) = setup(hooks.clone()).await;
    let script = r#"run {"command":"sh","args":["-c","printf 'out\\n'; printf 'err\\n' >&2; echo \"$GREETING in $(pwd)\"; exit 3"],"env":{"GREETING":"hi"},"cwd":"sub"}"#;
    let (result, events) = turn(&conn, &session, script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    assert_eq!(
        said(&text(&events)),
        vec![json!({"line": "run", "json": {
            "output": format!("{FALLBACK_NOTE}out\nerr\nhi in {}\n", hooks.root.join("sub").display()),
            "truncated": false,
            "exitStatus": {"exitCode": 3, "signal": null},
        }})]
    );
}

#[tokio::test]
async fn output_keeps_the_end_within_the_limit_at_a_character_boundary() {
    let hooks = TestHooks::new();
    let (conn, session) = setup(hooks.clone()).await;
    // "aaaé€z" is 9 bytes; the last 5 start inside "é": "€z" (4 bytes) is kept.
    let limit = FALLBACK_NOTE.len() + 5;
    let script =
        format!(r#"run {{"command":"printf","args":["aaaé€z"],"outputByteLimit":{limit}}}"#);
    let (result, events) = turn(&conn, &session, &script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    assert_eq!(
        said(&text(&events)),
        vec![json!({"line": "run", "json": {
            "output": format!("{FALLBACK_NOTE}€z"),
            "truncated": true,
            "exitStatus": {"exitCode": 0, "signal": null},
        }})]
    );
    // A limit too small for the note: only the output's end.
    let (_, events) = turn(
        &conn,
        &session,
        r#"run {"command":"printf","args":["aaaé€z"],"outputByteLimit":3}"#,
    )
    .await;
    assert_eq!(
        said(&text(&events)),
        vec![json!({"line": "run", "json": {
            "output": "z",
            "truncated": true,
            "exitStatus": {"exitCode": 0, "signal": null},
        }})]
    );
}

#[tokio::test]
async fn kill_ends_the_group_and_release_forgets_the_terminal() {
    let hooks = TestHooks::new();
    let (conn, session) = setup(hooks.clone()).await;
    // The shell's background child is in the same group: it goes too.
    let script = r#"start {"command":"sh","args":["-c","echo started; sleep 60 & sleep 60"]}
slow 300
kill
wait
output
release
output
wait"#;
    let (result, events) = turn(&conn, &session, script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    let answer = text(&events);
    let lines = said(&answer);
    let id = answer
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("terminal: "))
        .unwrap()
        .to_owned();
    assert!(id.starts_with("local-"), "{id}");
    let gone = format!("error: no terminal {id} (never created, or released)");
    assert_eq!(
        lines,
        vec![
            json!({"line": format!("terminal: {id}")}),
            json!({"line": "killed"}),
            json!({"line": "exit", "json": {"exitCode": null, "signal": "SIGINT"}}),
            json!({"line": "output", "json": {
                "output": format!("{FALLBACK_NOTE}started\n"),
                "truncated": false,
                "exitStatus": {"exitCode": null, "signal": "SIGINT"},
            }}),
            json!({"line": "released"}),
            json!({"line": gone}),
            json!({"line": gone}),
        ]
    );
}

#[tokio::test]
async fn a_cwd_outside_the_worktree_is_refused() {
    let hooks = TestHooks::new();
    let (conn, session) = setup(hooks.clone()).await;
    let outside = hooks.root.parent().unwrap().display().to_string();
    let script = format!(
        "run {{\"command\":\"true\",\"cwd\":\"../\"}}\nrun {{\"command\":\"true\",\"cwd\":\"{outside}\"}}\n\
         run {{\"command\":\"true\",\"cwd\":\"missing\"}}\nrun {{\"command\":\" \"}}"
    );
    let (result, events) = turn(&conn, &session, &script).await;
    assert_eq!(result.unwrap(), StopReason::EndTurn);
    let confined = "; terminals run inside the session worktree";
    assert_eq!(
        text(&events),
        [
            format!("error: refused cwd: path \"../\" escapes the project root{confined}\n"),
            format!(
                "error: refused cwd: path \"{outside}\" is outside the project root{confined}\n"
            ),
            "error: cwd missing is not a directory in the session worktree\n".to_owned(),
            "error: command must name a program\n".to_owned(),
        ]
        .concat()
    );
}

/// An agent's command gets the agent's HOME and PATH (its own names win) and runs
/// inside the agent's sandbox: a new session as boocoder's child, the pane's
/// session in booterm.
#[test]
fn a_confined_command_shares_the_agents_home_path_and_sandbox() {
    use std::path::PathBuf;

    use super::{Launch, TermConfine};
    use crate::sandbox::{Bind, Plan};

    let launch = Launch {
        argv: vec!["make".into(), "test".into()],
        cwd: PathBuf::from("/wt/s1/sub"),
        env: vec![("PATH".into(), "/mine".into())],
        limit: 10,
        title: "agent: make test".into(),
    };
    let plan = Plan {
        bwrap: "/usr/bin/bwrap".into(),
        binds: vec![Bind::Writable("/wt/s1".into())],
        network: false,
        home: "/wt/.homes/qwen/s1".into(),
    };
    let confine = TermConfine {
        home: plan.home.clone(),
        path: Some("/usr/bin:/bin".into()),
        plan: Some(plan),
    };
    let boxed = |new_session: bool| -> Vec<String> {
        let mut argv: Vec<String> = [
            "/usr/bin/bwrap",
            "--unshare-all",
            "--die-with-parent",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
        ]
        .map(str::to_owned)
        .to_vec();
        if new_session {
            argv.push("--new-session".into());
        }
        argv.extend(
            [
                "--bind",
                "/wt/s1",
                "/wt/s1",
                "--remount-ro",
                "/",
                "--chdir",
                "/wt/s1/sub",
                "--",
                "make",
                "test",
            ]
            .map(str::to_owned),
        );
        argv
    };
    let env = vec![
        ("HOME".to_owned(), "/wt/.homes/qwen/s1".to_owned()),
        ("TMPDIR".to_owned(), "/tmp".to_owned()),
        ("PATH".to_owned(), "/mine".to_owned()),
    ];
    assert_eq!(
        confine.apply(&launch, true),
        Launch {
            argv: boxed(false),
            env: env.clone(),
            ..launch.clone()
        }
    );
    assert_eq!(
        confine.apply(&launch, false),
        Launch {
            argv: boxed(true),
            env,
            ..launch.clone()
        }
    );
    // The sandbox off: the same env, the command as given.
    let off = TermConfine {
        plan: None,
        ..confine
    };
    assert_eq!(
        off.apply(&launch, true),
        Launch {
            env: vec![
                ("HOME".to_owned(), "/wt/.homes/qwen/s1".to_owned()),
                ("PATH".to_owned(), "/mine".to_owned()),
            ],
            ..launch.clone()
        }
    );
}
