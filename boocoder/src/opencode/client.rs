//! A typed HTTP client of one `opencode serve` (1.18.33's v1 routes).
//!
//! Every request carries HTTP Basic auth (user `opencode`, the server's
//! `OPENCODE_SERVER_PASSWORD`) and the session's worktree as `?directory=`:
//! opencode keeps one instance per directory, and sessions, statuses, pending
//! permissions and questions are per instance (asked without the directory, a
//! session's permission is not listed and replying to it is a 404). Control
//! requests time out after [`REQUEST_TIMEOUT`]; the event stream (`stream.rs`)
//! has no total timeout, only a stall bound.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::OpencodeError;
use super::events::{PermissionAsk, QuestionAsk, permission_ask, question_ask};

/// Bound of every request but the event stream.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The Basic-auth user opencode expects unless `OPENCODE_SERVER_USERNAME` says otherwise.
pub const DEFAULT_USER: &str = "opencode";

/// How much of an error answer is kept in [`OpencodeError::Status`].
const ERROR_BODY_CHARS: usize = 2000;

/// A client of one server. Cheap to clone (one connection pool).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    user: String,
    password: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `GET /global/health`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Health {
    pub healthy: bool,
    pub version: String,
}

/// A session as `POST /session` and `GET /session/{id}` describe it (the fields
/// boocoder reads; opencode sends more).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SessionInfo {
    /// `ses_…`.
    pub id: String,
    /// The worktree it works in.
    pub directory: String,
    pub title: String,
    /// The opencode version that created it.
    #[serde(default)]
    pub version: String,
}

/// `POST /session/{id}/prompt_async`'s body: one text part and the options
/// boocoder uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    /// The user message's id (`msg_…`, ascending like opencode's own) if the
    /// caller wants to know it in advance; opencode makes one otherwise.
    pub message_id: Option<String>,
    /// `(providerID, modelID)`; the configured default otherwise.
    pub model: Option<(String, String)>,
    /// The opencode agent (`build`, `plan`, …); `build` otherwise.
    pub agent: Option<String>,
    /// Extra system prompt.
    pub system: Option<String>,
}

impl Prompt {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    fn body(&self) -> Value {
        let mut body = json!({"parts": [{"type": "text", "text": self.text}]});
        if let Some(id) = &self.message_id {
            body["messageID"] = json!(id);
        }
        if let Some((provider, model)) = &self.model {
            body["model"] = json!({"providerID": provider, "modelID": model});
        }
        if let Some(agent) = &self.agent {
            body["agent"] = json!(agent);
        }
        if let Some(system) = &self.system {
            body["system"] = json!(system);
        }
        body
    }
}

/// A session's state in `GET /session/status` (idle sessions are not listed).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionStatus {
    Idle,
    Busy,
    /// The model call failed and is retried at `next` (ms since the epoch).
    Retry {
        attempt: u32,
        message: String,
        next: u64,
    },
}

/// One message with its parts (`GET /session/{id}/message`): `info` is a
/// `UserMessage` or `AssistantMessage`, `parts` the same objects
/// `message.part.updated` carries.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SessionMessage {
    pub info: Value,
    pub parts: Vec<Value>,
}

