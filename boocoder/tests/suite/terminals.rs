//! Agents' terminals through the whole daemon: the scripted agent (`boo-fake-acp`,
//! a real child) runs commands with `terminal/*`; boocoder makes them terminals of
//! a real booterm (in process, real tmux, the same database), listed under the
//! workspace session with the worktree as cwd. With booterm unreachable, the
//! commands run as boocoder's own bounded children and say so.

use std::path::PathBuf;

use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_proto::term::v1::{GetSessionRequest, ListSessionsRequest, TerminalSession};
use boo_testkit::workspace::fake_acp_providers;
use boo_testkit::{TestDb, channel};
use boocoder::acp::FALLBACK_NOTE;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::turns::{Fx, fx_on};

pub(super) use boo_testkit::booterm::Booterm;

async fn worktree_dir(f: &Fx) -> PathBuf {
    let path: String =
        sqlx::query_scalar("SELECT path FROM worktrees WHERE session_id = $1 AND status = 'live'")
            .bind(f.session)
            .fetch_one(&f.pool)
            .await
            .unwrap();
    PathBuf::from(path)
}

/// A turn that completes; each line the agent said: `{"line": <word>, "json": …}`
/// for `<word>: {json}`, else `{"line": <line>}`.
async fn said(f: &Fx, script: &str) -> Vec<Value> {
    let (status, answer) = f.turn(script).await;
    assert_eq!(status, "completed", "{}", answer.content);
    answer
        .content
        .lines()
        .map(|l| match l.split_once(": ") {
            Some((word, rest)) if rest.starts_with('{') => {
                json!({"line": word, "json": serde_json::from_str::<Value>(rest).unwrap()})
            }
            _ => json!({ "line": l }),
        })
        .collect()
}

fn run_line(output: &str, truncated: bool, code: Option<u32>, signal: Option<&str>) -> Value {
    json!({"line": "run", "json": {
        "output": output,
        "truncated": truncated,
        "exitStatus": {"exitCode": code, "signal": signal},
    }})
}

