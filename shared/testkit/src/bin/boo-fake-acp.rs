//! `boo-fake-acp`: the scripted ACP agent on stdio, for boocoder's tests and
//! demos. Stdout carries protocol only; diagnostics go to stderr.

use std::process::ExitCode;

use boo_testkit::fake_acp::{FakeAcpOptions, OnCrash, serve};

const USAGE: &str =
    "usage: boo-fake-acp [--name NAME] [--version VERSION] [--fail-initialize] [--stderr TEXT]
                    [--resume] [--load] [--state-dir DIR]

An ACP agent on stdin/stdout whose prompts are scripts, one command per line:
  say TEXT | think TEXT | tool ID TITLE | write PATH|\"JSON\" CONTENT | read PATH [LINE] [LIMIT]
  terminal | ask | elicit
  run JSON | start JSON | wait [ID] | output [ID] | kill [ID] | release [ID]
      JSON = {\"command\":C, \"args\":[..], \"env\":{NAME:VALUE}, \"cwd\":DIR, \"outputByteLimit\":N}
      (run: create, wait, output, release; the others act on the last started terminal)
  slow MS | refuse | crash | pid | session | history | plan A; B | mode ID | config
  usage USED SIZE [COST] | tokens IN OUT      (anything else is echoed)

  --name NAME         agentInfo.name (default boo-fake-acp)
  --version VERSION   agentInfo.version (default the crate version)
  --fail-initialize   exit(1) when initialize arrives
  --stderr TEXT       write TEXT to stderr at start
  --resume            advertise sessionCapabilities.resume (session/resume)
  --load              advertise loadSession (session/load replays the turns)
  --state-dir DIR     keep sessions (turns, mode, model) in DIR/<id>.json, so a
                      new process can resume or load them";

#[derive(Debug, PartialEq)]
struct Args {
    opts: FakeAcpOptions,
    stderr: Option<String>,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut opts = FakeAcpOptions {
        on_crash: OnCrash::Exit,
        ..FakeAcpOptions::default()
    };
    let mut stderr = None;
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--fail-initialize" => {
                opts.fail_initialize = true;
                continue;
            }
            "--resume" => {
                opts.resume = true;
                continue;
            }
            "--load" => {
                opts.load = true;
                continue;
            }
            "--name" | "--version" | "--stderr" | "--state-dir" => {}
            other => return Err(format!("unknown argument {other}")),
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        match name.as_str() {
            "--name" => opts.name = value,
            "--version" => opts.version = value,
            "--state-dir" => opts.state_dir = Some(value.into()),
            _ => stderr = Some(value),
        }
    }
    Ok(Args { opts, stderr })
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
            eprintln!("boo-fake-acp: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(text) = &args.stderr {
        eprintln!("{text}");
    }
    match serve(tokio::io::stdin(), tokio::io::stdout(), args.opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("boo-fake-acp: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn parses_flags() {
        let exit = FakeAcpOptions {
            on_crash: OnCrash::Exit,
            ..FakeAcpOptions::default()
        };
        assert_eq!(
            args(""),
            Ok(Args {
                opts: exit.clone(),
                stderr: None
            })
        );
        assert_eq!(
            args(
                "--name goose --version=9.9 --fail-initialize --stderr hello --resume --load --state-dir /tmp/s"
            ),
            Ok(Args {
                opts: FakeAcpOptions {
                    name: "goose".into(),
                    version: "9.9".into(),
                    fail_initialize: true,
                    resume: true,
                    load: true,
                    state_dir: Some("/tmp/s".into()),
                    ..exit
                },
                stderr: Some("hello".into()),
            })
        );
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(args("--help"), Err(String::new()));
        assert_eq!(args("--name"), Err("--name needs a value".to_owned()));
        assert_eq!(args("--bogus"), Err("unknown argument --bogus".to_owned()));
    }
}
