//! `boocoder serve`: see the crate docs and README for what it does.

use std::process::ExitCode;

fn main() -> ExitCode {
    boo_shared::cli::main(boocoder::KIND, |settings, listeners| {
        boocoder::run(settings, listeners, boo_shared::daemon::shutdown_signal())
    })
}
