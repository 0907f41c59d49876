//! `/metrics` of boocoder: tasks by outcome and warm agents after scripted turns
//! with the fake ACP agent, the session socket gauge.

use boo_testkit::{samples, scrape, wait_for_samples};
use pretty_assertions::assert_eq;

use super::turns::fx;

#[tokio::test]
async fn tasks_by_outcome_warm_agents_and_ws_clients() {
    let f = fx().await;
    let base = f.url("");
    let ws = f.ws().await;
    wait_for_samples(
        &base,
        "boo_websocket_clients",
        &[],
        &[r#"boo_websocket_clients{daemon="boocoder"} 1"#],
    )
    .await;

    let (status, _) = f.turn("say hello").await;
    assert_eq!(status, "completed");
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        samples(&body, "boo_coder_warm_agents", &[]),
        vec![r#"boo_coder_warm_agents{daemon="boocoder"} 1"#]
    );

    f.cancel_a_slow_turn().await;

    let (status, _) = f.turn("say going down\ncrash").await;
    assert_eq!(status, "failed");
    drop(ws);

    wait_for_samples(
        &base,
        "boo_websocket_clients",
        &[],
        &[r#"boo_websocket_clients{daemon="boocoder"} 0"#],
    )
    .await;
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        samples(&body, "boo_coder_tasks_total", &[]),
        vec![
            r#"boo_coder_tasks_total{daemon="boocoder",outcome="cancelled"} 1"#,
            r#"boo_coder_tasks_total{daemon="boocoder",outcome="completed"} 1"#,
            r#"boo_coder_tasks_total{daemon="boocoder",outcome="failed"} 1"#,
        ]
    );
    assert_eq!(
        samples(
            &body,
            "boo_http_requests_total",
            &[r#"route="/api/tasks/{id}/cancel""#]
        ),
        vec![
            r#"boo_http_requests_total{daemon="boocoder",method="POST",route="/api/tasks/{id}/cancel",status="200"} 1"#
        ]
    );
}
