use boo_shared::config::AuthMode;
use boo_shared::error::ErrorBody;
use pretty_assertions::assert_eq;

#[tokio::test]
async fn serves_the_embedded_client_with_spa_fallback_and_json_404s() {
    let (daemon, _db) = super::start(|s| s.auth.mode = AuthMode::None).await;
    let index = reqwest::get(daemon.url("/")).await.unwrap();
    assert_eq!(index.status().as_u16(), 200);
    assert_eq!(index.headers()["content-type"], "text/html");
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let etag = index.headers()["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    assert!(html.contains("boochat"), "{html}");

    // Client-side routes get the SPA.
    let page = reqwest::get(daemon.url("/sessions/42")).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.text().await.unwrap(), html);

    // Conditional GET.
    let cached = reqwest::Client::new()
        .get(daemon.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);

    for (path, message) in [
        ("/api/nope", "no route for GET /api/nope"),
        ("/missing.js", "no file missing.js"),
    ] {
        let resp = reqwest::get(daemon.url(path)).await.unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
        assert_eq!(
            resp.json::<ErrorBody>().await.unwrap(),
            ErrorBody {
                error: message.into(),
                code: "not_found".into(),
                details: None,
            }
        );
    }
    daemon.stop().await.unwrap();
}
