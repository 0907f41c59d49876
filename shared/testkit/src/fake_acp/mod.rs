//! A scripted ACP agent (the agent side of the `agent-client-protocol` crate)
//! for boocoder's tests: the `boo-fake-acp` binary on stdio, or in process over
//! any byte pipe.
//!
//! Each prompt is a script, one command per line (see [`Command`]), e.g.
//!
//! ```text
//! think Let me look.
//! tool t1 Run the tests
//! write src/lib.rs pub fn answer() -> u32 { 42 }\n
//! ask
//! say Done.
//! ```
//!
//! `initialize` reports the configured name and version; `session/new` answers
//! `fake-session-<n>` with modes `ask` / `code` (current `code`), config options
//! `mode` (select, category mode) and `model` (select `fake-fast` /
//! `fake-smart`, category model), then sends `available_commands_update`
//! (`review`, `explain`). `session/cancel` stops the running script: `slow`
//! ends at once, and the turn answers `cancelled`.
//!
//! Sessions can outlive the process: with [`FakeAcpOptions::state_dir`] each
//! session (its turns, mode and model) is kept in `<dir>/<id>.json`, and a new
//! process advertising [`FakeAcpOptions::resume`] (`sessionCapabilities.resume`)
//! or [`FakeAcpOptions::load`] (`loadSession`) picks it up again; `session/load`
//! replays the turns (user and agent message chunks) before it answers.
//!
//! ```no_run
//! # async fn demo() {
//! use boo_testkit::fake_acp::{self, FakeAcpOptions};
//! let (reader, writer, agent) = fake_acp::in_process(FakeAcpOptions::default());
//! // connect an ACP client to (reader, writer) …
//! # drop((reader, writer, agent));
//! // or spawn the binary: std::process::Command::new(fake_acp::binary())
//! # }
//! ```

mod agent;
mod hostile;
mod script;
mod store;
mod terminal;

use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadHalf, WriteHalf};
use tokio::task::JoinHandle;

pub use script::{Command, TermSpec, chunks, parse};

/// Environment variable naming the `boo-fake-acp` binary for [`binary`].
pub const BINARY_ENV: &str = "BOO_FAKE_ACP";

/// What a `crash` command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnCrash {
    /// Print a line to stderr and `exit(3)` (the binary).
    Exit,
    /// Drop the connection, as a dead process would look from the client (in process).
    Disconnect,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAcpOptions {
    /// `agentInfo.name`.
    pub name: String,
    /// `agentInfo.version`.
    pub version: String,
    /// Fail `initialize`: exit(1) with [`OnCrash::Exit`], an error answer otherwise.
    pub fail_initialize: bool,
    pub on_crash: OnCrash,
    /// Advertise `sessionCapabilities.resume` and answer `session/resume`.
    pub resume: bool,
    /// Advertise `loadSession` and answer `session/load`.
    pub load: bool,
    /// Keep sessions in this directory so another process can resume or load them.
    pub state_dir: Option<PathBuf>,
}

impl Default for FakeAcpOptions {
    fn default() -> Self {
        FakeAcpOptions {
            name: "boo-fake-acp".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            fail_initialize: false,
            on_crash: OnCrash::Disconnect,
            resume: false,
            load: false,
            state_dir: None,
        }
    }
}

/// Serve the fake agent over `reader` / `writer` until the client hangs up
/// (or a `crash` with [`OnCrash::Disconnect`]).
pub async fn serve<R, W>(
    reader: R,
    writer: W,
    opts: FakeAcpOptions,
) -> Result<(), agent_client_protocol::Error>
where
    R: AsyncRead + Send + 'static,
    W: AsyncWrite + Send + 'static,
{
    agent::serve(reader, writer, opts).await
}

/// Start the fake agent in a task over an in-memory pipe; returns the client's
/// ends (read from the agent, write to it) and the task.
pub fn in_process(
    opts: FakeAcpOptions,
) -> (
    ReadHalf<DuplexStream>,
    WriteHalf<DuplexStream>,
    JoinHandle<Result<(), agent_client_protocol::Error>>,
) {
    let (client, agent) = tokio::io::duplex(64 * 1024);
    let (agent_read, agent_write) = tokio::io::split(agent);
    let task = tokio::spawn(serve(agent_read, agent_write, opts));
    let (client_read, client_write) = tokio::io::split(client);
    (client_read, client_write, task)
}

/// The `boo-fake-acp` binary: `$BOO_FAKE_ACP`, else next to the running test
/// binary's profile directory (`target/<profile>/boo-fake-acp`, where `cargo
/// build -p boo-testkit --bins` puts it). Panics with instructions if absent.
pub fn binary() -> PathBuf {
    crate::test_binary("boo-fake-acp", BINARY_ENV)
}
