//! The command line every daemon binary shares: `<bin> serve`, `<bin> config`.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::config::{DaemonKind, Settings};
use crate::daemon::{DaemonError, Listeners};

#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon (config: defaults → $BOO_CONFIG TOML → BOO_* env).
    Serve,
    /// Print the effective configuration (secrets redacted) and exit.
    Config,
}

/// Parse args, load config, init tracing, bind, and hand over to `run`.
pub fn main<F, Fut>(kind: DaemonKind, run: F) -> ExitCode
where
    F: FnOnce(Arc<Settings>, Listeners) -> Fut,
    Fut: Future<Output = Result<(), DaemonError>>,
{
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", kind.name());
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    match cli.command {
        Command::Config => {
            eprintln!("{settings:#?}");
            ExitCode::SUCCESS
        }
        Command::Serve => {
            // Config mistakes are reported plainly, before logging is set up.
            if let Err(e) = settings.validate_for(kind) {
                eprintln!("{}: {e}", kind.name());
                return ExitCode::from(78);
            }
            crate::telemetry::init(&settings.log);
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("{}: cannot start the async runtime: {e}", kind.name());
                    return ExitCode::FAILURE;
                }
            };
            let result = runtime.block_on(async move {
                let listeners = Listeners::from_settings(&settings, kind).await?;
                run(Arc::new(settings), listeners).await
            });
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "{} failed", kind.name());
                    ExitCode::FAILURE
                }
            }
        }
    }
}
