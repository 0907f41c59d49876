//! `boochat serve` (the daemon), `boochat acp` (BooCode's own agent on stdio): see
//! the crate docs and README.

use std::process::ExitCode;

/// boochat's own subcommands, next to `serve` and `config`.
#[derive(Debug, clap::Subcommand)]
enum Own {
    /// BooCode's coding agent: the Agent Client Protocol on stdin/stdout (logs on
    /// stderr), for boocoder and editors such as Zed.
    Acp {
        /// Where sessions are kept (default `$XDG_STATE_HOME/boocode/acp`, else
        /// `~/.local/state/boocode/acp`).
        #[arg(long, value_name = "DIR")]
        state_dir: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    boo_shared::cli::main_with(
        boochat::KIND,
        |settings, listeners| {
            boochat::run(settings, listeners, boo_shared::daemon::shutdown_signal())
        },
        |own: Own, settings| match own {
            Own::Acp { state_dir } => boochat::acp::main(settings, state_dir),
        },
    )
}
