//! Unit tests: the pure parts, then the real tmux on a socket in a temp dir.

use std::time::Duration;

use pretty_assertions::assert_eq;

use super::*;

/// Commands only the tests need.
impl Tmux {
    /// Set the window size. With clients attached their size wins again at once
    /// (`window-size latest`); without, this size stays until a client attaches.
    async fn resize(&self, name: &str, cols: u16, rows: u16) -> Result<(), TmuxError> {
        let target = format!("={name}:");
        let (c, r) = (cols.to_string(), rows.to_string());
        // resize-window switches the window to `window-size manual`; switch it back.
        let argv = args(&[
            "resize-window",
            "-t",
            &target,
            "-x",
            &c,
            "-y",
            &r,
            ";",
            "set-option",
            "-w",
            "-t",
            &target,
            "window-size",
            "latest",
        ]);
        self.run("resize-window", argv).await.map(drop)
    }

    /// Type `text` literally into the pane, then Enter when `enter`.
    async fn send_text(&self, name: &str, text: &str, enter: bool) -> Result<(), TmuxError> {
        let target = format!("={name}:");
        let mut argv = args(&["send-keys", "-t", &target, "-l", "--"]);
        argv.push(escape(text));
        if enter {
            argv.extend(args(&[";", "send-keys", "-t", &target, "Enter"]));
        }
        self.run("send-keys", argv).await.map(drop)
    }

