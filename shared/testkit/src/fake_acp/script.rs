//! The prompt language of the fake agent: one command per line.

/// One line of a prompt. Unknown lines are echoed back ([`Command::Echo`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `say <text>`: the text as message chunks (one per word).
    Say(String),
    /// `think <text>`: the text as thought chunks.
    Think(String),
    /// `tool <id> <title>`: `tool_call` (pending, kind execute, raw input,
    /// location `<id>.txt`) → `tool_call_update` in_progress → completed with
    /// content `done: <title>` and a raw output.
    Tool { id: String, title: String },
    /// `write <path> <content>`: `fs/write_text_file` (`\n` in content is a
    /// newline; a path starting with `"` is a JSON string, so it may hold spaces and
    /// escapes); says `wrote <path>` or `error: <message>`.
    Write { path: String, content: String },
    /// `read <path> [line] [limit]`: `fs/read_text_file`; says the content or
    /// `error: <message>`.
    Read {
        path: String,
        line: Option<u32>,
        limit: Option<u32>,
    },
    /// `terminal`: `terminal/create` for `true`; says `terminal: <id>` or `error: <message>`.
    Terminal,
    /// `run <json>`: `terminal/create` ([`TermSpec`]), `terminal/wait_for_exit`,
    /// `terminal/output`, `terminal/release`; says one line
    /// `run: {"output":…,"truncated":…,"exitStatus":{"exitCode":…,"signal":…}}`
    /// or `error: <message>` (of the first step that failed).
    Run(TermSpec),
    /// `start <json>`: `terminal/create` only; the terminal becomes the session's
    /// current one; says `terminal: <id>` or `error: <message>` (one line).
    Start(TermSpec),
    /// `wait [id]`: `terminal/wait_for_exit` of the current terminal (or `id`);
    /// says `exit: {"exitCode":…,"signal":…}` or `error: <message>` (one line).
    TermWait(Option<String>),
    /// `output [id]`: `terminal/output`; says `output: {"output":…,"truncated":…,
    /// "exitStatus":…|null}` or `error: <message>` (one line).
    TermOutput(Option<String>),
    /// `kill [id]`: `terminal/kill`; says `killed` or `error: <message>` (one line).
    TermKill(Option<String>),
    /// `release [id]`: `terminal/release`; says `released` or `error: <message>` (one line).
    TermRelease(Option<String>),
    /// `ask`: `session/request_permission` (allow_once / allow_always /
    /// reject_once) for tool call `ask-<n>`; says `permission: <option id>` or
    /// `permission: cancelled` (and stops with `cancelled` if the turn was).
    Ask,
    /// `elicit`: a form `elicitation/create` (`name`: string, required;
    /// `count`: integer); says `elicit: accept <json>`, `elicit: decline` or
    /// `elicit: cancel`.
    Elicit,
    /// `slow <ms>`: wait, or stop with `cancelled` as soon as the turn is cancelled.
    Slow(u64),
    /// `refuse`: stop with `refusal`.
    Refuse,
    /// `crash`: exit(3) (the binary) or drop the connection (in process).
    Crash,
    /// `pid`: says the process id.
    Pid,
    /// `session`: says the session id.
    Session,
    /// `history`: says `history: <n> turns`, the turns the session remembers
    /// before this one (kept across processes with a state directory).
    History,
    /// `plan <a>; <b>; …`: a plan with these pending entries.
    Plan(Vec<String>),
    /// `mode <id>`: switch mode and send `current_mode_update`.
    Mode(String),
    /// `config`: says `config: mode=<mode> model=<model>`.
    Config,
    /// `usage <used> <size> [cost]`: a `usage_update` (cost in USD).
    Usage {
        used: u64,
        size: u64,
        cost: Option<f64>,
    },
    /// `tokens <input> <output>`: report this token usage in the prompt response.
    Tokens { input: u64, output: u64 },
    /// `readfile`, `listdir`, `writefile`, `connect`, `env`, `http`, `grpc`,
    /// `pglogin`: what a hostile agent tries on its own ([`super::hostile`]); says
    /// the outcome.
    Hostile(super::hostile::Hostile),
    /// Anything else: says `Echo: <line>`.
    Echo(String),
}

/// What `run` and `start` ask for: a JSON object `{"command": "sh", "args": […],
/// "env": {"NAME": "value", …}, "cwd": "dir", "outputByteLimit": n}` (only
/// `command` required).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermSpec {
    pub command: String,
    pub args: Vec<String>,
    /// In name order.
    pub env: Vec<(String, String)>,
    pub cwd: Option<String>,
    pub output_byte_limit: Option<u64>,
}

