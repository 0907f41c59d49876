//! `GET /api/providers/{id}/diagnostic`: why a provider is in its state.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::probe::Resolution;
use super::snapshot::{Providers, state_of};
use boo_shared::providers::{ProviderDiagnostic, ProviderState};

impl Providers {
    /// The diagnostic of provider `id` (`None`: no such provider). Resolves the
    /// command again now, so an install since the last probe shows up.
    pub async fn diagnostic(&self, id: &str) -> Option<ProviderDiagnostic> {
        let def = self.definition(id)?;
        let resolution = self.resolve_now(&def).await;
        let host = crate::sandbox::check(self.sandbox()).await;
        let sandbox_binds = match (&resolution.path, host.enabled) {
            (Some(program), true) => {
                let (sandbox, program) = (self.sandbox().clone(), program.clone());
                let (provider, dir) = (def.id.clone(), self.inner.opts.probe_dir.clone());
                tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir)?;
                    sandbox.plan(&crate::sandbox::Confine {
                        provider: &provider,
                        worktree: &dir,
                        home_key: "probe",
                        program: &program,
                    })
                })
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_or_else(
                    |e| vec![format!("cannot plan the sandbox: {e}")],
                    |p| p.describe(),
                )
            }
            _ => Vec::new(),
        };
        let ttl = chrono::Duration::from_std(self.inner.opts.ttl).ok();
        let st = self.inner.lock();
        let cached = st.cached_for(&def).cloned();
        let report = st
            .reports
            .get(id)
            .filter(|r| {
                cached
                    .as_ref()
                    .is_some_and(|c| c.probed_at == Some(r.finished_at))
            })
            .cloned();
        let running_since = st.inflight.get(id).copied();
        drop(st);

        let state = state_of(&def, cached.as_ref());
        let probed_at = cached.as_ref().and_then(|c| c.probed_at);
        let probe_error = cached.as_ref().and_then(|c| c.error.clone());
        let summary = match state {
            ProviderState::Disabled => {
                "disabled in the providers file (`enabled = false`); not probed".to_owned()
            }
            ProviderState::Loading if running_since.is_some() => {
                "not probed yet; a probe is running".to_owned()
            }
            ProviderState::Loading => "not probed yet".to_owned(),
            ProviderState::Ready => format!(
                "ready: `{}` answered ACP initialize and session/new",
                def.command_line()
            ),
            ProviderState::Unavailable | ProviderState::Error => probe_error
                .clone()
                .unwrap_or_else(|| "the last probe failed".to_owned()),
        };
        let version_check = report.as_ref().and_then(|r| r.version_check.clone());
        let mut diag = ProviderDiagnostic {
            id: def.id.clone(),
            state,
            enabled: def.enabled,
            probing: running_since.is_some(),
            summary,
            command_line: def.command_line(),
            resolved_command: resolution.path.as_ref().map(|p| p.display().to_string()),
            path_searched: resolution
                .searched
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            env_keys: def.env_keys(),
            version: cached.as_ref().and_then(|c| c.version.clone()),
            version_exit: version_check.as_ref().map(|v| v.exit.clone()),
            exit_status: cached.as_ref().and_then(|c| c.exit_status.clone()),
            stderr_tail: cached
                .as_ref()
                .and_then(|c| c.stderr_tail.clone())
                .or_else(|| version_check.as_ref().map(|v| v.stderr_tail.clone()))
                .filter(|t| !t.trim().is_empty()),
            probe_error,
            probe_started_at: running_since.or(report.as_ref().map(|r| r.started_at)),
            probed_at,
            probe_ms: cached.as_ref().and_then(|c| c.probe_ms),
            stale_after: probed_at
                .zip(ttl)
                .and_then(|(at, ttl)| at.checked_add_signed(ttl)),
            sandbox: host.summary(),
            sandbox_binds,
            report: String::new(),
        };
        diag.report = render(&diag, &resolution);
        Some(diag)
    }
}

fn render(d: &ProviderDiagnostic, resolution: &Resolution) -> String {
    let mut out = String::new();
    let state = serde_json::to_value(d.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "provider: {} ({state}{})",
        d.id,
        if d.probing { ", probing" } else { "" }
    );
    let _ = writeln!(out, "summary: {}", d.summary);
    let _ = writeln!(out, "command: {}", d.command_line);
    let _ = match (&d.resolved_command, &resolution.problem) {
        (Some(path), _) => writeln!(out, "resolved: {path}"),
        (None, Some(problem)) => writeln!(out, "resolved: no ({problem})"),
        (None, None) => writeln!(out, "resolved: no"),
    };
    if !d.path_searched.is_empty() {
        let _ = writeln!(out, "searched: {}", d.path_searched.join(":"));
    }
    if !d.env_keys.is_empty() {
        let _ = writeln!(out, "env: {} (values hidden)", d.env_keys.join(", "));
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let _ = writeln!(
        out,
        "version: {} (--version: {})",
        opt(&d.version),
        opt(&d.version_exit)
    );
    if let Some(status) = &d.exit_status {
        let _ = writeln!(out, "exit status: {status}");
    }
    if let Some(error) = &d.probe_error {
        let _ = writeln!(out, "probe error: {error}");
    }
    let ts = |t: &Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    let _ = writeln!(out, "probe started: {}", ts(&d.probe_started_at));
    let _ = writeln!(
        out,
        "probed at: {} ({} ms), stale after: {}",
        ts(&d.probed_at),
        d.probe_ms
            .map_or_else(|| "-".to_owned(), |ms| ms.to_string()),
        ts(&d.stale_after)
    );
    if let Some(tail) = &d.stderr_tail {
        let _ = writeln!(out, "stderr (tail):\n{}", tail.trim_end());
    }
    let _ = writeln!(out, "sandbox: {}", d.sandbox);
    for bind in &d.sandbox_binds {
        let _ = writeln!(out, "  {bind}");
    }
    out
}
