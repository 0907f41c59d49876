//! Probes against real processes (sh scripts on a private PATH) and the snapshot
//! service against real Postgres.

mod probe;
mod snapshot;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pretty_assertions::assert_eq;
use tokio::sync::Semaphore;

use super::probe::ProbeLimits;
use super::*;
use crate::process;

pub(super) const FAKE_AGENT: &str = r#"#!/bin/sh
if [ "$1" = "--version" ]; then
  if [ -n "$FAKE_NO_VERSION" ]; then echo "unknown option --version" >&2; exit 2; fi
  echo "fakeagent 1.2.3"; exit 0
fi
if [ "$1" != "acp" ]; then echo "usage: fakeagent acp" >&2; exit 64; fi
if [ -n "$FAKE_FAIL" ]; then echo "fatal: cannot reach the model server" >&2; exit 3; fi
printf '{"agent_name": "%s", "agent_version": "0.9.0", "protocol_version": 1,
 "modes": [{"id": "code", "name": "Code"}, {"id": "plan", "name": "Plan", "description": "read-only"}],
 "current_mode": "code", "models": [{"id": "m1", "name": "Model 1"}], "current_model": "m1",
 "config_options": [{"id": "mode", "type": "select"}],
 "commands": [{"name": "init", "description": "Create AGENTS.md"}]}\n' "${FAKE_NAME:-fake}"
"#;

pub(super) fn expected_facts(name: &str) -> ProbeFacts {
    ProbeFacts {
        agent_name: Some(name.into()),
        agent_version: Some("0.9.0".into()),
        protocol_version: Some(1),
        modes: vec![
            ModeInfo {
                id: "code".into(),
                name: "Code".into(),
                description: None,
            },
            ModeInfo {
                id: "plan".into(),
                name: "Plan".into(),
                description: Some("read-only".into()),
            },
        ],
        current_mode: Some("code".into()),
        models: vec![ModelInfo {
            id: "m1".into(),
            name: "Model 1".into(),
            description: None,
        }],
        current_model: Some("m1".into()),
        config_options: vec![serde_json::json!({"id": "mode", "type": "select"})],
        commands: vec![CommandInfo {
            name: "init".into(),
            description: "Create AGENTS.md".into(),
            input_hint: None,
        }],
    }
}

/// A private PATH holding the fake agent, and a probe directory.
pub(super) struct Sandbox {
    pub(super) dir: tempfile::TempDir,
}

impl Sandbox {
    pub(super) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        let agent = dir.path().join("bin/fakeagent");
        std::fs::write(&agent, FAKE_AGENT).unwrap();
        std::fs::set_permissions(&agent, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("bin/not-executable");
        std::fs::write(&plain, FAKE_AGENT).unwrap();
        Self { dir }
    }

    pub(super) fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    pub(super) fn probe_dir(&self) -> PathBuf {
        self.dir.path().join("probe")
    }

    pub(super) fn limits(&self) -> ProbeLimits {
        ProbeLimits {
            version_timeout: Duration::from_secs(10),
            acp_timeout: Duration::from_secs(10),
            probe_dir: self.probe_dir(),
            path: Some(self.bin().into_os_string()),
            sandbox: ProbeOptions::new(self.probe_dir()).sandbox,
        }
    }

    pub(super) fn options(&self, ttl: Duration) -> ProbeOptions {
        ProbeOptions {
            ttl,
            path: Some(self.bin().into_os_string()),
            ..ProbeOptions::new(self.probe_dir())
        }
    }
}

pub(super) fn custom(id: &str, command: &str, env: &[(&str, &str)]) -> ProviderDef {
    ProviderDef {
        id: id.into(),
        display_name: id.to_uppercase(),
        kind: ProviderKind::Custom,
        transport: Transport::Acp,
        parser: crate::providers::PtyParser::StreamJson,
        command: command.into(),
        args: vec!["acp".into()],
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        enabled: true,
        models: None,
        search_dirs: vec![],
    }
}

/// fake (ready), broken (ACP fails), missing (no binary), off (disabled).
pub(super) fn registry() -> Registry {
    Registry::builtins_only(vec![
        custom("fake", "fakeagent", &[("FAKE_NAME", "Fake")]),
        custom("broken", "fakeagent", &[("FAKE_FAIL", "1")]),
        custom("missing", "not-installed", &[]),
        ProviderDef {
            enabled: false,
            ..custom("off", "fakeagent", &[])
        },
    ])
}

/// Runs the spec as a one-shot that prints `ProbeFacts` JSON; optionally held at
/// a gate, slowed down, and counted.
#[derive(Default)]
pub(super) struct ScriptProber {
    pub(super) calls: AtomicUsize,
    pub(super) active: AtomicUsize,
    pub(super) max_active: AtomicUsize,
    pub(super) gate: Option<Arc<Semaphore>>,
    pub(super) delay: Duration,
}

#[async_trait::async_trait]
impl AcpProber for ScriptProber {
    async fn probe(&self, spec: &process::Spec, cwd: &Path) -> Result<ProbeFacts, AcpProbeFailure> {
        assert_eq!(spec.cwd, cwd);
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(now, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        tokio::time::sleep(self.delay).await;
        let out = process::run_output(spec, Duration::from_secs(10)).await;
        self.active.fetch_sub(1, Ordering::SeqCst);
        let out = out.map_err(|e| AcpProbeFailure::from(e.to_string()))?;
        if !out.status.success() {
            return Err(AcpProbeFailure {
                message: "the agent exited during initialize".into(),
                stderr_tail: String::from_utf8_lossy(&out.stderr).into_owned(),
                exit_status: Some(out.status.to_string()),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| AcpProbeFailure::from(e.to_string()))
    }
}

/// Never answers.
pub(super) struct HangingProber;

#[async_trait::async_trait]
impl AcpProber for HangingProber {
    async fn probe(&self, _: &process::Spec, _: &Path) -> Result<ProbeFacts, AcpProbeFailure> {
        std::future::pending().await
    }
}
