//! `/metrics` of booterm: live terminals (sampled from the store at scrape
//! time) and the terminal socket in the WebSocket gauge.

use boo_testkit::{samples, scrape, wait_for_samples};
use pretty_assertions::assert_eq;
use serde_json::json;

use super::support::{TermWs, call, create, start};

#[tokio::test]
async fn live_terminals_and_terminal_sockets_are_counted() {
    let env = start().await;
    let base = env.base.clone();
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        samples(&body, "boo_term_live_terminals", &[]),
        vec![r#"boo_term_live_terminals{daemon="booterm"} 0"#]
    );
    let a = create(&base, json!({})).await;
    let _b = create(&base, json!({})).await;
    let ws = TermWs::connect(&base, a.id, "").await;
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        (
            samples(&body, "boo_term_live_terminals", &[]),
            samples(&body, "boo_websocket_clients", &[]),
            samples(&body, "boo_http_requests_total", &["/api/terminals/{id}/ws"]),
        ),
        (
            vec![r#"boo_term_live_terminals{daemon="booterm"} 2"#.to_owned()],
            vec![r#"boo_websocket_clients{daemon="booterm"} 1"#.to_owned()],
            vec![
                r#"boo_http_requests_total{daemon="booterm",method="GET",route="/api/terminals/{id}/ws",status="101"} 1"#
                    .to_owned()
            ],
        )
    );
    ws.close().await;
    wait_for_samples(
        &base,
        "boo_websocket_clients",
        &[],
        &[r#"boo_websocket_clients{daemon="booterm"} 0"#],
    )
    .await;
    let (status, _) = call(
        &reqwest::Client::new(),
        reqwest::Method::DELETE,
        &format!("{base}/api/terminals/{}", a.id),
        None,
    )
    .await;
    assert!((200..300).contains(&status), "{status}");
    let (_, _, body) = scrape(&base, &[]).await;
    assert_eq!(
        samples(&body, "boo_term_live_terminals", &[]),
        vec![r#"boo_term_live_terminals{daemon="booterm"} 1"#]
    );
}