impl SessionMessage {
    /// `msg_…`; ids ascend in creation order.
    pub fn id(&self) -> &str {
        self.info
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `user` or `assistant`.
    pub fn role(&self) -> &str {
        self.info
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The answer to a permission request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PermissionReply {
    /// Allow this call.
    Once,
    /// Allow this call and the request's `always` patterns from now on.
    Always,
    /// Refuse; the tool call fails with the message (the turn goes on).
    Reject,
}

impl Client {
    /// A client of the server at `base_url` (`http://127.0.0.1:PORT`) with
    /// `OPENCODE_SERVER_PASSWORD` `password`, as user [`DEFAULT_USER`].
    pub fn new(base_url: &str, password: impl Into<String>) -> Result<Self, OpencodeError> {
        let base = Url::parse(base_url).map_err(|e| OpencodeError::Decode {
            what: "base url",
            message: e.to_string(),
        })?;
        // Loopback only: never through a proxy from the environment.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|source| OpencodeError::Http {
                what: "client",
                source,
            })?;
        Ok(Self {
            http,
            base,
            user: DEFAULT_USER.to_owned(),
            password: password.into(),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// `path` on the server with `?directory=` (when given) and `extra` pairs.
    fn url(&self, path: &str, directory: Option<&Path>, extra: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        {
            let mut q = url.query_pairs_mut();
            if let Some(dir) = directory {
                q.append_pair("directory", &dir.to_string_lossy());
            }
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// An authenticated request without a timeout (the event stream's).
    pub(super) fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .basic_auth(&self.user, Some(&self.password))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        what: &'static str,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<T, OpencodeError> {
        let mut req = self.request(method, url).timeout(REQUEST_TIMEOUT);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req
            .send()
            .await
            .map_err(|source| OpencodeError::Http { what, source })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|source| OpencodeError::Http { what, source })?;
        if !status.is_success() {
            return Err(OpencodeError::Status {
                what,
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(ERROR_BODY_CHARS)
                    .collect(),
            });
        }
        // 204 (prompt_async) has no body: read it as JSON null.
        let bytes = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes
        };
        serde_json::from_slice(bytes).map_err(|e| OpencodeError::Decode {
            what,
            message: e.to_string(),
        })
    }

    /// `GET /global/health`: whether the server answers (and its version).
    pub async fn health(&self) -> Result<Health, OpencodeError> {
        let url = self.url("/global/health", None, &[]);
        self.call("health", Method::GET, url, None).await
    }

    /// `POST /session?directory=`: a new session working in `directory`.
    pub async fn create_session(
        &self,
        directory: &Path,
        title: Option<&str>,
    ) -> Result<SessionInfo, OpencodeError> {
        let body = match title {
            Some(t) => json!({"title": t}),
            None => json!({}),
        };
        let url = self.url("/session", Some(directory), &[]);
        self.call("create session", Method::POST, url, Some(body))
            .await
    }

    /// `GET /session/{id}`: 404 ([`OpencodeError::Status`]) when it is gone.
    pub async fn session(
        &self,
        session: &str,
        directory: &Path,
    ) -> Result<SessionInfo, OpencodeError> {
        let url = self.url(&format!("/session/{session}"), Some(directory), &[]);
        self.call("get session", Method::GET, url, None).await
    }

    /// `DELETE /session/{id}`.
    pub async fn delete_session(
        &self,
        session: &str,
        directory: &Path,
    ) -> Result<bool, OpencodeError> {
        let url = self.url(&format!("/session/{session}"), Some(directory), &[]);
        self.call("delete session", Method::DELETE, url, None).await
    }

    /// `POST /session/{id}/prompt_async`: start a turn; its progress and end come
    /// on the event stream. opencode drops a prompt sent while an abort of the
    /// session is still unwinding (see `guard.rs`).
    pub async fn prompt_async(
        &self,
        session: &str,
        directory: &Path,
        prompt: &Prompt,
    ) -> Result<(), OpencodeError> {
        let url = self.url(
            &format!("/session/{session}/prompt_async"),
            Some(directory),
            &[],
        );
        let _: Value = self
            .call("prompt", Method::POST, url, Some(prompt.body()))
            .await?;
        Ok(())
    }

    /// `POST /session/{id}/abort`: stop the running turn (true if one ran).
    pub async fn abort(&self, session: &str, directory: &Path) -> Result<bool, OpencodeError> {
        let url = self.url(&format!("/session/{session}/abort"), Some(directory), &[]);
        self.call("abort", Method::POST, url, None).await
    }

    /// `GET /session/status?directory=`: the busy (or retrying) sessions of that
    /// directory; a session not listed is idle.
    pub async fn statuses(
        &self,
        directory: &Path,
    ) -> Result<HashMap<String, SessionStatus>, OpencodeError> {
        let url = self.url("/session/status", Some(directory), &[]);
        self.call("session status", Method::GET, url, None).await
    }

    /// One session's status ([`SessionStatus::Idle`] when not listed).
    pub async fn status(
        &self,
        session: &str,
        directory: &Path,
    ) -> Result<SessionStatus, OpencodeError> {
        Ok(self
            .statuses(directory)
            .await?
            .remove(session)
            .unwrap_or(SessionStatus::Idle))
    }

    /// `GET /session/{id}/message`: the session's messages with their parts,
    /// oldest first (the last `limit` when given).
    pub async fn messages(
        &self,
        session: &str,
        directory: &Path,
        limit: Option<u32>,
    ) -> Result<Vec<SessionMessage>, OpencodeError> {
        let limit = limit.map(|l| l.to_string());
        let extra: Vec<(&str, &str)> = limit.iter().map(|l| ("limit", l.as_str())).collect();
        let url = self.url(
            &format!("/session/{session}/message"),
            Some(directory),
            &extra,
        );
        self.call("messages", Method::GET, url, None).await
    }

    /// The messages created after message `after` (all when `None`): what a
    /// turn may have missed while the event stream was down. Feed them to
    /// `SessionMapper::catch_up`.
    pub async fn messages_after(
        &self,
        session: &str,
        directory: &Path,
        after: Option<&str>,
    ) -> Result<Vec<SessionMessage>, OpencodeError> {
        let mut all = self.messages(session, directory, None).await?;
        if let Some(after) = after {
            all.retain(|m| m.id() > after);
        }
        Ok(all)
    }

    /// `GET /permission?directory=`: pending permission requests of that
    /// directory's sessions.
    pub async fn permissions(&self, directory: &Path) -> Result<Vec<PermissionAsk>, OpencodeError> {
        let url = self.url("/permission", Some(directory), &[]);
        let all: Vec<Value> = self.call("permissions", Method::GET, url, None).await?;
        Ok(all.iter().filter_map(permission_ask).collect())
    }

    /// `POST /permission/{id}/reply?directory=`; `message` explains a rejection
    /// to the model.
    pub async fn reply_permission(
        &self,
        request: &str,
        directory: &Path,
        reply: PermissionReply,
        message: Option<&str>,
    ) -> Result<bool, OpencodeError> {
        let mut body = json!({"reply": reply});
        if let Some(m) = message {
            body["message"] = json!(m);
        }
        let url = self.url(
            &format!("/permission/{request}/reply"),
            Some(directory),
            &[],
        );
        self.call("permission reply", Method::POST, url, Some(body))
            .await
    }

    /// `GET /question?directory=`: pending questions of that directory's sessions.
    pub async fn questions(&self, directory: &Path) -> Result<Vec<QuestionAsk>, OpencodeError> {
        let url = self.url("/question", Some(directory), &[]);
        let all: Vec<Value> = self.call("questions", Method::GET, url, None).await?;
        Ok(all.iter().filter_map(question_ask).collect())
    }

    /// `POST /question/{id}/reply?directory=`: per question in order, the
    /// labels chosen (or a typed answer).
    pub async fn reply_question(
        &self,
        request: &str,
        directory: &Path,
        answers: &[Vec<String>],
    ) -> Result<bool, OpencodeError> {
        let url = self.url(&format!("/question/{request}/reply"), Some(directory), &[]);
        self.call(
            "question reply",
            Method::POST,
            url,
            Some(json!({"answers": answers})),
        )
        .await
    }

    /// `POST /question/{id}/reject?directory=`: dismiss the questions.
    pub async fn reject_question(
        &self,
        request: &str,
        directory: &Path,
    ) -> Result<bool, OpencodeError> {
        let url = self.url(&format!("/question/{request}/reject"), Some(directory), &[]);
        self.call("question reject", Method::POST, url, None).await
    }

    /// The URL of `GET /global/event` (every directory's events, enveloped).
    pub(super) fn global_events_url(&self) -> Url {
        self.url("/global/event", None, &[])
    }
}
