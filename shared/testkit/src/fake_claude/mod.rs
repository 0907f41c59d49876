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
    if let Some(path) = std::env::var_os(BINARY_ENV) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test>-<hash> (unit and integration tests) or
    // target/<profile>/<bin>: look in <profile>.
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("boo-fake-claude"))
        .collect::<Vec<_>>();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "boo-fake-claude not found (looked at {candidates:?}): run `cargo build -p boo-testkit --bin boo-fake-claude` \
                 first, or set {BINARY_ENV} to its path"
            )
        })
}
