//! `boo-fake-claude`: a scripted stand-in for `claude -p`, for boocoder's PTY
//! tests. The prompt is a script; see `boo_testkit::fake_claude`.

use std::process::ExitCode;

use boo_testkit::fake_claude::{Options, OutputFormat, run};

/// Claude Code's print mode, scripted.
#[derive(Debug, clap::Parser)]
#[command(
    name = "boo-fake-claude",
    after_help = "Commands, one per line of PROMPT:
  say TEXT | think TEXT | tool NAME JSON | usage IN OUT COST
  noise TEXT | stderr TEXT | pid | child | sleep MS | progress
  fail MESSAGE | crash | hang | stubborn | linger
  (anything else is said back)"
)]
struct Cli {
    /// Print mode (the only mode there is).
    #[arg(short = 'p', long = "print")]
    print: bool,
    #[arg(long, value_enum, default_value = "text")]
    output_format: OutputFormat,
    #[arg(long)]
    verbose: bool,
    #[arg(long)]
    include_partial_messages: bool,
    /// Continue this session (its id is reported again).
    #[arg(long, short = 'r', value_name = "ID")]
    resume: Option<String>,
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
    #[arg(long, value_name = "MODE")]
    permission_mode: Option<String>,
    /// The script.
    prompt: String,
}

impl Cli {
    fn options(self) -> Options {
        Options {
            format: self.output_format,
            verbose: self.verbose,
            partial: self.include_partial_messages,
            resume: self.resume,
            model: self.model,
            permission_mode: self.permission_mode,
            prompt: self.prompt,
        }
    }
}

fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    if !cli.print {
        eprintln!("boo-fake-claude: only print mode (-p) is faked");
        return ExitCode::from(2);
    }
    ExitCode::from(u8::try_from(run(&cli.options())).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn takes_claudes_flags() {
        let cli = Cli::try_parse_from([
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-partial-messages",
            "--resume",
            "s-1",
            "--model",
            "sonnet",
            "--permission-mode",
            "plan",
            "--",
            "--say hi",
        ])
        .unwrap();
        assert!(cli.print);
        assert_eq!(
            cli.options(),
            Options {
                format: OutputFormat::StreamJson,
                verbose: true,
                partial: true,
                resume: Some("s-1".into()),
                model: Some("sonnet".into()),
                permission_mode: Some("plan".into()),
                prompt: "--say hi".into(),
            }
        );
    }
}
