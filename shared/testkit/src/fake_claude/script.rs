//! The prompt language of the fake CLI: one command per line.

use serde_json::Value;

/// One line of a prompt. Lines that are not commands are echoed ([`Command::Echo`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `say <text>`: an assistant text block (with partial messages, one delta per word).
    Say(String),
    /// `think <text>`: an assistant thinking block.
    Think(String),
    /// `tool <name> <json input>`: a `tool_use` (id `toolu_<n>`), then its
    /// `tool_result` `done: <name>`; an input with `"fail": "<msg>"` fails with `<msg>`.
    Tool { name: String, input: Value },
    /// `usage <in> <out> <cost>`: the numbers the `result` line reports.
    Usage { input: u64, output: u64, cost: f64 },
    /// `noise <text>`: a line that is not JSON on stdout.
    Noise(String),
    /// `stderr <text>`: a line on stderr (the same terminal under a PTY).
    Stderr(String),
    /// `pid`: says `pid <pid>`.
    Pid,
    /// `config`: says `permission mode <mode>, model <model>` as run.
    Config,
    /// `child`: starts `sleep 600` ignoring SIGHUP (sharing the terminal and the
    /// process group, so it outlives this process) and says `child <pid>`.
    Child,
    /// `sleep <ms>`.
    Sleep(u64),
    /// `progress`: a line redrawn with `\r` and erased (text format only).
    Progress,
    /// `fail <message>`: end with an `error_during_execution` result.
    Fail(String),
    /// `crash`: exit 1 at once, without a `result`.
    Crash,
    /// `hang`: wait for a signal; SIGINT or SIGTERM exit 130/143 without another line.
    Hang,
    /// `stubborn`: like `hang`, but SIGINT and SIGTERM are ignored (only SIGKILL works).
    Stubborn,
    /// `linger`: after the `result` line, wait like `hang` (a CLI stuck on exit).
    Linger,
    /// Anything else: said back as it is.
    Echo(String),
}

/// Parse a prompt; blank lines are skipped.
pub fn parse(prompt: &str) -> Vec<Command> {
    prompt
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Command {
    let trimmed = line.trim();
    let (word, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
    let rest = rest.trim();
    let echo = || Command::Echo(line.to_owned());
    match word {
        "say" => Command::Say(rest.to_owned()),
        "think" => Command::Think(rest.to_owned()),
        "tool" => {
            let (name, json) = rest.split_once(' ').unwrap_or((rest, "{}"));
            match serde_json::from_str(json) {
                Ok(input) if !name.is_empty() => Command::Tool {
                    name: name.to_owned(),
                    input,
                },
                _ => echo(),
            }
        }
        "usage" => {
            let mut it = rest.split_whitespace();
            match (
                it.next().and_then(|s| s.parse().ok()),
                it.next().and_then(|s| s.parse().ok()),
                it.next().and_then(|s| s.parse().ok()),
            ) {
                (Some(input), Some(output), Some(cost)) => Command::Usage {
                    input,
                    output,
                    cost,
                },
                _ => echo(),
            }
        }
        "noise" => Command::Noise(rest.to_owned()),
        "stderr" => Command::Stderr(rest.to_owned()),
        "sleep" => rest.parse().map(Command::Sleep).unwrap_or_else(|_| echo()),
        "fail" => Command::Fail(rest.to_owned()),
        "pid" if rest.is_empty() => Command::Pid,
        "config" if rest.is_empty() => Command::Config,
        "child" if rest.is_empty() => Command::Child,
        "progress" if rest.is_empty() => Command::Progress,
        "crash" if rest.is_empty() => Command::Crash,
        "hang" if rest.is_empty() => Command::Hang,
        "stubborn" if rest.is_empty() => Command::Stubborn,
        "linger" if rest.is_empty() => Command::Linger,
        _ => echo(),
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_commands_and_echoes_the_rest() {
        let prompt = "say hello world\nthink hmm\ntool Read {\"file_path\":\"a.txt\"}\n\nusage 10 5 0.25\n\
                      crash\nhang\nlinger\nhello there\ntool Read {bad\nusage 1 x 2\npid\nsleep 20";
        assert_eq!(
            parse(prompt),
            vec![
                Command::Say("hello world".into()),
                Command::Think("hmm".into()),
                Command::Tool {
                    name: "Read".into(),
                    input: json!({"file_path": "a.txt"})
                },
                Command::Usage {
                    input: 10,
                    output: 5,
                    cost: 0.25
                },
                Command::Crash,
                Command::Hang,
                Command::Linger,
                Command::Echo("hello there".into()),
                Command::Echo("tool Read {bad".into()),
                Command::Echo("usage 1 x 2".into()),
                Command::Pid,
                Command::Sleep(20),
            ]
        );
    }
}
