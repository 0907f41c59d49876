//! opencode's native server mode (issue 15): one long-lived `opencode serve`
//! holds many sessions, driven over HTTP and its event stream, instead of one
//! `opencode acp` child per session.
//!
//! - `events.rs`: opencode event JSON → [`Mapped`] (the runner's
//!   [`crate::acp::AgentEvent`]s plus permission/question requests, step usage
//!   and terminals), pure, per session ([`SessionMapper`]).
//! - `guard.rs`: which terminal events end a turn, and when the next prompt may
//!   go ([`TurnGuard`]).
//! - `client.rs`: the HTTP routes ([`Client`]); `stream.rs`: `/global/event`
//!   demultiplexed per session with a stall bound and reconnect markers
//!   ([`EventHub`]); `server.rs`: one supervised `opencode serve`
//!   ([`OpencodeServer`], [`Supervisor`]).
//!
//! A turn, as the tests in `tests/suite/opencode_server.rs` drive it:
//! subscribe the session on the hub, `prompt_async`, map every
//! [`StreamItem::Event`] and feed the result to the guard; the turn ends at the
//! first [`Verdict::Settle`] (`Idle`: done; `Aborted`: cancelled; `Error`:
//! failed). Before the next prompt, read on until [`TurnGuard::can_prompt`].
//! On [`StreamItem::Reconnected`]/[`StreamItem::Lagged`], re-read status,
//! permissions, questions and the messages since the turn's user message
//! ([`SessionMapper::catch_up`]).
//!
//! # What opencode 1.18.33 really does (verified by running it)
//!
//! **Start.** `opencode serve --port 0 --hostname 127.0.0.1` prints
//! `opencode server listening on http://127.0.0.1:PORT` on stdout.
//! `GET /global/health` → `{"healthy": true, "version": "1.18.33"}`. `GET /doc`
//! is the OpenAPI document (3.1; besides these v1 routes it has a v2 `/api/…`
//! set, not used here).
//!
//! **Auth.** With `OPENCODE_SERVER_PASSWORD` set, every route (also `/doc`)
//! answers 401 `WWW-Authenticate: Basic realm="Secure Area"` unless the request
//! carries HTTP Basic auth with user `opencode` (`OPENCODE_SERVER_USERNAME`
//! changes it) and that password. A bearer token or another user is refused.
//!
//! **Directories.** Every route takes `?directory=<abs path>`: the opencode
//! "instance" (project) it acts in; without it, the server's working directory.
//! Sessions, `GET /session/status`, `GET /permission`, `GET /question` and the
//! replies are per directory: without the worktree's `directory` a pending
//! permission is not listed and replying to it is a 404.
//!
//! **Routes used** (all verified):
//! - `POST /session?directory=` body `{title?}` → `Session` `{id: "ses_…",
//!   directory, title, version, …}`; `GET`/`DELETE /session/{id}`.
//! - `POST /session/{id}/prompt_async?directory=` body `{parts: [{type: "text",
//!   text}], messageID?, model?: {providerID, modelID}, agent?, system?}` → 204.
//! - `POST /session/{id}/abort?directory=` → `true`.
//! - `GET /session/status?directory=` → `{ses_…: {type: busy|retry}}`; idle
//!   sessions are absent.
//! - `GET /session/{id}/message?directory=&limit=` → `[{info, parts}]`, oldest
//!   first; message ids ascend.
//! - `GET /permission?directory=` → `[{id: "per_…", sessionID, permission,
//!   patterns, metadata, always, tool: {messageID, callID}}]`;
//!   `POST /permission/{id}/reply?directory=` `{reply: once|always|reject,
//!   message?}` → `true` (a reject fails the tool call with the message; the
//!   turn goes on).
//! - `GET /question?directory=` → `[{id: "que_…", sessionID, questions: [{question,
//!   header, options: [{label, description}], multiple?, custom?}], tool}]`;
//!   `POST /question/{id}/reply?directory=` `{answers: [["label", …], …]}` →
//!   `true`; `POST /question/{id}/reject?directory=`.
//! - `GET /event?directory=` (one instance) and `GET /global/event` (all): SSE.
//!
//! **Event stream.** `GET /event` streams only one instance's events, so a
//! server with sessions in many worktrees is followed on `GET /global/event`,
//! whose `data:` lines wrap each event: `{"directory", "project", "payload":
//! <event>}`; payloads of type `sync` there repeat the same events in another
//! shape and are skipped. Both streams send `server.connected` first and
//! `server.heartbeat` every 10 s; nothing is replayed on reconnect.
//!
//! **Events of a turn** (bare events are `{"id": "evt_…", "type", "properties"}`
//! with `properties.sessionID`; recordings in `tests/*.jsonl`):
//! `message.updated` (the user message, then one assistant message per model
//! call, each updated again with `tokens`, `cost`, `finish`, `time.completed`,
//! `error`), `message.part.updated` (the user's `text` part, then per step
//! `step-start`, `reasoning`/`text` announced with empty text and repeated
//! whole at the end, `tool` parts keyed by `callID` in states
//! pending/running/completed/error (a running `bash` streams
//! `metadata.output`), `step-finish` with `tokens`
//! `{total,input,output,reasoning,cache:{read,write}}` and `cost`),
//! `message.part.delta` (`{partID, field: "text", delta}` for text and
//! reasoning alike), `session.status` (`busy`/`idle`/`retry`),
//! `todo.updated` (`todos: [{content, status, priority}]`),
//! `permission.asked`/`permission.replied`, `question.asked`/
//! `question.replied`/`question.rejected`, `session.error` (`{name, data:
//! {message}}`, `MessageAbortedError` for an abort), and `session.idle`: once
//! after a good turn, **twice** after `session.error` (abort or model error),
//! and a prompt sent before the second one is stored but never answered.
//! No `session.next.*` events are sent on these streams (they are the v2
//! API's).

pub mod client;
mod error;
pub mod events;
pub mod guard;
pub mod server;
pub mod stream;

pub use client::{
    Client, Health, PermissionReply, Prompt, SessionInfo, SessionMessage, SessionStatus,
};
pub use error::OpencodeError;
pub use events::{Mapped, PermissionAsk, QuestionAsk, SessionMapper, StepUsage, session_of};
pub use guard::{TurnGuard, Verdict};
pub use server::{OpencodeServer, ServerOptions, Supervisor};
pub use stream::{EventHub, StreamItem, StreamOptions};