#[tokio::test]
async fn agent_commands_run_in_booterm_terminals_of_the_session() {
    let db = TestDb::create().await;
    let term = Booterm::start(&db, booterm::run).await;
    let grpc = term.grpc();
    let f = fx_on(
        db,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| {
            s.term.grpc_addr = grpc;
        },
    )
    .await;
    let mut client = TermServiceClient::new(channel(&format!("http://{grpc}")).await);
    let (status, _) = f.turn("say hi").await;
    assert_eq!(status, "completed");
    let dir = worktree_dir(&f).await;
    std::fs::create_dir(dir.join("sub")).unwrap();

    // Output (stdout and stderr as the terminal shows them), env, cwd, exit code.
    assert_eq!(
        said(
            &f,
            r#"run {"command":"sh","args":["-c","printf 'out\\n'; echo err >&2; echo \"$GREETING in $(pwd)\"; exit 3"],"env":{"GREETING":"hi there"},"cwd":"sub"}"#
        )
        .await,
        vec![run_line(
            &format!("out\nerr\nhi there in {}", dir.join("sub").display()),
            false,
            Some(3),
            None
        )]
    );
    // outputByteLimit keeps the end, from a character boundary ("aaaé€z": 9 bytes;
    // the last 5 start inside "é").
    assert_eq!(
        said(
            &f,
            r#"run {"command":"printf","args":["aaaé€z"],"outputByteLimit":5}"#
        )
        .await,
        vec![run_line("€z", true, Some(0), None)]
    );

    // A running command is a live terminal of the session, in the worktree.
    let started = said(&f, r#"start {"command":"sleep","args":["60"]}"#).await;
    let id = started[0]["line"]
        .as_str()
        .and_then(|l| l.strip_prefix("terminal: "))
        .unwrap()
        .to_owned();
    let listed: Vec<TerminalSession> = client
        .list_sessions(ListSessionsRequest {
            session_id: f.session.to_string(),
        })
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(
        listed
            .iter()
            .map(|t| (
                t.id.as_str(),
                t.session_id.as_str(),
                t.title.as_str(),
                t.cwd.as_str(),
                t.status.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![(
            id.as_str(),
            f.session.to_string().as_str(),
            "agent: sleep 60",
            dir.to_str().unwrap(),
            "live"
        )]
    );

    // kill ends it (tmux hangs up the program); the terminal stays, exited;
    // release forgets it.
    let hup = json!({"exitCode": null, "signal": "SIGHUP"});
    let gone = format!("error: no terminal {id} (never created, or released)");
    assert_eq!(
        said(&f, "kill\nwait\noutput\nrelease\noutput\nrelease").await,
        vec![
            json!({"line": "killed"}),
            json!({"line": "exit", "json": hup}),
            json!({"line": "output", "json": {"output": "", "truncated": false, "exitStatus": hup}}),
            json!({"line": "released"}),
            json!({"line": gone.clone()}),
            json!({"line": gone}),
        ]
    );
    let ended = client
        .get_session(GetSessionRequest { id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!((ended.status.as_str(), ended.exit_code), ("exited", None));
    assert_eq!(
        client
            .list_sessions(ListSessionsRequest {
                session_id: f.session.to_string(),
            })
            .await
            .unwrap()
            .into_inner()
            .sessions,
        vec![]
    );

    // release of a running command kills it.
    let started = said(&f, r#"start {"command":"sleep","args":["60"]}"#).await;
    let id = started[0]["line"]
        .as_str()
        .and_then(|l| l.strip_prefix("terminal: "))
        .unwrap()
        .to_owned();
    assert_eq!(said(&f, "release").await, vec![json!({"line": "released"})]);
    let ended = client
        .get_session(GetSessionRequest { id })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(ended.status, "exited");

    // What booterm refuses reaches the agent as an error.
    assert_eq!(
        said(&f, r#"run {"command":"no-such-program-here"}"#).await,
        vec![
            json!({"line": "error: booterm CreateSession failed: command_not_found: no-such-program-here: no such program (not an executable file, nor on PATH)"})
        ]
    );
}

#[tokio::test]
async fn with_booterm_unreachable_commands_run_as_our_own_bounded_children() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let f = fx_on(
        TestDb::create().await,
        "fake",
        |_, file| fake_acp_providers(file),
        |s| s.term.grpc_addr = closed,
    )
    .await;
    let (status, _) = f.turn("say hi").await;
    assert_eq!(status, "completed");
    let dir = worktree_dir(&f).await;
    assert_eq!(
        said(
            &f,
            r#"run {"command":"sh","args":["-c","echo \"fallback in $(pwd)\"; echo $DATABASE_URL; exit 4"]}"#
        )
        .await,
        // boocoder's own environment (DATABASE_URL…) stays out.
        vec![run_line(
            &format!("{FALLBACK_NOTE}fallback in {}\n\n", dir.display()),
            false,
            Some(4),
            None
        )]
    );
    let limit = FALLBACK_NOTE.len() + 5;
    assert_eq!(
        said(
            &f,
            &format!(r#"run {{"command":"printf","args":["aaaé€z"],"outputByteLimit":{limit}}}"#)
        )
        .await,
        vec![run_line(&format!("{FALLBACK_NOTE}€z"), true, Some(0), None)]
    );
    // Killed: the whole process group goes.
    let said_kill = said(
        &f,
        "start {\"command\":\"sh\",\"args\":[\"-c\",\"echo up; sleep 60\"]}\nslow 300\nkill\nwait\nrelease",
    )
    .await;
    assert_eq!(
        said_kill[1..],
        [
            json!({"line": "killed"}),
            json!({"line": "exit", "json": {"exitCode": null, "signal": "SIGINT"}}),
            json!({"line": "released"}),
        ]
    );
    // A cwd outside the worktree is refused, whoever would run the command.
    assert_eq!(
        said(&f, r#"run {"command":"true","cwd":"/etc"}"#).await,
        vec![
            json!({"line": "error: refused cwd: path \"/etc\" is outside the project root; terminals run inside the session worktree"})
        ]
    );
}
