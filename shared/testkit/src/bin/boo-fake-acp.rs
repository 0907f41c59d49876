//! `boo-fake-acp`: the scripted ACP agent on stdio, for boocoder's tests and
//! demos. Stdout carries protocol only; diagnostics go to stderr.

use std::process::ExitCode;

use boo_testkit::fake_acp::{FakeAcpOptions, OnCrash, serve};

/// An ACP agent on stdin/stdout whose prompts are scripts, one command per line.
#[derive(Debug, clap::Parser)]
// No clap `version`: `--version VERSION` is the agentInfo.version to report.
#[command(
    name = "boo-fake-acp",
    after_help = "Commands, one per line of a prompt:
  say TEXT | think TEXT | tool ID TITLE | write PATH|\"JSON\" CONTENT | read PATH [LINE] [LIMIT]
  terminal | ask | elicit
  run JSON | start JSON | wait [ID] | output [ID] | kill [ID] | release [ID]
      JSON = {\"command\":C, \"args\":[..], \"env\":{NAME:VALUE}, \"cwd\":DIR, \"outputByteLimit\":N}
      (run: create, wait, output, release; the others act on the last started terminal)
  slow MS | refuse | crash | pid | session | history | plan A; B | mode ID | config
  usage USED SIZE [COST] | tokens IN OUT
  readfile PATH | listdir PATH | writefile PATH TEXT | connect HOST:PORT | env
  http HOST:PORT|unix:PATH PATH | grpc chat|coder|term HOST:PORT | pglogin HOST:PORT
  (anything else is echoed)"
)]
struct Cli {
    /// agentInfo.name.
    #[arg(long, value_name = "NAME", default_value = "boo-fake-acp")]
    name: String,
    /// agentInfo.version (default the crate version).
    #[arg(long = "version", value_name = "VERSION")]
    agent_version: Option<String>,
    /// Exit(1) when initialize arrives.
    #[arg(long)]
    fail_initialize: bool,
    /// Write TEXT to stderr at start.
    #[arg(long, value_name = "TEXT")]
    stderr: Option<String>,
    /// Advertise sessionCapabilities.resume (session/resume).
    #[arg(long)]
    resume: bool,
    /// Advertise loadSession (session/load replays the turns).
    #[arg(long)]
    load: bool,
    /// Keep sessions (turns, mode, model) in DIR/<id>.json, so a new process can
    /// resume or load them.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<std::path::PathBuf>,
}

impl Cli {
    fn options(&self) -> FakeAcpOptions {
        FakeAcpOptions {
            name: self.name.clone(),
            version: self
                .agent_version
                .clone()
                .unwrap_or_else(|| FakeAcpOptions::default().version),
            fail_initialize: self.fail_initialize,
            resume: self.resume,
            load: self.load,
            state_dir: self.state_dir.clone(),
            on_crash: OnCrash::Exit,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    if let Some(text) = &cli.stderr {
        eprintln!("{text}");
    }
    match serve(tokio::io::stdin(), tokio::io::stdout(), cli.options()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("boo-fake-acp: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use clap::error::ErrorKind;

    use super::*;
    use pretty_assertions::assert_eq;

    fn cli(s: &str) -> Result<(FakeAcpOptions, Option<String>), ErrorKind> {
        Cli::try_parse_from(std::iter::once("boo-fake-acp").chain(s.split_whitespace()))
            .map(|c| (c.options(), c.stderr))
            .map_err(|e| e.kind())
    }

    #[test]
    fn parses_flags() {
        let exit = FakeAcpOptions {
            on_crash: OnCrash::Exit,
            ..FakeAcpOptions::default()
        };
        assert_eq!(cli(""), Ok((exit.clone(), None)));
        assert_eq!(
            cli(
                "--name goose --version=9.9 --fail-initialize --stderr hello --resume --load --state-dir /tmp/s"
            ),
            Ok((
                FakeAcpOptions {
                    name: "goose".into(),
                    version: "9.9".into(),
                    fail_initialize: true,
                    resume: true,
                    load: true,
                    state_dir: Some("/tmp/s".into()),
                    ..exit
                },
                Some("hello".into()),
            ))
        );
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(cli("--help").unwrap_err(), ErrorKind::DisplayHelp);
        assert_eq!(cli("--name").unwrap_err(), ErrorKind::InvalidValue);
        assert_eq!(cli("--bogus").unwrap_err(), ErrorKind::UnknownArgument);
    }
}
