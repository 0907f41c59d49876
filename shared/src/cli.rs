//! The command line every daemon binary shares: `<bin> serve`, `<bin> config`, and
//! the daemon's own subcommands next to them (`boochat acp`).

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{DaemonKind, Settings};
use crate::daemon::{DaemonError, Listeners};

#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli<X: Subcommand> {
    #[command(subcommand)]
    command: Command<X>,
}

#[derive(Debug, Subcommand)]
enum Command<X: Subcommand> {
    /// Run the daemon (config: defaults → $BOO_CONFIG TOML → BOO_* env).
    Serve,
    /// Print the effective configuration (secrets redacted) and exit.
    Config,
    #[command(flatten)]
    Own(X),
}

/// For a daemon with no subcommands of its own.
#[derive(Debug, Subcommand)]
pub enum NoCommands {}

/// Parse args, load config, init tracing, bind, and hand over to `run`.
pub fn main<F, Fut>(kind: DaemonKind, run: F) -> ExitCode
where
    F: FnOnce(Arc<Settings>, Listeners) -> Fut,
    Fut: Future<Output = Result<(), DaemonError>>,
{
    main_with(kind, run, |never: NoCommands, _| match never {})
}

/// [`main`] plus the daemon's own subcommands `X`: `own` runs one of them with the
/// loaded settings (the same layering as `serve`) and says how the process exits.
pub fn main_with<X, F, Fut, O>(kind: DaemonKind, run: F, own: O) -> ExitCode
where
    X: Subcommand,
    F: FnOnce(Arc<Settings>, Listeners) -> Fut,
    Fut: Future<Output = Result<(), DaemonError>>,
    O: FnOnce(X, Settings) -> ExitCode,
{
    // The daemon's own name and version in --help and --version (not boo-shared's).
    let matches = Cli::<X>::command()
        .name(kind.name())
        .bin_name(kind.name())
        .about(format!("BooCode's {} daemon", kind.name()))
        .get_matches();
    let cli = match Cli::<X>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", kind.name());
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    match cli.command {
        Command::Own(x) => own(x, settings),
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
            // The socket systemd handed over, if any: taken while the process has
            // one thread (it unsets LISTEN_FDS/LISTEN_PID, so no child sees them).
            let activated = match crate::listen::activation::take_from_env() {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("{}: {e}", kind.name());
                    return ExitCode::from(78);
                }
            };
            crate::telemetry::init(&settings.log);
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("{}: cannot start the async runtime: {e}", kind.name());
                    return ExitCode::FAILURE;
                }
            };
            let result = runtime.block_on(async move {
                let listeners = Listeners::from_settings(&settings, kind, activated).await?;
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
