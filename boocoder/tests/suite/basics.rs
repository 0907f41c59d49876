use boo_proto::coder::v1::coder_service_client::CoderServiceClient;
use boo_proto::coder::v1::{
    CloseChatRequest, SubmitTaskRequest, WatchSessionRequest, WorktreeRiskRequest,
};
use boo_testkit::{RunningDaemon, TestDb, channel};

#[tokio::test]
async fn serves_health_reflection_and_its_service() {
    let db = TestDb::create().await;
    let daemon = RunningDaemon::spawn(boo_testkit::settings_for(&db.url), boocoder::run).await;
    boo_testkit::assert_daemon_basics(&daemon, "boocoder", "boo.coder.v1.CoderService").await;

    // Bad input is judged, not ignored: every RPC rejects an empty id.
    let mut client = CoderServiceClient::new(channel(&daemon.grpc_url()).await);
    let codes = [
        client
            .worktree_risk(WorktreeRiskRequest::default())
            .await
            .map(drop),
        client
            .close_chat(CloseChatRequest::default())
            .await
            .map(drop),
        client
            .submit_task(SubmitTaskRequest::default())
            .await
            .map(drop),
        client
            .watch_session(WatchSessionRequest::default())
            .await
            .map(drop),
    ]
    .map(|r| r.unwrap_err().code());
    assert_eq!(codes, [tonic::Code::InvalidArgument; 4]);
    daemon.stop().await.unwrap();
}
