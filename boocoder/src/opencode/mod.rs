//! opencode's native server mode (issue 15): one long-lived `opencode serve`
//! holds many sessions, driven over HTTP and its event stream, instead of one
//! `opencode acp` child per session.
//!
//! - `events.rs`: opencode event JSON → [`events::Mapped`] (the runner's
//!   [`crate::acp::AgentEvent`]s plus permission/question requests, step usage
//!   and terminals), pure, per session.
//! - `guard.rs`: the post-abort turn guard ([`guard::TurnGuard`]).
//! - `client.rs`: the HTTP routes ([`Client`]); `stream.rs`: `/global/event`
//!   demultiplexed per session with a stall bound and reconnect markers
//!   ([`EventHub`]); `server.rs`: one supervised `opencode serve`
//!   ([`OpencodeServer`], [`Supervisor`]).
//!
//! # What opencode 1.18.33 really does (verified by running it)
//!
//! **Auth.** With `OPENCODE_SERVER_PASSWORD` set, every route (also `/doc`)
//! answers 401 `WWW-Authenticate: Basic realm="Secure Area"` unless the request
//! carries HTTP Basic auth with user `opencode` (`OPENCODE_SERVER_USERNAME`
//! changes it) and that password. A bearer token or another user is refused.
//!
//! **Directories.** Every route takes `?directory=<abs path>`: the opencode
//! "instance" (project) it acts in; without it, the server's working directory.
//! `POST /session?directory=<worktree>` makes a session working in that worktree.
//! `GET /event` streams only the events of one instance (its `directory`), so a
//! server with sessions in many worktrees is followed on `GET /global/event`,
//! whose `data:` lines wrap each event: `{"directory", "project", "payload":
//! <event>}`; payloads of type `sync` there repeat the same events in another
//! shape and are skipped. Both streams send `server.connected` first and
//! `server.heartbeat` every 10 s.
//!
//! **Events of a turn** (bare events are `{"id": "evt_…", "type", "properties"}`;
//! recordings in `tests/*.jsonl`): `message.updated` (user message, then each
//! assistant message of the turn; one per model call), `message.part.updated`
//! (parts: the user's `text`, then per step `step-start`, `reasoning`/`text`
//! announced with empty text, `tool` in states pending/running/completed/error,
//! `step-finish` with `tokens` `{total,input,output,reasoning,cache:{read,write}}`
//! and `cost`), `message.part.delta` (`{partID, field: "text", delta}` for text
//! and reasoning alike), `session.status` (`busy`/`idle`/`retry`), `todo.updated`,
//! `permission.asked`/`permission.replied`, `question.asked`/`question.replied`/
//! `question.rejected`, `session.error` (`{name, data: {message}}`), and last
//! `session.idle`. No `session.next.*` events are sent on these streams.

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