    /// The server's pid; `None` when no server runs.
    async fn server_pid(&self) -> Result<Option<u32>, TmuxError> {
        match self
            .run(
                "display-message",
                args(&["display-message", "-p", "#{pid}"]),
            )
            .await
        {
            Ok(out) => Ok(out.trim().parse().ok()),
            Err(TmuxError::NoServer(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A private server in a temp dir, killed when dropped.
struct Server {
    tmux: Tmux,
    _dir: tempfile::TempDir,
}

impl Server {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let options = TmuxOptions {
            history_limit: 2000,
            default_shell: Some("/bin/sh".into()),
            ..TmuxOptions::default()
        };
        let tmux = Tmux::with_options(dir.path().join("sock/tmux.sock"), options);
        Self { tmux, _dir: dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.tmux.socket())
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
    }
}

async fn wait_capture(tmux: &Tmux, name: &str, want: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = tmux.capture(name, 100, false).await.unwrap();
        if text.contains(want) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{want:?} never showed up; screen:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_dead(tmux: &Tmux, name: &str) -> TmuxSession {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let all = tmux.list().await.unwrap();
        if let Some(s) = all.iter().find(|s| s.name == name && s.dead) {
            return s.clone();
        }
        if tokio::time::Instant::now() >= deadline {
            let procs: Vec<String> = all
                .iter()
                .filter_map(|s| s.pane_pid)
                .map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default())
                .collect();
            panic!("{name} never died: {all:#?} {procs:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn parses_a_list_line() {
    let line = "bc-1\u{1f}77\u{1f}1700000000\u{1f}100\u{1f}30\u{1f}4242\u{1f}1\u{1f}3\u{1f}\u{1f}0\u{1f}sh\u{1f}sh -c \"x\u{1f}y\"\u{1f}/tmp";
    // The last field may hold anything; the separator inside start_command shifts it,
    // which is why the free-text fields come last and the path is read as-is.
    let s = TmuxSession::parse(line).unwrap();
    assert_eq!(
        s,
        TmuxSession {
            name: "bc-1".into(),
            server_pid: 77,
            created: 1_700_000_000,
            width: 100,
            height: 30,
            pane_pid: Some(4242),
            closed: true,
            dead: true,
            dead_status: Some(3),
            dead_signal: None,
            attached: 0,
            current_command: "sh".into(),
            start_command: "sh -c \"x".into(),
            current_path: "y\"\u{1f}/tmp".into(),
        }
    );
    assert_eq!(s.exit_code(), Some(3));
    assert_eq!(TmuxSession::parse("garbage"), None);
}

#[test]
fn exit_code_of_a_signal_is_128_plus_it() {
    let mut s = TmuxSession::parse(
        "a\u{1f}7\u{1f}1\u{1f}80\u{1f}24\u{1f}\u{1f}1\u{1f}\u{1f}15\u{1f}0\u{1f}\u{1f}\u{1f}",
    )
    .unwrap();
    assert_eq!(s.exit_code(), Some(143));
    s.dead = false;
    assert_eq!(s.exit_code(), None);
}

#[test]
fn escapes_a_trailing_semicolon_only() {
    assert_eq!(
        ["x;", "x\\;", ";", "a;b", "plain"].map(escape),
        ["x\\;", "x\\\\;", "\\;", "a;b", "plain"].map(OsString::from)
    );
}

#[test]
fn classifies_tmux_errors() {
    let sock = Path::new("/s");
    let status = std::process::Command::new("false").status().unwrap();
    let kinds = [
        "no server running on /s",
        "error connecting to /s (No such file or directory)",
        "error connecting to /s (Connection refused)",
        "can't find session: bc-1",
        "server exited unexpectedly",
        "no current target",
        "error connecting to /s (Permission denied)",
    ]
    .map(|e| match classify(sock, "x", status, e.into()) {
        TmuxError::NoServer(_) => "no-server".to_owned(),
        TmuxError::NoSession(n) => format!("no-session {n}"),
        other => format!("failed: {other}"),
    });
    assert_eq!(
        kinds,
        [
            "no-server",
            "no-server",
            "no-server",
            "no-session bc-1",
            "no-server",
            "no-server",
            "failed: tmux x failed (exit status: 1): error connecting to /s (Permission denied)",
        ]
        .map(String::from)
    );
}

#[test]
fn client_env_is_an_allowlist_with_utf8_and_term() {
    let vars = [
        ("PATH", "/bin"),
        ("HOME", "/home/o"),
        ("TMUX", "/tmp/tmux-0/default,1,0"),
        ("DATABASE_URL", "postgres://secret"),
        ("BOO_GRPC__TOKEN", "secret"),
    ]
    .map(|(k, v)| (OsString::from(k), OsString::from(v)));
    let env = client_env(vars.into_iter());
    assert_eq!(
        env,
        [
            ("HOME", "/home/o"),
            ("LANG", "C.UTF-8"),
            ("PATH", "/bin"),
            ("TERM", "xterm-256color")
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
    );
}

#[test]
fn attach_argv_targets_the_exact_session() {
    let tmux = Tmux::new("/run/b/tmux.sock".into());
    let show = |argv: Vec<OsString>| {
        argv.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        show(tmux.attach_argv("bc-1", false)),
        "tmux -u -S /run/b/tmux.sock -f /dev/null attach-session -t =bc-1"
    );
    assert_eq!(
        show(tmux.attach_argv("bc-1", true)),
        "tmux -u -S /run/b/tmux.sock -f /dev/null attach-session -t =bc-1 -f read-only,ignore-size"
    );
}

#[test]
fn default_socket_follows_tmux_conventions() {
    let uid = rustix::process::getuid().as_raw();
    let got = default_socket();
    assert_eq!(got.file_name().unwrap(), "booterm");
    assert_eq!(
        got.parent().unwrap().file_name().unwrap().to_string_lossy(),
        format!("tmux-{uid}")
    );
}

#[tokio::test]
async fn a_too_long_socket_path_is_refused() {
    let tmux = Tmux::new(PathBuf::from(format!("/tmp/{}/s", "x".repeat(120))));
    let err = tmux
        .new_session("bc-x", Path::new("/"), 80, 24, None, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, TmuxError::Socket { ref message, .. } if message.contains("at most 107")),
        "{err}"
    );
}

#[tokio::test]
async fn without_a_server_everything_is_empty_or_false() {
    let srv = Server::new();
    assert_eq!(srv.tmux.list().await.unwrap(), Vec::new());
    assert!(!srv.tmux.kill("bc-none").await.unwrap());
    assert_eq!(srv.tmux.server_pid().await.unwrap(), None);
    assert!(matches!(
        srv.tmux.capture("bc-none", 0, false).await,
        Err(TmuxError::NoServer(_))
    ));
}

#[tokio::test]
async fn session_lifecycle_on_a_private_server() {
    let srv = Server::new();
    let t = &srv.tmux;
    let cwd = tempfile::tempdir().unwrap();
    // A directory name tmux would otherwise format-expand (`#{…}`, `#(…)`).
    let odd = cwd.path().join("d#{session_name}#(true);");
    std::fs::create_dir(&odd).unwrap();
    let env = [("BOO_X".to_owned(), "v;".to_owned())];
    t.new_session("bc-a", &odd, 100, 30, None, &env)
        .await
        .unwrap();

    let listed = t.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    let a = &listed[0];
    assert_eq!(
        (a.name.as_str(), a.width, a.height, a.dead, a.attached),
        ("bc-a", 100, 30, false, 0)
    );
    assert!(a.pane_pid.is_some());
    // tmux reads the path from /proc once the shell runs.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let path = t.list().await.unwrap().remove(0).current_path;
        if path == odd.to_string_lossy() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "current_path stays {path:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    t.send_text("bc-a", "echo \"m-$BOO_X-$TERM\";", true)
        .await
        .unwrap();
    let screen = wait_capture(t, "bc-a", "m-v;-").await;
    let want = format!("m-v;-{}", default_terminal());
    // Typed before the shell was ready, the output may follow its prompt.
    assert!(
        screen.lines().any(|l| l.ends_with(&want)),
        "no line {want:?} in:\n{screen}"
    );

    t.resize("bc-a", 120, 40).await.unwrap();
    let a = t.list().await.unwrap().remove(0);
    assert_eq!((a.width, a.height), (120, 40));

    assert!(t.kill("bc-a").await.unwrap());
    assert!(!t.kill("bc-a").await.unwrap());
    assert_eq!(t.list().await.unwrap(), Vec::new());
}

#[tokio::test]
async fn commands_run_as_argv_and_dead_panes_keep_their_status() {
    let srv = Server::new();
    let t = &srv.tmux;
    let argv = [
        "sh",
        "-c",
        // The pause: tmux may drop the last output of a program that exits at once.
        "printf '%s|' \"$0\" \"$1\"; sleep 0.3; exit 3",
        "a b",
        "c;",
    ]
    .map(String::from);
    t.new_session("bc-argv", Path::new("/"), 80, 24, Some(&argv), &[])
        .await
        .unwrap();
    // One element: run directly, not through `sh -c` (the space is not split).
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("say hi");
    std::fs::write(&script, "#!/bin/sh\necho one-arg-ok\nexec sleep 60\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let one = [script.to_string_lossy().into_owned()];
    t.new_session("bc-one", Path::new("/"), 80, 24, Some(&one), &[])
        .await
        .unwrap();
    wait_capture(t, "bc-one", "one-arg-ok").await;

    let dead = wait_dead(t, "bc-argv").await;
    assert_eq!(dead.exit_code(), Some(3));
    // The output stays readable until booterm kills the session (tmux scrolls the
    // screen by one line to print "Pane is dead", so the first line is in history).
    let screen = t.capture("bc-argv", 5, false).await.unwrap();
    assert!(screen.contains("a b|c;|"), "{screen}");

    // Killed by a signal: 128 + 15.
    let pid = t
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "bc-one")
        .and_then(|s| s.pane_pid)
        .unwrap();
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(wait_dead(t, "bc-one").await.exit_code(), Some(143));
}

#[tokio::test]
async fn capture_reaches_into_scrollback_and_keeps_escapes_on_request() {
    let srv = Server::new();
    let t = &srv.tmux;
    let argv = [
        "sh",
        "-c",
        "i=1; while [ $i -le 60 ]; do echo line-$i; i=$((i+1)); done; printf '\\033[31mred\\033[0m\\n'; exec sleep 60",
    ]
    .map(String::from);
    t.new_session("bc-s", Path::new("/"), 80, 10, Some(&argv), &[])
        .await
        .unwrap();
    let screen = wait_capture(t, "bc-s", "red").await;
    assert!(screen.contains("line-1\n"), "scrollback missing:\n{screen}");
    let visible = t.capture("bc-s", 0, false).await.unwrap();
    assert_eq!(visible.lines().count(), 10);
    assert!(!visible.contains("line-1\n"));
    let colored = t.capture("bc-s", 0, true).await.unwrap();
    assert!(colored.contains("\u{1b}[31mred"), "{colored:?}");
}

#[tokio::test]
async fn the_server_is_not_our_child_nor_in_our_session() {
    let srv = Server::new();
    srv.tmux
        .new_session("bc-d", Path::new("/"), 80, 24, None, &[])
        .await
        .unwrap();
    let pid = srv.tmux.server_pid().await.unwrap().unwrap();
    let [ppid, _pgrp, sid] = stat_ids(&pid.to_string());
    // Our own session from /proc too: a CI harness may run us in session 0,
    // which rustix's getsid refuses to represent.
    let [_, _, my_sid] = stat_ids("self");
    assert_ne!(ppid, std::process::id(), "tmux server is our child");
    assert_eq!(sid, pid, "tmux server leads its own session (setsid)");
    assert_ne!(sid, my_sid);
}

/// `ppid pgrp session` from `/proc/<who>/stat`.
fn stat_ids(who: &str) -> [u32; 3] {
    let stat = std::fs::read_to_string(format!("/proc/{who}/stat")).unwrap();
    // pid (comm) state ppid pgrp session …
    let after_comm = stat.rsplit_once(')').unwrap().1;
    let f: Vec<u32> = after_comm
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    [f[0], f[1], f[2]]
}

#[tokio::test]
async fn every_exit_status_arrives_even_when_tmux_misses_a_sigchld() {
    let srv = Server::new();
    let t = &srv.tmux;
    let argv = ["sh", "-c", "echo up; exec sleep 60"].map(String::from);
    let names: Vec<String> = (0..12).map(|i| format!("bc-k{i}")).collect();
    for name in &names {
        t.new_session(name, Path::new("/"), 80, 24, Some(&argv), &[])
            .await
            .unwrap();
    }
    for name in &names {
        wait_capture(t, name, "up").await;
    }
    // One at a time: a lone exit is when tmux 3.3a loses the SIGCHLD (~1 in 10).
    for s in t.list().await.unwrap() {
        let pid = i32::try_from(s.pane_pid.unwrap()).unwrap();
        let pid = rustix::process::Pid::from_raw(pid).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        assert_eq!(
            wait_dead(t, &s.name).await.exit_code(),
            Some(143),
            "{}",
            s.name
        );
    }
}

/// Pids of the server's children running `comm`.
fn server_children(server: u32, comm: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map_or("", |(_, n)| n);
        let ppid = tail
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if name == comm && ppid == Some(server) {
            found.push(pid);
        }
    }
    found
}

#[tokio::test]
async fn what_a_program_writes_right_before_it_exits_is_kept() {
    let srv = Server::new();
    let t = &srv.tmux;
    // Without the discarding pipe tmux 3.3a drops this output about 1 time in 40;
    // with it, about 1 time in 800 (a race left in tmux itself). Of 100, at most one
    // lost passes: without the pipe that would be luck (~30%), with it a failure is
    // (~0.7%).
    let names: Vec<String> = (0..100).map(|i| format!("bc-w{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        let argv = ["sh", "-c", &format!("echo last-words-{i}; exit 3")].map(String::from);
        t.new_session(name, Path::new("/"), 80, 24, Some(&argv), &[])
            .await
            .unwrap();
    }
    let server = t.server_pid().await.unwrap().unwrap();
    let mut lost = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let dead = wait_dead(t, name).await;
        assert_eq!(dead.exit_code(), Some(3), "{name}");
        let text = t.capture(name, 0, false).await.unwrap();
        if !text.contains(&format!("last-words-{i}")) {
            lost.push(name.clone());
        }
    }
    assert!(lost.len() <= 1, "lost the last words of {lost:?}");
    // One sink per pane while it stays; none once the sessions are killed.
    assert_eq!(server_children(server, "cat").len(), names.len());
    for name in &names[1..] {
        t.kill(name).await.unwrap();
    }
    wait_until_no_sinks_but_one(server).await;
}

async fn wait_until_no_sinks_but_one(server: u32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = server_children(server, "cat");
        if left.len() == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "sinks left: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
