//! `boochat serve`: see the crate docs and README for what it does.

use std::process::ExitCode;

fn main() -> ExitCode {
    boo_shared::cli::main(boochat::KIND, |settings, listeners| {
        boochat::run(settings, listeners, boo_shared::daemon::shutdown_signal())
    })
}
