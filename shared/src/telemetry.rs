//! Tracing: human-readable on a terminal, JSON lines under systemd/journald.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{LogConfig, LogFormat};

/// Does this process log JSON? `auto` picks JSON under journald or without a tty.
pub fn wants_json(cfg: &LogConfig) -> bool {
    match cfg.format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => {
            std::env::var_os("JOURNAL_STREAM").is_some() || !std::io::stderr().is_terminal()
        }
    }
}

/// Install the global subscriber. `RUST_LOG` wins over `log.level`. Safe to call
/// twice (the second call is a no-op), which tests rely on.
pub fn init(cfg: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if wants_json(cfg) {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_span_events(FmtSpan::NONE)
            .try_init()
    } else {
        builder.with_target(false).try_init()
    };
    // Already installed (tests, or a library embedding us): keep the first one.
    drop(result);
}
