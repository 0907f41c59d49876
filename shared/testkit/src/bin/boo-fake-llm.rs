//! `boo-fake-llm`: the scripted stand-in for llama-server, run on its own for
//! browser tests and demos, scripted over HTTP by tests in other languages
//! (`POST /__script`). With no script it thinks about, then echoes, the last user
//! message.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use boo_testkit::fake_llm::{FakeLlm, FakeOptions};

/// Serves an OpenAI-compatible chat API (llama-server flavour) that answers each
/// unscripted request with reasoning "Thinking about: <last user message>" and
/// content "Echo: <last user message>", streamed in small chunks.
#[derive(Debug, clap::Parser)]
#[command(
    name = "boo-fake-llm",
    version,
    after_help = "Another process scripts it: POST /__script queues replies given as JSON \
                  ({\"content\", \"reasoning\", \"tool_calls\": [{\"id\", \"name\", \"arguments\"}], \
                  \"delay_first_ms\", \"delay_each_ms\", \"hang\"}, or an array of them) and \
                  GET /__requests returns the chat completion bodies received so far."
)]
struct Cli {
    /// Address to bind (port 0 picks a free one).
    #[arg(long, value_name = "HOST:PORT")]
    listen: SocketAddr,
    /// A model to list in /v1/models (repeatable; default fake-model).
    #[arg(long = "model", value_name = "NAME")]
    models: Vec<String>,
    /// Context size reported by /props.
    #[arg(long, value_name = "N", default_value_t = boo_testkit::fake_llm::DEFAULT_N_CTX)]
    n_ctx: u64,
    /// Report vision in /props (the model takes images).
    #[arg(long)]
    vision: bool,
    /// Pause between streamed chunks, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    delay_ms: u64,
}

impl Cli {
    fn options(&self) -> FakeOptions {
        let mut opts = FakeOptions {
            n_ctx: self.n_ctx,
            vision: self.vision,
            echo_delay: Duration::from_millis(self.delay_ms),
            ..FakeOptions::default()
        };
        if !self.models.is_empty() {
            opts.models = self.models.clone();
        }
        opts
    }
}

async fn terminated() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let opts = cli.options();
    let models = opts.models.join(", ");
    let llm = match FakeLlm::bind(cli.listen, opts).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("boo-fake-llm: cannot listen on {}: {e}", cli.listen);
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "boo-fake-llm: models {models}; listening on {}",
        llm.base_url()
    );
    let waited = terminated().await;
    llm.stop().await;
    match waited {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("boo-fake-llm: cannot wait for signals: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use clap::error::ErrorKind;

    use super::*;
    use boo_testkit::fake_llm::{DEFAULT_MODEL, DEFAULT_N_CTX};
    use pretty_assertions::assert_eq;

    fn options(s: &str) -> Result<(SocketAddr, FakeOptions), ErrorKind> {
        Cli::try_parse_from(std::iter::once("boo-fake-llm").chain(s.split_whitespace()))
            .map(|c| (c.listen, c.options()))
            .map_err(|e| e.kind())
    }

    #[test]
    fn parses_flags() {
        assert_eq!(
            options("--listen 127.0.0.1:0"),
            Ok((
                SocketAddr::from(([127, 0, 0, 1], 0)),
                FakeOptions::default()
            ))
        );
        assert_eq!(
            options("--listen=0.0.0.0:9 --model a --model b --n-ctx 4096 --delay-ms=25 --vision"),
            Ok((
                SocketAddr::from(([0, 0, 0, 0], 9)),
                FakeOptions {
                    models: vec!["a".into(), "b".into()],
                    n_ctx: 4096,
                    vision: true,
                    echo_delay: Duration::from_millis(25),
                    ..FakeOptions::default()
                },
            ))
        );
        assert_eq!(
            FakeOptions::default().models,
            vec![DEFAULT_MODEL.to_owned()]
        );
        assert_eq!(FakeOptions::default().n_ctx, DEFAULT_N_CTX);
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(options("").unwrap_err(), ErrorKind::MissingRequiredArgument);
        assert_eq!(options("--help").unwrap_err(), ErrorKind::DisplayHelp);
        assert_eq!(options("--listen").unwrap_err(), ErrorKind::InvalidValue);
        assert_eq!(
            options("--listen 127.0.0.1:1 --bogus 1").unwrap_err(),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            options("--listen 1:2:3").unwrap_err(),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            options("--listen 127.0.0.1:1 --n-ctx big").unwrap_err(),
            ErrorKind::ValueValidation
        );
    }
}
