//! booterm integration tests: the real daemon on loopback against a throwaway database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

use boo_proto::term::v1::term_service_client::TermServiceClient;
use boo_proto::term::v1::{
    AttachInput, CreateSessionRequest, KillSessionRequest, ListSessionsRequest, SnapshotRequest,
};
use boo_testkit::{RunningDaemon, TestDb, channel};

#[tokio::test]
async fn serves_health_reflection_and_its_service() {
    let db = TestDb::create().await;
    let daemon = RunningDaemon::spawn(boo_testkit::settings_for(&db.url), booterm::run).await;
    boo_testkit::assert_daemon_basics(&daemon, "booterm", "boo.term.v1.TermService").await;

    // Not built yet: each RPC says UNIMPLEMENTED rather than pretending.
    let mut client = TermServiceClient::new(channel(&daemon.grpc_url()).await);
    let codes = [
        client
            .create_session(CreateSessionRequest::default())
            .await
            .map(drop),
        client
            .list_sessions(ListSessionsRequest::default())
            .await
            .map(drop),
        client
            .kill_session(KillSessionRequest::default())
            .await
            .map(drop),
        client.snapshot(SnapshotRequest::default()).await.map(drop),
        client
            .attach(tokio_stream::iter(Vec::<AttachInput>::new()))
            .await
            .map(drop),
    ]
    .map(|r| r.unwrap_err().code());
    assert_eq!(codes, [tonic::Code::Unimplemented; 5]);
    daemon.stop().await.unwrap();
}
