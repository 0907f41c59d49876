//! `boo-fake-llm`: the scripted stand-in for llama-server, run on its own for
//! browser tests and demos, scripted over HTTP by tests in other languages
//! (`POST /__script`). With no script it thinks about, then echoes, the last user
//! message.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use boo_testkit::fake_llm::{FakeLlm, FakeOptions};

const USAGE: &str =
    "usage: boo-fake-llm --listen HOST:PORT [--model NAME]... [--n-ctx N] [--delay-ms N]

Serves an OpenAI-compatible chat API (llama-server flavour) that answers each
unscripted request with reasoning \"Thinking about: <last user message>\" and content
\"Echo: <last user message>\", streamed in small chunks.

  --listen HOST:PORT  address to bind (port 0 picks a free one)
  --model NAME        a model to list in /v1/models (repeatable; default fake-model)
  --n-ctx N           context size reported by /props (default 8192)
  --delay-ms N        pause between streamed chunks (default 0)

Another process scripts it: POST /__script queues replies given as JSON
({\"content\", \"reasoning\", \"tool_calls\": [{\"id\", \"name\", \"arguments\"}],
\"delay_first_ms\", \"delay_each_ms\", \"hang\"}, or an array of them) and
GET /__requests returns the chat completion bodies received so far.";

#[derive(Debug, PartialEq)]
struct Args {
    listen: SocketAddr,
    opts: FakeOptions,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut listen = None;
    let mut models = Vec::new();
    let mut opts = FakeOptions::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--listen" | "--model" | "--n-ctx" | "--delay-ms" => {}
            other => return Err(format!("unknown argument {other}")),
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{name} needs a value")),
        };
        match name.as_str() {
            "--listen" => {
                let addr = value
                    .parse()
                    .map_err(|e| format!("--listen {value}: {e}"))?;
                listen = Some(addr);
            }
            "--model" => models.push(value),
            "--n-ctx" => {
                opts.n_ctx = value.parse().map_err(|e| format!("--n-ctx {value}: {e}"))?;
            }
            "--delay-ms" => {
                let ms = value
                    .parse()
                    .map_err(|e| format!("--delay-ms {value}: {e}"))?;
                opts.echo_delay = Duration::from_millis(ms);
            }
            _ => {}
        }
    }
    if !models.is_empty() {
        opts.models = models;
    }
    let listen = listen.ok_or("--listen is required")?;
    Ok(Args { listen, opts })
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
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            eprintln!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("boo-fake-llm: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let models = args.opts.models.join(", ");
    let llm = match FakeLlm::bind(args.listen, args.opts).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("boo-fake-llm: cannot listen on {}: {e}", args.listen);
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
    use super::*;
    use boo_testkit::fake_llm::{DEFAULT_MODEL, DEFAULT_N_CTX};
    use pretty_assertions::assert_eq;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn parses_flags() {
        assert_eq!(
            args("--listen 127.0.0.1:0"),
            Ok(Args {
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                opts: FakeOptions::default(),
            })
        );
        assert_eq!(
            args("--listen=0.0.0.0:9 --model a --model b --n-ctx 4096 --delay-ms=25"),
            Ok(Args {
                listen: SocketAddr::from(([0, 0, 0, 0], 9)),
                opts: FakeOptions {
                    models: vec!["a".into(), "b".into()],
                    n_ctx: 4096,
                    echo_delay: Duration::from_millis(25),
                    ..FakeOptions::default()
                },
            })
        );
        assert_eq!(
            FakeOptions::default().models,
            vec![DEFAULT_MODEL.to_owned()]
        );
        assert_eq!(FakeOptions::default().n_ctx, DEFAULT_N_CTX);
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(args(""), Err("--listen is required".to_owned()));
        assert_eq!(args("--help"), Err(String::new()));
        assert_eq!(args("--listen"), Err("--listen needs a value".to_owned()));
        assert_eq!(
            args("--bogus 1"),
            Err("unknown argument --bogus".to_owned())
        );
        assert_eq!(
            args("--listen 1:2:3"),
            Err("--listen 1:2:3: invalid socket address syntax".to_owned())
        );
        assert_eq!(
            args("--listen 127.0.0.1:1 --n-ctx big"),
            Err("--n-ctx big: invalid digit found in string".to_owned())
        );
    }
}
