use std::time::Duration;

use boo_shared::api::HealthResponse;
use boo_testkit::{CutProxy, RunningDaemon, TestDb, db_socket_addr, wait_for};
use pretty_assertions::assert_eq;

async fn health(url: &str) -> (u16, HealthResponse) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn healthz_reports_version_and_db() {
    let (daemon, _db) = super::start(|_| {}).await;
    assert_eq!(
        health(&daemon.url("/healthz")).await,
        (
            200,
            HealthResponse {
                status: "ok".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                db: "ok".into(),
                reason: None,
                warnings: vec![],
            }
        )
    );
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn healthz_turns_503_while_the_database_is_away_and_recovers_alone() {
    let db = TestDb::create().await;
    let proxy = CutProxy::start(db_socket_addr(&db.url).await).await;
    let settings = boo_testkit::settings_for(&db.url_via(proxy.addr));
    let daemon = RunningDaemon::spawn(settings, boochat::run).await;
    let url = daemon.url("/healthz");
    assert_eq!(health(&url).await.0, 200);

    proxy.cut();
    let (status, body) = wait_for("503 from /healthz", Duration::from_secs(20), || {
        let url = url.clone();
        async move {
            let (status, body) = health(&url).await;
            (status == 503).then_some((status, body))
        }
    })
    .await;
    assert_eq!(status, 503);
    assert_eq!(
        (
            body.status.as_str(),
            body.db.as_str(),
            body.version.as_str()
        ),
        ("degraded", "error", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        body.reason.as_deref().is_some_and(|r| !r.is_empty()),
        "{body:?}"
    );

    proxy.restore();
    wait_for(
        "200 from /healthz after the database returns",
        Duration::from_secs(20),
        || {
            let url = url.clone();
            async move { (health(&url).await.0 == 200).then_some(()) }
        },
    )
    .await;
    daemon.stop().await.unwrap();
}

#[tokio::test]
async fn start_fails_clearly_when_the_database_never_answers() {
    let db = TestDb::create().await;
    let proxy = CutProxy::start(db_socket_addr(&db.url).await).await;
    proxy.cut();
    let mut settings = boo_testkit::settings_for(&db.url_via(proxy.addr));
    settings.database.connect_timeout_secs = 1;
    let daemon = RunningDaemon::spawn_unchecked(settings, boochat::run).await;
    let err = daemon.join().await.unwrap_err().to_string();
    assert!(
        err.starts_with("cannot reach the database at postgres://"),
        "{err}"
    );
    assert!(err.contains("within 1s"), "{err}");
}
