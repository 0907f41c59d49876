//! Playing a script as Claude Code's print mode would print it.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::script::{Command, parse};

/// `--output-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    StreamJson,
}

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub format: OutputFormat,
    pub verbose: bool,
    pub partial: bool,
    pub resume: Option<String>,
    pub model: Option<String>,
    /// `--permission-mode` (`default` when absent, as the real CLI).
    pub permission_mode: Option<String>,
    pub prompt: String,
}

/// Play `opts.prompt`; returns the exit code (or exits, for `crash` and `hang`).
pub fn run(opts: &Options) -> i32 {
    if opts.format == OutputFormat::StreamJson && !opts.verbose {
        eprintln!("Error: When using --print, --output-format=stream-json requires --verbose");
        return 1;
    }
    let script = parse(&opts.prompt);
    // Handlers go in before anything is printed, so a test that read the first
    // line knows a signal will be caught.
    let signals = script
        .iter()
        .any(|c| matches!(c, Command::Hang | Command::Stubborn | Command::Linger))
        .then(Signals::install);
    let mut player = Player::new(opts, signals);
    player.init();
    let mut failure = None;
    for command in script {
        if let Err(message) = player.play(command) {
            failure = Some(message);
            break;
        }
    }
    let code = player.result(failure);
    if player.linger
        && let Some(signals) = player.signals.take()
    {
        return signals.wait(false);
    }
    code
}

struct Player<'a> {
    opts: &'a Options,
    out: std::io::Stdout,
    session_id: String,
    model: String,
    started: Instant,
    next_id: u32,
    said: Vec<String>,
    usage: (u64, u64, f64),
    signals: Option<Signals>,
    linger: bool,
}

impl<'a> Player<'a> {
    fn new(opts: &'a Options, signals: Option<Signals>) -> Self {
        Self {
            opts,
            out: std::io::stdout(),
            session_id: opts
                .resume
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            model: opts.model.clone().unwrap_or_else(|| "claude-fake-1".into()),
            started: Instant::now(),
            next_id: 0,
            said: Vec::new(),
            usage: (0, 0, 0.0),
            signals,
            linger: false,
        }
    }

    fn json(&self) -> bool {
        self.opts.format == OutputFormat::StreamJson
    }

