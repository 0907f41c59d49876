//! A real llama.cpp server for tests: `deploy/lib/llama_server.py` (llama-server
//! built as the Python extension `xllamacpp`) with a small real GGUF model, on a
//! fresh loopback port, killed when dropped.
//!
//! `deploy/test` installs both (deploy/lib/llama.sh: a private venv and a cached
//! model, pinned) and sets [`PY_ENV`] and [`MODEL_ENV`]; a test asks
//! [`installed`] for them. When they are unset (a plain `cargo nextest run`) the
//! test says so and skips, unless [`REQUIRE_ENV`]`=1` (deploy/test, CI), where the
//! missing server is a failure.
//!
//! [`LlamaServer::start`] waits for the script's `listening <address>` line (printed
//! once the model is loaded), then for `/health` to answer 200: no sleeps.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::workspace::free_port;

/// The venv python that has `xllamacpp` (set by deploy/test).
pub const PY_ENV: &str = "BOO_LLAMA_PY";
/// The GGUF model file (set by deploy/test).
pub const MODEL_ENV: &str = "BOO_LLAMA_MODEL";
/// `1`: real servers must be there; their tests fail instead of skipping.
pub const REQUIRE_ENV: &str = "BOO_REQUIRE_REAL";

/// How long loading the model may take (a 135M model loads in well under a second).
const START_LIMIT: Duration = Duration::from_secs(60);

/// What [`LlamaServer::start`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlamaInstall {
    pub python: PathBuf,
    pub model: PathBuf,
}

/// How the server is sized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlamaOptions {
    /// Context size (`n_ctx`, what `/props` reports).
    pub ctx: u32,
    pub threads: u32,
    /// The model id `/v1/models` lists.
    pub alias: String,
    /// Answer length when a request sets no `max_tokens` (`n_predict`).
    pub max_tokens: u32,
}

impl Default for LlamaOptions {
    fn default() -> Self {
        Self {
            ctx: 2048,
            threads: 2,
            alias: "smollm2-135m-instruct".into(),
            max_tokens: 48,
        }
    }
}

/// The installed server and model from [`PY_ENV`] and [`MODEL_ENV`]; `None` (said on
/// stderr) when either is unset and [`REQUIRE_ENV`] is not `1`. Panics when required
/// and missing, or when a path is set but is not a file.
pub fn installed() -> Option<LlamaInstall> {
    let python = std::env::var_os(PY_ENV).filter(|v| !v.is_empty());
    let model = std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty());
    let (Some(python), Some(model)) = (python, model) else {
        let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        let what = format!(
            "{PY_ENV} and {MODEL_ENV} must name the xllamacpp venv's python and the GGUF model \
             (deploy/test installs both with deploy/lib/llama.sh: \
             `source deploy/lib/llama.sh && llama_install` exports them)"
        );
        assert!(
            !required,
            "{REQUIRE_ENV}=1 but the real model server is missing: {what}"
        );
        eprintln!("skipping the real-model test: {what}");
        return None;
    };
    let install = LlamaInstall {
        python: PathBuf::from(python),
        model: PathBuf::from(model),
    };
    for (var, path) in [(PY_ENV, &install.python), (MODEL_ENV, &install.model)] {
        assert!(
            path.is_file(),
            "{var}={} does not exist (deploy/lib/llama.sh llama_install puts it there)",
            path.display()
        );
    }
    Some(install)
}

/// `deploy/lib/llama_server.py` in this checkout.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/lib/llama_server.py")
}

/// A running llama.cpp server.
pub struct LlamaServer {
    child: Child,
    port: u16,
    /// From spawning the process to `/health` answering 200.
    pub startup: Duration,
    /// Holds the server's log (`llama.log`).
    dir: tempfile::TempDir,
}

impl LlamaServer {
    /// Start it on a fresh loopback port and wait until it serves.
    pub async fn start(install: &LlamaInstall, opts: &LlamaOptions) -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().expect("temp dir for the llama log");
        let log = std::fs::File::create(dir.path().join("llama.log")).expect("llama.log");
        let began = Instant::now();
        let mut child = Command::new(&install.python)
            .arg(script())
            .arg("--model")
            .arg(&install.model)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--ctx", &opts.ctx.to_string()])
            .args(["--threads", &opts.threads.to_string()])
            .args(["--alias", &opts.alias])
            .args(["--max-tokens", &opts.max_tokens.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", install.python.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(START_LIMIT, lines.next_line()).await;
        let server = Self {
            child,
            port,
            startup: Duration::ZERO,
            dir,
        };
        match first {
            Ok(Ok(Some(line))) if line.starts_with("listening ") => {}
            other => panic!(
                "the llama server did not report `listening` within {START_LIMIT:?} ({other:?}); log:\n{}",
                server.log()
            ),
        }
        let health = format!("{}/health", server.root_url());
        crate::wait_for("the llama server's /health", START_LIMIT, || {
            let health = health.clone();
            async move {
                reqwest::get(&health)
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(|_| ())
            }
        })
        .await;
        Self {
            startup: began.elapsed(),
            ..server
        }
    }

    /// `http://127.0.0.1:<port>` (where `/props` and `/health` are).
    pub fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>/v1`, for `llm.base_url`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.root_url())
    }

    /// The server's output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("llama.log")).unwrap_or_default()
    }

    /// SIGKILL and reap it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
