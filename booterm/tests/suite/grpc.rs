//! The peer API: the same terminals over gRPC, and `Attach`'s byte stream.

use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_proto::term::v1::{
    AttachInput, CreateSessionRequest, KillSessionRequest, ListSessionsRequest, Resize,
    SnapshotRequest, attach_input::Msg,
};
use boo_testkit::{TestDb, channel, wait_for};
use pretty_assertions::assert_eq;
use tokio_stream::StreamExt;

use super::support::{LIMIT, Sandbox, spawn};

fn input(msg: Msg) -> AttachInput {
    AttachInput { msg: Some(msg) }
}

#[tokio::test]
async fn create_list_snapshot_attach_and_kill_over_grpc() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let mut client = TermServiceClient::new(channel(&daemon.grpc_url()).await);

    let created = client
        .create_session(CreateSessionRequest {
            title: "peer".into(),
            cols: 90,
            rows: 25,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(
        (
            created.title.as_str(),
            created.cols,
            created.rows,
            created.status.as_str()
        ),
        ("peer", 90, 25, "live")
    );
    assert_eq!(created.tmux_name, format!("bc-{}", created.id));
    let listed = client
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(listed, vec![created.clone()]);

    // Attach: input in, the same bytes a browser gets out.
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tx.send(input(Msg::Id(created.id.clone()))).await.unwrap();
    let mut out = client
        .attach(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(input(Msg::Resize(Resize {
        cols: 111,
        rows: 33,
    })))
    .await
    .unwrap();
    // The tmux client hears of its new size by SIGWINCH and reads input apart from
    // that: type once tmux has sized the window (and with it the pane's pty).
    let id: uuid::Uuid = created.id.parse().unwrap();
    wait_for("the window to take the new size", LIMIT, || async {
        (sandbox.pane_format(id, "#{window_width}x#{window_height}") == "111x33").then_some(())
    })
    .await;
    tx.send(input(Msg::Data(
        b"echo grpc\"\"-ok $(tput cols)\r".to_vec(),
    )))
    .await
    .unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("grpc-ok 111") {
        let chunk = tokio::time::timeout(LIMIT, out.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.extend_from_slice(&chunk.data);
    }

    let ask = SnapshotRequest {
        id: created.id.clone(),
        scrollback_lines: 10,
    };
    let snap = client.snapshot(ask.clone()).await.unwrap().into_inner();
    assert!(
        snap.text.lines().any(|l| l == "grpc-ok 111"),
        "{}",
        snap.text
    );
    assert_eq!((snap.cols, snap.rows), (111, 33));

    // The program exits: the attach stream ends cleanly.
    tx.send(input(Msg::Data(b"exit\r".to_vec()))).await.unwrap();
    let end = tokio::time::timeout(LIMIT, async {
        while let Some(item) = out.next().await {
            item?;
        }
        Ok::<(), tonic::Status>(())
    })
    .await
    .unwrap();
    assert_eq!(end.map_err(|s| s.code()), Ok(()));
    let killed = client
        .kill_session(KillSessionRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .killed;
    assert!(!killed, "it had already ended");
    // Its last screen is kept, at its last size.
    let last = client.snapshot(ask).await.unwrap().into_inner();
    // bash's own "exit" comes right before it ends, and is kept too.
    assert_eq!(
        (last.text, last.cols, last.rows),
        (format!("{} exit\nexit", snap.text), 111, 33)
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn bad_grpc_requests_get_clear_statuses() {
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let mut client = TermServiceClient::new(channel(&daemon.grpc_url()).await);
    let unknown = uuid::Uuid::new_v4().to_string();
    let codes = [
        client
            .kill_session(KillSessionRequest { id: "nope".into() })
            .await
            .map(drop),
        client
            .kill_session(KillSessionRequest {
                id: unknown.clone(),
            })
            .await
            .map(drop),
        client
            .snapshot(SnapshotRequest {
                id: unknown.clone(),
                scrollback_lines: 0,
            })
            .await
            .map(drop),
        client
            .create_session(CreateSessionRequest {
                cols: 5000,
                rows: 10,
                ..Default::default()
            })
            .await
            .map(drop),
        client
            .create_session(CreateSessionRequest {
                ssh: true,
                command: vec!["ls".into()],
                ..Default::default()
            })
            .await
            .map(drop),
        client
            .attach(tokio_stream::iter(vec![input(Msg::Data(b"x".to_vec()))]))
            .await
            .map(drop),
        client
            .attach(tokio_stream::iter(vec![input(Msg::Id(unknown.clone()))]))
            .await
            .map(drop),
    ]
    .map(|r| r.unwrap_err().code());
    use tonic::Code::{InvalidArgument, NotFound};
    assert_eq!(
        codes,
        [
            InvalidArgument,
            NotFound,
            NotFound,
            InvalidArgument,
            InvalidArgument,
            InvalidArgument,
            NotFound
        ]
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn create_session_passes_env_and_the_exit_code_comes_back() {
    use boo_proto::term::v1::{EnvVar, GetSessionRequest, WaitSessionRequest};
    let db = TestDb::create().await;
    let sandbox = Sandbox::new();
    let daemon = spawn(&sandbox, &db).await;
    let mut client = TermServiceClient::new(channel(&daemon.grpc_url()).await);
    let env = |name: &str, value: &str| EnvVar {
        name: name.into(),
        value: value.into(),
    };

    let created = client
        .create_session(CreateSessionRequest {
            title: "agent: env".into(),
            command: vec![
                "sh".into(),
                "-c".into(),
                r#"printf '%s|%s|%s\n' "$AGENT_X" "$AGENT_Y" "$BOOTERM_TERMINAL_ID"; exit 7"#
                    .into(),
            ],
            env: vec![
                env("AGENT_X", "hello world"),
                env("AGENT_Y", "a'b\"c $HOME"),
            ],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let ended = tokio::time::timeout(
        LIMIT,
        client.wait_session(WaitSessionRequest {
            id: created.id.clone(),
        }),
    )
    .await
    .unwrap()
    .unwrap()
    .into_inner()
    .session
    .unwrap();
    assert_eq!(
        (ended.status.as_str(), ended.exit_code),
        ("exited", Some(7))
    );
    let got = client
        .get_session(GetSessionRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(got, ended);
    assert_eq!(created.exit_code, None, "live: no exit code yet");
    let text = client
        .snapshot(SnapshotRequest {
            id: created.id.clone(),
            scrollback_lines: 100,
        })
        .await
        .unwrap()
        .into_inner()
        .text;
    assert_eq!(text, format!("hello world|a'b\"c $HOME|{}", created.id));

    // Names booterm sets itself, or that no shell can hold, are refused.
    for (bad, message) in [
        (
            env("SHELL", "/bin/evil"),
            "invalid_env: SHELL is set by booterm and cannot be overridden",
        ),
        (
            env("A=B", "x"),
            "invalid_env: \"A=B\" is not an environment variable name",
        ),
        (
            env("", "x"),
            "invalid_env: \"\" is not an environment variable name",
        ),
    ] {
        let err = client
            .create_session(CreateSessionRequest {
                command: vec!["true".into()],
                env: vec![bad],
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (tonic::Code::InvalidArgument, message)
        );
    }
    // Waiting on a terminal that does not exist.
    let err = client
        .wait_session(WaitSessionRequest {
            id: uuid::Uuid::nil().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            tonic::Code::NotFound,
            "no terminal 00000000-0000-0000-0000-000000000000"
        )
    );
    daemon.stop().await.unwrap();
}