    fn line(&mut self, text: &str) {
        let mut out = self.out.lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn emit(&mut self, mut v: Value) {
        if let Some(obj) = v.as_object_mut() {
            obj.insert("session_id".into(), json!(self.session_id));
            obj.insert("uuid".into(), json!(uuid::Uuid::new_v4().to_string()));
        }
        self.line(&v.to_string());
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_{:02}", self.next_id)
    }

    fn init(&mut self) {
        if !self.json() {
            return;
        }
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let model = self.model.clone();
        self.emit(json!({
            "type": "system", "subtype": "init", "cwd": cwd,
            "tools": ["Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write", "WebFetch", "TodoWrite"],
            "mcp_servers": [], "model": model,
            "permissionMode": self.opts.permission_mode.as_deref().unwrap_or("default"),
            "apiKeySource": "none", "claude_code_version": "0.0.0-fake", "output_style": "default",
        }));
    }

    fn message(&self, id: &str, content: Value) -> Value {
        json!({
            "type": "assistant",
            "message": {
                "model": self.model, "id": id, "type": "message", "role": "assistant",
                "content": [content], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": self.usage.0, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0, "output_tokens": self.usage.1},
            },
            "parent_tool_use_id": null,
        })
    }

    fn stream_event(&mut self, event: Value) {
        self.emit(json!({"type": "stream_event", "event": event, "parent_tool_use_id": null}));
    }

    /// A text or thinking block: deltas (with partial messages), then the whole.
    fn block(&mut self, kind: &str, text: &str) {
        let id = self.id("msg");
        if self.opts.partial {
            self.stream_event(json!({"type": "message_start", "message": {
                "id": id, "type": "message", "role": "assistant", "model": self.model, "content": []}}));
            self.stream_event(json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": kind, kind: ""}}));
            let words: Vec<&str> = text.split_inclusive(' ').collect();
            let delta_type = format!("{kind}_delta");
            for word in words {
                self.stream_event(json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": delta_type, kind: word}}));
            }
            self.stream_event(json!({"type": "content_block_stop", "index": 0}));
        }
        let content = if kind == "thinking" {
            json!({"type": "thinking", "thinking": text, "signature": "fake"})
        } else {
            json!({"type": "text", "text": text})
        };
        let message = self.message(&id, content);
        self.emit(message);
        if self.opts.partial {
            self.stream_event(json!({"type": "message_stop"}));
        }
    }

    fn say(&mut self, text: &str) {
        self.said.push(text.to_owned());
        if self.json() {
            self.block("text", text);
        } else {
            self.line(&format!("\x1b[1m{text}\x1b[0m"));
        }
    }

    fn play(&mut self, command: Command) -> Result<(), String> {
        match command {
            Command::Say(text) | Command::Echo(text) => self.say(&text),
            Command::Think(text) => {
                if self.json() {
                    self.block("thinking", &text);
                } else {
                    self.line(&format!("\x1b[2m{text}\x1b[0m"));
                }
            }
            Command::Tool { name, input } => self.tool(&name, input),
            Command::Usage {
                input,
                output,
                cost,
            } => self.usage = (input, output, cost),
            Command::Noise(text) => self.line(&text),
            Command::Stderr(text) => eprintln!("{text}"),
            Command::Pid => self.say(&format!("pid {}", std::process::id())),
            Command::Config => {
                let mode = self.opts.permission_mode.as_deref().unwrap_or("default");
                let said = format!("permission mode {mode}, model {}", self.model);
                self.say(&said);
            }
            Command::Child => {
                // Deaf to the hangup the terminal sends when this process exits.
                let child = std::process::Command::new("sh")
                    .args(["-c", "trap '' HUP; exec sleep 600"])
                    .spawn()
                    .map_err(|e| format!("cannot start sleep: {e}"))?;
                self.say(&format!("child {}", child.id()));
            }
            Command::Sleep(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Command::Progress => {
                let mut out = self.out.lock();
                let _ = write!(out, "working 1/3\rworking 2/3\rworking 3/3\r\x1b[2K");
                let _ = out.flush();
            }
            Command::Fail(message) => return Err(message),
            Command::Crash => {
                eprintln!("fake-claude: crashing mid-turn");
                std::process::exit(1);
            }
            Command::Linger => self.linger = true,
            Command::Hang | Command::Stubborn => {
                let stubborn = command == Command::Stubborn;
                let code = self.signals.take().map_or(1, |s| s.wait(stubborn));
                std::process::exit(code);
            }
        }
        Ok(())
    }

    fn tool(&mut self, name: &str, input: Value) {
        let id = self.id("toolu");
        let fail = input.get("fail").and_then(Value::as_str).map(str::to_owned);
        if !self.json() {
            self.line(&format!("● {name}"));
            return;
        }
        let msg = self.id("msg");
        let message = self.message(
            &msg,
            json!({"type": "tool_use", "id": id, "name": name, "input": input}),
        );
        self.emit(message);
        let (content, is_error) = match fail {
            Some(message) => (message, true),
            None => (format!("done: {name}"), false),
        };
        self.emit(json!({
            "type": "user",
            "message": {"role": "user", "content": [
                {"tool_use_id": id, "type": "tool_result", "content": content, "is_error": is_error}
            ]},
            "parent_tool_use_id": null,
        }));
    }

    fn result(&mut self, failure: Option<String>) -> i32 {
        if !self.json() {
            return i32::from(failure.is_some());
        }
        let (input, output, cost) = self.usage;
        let duration = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut result = json!({
            "type": "result",
            "subtype": if failure.is_some() { "error_during_execution" } else { "success" },
            "is_error": failure.is_some(),
            "duration_ms": duration, "duration_api_ms": duration,
            "num_turns": 1,
            "total_cost_usd": cost,
            "usage": {"input_tokens": input, "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": 0, "output_tokens": output},
            "modelUsage": {self.model.clone(): {"inputTokens": input, "outputTokens": output,
                           "costUSD": cost, "contextWindow": 200_000}},
            "permission_denials": [],
        });
        match &failure {
            Some(message) => result["errors"] = json!([message]),
            None => result["result"] = json!(self.said.join("\n")),
        }
        self.emit(result);
        0
    }
}

/// SIGINT and SIGTERM handlers, on a runtime of their own.
struct Signals {
    rt: tokio::runtime::Runtime,
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for signals");
        let (int, term) = {
            let _entered = rt.enter();
            (
                signal(SignalKind::interrupt()).expect("SIGINT handler"),
                signal(SignalKind::terminate()).expect("SIGTERM handler"),
            )
        };
        Self { rt, int, term }
    }

    /// Block until SIGINT (130) or SIGTERM (143); with `stubborn`, forever.
    fn wait(mut self, stubborn: bool) -> i32 {
        self.rt.block_on(async {
            loop {
                tokio::select! {
                    _ = self.int.recv() => if !stubborn { return 130 },
                    _ = self.term.recv() => if !stubborn { return 143 },
                }
            }
        })
    }
}
