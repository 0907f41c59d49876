//! A scripted stand-in for Claude Code in print mode, for boocoder's PTY tests:
//! the `boo-fake-claude` binary takes the flags of
//! `claude -p --output-format stream-json --verbose [--include-partial-messages]
//! [--resume ID] [--model M] [--] PROMPT` and prints stream-json lines in the
//! shapes the real CLI prints (see boocoder's `pty::stream_json`).
//!
//! The PROMPT is a script, one command per line ([`Command`]); a line that is not
//! a command is echoed back as text, so a plain prompt is answered with itself.
//! With `--output-format text` the same script prints what a terminal would show
//! (bold text, a redrawn progress line), for the `raw` parser.

mod run;
mod script;

use std::path::PathBuf;

pub use run::{Options, OutputFormat, run};
pub use script::{Command, parse};

/// Environment variable naming the `boo-fake-claude` binary for [`binary`].
pub const BINARY_ENV: &str = "BOO_FAKE_CLAUDE";

/// The `boo-fake-claude` binary: `$BOO_FAKE_CLAUDE`, else next to the running
/// test binary's profile directory (`target/<profile>/boo-fake-claude`, where
/// `cargo build -p boo-testkit --bins` puts it). Panics with instructions if absent.
pub fn binary() -> PathBuf {
    crate::test_binary("boo-fake-claude", BINARY_ENV)
}