impl TermSpec {
    fn parse(json: &str) -> Option<TermSpec> {
        let value: serde_json::Value = serde_json::from_str(json).ok()?;
        let obj = value.as_object()?;
        let strings = |v: Option<&serde_json::Value>| -> Option<Vec<String>> {
            match v {
                None => Some(Vec::new()),
                Some(v) => v
                    .as_array()?
                    .iter()
                    .map(|a| a.as_str().map(str::to_owned))
                    .collect(),
            }
        };
        let mut env: Vec<(String, String)> = match obj.get("env") {
            None => Vec::new(),
            Some(e) => e
                .as_object()?
                .iter()
                .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect::<Option<_>>()?,
        };
        env.sort();
        Some(TermSpec {
            command: obj.get("command")?.as_str()?.to_owned(),
            args: strings(obj.get("args"))?,
            env,
            cwd: match obj.get("cwd") {
                None => None,
                Some(c) => Some(c.as_str()?.to_owned()),
            },
            output_byte_limit: match obj.get("outputByteLimit") {
                None => None,
                Some(n) => Some(n.as_u64()?),
            },
        })
    }
}

/// Parse a prompt: blank lines are skipped, each other line is one command.
pub fn parse(prompt: &str) -> Vec<Command> {
    prompt
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Command {
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let echo = || Command::Echo(line.to_owned());
    let mut args = rest.split_whitespace();
    match word {
        "say" => Command::Say(rest.to_owned()),
        "think" => Command::Think(rest.to_owned()),
        "tool" => match rest.split_once(char::is_whitespace) {
            Some((id, title)) => Command::Tool {
                id: id.to_owned(),
                title: title.trim().to_owned(),
            },
            None if !rest.is_empty() => Command::Tool {
                id: rest.to_owned(),
                title: rest.to_owned(),
            },
            None => echo(),
        },
        "write" => match split_path(rest) {
            Some((path, content)) => Command::Write {
                path,
                content: content.trim_start().replace("\\n", "\n"),
            },
            None => echo(),
        },
        "read" => {
            let path = args.next();
            let line = args.next().map(str::parse::<u32>);
            let limit = args.next().map(str::parse::<u32>);
            match (path, line, limit, args.next()) {
                (Some(path), line, limit, None)
                    if !matches!(line, Some(Err(_))) && !matches!(limit, Some(Err(_))) =>
                {
                    Command::Read {
                        path: path.to_owned(),
                        line: line.and_then(Result::ok),
                        limit: limit.and_then(Result::ok),
                    }
                }
                _ => echo(),
            }
        }
        "terminal" if rest.is_empty() => Command::Terminal,
        "run" => TermSpec::parse(rest).map_or_else(echo, Command::Run),
        "start" => TermSpec::parse(rest).map_or_else(echo, Command::Start),
        "wait" | "output" | "kill" | "release" if !rest.contains(char::is_whitespace) => {
            let id = (!rest.is_empty()).then(|| rest.to_owned());
            match word {
                "wait" => Command::TermWait(id),
                "output" => Command::TermOutput(id),
                "kill" => Command::TermKill(id),
                _ => Command::TermRelease(id),
            }
        }
        "ask" if rest.is_empty() => Command::Ask,
        "elicit" if rest.is_empty() => Command::Elicit,
        "slow" => rest.parse().map(Command::Slow).unwrap_or_else(|_| echo()),
        "refuse" if rest.is_empty() => Command::Refuse,
        "crash" if rest.is_empty() => Command::Crash,
        "pid" if rest.is_empty() => Command::Pid,
        "session" if rest.is_empty() => Command::Session,
        "history" if rest.is_empty() => Command::History,
        "plan" if !rest.is_empty() => Command::Plan(
            rest.split(';')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        "mode" if !rest.is_empty() => Command::Mode(rest.to_owned()),
        "config" if rest.is_empty() => Command::Config,
        "usage" => {
            let used = args.next().and_then(|a| a.parse().ok());
            let size = args.next().and_then(|a| a.parse().ok());
            let cost = args.next().map(str::parse::<f64>);
            match (used, size, cost) {
                (Some(used), Some(size), None) => Command::Usage {
                    used,
                    size,
                    cost: None,
                },
                (Some(used), Some(size), Some(Ok(cost))) => Command::Usage {
                    used,
                    size,
                    cost: Some(cost),
                },
                _ => echo(),
            }
        }
        "tokens" => {
            let input = args.next().and_then(|a| a.parse().ok());
            let output = args.next().and_then(|a| a.parse().ok());
            match (input, output) {
                (Some(input), Some(output)) => Command::Tokens { input, output },
                _ => echo(),
            }
        }
        _ => super::hostile::Hostile::parse(word, rest).map_or_else(echo, Command::Hostile),
    }
}

/// The path argument and the rest: a JSON string literal when it starts with `"`
/// (so a path may hold spaces, `\n`, `\t`, `\u0000`, …), else the first word.
fn split_path(rest: &str) -> Option<(String, &str)> {
    if rest.starts_with('"') {
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        let path = values.next()?.ok()?;
        return Some((path, &rest[values.byte_offset()..]));
    }
    match rest.split_once(char::is_whitespace) {
        Some((path, content)) => Some((path.to_owned(), content)),
        None if !rest.is_empty() => Some((rest.to_owned(), "")),
        None => None,
    }
}

/// Split text into chunks of one word each, keeping the whitespace after it,
/// so the concatenated chunks are exactly the text.
pub fn chunks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn parses_every_command() {
        let prompt = "say hello world\n\n  think hmm  \ntool t1 Run the tests\ntool t2\n\
                      write src/a.rs fn a() {}\\n\nwrite \"a b\\n\\u0000.txt\" two words\nwrite \"x\\\"y\"\nwrite \"open\nread src/a.rs\nread b 2 3\nterminal\nread c x\nask\nelicit\nslow 250\nrefuse\ncrash\n\
                      pid\nsession\nplan one; two ;\nmode ask\nconfig\nusage 10 100\nusage 1 2 0.5\n\
                      tokens 3 4\nhello there\nslow soon\nusage 1\n\
                      run {\"command\":\"sh\",\"args\":[\"-c\",\"exit 3\"],\"env\":{\"B\":\"2\",\"A\":\"1\"},\"cwd\":\"sub\",\"outputByteLimit\":10}\n\
                      start {\"command\":\"true\"}\nwait\noutput t-1\nkill\nrelease t-2\nrun {\"args\":[]}\nwait a b";
        assert_eq!(
            parse(prompt),
            vec![
                Command::Say("hello world".into()),
                Command::Think("hmm".into()),
                Command::Tool {
                    id: "t1".into(),
                    title: "Run the tests".into()
                },
                Command::Tool {
                    id: "t2".into(),
                    title: "t2".into()
                },
                Command::Write {
                    path: "src/a.rs".into(),
                    content: "fn a() {}\n".into()
                },
                Command::Write {
                    path: "a b\n\0.txt".into(),
                    content: "two words".into()
                },
                Command::Write {
                    path: "x\"y".into(),
                    content: String::new()
                },
                Command::Echo("write \"open".into()),
                Command::Read {
                    path: "src/a.rs".into(),
                    line: None,
                    limit: None
                },
                Command::Read {
                    path: "b".into(),
                    line: Some(2),
                    limit: Some(3)
                },
                Command::Terminal,
                Command::Echo("read c x".into()),
                Command::Ask,
                Command::Elicit,
                Command::Slow(250),
                Command::Refuse,
                Command::Crash,
                Command::Pid,
                Command::Session,
                Command::Plan(vec!["one".into(), "two".into()]),
                Command::Mode("ask".into()),
                Command::Config,
                Command::Usage {
                    used: 10,
                    size: 100,
                    cost: None
                },
                Command::Usage {
                    used: 1,
                    size: 2,
                    cost: Some(0.5)
                },
                Command::Tokens {
                    input: 3,
                    output: 4
                },
                Command::Echo("hello there".into()),
                Command::Echo("slow soon".into()),
                Command::Echo("usage 1".into()),
                Command::Run(TermSpec {
                    command: "sh".into(),
                    args: vec!["-c".into(), "exit 3".into()],
                    env: vec![("A".into(), "1".into()), ("B".into(), "2".into())],
                    cwd: Some("sub".into()),
                    output_byte_limit: Some(10),
                }),
                Command::Start(TermSpec {
                    command: "true".into(),
                    ..TermSpec::default()
                }),
                Command::TermWait(None),
                Command::TermOutput(Some("t-1".into())),
                Command::TermKill(None),
                Command::TermRelease(Some("t-2".into())),
                Command::Echo("run {\"args\":[]}".into()),
                Command::Echo("wait a b".into()),
            ]
        );
    }

    #[test]
    fn chunks_rebuild_the_text() {
        assert_eq!(
            chunks("hello  big world "),
            vec!["hello  ", "big ", "world "]
        );
        assert_eq!(chunks("one"), vec!["one"]);
        assert_eq!(chunks(""), Vec::<&str>::new());
        assert_eq!(chunks("  lead"), vec!["  ", "lead"]);
    }
}
