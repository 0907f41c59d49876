use boo_proto::chat::v1::chat_service_client::ChatServiceClient;
use boo_proto::chat::v1::{GetTranscriptRequest, NameChatRequest};
use boo_shared::config::Secret;
use boo_testkit::{channel, health_status, reflected_services};
use pretty_assertions::assert_eq;
use tonic_health::pb::health_check_response::ServingStatus;

const SERVICES: &[&str] = &[
    "boo.chat.v1.ChatService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

#[tokio::test]
async fn serves_health_and_both_reflection_versions() {
    let (daemon, _db) = super::start(|_| {}).await;
    let url = daemon.grpc_url();
    assert_eq!(reflected_services(&url, false).await, SERVICES);
    assert_eq!(reflected_services(&url, true).await, SERVICES);
    assert_eq!(health_status(&url, "").await, ServingStatus::Serving);
    assert_eq!(
        health_status(&url, "boo.chat.v1.ChatService").await,
        ServingStatus::Serving
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn get_transcript_rejects_bad_ids_and_unknown_chats() {
    let (daemon, _db) = super::start(|_| {}).await;
    let mut client = ChatServiceClient::new(channel(&daemon.grpc_url()).await);
    let status = client
        .get_transcript(GetTranscriptRequest::default())
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (
            tonic::Code::InvalidArgument,
            "chat_id must be a UUID, got \"\""
        )
    );
    let missing = "00000000-0000-0000-0000-000000000001";
    let status = client
        .get_transcript(GetTranscriptRequest {
            chat_id: missing.into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message().to_owned()),
        (tonic::Code::NotFound, format!("no chat {missing}"))
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn name_chat_rejects_bad_ids_and_unknown_chats() {
    let (daemon, _db) = super::start(|_| {}).await;
    let mut client = ChatServiceClient::new(channel(&daemon.grpc_url()).await);
    let missing = "00000000-0000-0000-0000-000000000001";
    let cases = [
        (
            NameChatRequest::default(),
            tonic::Code::InvalidArgument,
            "chat_id must be a UUID, got \"\"".to_owned(),
        ),
        (
            NameChatRequest {
                chat_id: missing.into(),
                reply_id: "nope".into(),
            },
            tonic::Code::InvalidArgument,
            "reply_id must be a UUID, got \"nope\"".to_owned(),
        ),
        (
            NameChatRequest {
                chat_id: missing.into(),
                reply_id: missing.into(),
            },
            tonic::Code::NotFound,
            format!("no chat {missing}"),
        ),
    ];
    for (req, code, message) in cases {
        let status = client.name_chat(req).await.unwrap_err();
        assert_eq!(
            (status.code(), status.message().to_owned()),
            (code, message)
        );
    }
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn token_guards_everything_but_health() {
    let (daemon, _db) = super::start(|s| s.grpc.token = Some(Secret::new("t0ken"))).await;
    let url = daemon.grpc_url();
    // Health stays open for probes.
    assert_eq!(health_status(&url, "").await, ServingStatus::Serving);

    let mut anonymous = ChatServiceClient::new(channel(&url).await);
    let status = anonymous
        .get_transcript(GetTranscriptRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert_eq!(
        status.message(),
        "missing or wrong bearer token: send `authorization: Bearer <grpc.token>`"
    );

    let mut wrong =
        ChatServiceClient::with_interceptor(channel(&url).await, |mut req: tonic::Request<()>| {
            req.metadata_mut()
                .insert("authorization", "Bearer nope".parse().unwrap());
            Ok(req)
        });
    let status = wrong
        .get_transcript(GetTranscriptRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);

    let mut authed =
        ChatServiceClient::with_interceptor(channel(&url).await, |mut req: tonic::Request<()>| {
            req.metadata_mut()
                .insert("authorization", "Bearer t0ken".parse().unwrap());
            Ok(req)
        });
    let status = authed
        .get_transcript(GetTranscriptRequest::default())
        .await
        .unwrap_err();
    // Past the token check: the request itself is judged.
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn health_turns_not_serving_on_shutdown() {
    let (daemon, _db) = super::start(|s| s.shutdown_grace_secs = 2).await;
    let url = daemon.grpc_url();
    let ch = channel(&url).await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch);
    let mut watch = health
        .watch(tonic_health::pb::HealthCheckRequest {
            service: "boo.chat.v1.ChatService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
    let stopped = tokio::spawn(daemon.stop());
    let next = watch.message().await.unwrap().unwrap();
    assert_eq!(next.status(), ServingStatus::NotServing);
    drop(watch);
    stopped.await.unwrap().unwrap();
}
