//! `boochat serve` (the daemon), `boochat acp` (BooCode's own agent on stdio): see
//! the crate docs and README.

use std::process::ExitCode;

/// boochat's own subcommands, next to `serve` and `config`.
#[derive(Debug, clap::Subcommand)]
enum Own {
    /// BooCode's coding agent: the Agent Client Protocol on stdin/stdout (logs on
    /// stderr), for boocoder and editors such as Zed.
    Acp,
}

fn main() -> ExitCode {
    boo_shared::cli::main_with(
        boochat::KIND,
        |settings, listeners| {
            boochat::run(settings, listeners, boo_shared::daemon::shutdown_signal())
        },
        |own: Own, settings| match own {
            Own::Acp => boochat::acp::main(settings),
        },
    )
}
