//! Request helpers every crate's suite uses: one request, its status and its JSON.
//! Each takes the client (a test may need cookies, headers or a Unix socket) and
//! the whole URL.

use reqwest::{Client, Method};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `(status, body)` of any request, for error paths: the body as JSON, `Null`
/// when it is empty, the text as a JSON string when it is not JSON.
pub async fn call(http: &Client, method: Method, url: &str, body: Option<Value>) -> (u16, Value) {
    call_with(http, method, url, &[], body).await
}

/// [`call`] with request headers (`Remote-User`, `Origin`, …).
pub async fn call_with(
    http: &Client,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method.clone(), url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// A request that must answer `status`; its body decoded as `T`. The panic names
/// the request and shows the body.
pub async fn expect<T: DeserializeOwned>(
    http: &Client,
    method: Method,
    url: &str,
    body: Option<Value>,
    status: u16,
) -> T {
    let (got, value) = call(http, method.clone(), url, body).await;
    assert_eq!(got, status, "{method} {url}: {value}");
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{method} {url}: cannot decode {value}: {e}"))
}

/// `GET url`, answered 200, decoded.
pub async fn get<T: DeserializeOwned>(http: &Client, url: &str) -> T {
    expect(http, Method::GET, url, None, 200).await
}

/// `POST url` with a JSON body, answered `status`, decoded.
pub async fn post<T: DeserializeOwned>(http: &Client, url: &str, body: Value, status: u16) -> T {
    expect(http, Method::POST, url, Some(body), status).await
}

/// `PATCH url` with a JSON body, answered 200, decoded.
pub async fn patch<T: DeserializeOwned>(http: &Client, url: &str, body: Value) -> T {
    expect(http, Method::PATCH, url, Some(body), 200).await
}
