//! One probe of one provider: resolve the binary, run `--version`, then the ACP
//! step (`initialize` + `session/new`) through an [`AcpProber`].

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{AcpProber, ProbeFacts, ProviderDef};
use crate::process::{self, Spec};
use crate::sandbox::{self, Confine, Plan, Sandbox};

/// Where a provider's command resolves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The executable, absolute.
    pub path: Option<PathBuf>,
    /// Directories searched, in order (empty for an absolute command).
    pub searched: Vec<PathBuf>,
    /// Why it did not resolve, when it did not.
    pub problem: Option<String>,
}

/// The `PATH` used for `def`: its own `env.PATH` if it sets one, else `path`, else
/// boocoder's own.
pub fn effective_path(def: &ProviderDef, path: Option<&OsStr>) -> Option<OsString> {
    def.env
        .get("PATH")
        .map(OsString::from)
        .or_else(|| path.map(OsStr::to_os_string))
        .or_else(|| std::env::var_os("PATH"))
}

/// Resolve `def.command`: an absolute path as is, a bare name in `def.search_dirs`
/// then each absolute `PATH` entry. Blocking (stat calls); small.
pub fn resolve(def: &ProviderDef, path: Option<&OsStr>) -> Resolution {
    let command = Path::new(&def.command);
    if command.is_absolute() {
        return match check_executable(command) {
            Ok(()) => Resolution {
                path: Some(command.to_path_buf()),
                ..Resolution::default()
            },
            Err(why) => Resolution {
                problem: Some(format!("{}: {why}", command.display())),
                ..Resolution::default()
            },
        };
    }
    let path = effective_path(def, path).unwrap_or_default();
    let searched: Vec<PathBuf> = def
        .search_dirs
        .iter()
        .cloned()
        .chain(std::env::split_paths(&path).filter(|p| p.is_absolute()))
        .collect();
    let found = searched
        .iter()
        .map(|dir| dir.join(command))
        .find(|candidate| check_executable(candidate).is_ok());
    let problem = found.is_none().then(|| {
        let dirs: Vec<String> = searched.iter().map(|d| d.display().to_string()).collect();
        format!(
            "`{}` not found in {}",
            def.command,
            if dirs.is_empty() {
                "an empty PATH".to_owned()
            } else {
                dirs.join(":")
            }
        )
    });
    Resolution {
        path: found,
        searched,
        problem,
    }
}

fn check_executable(path: &Path) -> Result<(), &'static str> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err("not a regular file"),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => Err("not executable"),
        Ok(_) => Ok(()),
        Err(_) => Err("does not exist"),
    }
}

/// Limits and places for probes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeLimits {
    pub version_timeout: Duration,
    pub acp_timeout: Duration,
    /// Working directory of probe processes and of the probe's ACP session
    /// (created if missing).
    pub probe_dir: PathBuf,
    /// `PATH` to search; `None` = boocoder's own.
    pub path: Option<OsString>,
    /// Probes run confined like agents (HOME key `probe`).
    pub sandbox: Sandbox,
}

/// How a probe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ready,
    /// The binary is missing.
    Unavailable,
    /// The binary is there but did not work.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionCheck {
    /// `exit status: 0`, or what went wrong running it.
    pub exit: String,
    pub version: Option<String>,
    pub stderr_tail: String,
}

/// Everything one probe saw; kept for the diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeReport {
    pub outcome: Outcome,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub command_line: String,
    pub resolution: Resolution,
    pub version_check: Option<VersionCheck>,
    /// `--version` output, else the agent's own `agentInfo.version`.
    pub version: Option<String>,
    pub facts: Option<ProbeFacts>,
    /// Human-readable reason for `Unavailable`/`Error`.
    pub error: Option<String>,
    /// Exit status of the failing step's process, if it exited.
    pub exit_status: Option<String>,
    pub stderr_tail: Option<String>,
}

/// How to launch `def`: its spec (inside the sandbox when the policy is on) and,
/// when sandboxed, the plan its terminals reuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub spec: Spec,
    pub plan: Option<Plan>,
    /// The `PATH` the agent got (its terminals get the same).
    pub path: Option<OsString>,
    /// Its private HOME.
    pub home: PathBuf,
    /// `program args…` as configured, without the sandbox around it.
    pub command_line: String,
}

/// Launch `def` from `program` (its resolved path) in `cwd` with `args`: a clean
/// environment ([`sandbox::agent_env`]: `PATH`, the private HOME for `home_key`,
/// locale, the provider's env), wrapped in bwrap when `sandbox` is on. Blocking
/// (creates the HOME, reads the worktree's `.git` file).
pub fn launch(
    def: &ProviderDef,
    program: &Path,
    cwd: &Path,
    args: &[String],
    path: Option<&OsStr>,
    sandbox: &Sandbox,
    home_key: &str,
) -> std::io::Result<Launch> {
    let path = effective_path(def, path);
    let declared: Vec<(OsString, OsString)> = def
        .env
        .iter()
        .filter(|(k, _)| *k != "PATH")
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let plan = if sandbox.is_on() {
        Some(sandbox.plan(&Confine {
            provider: &def.id,
            worktree: cwd,
            home_key,
            program,
        })?)
    } else {
        None
    };
    let home = match &plan {
        Some(plan) => plan.home.clone(),
        None => sandbox.ensure_home(&def.id, home_key)?,
    };
    let spec = Spec {
        env: sandbox::agent_env(path.as_deref(), &home, &declared),
        clear_env: true,
        ..Spec::new(program, cwd).args(args)
    };
    let command_line = spec.command_line();
    let spec = match &plan {
        Some(plan) => plan.wrap(spec),
        None => spec,
    };
    Ok(Launch {
        spec,
        plan,
        path,
        home,
        command_line,
    })
}

