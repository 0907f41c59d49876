//! Coding CLIs without ACP, run on a pseudo-terminal (CODER-8).
//!
//! One turn is one run of the CLI: [`PtyCommand`] renders the provider's argv
//! template with the prompt (and the session id to resume, if any),
//! [`process::PtyProcess`] runs it on a fresh PTY in its own session and process
//! group, and the output is turned into the same [`crate::acp::AgentEvent`]s an ACP
//! agent streams, by the provider's parser:
//!
//! - [`ParserKind::StreamJson`]: Claude Code's `--output-format stream-json`
//!   ([`stream_json`]): text, thinking, tool calls and results, plan, usage, cost,
//!   and the session id the next turn resumes.
//! - [`ParserKind::Raw`]: the terminal's output as the turn's text, escape
//!   sequences stripped and carriage-return overwrites applied ([`raw`]).
//!
//! [`run_turn`] ties them together: it streams the events to a channel, interrupts
//! the CLI's process group on cancel (SIGINT, then SIGTERM, then SIGKILL), always
//! reaps it, and turns an exit without a `result` into a failure carrying the tail
//! of the terminal output.

pub mod command;
pub mod process;
pub mod raw;
pub mod stream_json;
mod tools;
mod turn;

pub use command::{PtyCommand, TemplateError, Vars};
pub use process::{PtyExit, PtyProcess, PtySpec, SpawnError};
pub use raw::RawText;
pub use stream_json::{Parsed, StreamJsonParser};
pub use turn::{TurnEnd, TurnOutcome, run_turn};

/// How a provider's terminal output becomes events (the providers file's `parser`).
pub use crate::providers::PtyParser as ParserKind;
