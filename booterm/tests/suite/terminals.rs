//! Terminal lifecycle over REST (TERM-1, TERM-4, TERM-5) and reconciling with tmux
//! across restarts.

use boo_testkit::TestDb;
use booterm::wire::{Terminal, TerminalStatus};
use pretty_assertions::assert_eq;
use reqwest::Method;
use serde_json::{Value, json};

use super::support::{
    Sandbox, call, create, spawn, spawn_with, start, wait_exited, wait_for_line, wait_row_exited,
};

#[tokio::test]
async fn create_list_rename_snapshot_and_kill() {
    let env = start().await;
    let (base, sandbox) = (env.base.clone(), &env.sandbox);
    let cwd = sandbox.dir.path().to_path_buf();
    let t = create(
        &base,
        json!({"cwd": cwd, "cols": 100, "rows": 30, "title": " logs "}),
    )
    .await;
    assert_eq!(
        (
            t.tmux_name.clone(),
            t.title.as_deref(),
            t.cwd.clone(),
            t.cols,
            t.rows,
            t.status
        ),
        (
            format!("bc-{}", t.id),
            Some("logs"),
            cwd.display().to_string(),
            100,
            30,
            TerminalStatus::Live
        )
    );
    assert_eq!(sandbox.sessions(), vec![t.tmux_name.clone()]);
    assert_eq!(
        sandbox.pane_format(t.id, "#{pane_current_path}"),
        cwd.display().to_string()
    );

    let other = create(
        &base,
        json!({"command": ["sh", "-c", "echo argv-$0; exec sleep 600", "ok"]}),
    )
    .await;
    wait_for_line(&base, other.id, "argv-ok").await;

    let (status, list) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals"),
        None,
    )
    .await;
    let ids: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!((status, ids), (200, vec![json!(t.id), json!(other.id)]));

    let (status, renamed) = call(
        &reqwest::Client::new(),
        Method::PATCH,
        &format!("{base}/api/terminals/{}", t.id),
        Some(json!({"title": "tail"})),
    )
    .await;
    assert_eq!((status, &renamed["title"]), (200, &json!("tail")));
    let (_, cleared) = call(
        &reqwest::Client::new(),
        Method::PATCH,
        &format!("{base}/api/terminals/{}", t.id),
        Some(json!({"title": ""})),
    )
    .await;
    assert_eq!(cleared["title"], json!(null));

    sandbox.type_line(t.id, "printf 'a  \\n'; echo snap\"\"-line");
    wait_for_line(&base, t.id, "snap-line").await;
    // The next prompt, on a line of its own: the shell is idle.
    let text = wait_for_line(&base, t.id, "$").await;
    assert!(
        text.lines().any(|l| l == "a"),
        "trailing blanks trimmed: {text:?}"
    );

    let (status, _) = call(
        &reqwest::Client::new(),
        Method::DELETE,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sandbox.sessions(), vec![other.tmux_name.clone()]);
    let (_, gone) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!(
        (&gone["status"], &gone["exit_code"]),
        (&json!("exited"), &json!(null))
    );
    // Killing again is fine; an ended terminal's snapshot is what it showed last.
    let (status, _) = call(
        &reqwest::Client::new(),
        Method::DELETE,
        &format!("{base}/api/terminals/{}", t.id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, last) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals/{}/snapshot?lines=100", t.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(last, json!({"text": text, "cols": t.cols, "rows": t.rows}));

    let (_, live) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals"),
        None,
    )
    .await;
    let (_, all) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals?status=all"),
        None,
    )
    .await;
    assert_eq!(
        (
            live.as_array().unwrap().len(),
            all.as_array().unwrap().len()
        ),
        (1, 2)
    );
    // The newest by start or end: the one just killed.
    let (_, newest) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals?status=all&limit=1"),
        None,
    )
    .await;
    let ids: Vec<&Value> = newest
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(ids, vec![&json!(t.id)]);
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_finished_program_is_recorded_with_its_exit_code() {
    let env = start().await;
    let (base, sandbox) = (env.base.clone(), &env.sandbox);
    // Exits at once: its pane dies while tmux is still creating the session. The
    // next terminal comes before booterm has noticed.
    let t = create(&base, json!({"command": ["sh", "-c", "exit 7"]})).await;
    let next = create(&base, json!({})).await;
    let done = wait_exited(&base, t.id).await;
    assert_eq!((done.exit_code, done.exited_at.is_some()), (Some(7), true));
    // Its tmux session is gone too.
    assert_eq!(sandbox.sessions(), vec![next.tmux_name.clone()]);
    // Its pane-died hook ran with nobody attached, quietly: the next terminal is a
    // plain shell, not tmux showing the hook's error in view mode.
    let mut ws = super::support::TermWs::connect(&base, next.id, "").await;
    ws.send("echo fi\"\"ne\r").await;
    ws.until_output("fine").await;
    assert_eq!(sandbox.pane_format(next.id, "#{pane_in_mode}"), "0");
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_program_that_exits_ends_its_terminal_without_anyone_asking() {
    let env = start().await;
    let (base, sandbox) = (env.base.clone(), &env.sandbox);
    let mut ended = Vec::new();
    // One after another: a lone exit is when tmux 3.3a may miss its SIGCHLD and
    // never run the pane-died hook. Nobody reads the terminal through the API.
    for code in 1..=6 {
        let script = format!("echo out-{code}; sleep 0.2; exit {code}");
        let t = create(
            &base,
            json!({"command": ["sh", "-c", script], "cols": 60, "rows": 10}),
        )
        .await;
        let exit_code = wait_row_exited(&env._db, t.id).await;
        // Its last screen is kept.
        let (status, last) = call(
            &reqwest::Client::new(),
            Method::GET,
            &format!("{base}/api/terminals/{}/snapshot", t.id),
            None,
        )
        .await;
        ended.push((exit_code, status, last));
    }
    let want: Vec<_> = (1..=6)
        .map(|c| {
            (
                Some(c),
                200,
                json!({"text": format!("out-{c}"), "cols": 60, "rows": 10}),
            )
        })
        .collect();
    assert_eq!(ended, want);
    assert_eq!(sandbox.sessions(), Vec::<String>::new());
    env.daemon.stop().await.unwrap();
}

#[tokio::test]
async fn ssh_terminals_connect_to_the_configured_target() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let mut settings = sandbox.settings(&db);
    // Port 1 refuses: ssh runs, fails to connect, and exits 255.
    settings.term.ssh_target = Some("nobody@127.0.0.1".into());
    settings.term.ssh_options = ["-p", "1", "-o", "BatchMode=yes"]
        .map(String::from)
        .to_vec();
    let daemon = spawn_with(settings).await;
    let base = daemon.url("");
    let t = create(&base, json!({"command": "ssh"})).await;
    assert_eq!(t.target.as_deref(), Some("nobody@127.0.0.1"));
    let done: Terminal = wait_exited(&base, t.id).await;
    assert_eq!(
        (done.exit_code, done.target.as_deref()),
        (Some(255), Some("nobody@127.0.0.1"))
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn a_restart_adopts_unknown_bc_sessions_and_ends_vanished_ones() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    let kept = create(&base, json!({"title": "kept"})).await;
    let vanished = create(&base, json!({})).await;
    daemon.stop().await.unwrap();

    // While booterm is down: one session is killed, one appears, and a stranger too.
    let (ok, out) = sandbox.tmux(&["kill-session", "-t", &format!("={}", vanished.tmux_name)]);
    assert!(ok, "{out}");
    let stray = uuid::Uuid::new_v4();
    let work = sandbox.work();
    for name in [format!("bc-{stray}"), "not-ours".to_owned()] {
        let (ok, out) = sandbox.tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "70",
            "-y",
            "20",
            "-c",
            &work.to_string_lossy(),
        ]);
        assert!(ok, "{out}");
    }

    let daemon = spawn(&sandbox, &db).await;
    let base = daemon.url("");
    let (_, live) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals"),
        None,
    )
    .await;
    let live: Vec<Terminal> = serde_json::from_value(live).unwrap();
    // Adopted rows date from the tmux session's creation (whole seconds).
    let mut summary: Vec<_> = live
        .iter()
        .map(|t| (t.id == kept.id, t.title.clone(), t.cols, t.cwd.clone()))
        .collect();
    summary.sort();
    let cwd = work.display().to_string();
    assert_eq!(
        summary,
        vec![
            (false, None, 70, cwd.clone()),
            (true, Some("kept".into()), 80, cwd)
        ]
    );
    assert!(live.iter().any(|t| t.id == stray));
    let (_, gone) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals/{}", vanished.id),
        None,
    )
    .await;
    assert_eq!(gone["status"], json!("exited"));
    // Nothing of its screen could be kept.
    let (status, body) = call(
        &reqwest::Client::new(),
        Method::GET,
        &format!("{base}/api/terminals/{}/snapshot", vanished.id),
        None,
    )
    .await;
    assert_eq!((status, &body["code"]), (409, &json!("terminal_exited")));
    // The stranger is left alone.
    assert!(sandbox.sessions().contains(&"not-ours".to_owned()));
    daemon.stop().await.unwrap();
}
