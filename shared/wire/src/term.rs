//! booterm's REST bodies and the terminal WebSocket's control messages (TERM-1/2/5).
//!
//! `GET /api/terminals/{id}/ws[?readonly=1&cols=&rows=]`: **binary** frames carry
//! terminal bytes both ways (output from the server, keystrokes from the client);
//! **text** frames carry one JSON object tagged by `type` ([`TermServerMsg`],
//! [`TermClientMsg`]). The server's first frame is `hello`; then binary frames with
//! the recent scrollback and the screen (so a reconnect never shows a blank
//! terminal), then the live stream. Flow control: the client acknowledges the binary
//! bytes it has processed (`ack`); the server stops reading the terminal once
//! `high` bytes are unacknowledged and resumes at `low`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// A terminal pane: its `terminal_sessions` row joined with tmux's live view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Terminal {
    pub id: Uuid,
    /// The owning workspace session, if any.
    pub session_id: Option<Uuid>,
    /// `bc-<id>`.
    pub tmux_name: String,
    pub title: Option<String>,
    /// The directory it started in.
    pub cwd: String,
    /// The SSH target of a `command: "ssh"` terminal; `null` for a local one.
    pub target: Option<String>,
    /// The command it was started with as tmux quotes it; `null` = the login shell
    /// (or not known: exited).
    pub command: Option<String>,
    /// The program in the foreground now (`bash`, `vim`); `null` once exited.
    pub current_command: Option<String>,
    /// Window size: tmux's live one, else the last one recorded.
    pub cols: u16,
    pub rows: u16,
    pub status: TerminalStatus,
    /// How the program ended (`128 + n` for signal n); `null` while live, when it
    /// was killed through the API, or when its tmux session vanished.
    pub exit_code: Option<i32>,
    /// tmux clients attached now (browsers, peers).
    pub attached_clients: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_attached_at: Option<DateTime<Utc>>,
    pub exited_at: Option<DateTime<Utc>>,
}

// Also the `terminal_sessions.status` SQL type, decoded strictly (see `chat::Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "sqlx", sqlx(type_name = "text", rename_all = "snake_case"))]
pub enum TerminalStatus {
    Live,
    Exited,
}

/// `POST /api/terminals`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTerminal {
    /// Absolute (or `~/…`) existing directory; default `term.default_cwd`, else `$HOME`.
    #[serde(default)]
    #[ts(optional)]
    pub cwd: Option<String>,
    /// Argv to run instead of the login shell, or `"ssh"` for the configured target.
    #[serde(default)]
    #[ts(optional)]
    pub command: Option<CommandSpec>,
    /// 2..=1000; default 80 × 24.
    #[serde(default)]
    #[ts(optional)]
    pub cols: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub rows: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub session_id: Option<Uuid>,
}

/// `"ssh"` or `["prog", "arg", …]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CommandSpec {
    /// Only `"ssh"` is accepted.
    Named(String),
    Argv(Vec<String>),
}

/// `PATCH /api/terminals/{id}`: `null` or `""` clears the title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenameTerminal {
    pub title: Option<String>,
}

/// `GET /api/terminals/{id}/snapshot`: the screen as plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerminalSnapshot {
    /// Scrollback then the visible screen; wrapped lines joined, trailing blanks trimmed.
    pub text: String,
    pub cols: u16,
    pub rows: u16,
}

/// Flow-control window of one WebSocket attach (bytes of terminal output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowWindow {
    /// The server stops sending once this many bytes are unacknowledged…
    pub high: u32,
    /// …and resumes when no more than this many are.
    pub low: u32,
    /// The client should acknowledge at least every this many processed bytes.
    pub ack_every: u32,
}

/// Text frames the server sends on a terminal WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TermServerMsg {
    /// First frame. The client resets its screen: the binary frames after this repaint it.
    Hello {
        terminal: Box<Terminal>,
        readonly: bool,
        flow: FlowWindow,
    },
    /// The program in the terminal ended; the socket closes next (code 1000).
    Exit {
        exit_code: Option<i32>,
    },
    /// Something went wrong (bad control message, lost tmux client); when the
    /// socket closes after it, reconnecting is worthwhile unless `code` says otherwise.
    Error {
        code: String,
        message: String,
    },
    Pong,
}

/// Text frames a client sends on a terminal WebSocket (keystrokes go as binary).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TermClientMsg {
    /// The client's terminal size (2..=1000 each). Ignored from read-only clients
    /// as far as the window size goes.
    Resize {
        cols: u16,
        rows: u16,
    },
    /// `bytes` more binary output bytes have been processed (written to the screen).
    Ack {
        bytes: u64,
    },
    Ping,
}