/// Probe `def` (enabled or not: the caller decides).
pub async fn run(def: &ProviderDef, limits: &ProbeLimits, prober: &dyn AcpProber) -> ProbeReport {
    let started_at = Utc::now();
    let clock = Instant::now();
    let path = limits.path.clone();
    let resolve_def = def.clone();
    let resolution = tokio::task::spawn_blocking(move || resolve(&resolve_def, path.as_deref()))
        .await
        .unwrap_or_else(|e| Resolution {
            problem: Some(format!("resolving the command failed: {e}")),
            ..Resolution::default()
        });
    let mut report = ProbeReport {
        outcome: Outcome::Unavailable,
        started_at,
        finished_at: started_at,
        duration_ms: 0,
        command_line: def.command_line(),
        error: resolution.problem.clone(),
        resolution,
        version_check: None,
        version: None,
        facts: None,
        exit_status: None,
        stderr_tail: None,
    };
    if let Some(program) = report.resolution.path.clone() {
        probe_resolved(def, &program, limits, prober, &mut report).await;
    }
    report.finished_at = Utc::now();
    report.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

async fn probe_resolved(
    def: &ProviderDef,
    program: &Path,
    limits: &ProbeLimits,
    prober: &dyn AcpProber,
    report: &mut ProbeReport,
) {
    report.outcome = Outcome::Error;
    if let Err(e) = tokio::fs::create_dir_all(&limits.probe_dir).await {
        report.error = Some(format!(
            "cannot create probe dir {}: {e}",
            limits.probe_dir.display()
        ));
        return;
    }
    let cwd = limits.probe_dir.as_path();
    let launch = |args: &[String]| {
        let (def, program, cwd) = (def.clone(), program.to_path_buf(), cwd.to_path_buf());
        let (args, path, sandbox) = (args.to_vec(), limits.path.clone(), limits.sandbox.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                launch(
                    &def,
                    &program,
                    &cwd,
                    &args,
                    path.as_deref(),
                    &sandbox,
                    "probe",
                )
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r)
        }
    };
    let (version_spec, base) = match (
        launch(&["--version".to_owned()]).await,
        launch(&def.args).await,
    ) {
        (Ok(version), Ok(base)) => (version.spec, base.spec),
        (Err(e), _) | (_, Err(e)) => {
            report.error = Some(format!("cannot prepare the agent's sandbox: {e}"));
            return;
        }
    };
    let check = match process::run_output(&version_spec, limits.version_timeout).await {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let version = out
                .status
                .success()
                .then(|| first_line(&stdout).or_else(|| first_line(&stderr)))
                .flatten();
            VersionCheck {
                exit: out.status.to_string(),
                version,
                stderr_tail: stderr.into_owned(),
            }
        }
        Err(e) => VersionCheck {
            stderr_tail: match &e {
                process::ProcessError::Timeout { stderr_tail, .. } => stderr_tail.clone(),
                _ => String::new(),
            },
            exit: e.to_string(),
            version: None,
        },
    };
    report.version = check.version.clone();
    let version_failed = check.version.is_none();
    report.version_check = Some(check);

    if def.transport != super::Transport::Acp {
        // No ACP handshake to try: the opencode server starts with its first
        // turn, a PTY CLI runs per turn. The binary answering `--version` is
        // what can be known now.
        match &report.version_check {
            Some(check) if check.version.is_some() => report.outcome = Outcome::Ready,
            Some(check) => {
                report.error = Some(format!("`--version` failed: {}", check.exit));
                report.stderr_tail =
                    Some(check.stderr_tail.clone()).filter(|t| !t.trim().is_empty());
            }
            None => {}
        }
        return;
    }
    // A failed `--version` is not fatal: some ACP adapters have no such flag.
    let acp = tokio::time::timeout(limits.acp_timeout, prober.probe(&base, cwd)).await;
    match acp {
        Ok(Ok(facts)) => {
            report.outcome = Outcome::Ready;
            if report.version.is_none() {
                report.version = facts.agent_version.clone();
            }
            report.facts = Some(facts);
        }
        Ok(Err(failure)) => {
            report.error = Some(format!("ACP handshake failed: {}", failure.message));
            report.exit_status = failure.exit_status;
            report.stderr_tail = Some(failure.stderr_tail).filter(|t| !t.trim().is_empty());
        }
        Err(_) => {
            report.error = Some(format!(
                "ACP handshake timed out after {}s",
                limits.acp_timeout.as_secs_f32()
            ));
        }
    }
    if report.outcome == Outcome::Error
        && version_failed
        && let Some(check) = &report.version_check
    {
        let error = report.error.take().unwrap_or_default();
        report.error = Some(format!("{error}; `--version` also failed: {}", check.exit));
        if report.stderr_tail.is_none() && !check.stderr_tail.trim().is_empty() {
            report.stderr_tail = Some(check.stderr_tail.clone());
        }
    }
}

/// First non-empty line, trimmed, at most 200 characters.
fn first_line(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(200).collect())
}
