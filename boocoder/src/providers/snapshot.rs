//! [`Providers`]: the cached, self-refreshing view of every provider.
//!
//! `snapshot()` answers from memory at once. Providers never probed, whose
//! definition changed, or whose result is older than the TTL get a background
//! probe; while it runs they show `loading` (nothing cached) or their previous
//! result with `probing: true`. Probes run at most `concurrency` at a time, one per
//! provider. Results go to `available_agents` so a restart starts warm.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::config::Registry;
use super::probe::{self, Outcome, ProbeLimits, ProbeReport, Resolution};
use super::store::{self, AgentRow};
use super::{AcpProber, CommandInfo, ModeInfo, ModelInfo, ProviderDef, Transport};
use crate::sandbox::Sandbox;
use boo_shared::config::{SandboxConfig, SandboxMode};
use boo_shared::providers::{ProviderEntry, ProviderState, ProvidersSnapshot};

/// Probe policy. Config keys: `coder.probe_ttl_secs` → `ttl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeOptions {
    /// A result younger than this is served without probing again.
    pub ttl: Duration,
    pub version_timeout: Duration,
    /// Bound on the ACP step (spawn, `initialize`, `session/new`).
    pub acp_timeout: Duration,
    /// Working directory of probes (created when needed).
    pub probe_dir: PathBuf,
    /// `PATH` searched for bare commands; `None` = boocoder's own.
    pub path: Option<OsString>,
    /// Probes running at once.
    pub concurrency: usize,
    /// How agents (and probes) are confined. [`ProbeOptions::new`]: off, HOMEs
    /// next to the probe dir.
    pub sandbox: Sandbox,
}

impl ProbeOptions {
    pub fn new(probe_dir: impl Into<PathBuf>) -> Self {
        let probe_dir: PathBuf = probe_dir.into();
        let off = SandboxConfig {
            mode: SandboxMode::Off,
            ..SandboxConfig::default()
        };
        let root = probe_dir.parent().unwrap_or(&probe_dir).to_path_buf();
        Self {
            sandbox: Sandbox::new(&off, &root),
            ttl: Duration::from_secs(600),
            version_timeout: Duration::from_secs(10),
            acp_timeout: Duration::from_secs(30),
            probe_dir,
            path: None,
            concurrency: 2,
        }
    }

    fn limits(&self) -> ProbeLimits {
        ProbeLimits {
            version_timeout: self.version_timeout,
            acp_timeout: self.acp_timeout,
            probe_dir: self.probe_dir.clone(),
            path: self.path.clone(),
            sandbox: self.sandbox.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProvidersError {
    #[error("unknown provider `{0}`")]
    Unknown(String),
    #[error("provider `{0}` is disabled")]
    Disabled(String),
    #[error("provider `{id}` cannot be launched: {reason}")]
    Unavailable { id: String, reason: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A cached probe result.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Cached {
    pub(super) fingerprint: (Transport, String, Vec<String>),
    pub(super) outcome: Option<Outcome>,
    pub(super) install_path: Option<String>,
    pub(super) version: Option<String>,
    pub(super) modes: Vec<ModeInfo>,
    pub(super) current_mode: Option<String>,
    pub(super) models: Vec<ModelInfo>,
    pub(super) current_model: Option<String>,
    pub(super) config_options: Vec<serde_json::Value>,
    pub(super) commands: Vec<CommandInfo>,
    pub(super) error: Option<String>,
    /// Exit status of the failing step's process.
    pub(super) exit_status: Option<String>,
    pub(super) stderr_tail: Option<String>,
    pub(super) probed_at: Option<DateTime<Utc>>,
    pub(super) probe_ms: Option<u32>,
}

impl Cached {
    fn from_row(row: AgentRow) -> Self {
        let outcome = match row.probe_status.as_str() {
            "ready" => Some(Outcome::Ready),
            "missing" => Some(Outcome::Unavailable),
            "error" | "degraded" => Some(Outcome::Error),
            _ => None,
        };
        let (error, exit_status, stderr_tail) = match row.error.as_deref().map(store::split_error) {
            Some((error, exit, tail)) => (Some(error), exit, tail),
            None => (None, None, None),
        };
        // A row with a transport this build does not know never matches a def.
        let transport = Transport::parse(&row.transport);
        Self {
            fingerprint: (transport.unwrap_or(Transport::Acp), row.command, row.args),
            outcome: outcome.filter(|_| transport.is_some()),
            install_path: row.install_path,
            version: row.version,
            modes: row.modes,
            current_mode: None,
            models: row.models,
            current_model: None,
            config_options: Vec::new(),
            commands: row.commands,
            error,
            exit_status,
            stderr_tail,
            probed_at: row.probed_at,
            probe_ms: row.probe_ms.and_then(|ms| u32::try_from(ms).ok()),
        }
    }

    fn from_report(def: &ProviderDef, report: &ProbeReport) -> Self {
        let facts = report.facts.clone().unwrap_or_default();
        Self {
            fingerprint: fingerprint(def),
            outcome: Some(report.outcome),
            install_path: report
                .resolution
                .path
                .as_ref()
                .map(|p| p.display().to_string()),
            version: report.version.clone(),
            modes: facts.modes,
            current_mode: facts.current_mode,
            models: facts.models,
            current_model: facts.current_model,
            config_options: facts.config_options,
            commands: facts.commands,
            error: report.error.clone(),
            exit_status: report.exit_status.clone(),
            stderr_tail: report.stderr_tail.clone(),
            probed_at: Some(report.finished_at),
            probe_ms: Some(u32::try_from(report.duration_ms).unwrap_or(u32::MAX)),
        }
    }
}

fn fingerprint(def: &ProviderDef) -> (Transport, String, Vec<String>) {
    let (t, c, a) = def.fingerprint();
    (t, c.to_owned(), a.to_vec())
}

/// Whether `a` and `b` launch the same process (a probe of one holds for the other).
fn same_launch(a: &ProviderDef, b: &ProviderDef) -> bool {
    a.fingerprint() == b.fingerprint() && a.env == b.env && a.search_dirs == b.search_dirs
}

#[derive(Default)]
pub(super) struct State {
    pub(super) registry: Registry,
    pub(super) cache: HashMap<String, Cached>,
    /// Providers being probed, with the probe's start.
    pub(super) inflight: HashMap<String, DateTime<Utc>>,
    /// The last probe of each provider in this process (for diagnostics).
    pub(super) reports: HashMap<String, ProbeReport>,
}

impl State {
    /// The cached result for `def` if it still describes `def`.
    pub(super) fn cached_for(&self, def: &ProviderDef) -> Option<&Cached> {
        self.cache
            .get(&def.id)
            .filter(|c| c.fingerprint == fingerprint(def) && c.outcome.is_some())
    }
}

pub(super) struct Inner {
    pool: PgPool,
    prober: Arc<dyn AcpProber>,
    pub(super) opts: ProbeOptions,
    permits: Semaphore,
    state: Mutex<State>,
    /// Bumped after every finished probe.
    done: watch::Sender<u64>,
    runtime: tokio::runtime::Handle,
}

impl Inner {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data behind: every
        // critical section is a handful of map operations.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The provider service. Cheap to clone.
#[derive(Clone)]
pub struct Providers {
    pub(super) inner: Arc<Inner>,
}

impl Providers {
    /// Sync the table with `registry` and load the cached results. Must run inside
    /// a tokio runtime (background probes are spawned on it).
    pub async fn start(
        pool: PgPool,
        mut registry: Registry,
        prober: Arc<dyn AcpProber>,
        opts: ProbeOptions,
    ) -> Result<Self, ProvidersError> {
        for e in &registry.errors {
            tracing::warn!(error = %e, "providers file: entry skipped");
        }
        store::apply_overrides(&pool, &mut registry).await?;
        store::sync_definitions(&pool, &registry.defs).await?;
        let cache = store::list(&pool)
            .await?
            .into_iter()
            .map(|row| (row.name.clone(), Cached::from_row(row)))
            .collect();
        let permits = Semaphore::new(opts.concurrency.max(1));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                prober,
                opts,
                permits,
                state: Mutex::new(State {
                    registry,
                    cache,
                    ..State::default()
                }),
                done: watch::channel(0).0,
                runtime: tokio::runtime::Handle::current(),
            }),
        })
    }

    /// Replace the registry (the providers file changed). Results of providers whose
    /// launch changed (command, args, env, transport) are dropped. The owner's
    /// enable/disable choices apply over the file's.
    pub async fn reload(&self, mut registry: Registry) -> Result<(), ProvidersError> {
        for e in &registry.errors {
            tracing::warn!(error = %e, "providers file: entry skipped");
        }
        store::apply_overrides(&self.inner.pool, &mut registry).await?;
        store::sync_definitions(&self.inner.pool, &registry.defs).await?;
        let mut st = self.inner.lock();
        for def in &registry.defs {
            let changed = st
                .registry
                .get(&def.id)
                .is_none_or(|old| !same_launch(old, def));
            if changed {
                st.cache.remove(&def.id);
            }
        }
        st.registry = registry;
        Ok(())
    }

    /// Enable or disable provider `id` for good (kept in `provider_overrides`,
    /// over the providers file). `Ok(false)`: no such provider.
    pub async fn set_enabled(&self, id: &str, enabled: bool) -> Result<bool, ProvidersError> {
        let registry = self.registry();
        if registry.get(id).is_none() {
            return Ok(false);
        }
        store::set_override(&self.inner.pool, id, enabled).await?;
        self.reload(registry).await?;
        Ok(true)
    }

    pub fn registry(&self) -> Registry {
        self.inner.lock().registry.clone()
    }

    pub fn definition(&self, id: &str) -> Option<ProviderDef> {
        self.inner.lock().registry.get(id).cloned()
    }

    /// Every provider as known now; never waits for a probe. Starts background
    /// probes for enabled providers without a fresh result.
    pub fn snapshot(&self) -> ProvidersSnapshot {
        let now = Utc::now();
        let ttl = chrono::Duration::from_std(self.inner.opts.ttl).unwrap_or(chrono::Duration::MAX);
        let mut start = Vec::new();
        let snapshot = {
            let mut st = self.inner.lock();
            let mut providers = Vec::with_capacity(st.registry.defs.len());
            for def in &st.registry.defs {
                let cached = st.cached_for(def);
                let fresh = cached
                    .and_then(|c| c.probed_at)
                    .is_some_and(|at| at.checked_add_signed(ttl).is_none_or(|until| until > now));
                let mut probing = st.inflight.contains_key(&def.id);
                if def.enabled && !fresh && !probing {
                    start.push(def.id.clone());
                    probing = true;
                }
                providers.push(entry(def, cached, probing, cached.is_some() && !fresh));
            }
            for id in &start {
                st.inflight.insert(id.clone(), now);
            }
            ProvidersSnapshot {
                providers,
                config: st.registry.status(),
                generated_at: now,
            }
        };
        for id in start {
            drop(self.spawn_marked(id));
        }
        snapshot
    }

    /// Probe `ids` (all enabled providers when `None`) again, ignoring the TTL, and
    /// wait for them. Disabled and unknown ids are skipped.
    pub async fn refresh(&self, ids: Option<&[String]>) -> ProvidersSnapshot {
        for handle in self.start_refresh(ids) {
            let _ = handle.await;
        }
        self.snapshot()
    }

    /// [`Self::refresh`] without waiting: the snapshot shows them `probing`.
    pub fn refresh_in_background(&self, ids: Option<&[String]>) -> ProvidersSnapshot {
        drop(self.start_refresh(ids));
        self.snapshot()
    }

    /// Wait until no probe is running.
    pub async fn wait_idle(&self) {
        loop {
            let mut done = self.inner.done.subscribe();
            if self.inner.lock().inflight.is_empty() {
                return;
            }
            let _ = done.changed().await;
        }
    }

    /// How to launch provider `id` in `cwd` now (enabled, command resolved), for
    /// session `home_key` (its private HOME; see [`crate::sandbox`]).
    pub async fn launch(
        &self,
        id: &str,
        cwd: &Path,
        home_key: &str,
    ) -> Result<probe::Launch, ProvidersError> {
        self.launch_with(id, cwd, home_key, None).await
    }

    /// [`Self::launch`] with `args` instead of the provider's own (a PTY CLI's
    /// argv rendered for one turn, the opencode server's `serve …`).
    pub async fn launch_with(
        &self,
        id: &str,
        cwd: &Path,
        home_key: &str,
        args: Option<Vec<String>>,
    ) -> Result<probe::Launch, ProvidersError> {
        let def = self
            .definition(id)
            .ok_or_else(|| ProvidersError::Unknown(id.to_owned()))?;
        if !def.enabled {
            return Err(ProvidersError::Disabled(def.id));
        }
        let resolution = self.resolve_now(&def).await;
        let Some(program) = resolution.path else {
            return Err(ProvidersError::Unavailable {
                id: def.id,
                reason: resolution.problem.unwrap_or_default(),
            });
        };
        let (cwd, home_key) = (cwd.to_path_buf(), home_key.to_owned());
        let (path, sandbox) = (
            self.inner.opts.path.clone(),
            self.inner.opts.sandbox.clone(),
        );
        let id = def.id.clone();
        let args = args.unwrap_or_else(|| def.args.clone());
        tokio::task::spawn_blocking(move || {
            probe::launch(
                &def,
                &program,
                &cwd,
                &args,
                path.as_deref(),
                &sandbox,
                &home_key,
            )
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r)
        .map_err(|e| ProvidersError::Unavailable {
            id,
            reason: format!("cannot prepare the agent's sandbox: {e}"),
        })
    }

    /// The sandbox policy agents are launched under.
    pub fn sandbox(&self) -> &Sandbox {
        &self.inner.opts.sandbox
    }

    pub(super) async fn resolve_now(&self, def: &ProviderDef) -> Resolution {
        let def = def.clone();
        let path = self.inner.opts.path.clone();
        tokio::task::spawn_blocking(move || probe::resolve(&def, path.as_deref()))
            .await
            .unwrap_or_else(|e| Resolution {
                problem: Some(format!("resolving the command failed: {e}")),
                ..Resolution::default()
            })
    }

    fn start_refresh(&self, ids: Option<&[String]>) -> Vec<JoinHandle<()>> {
        let selected: Vec<String> = {
            let st = self.inner.lock();
            st.registry
                .defs
                .iter()
                .filter(|d| d.enabled && ids.is_none_or(|ids| ids.contains(&d.id)))
                .map(|d| d.id.clone())
                .collect()
        };
        selected
            .into_iter()
            .map(|id| self.start_forced(id))
            .collect()
    }

    /// Probe `id` now, or right after the probe already running for it.
    fn start_forced(&self, id: String) -> JoinHandle<()> {
        {
            let mut st = self.inner.lock();
            if !st.inflight.contains_key(&id) {
                st.inflight.insert(id.clone(), Utc::now());
                drop(st);
                return self.spawn_marked(id);
            }
        }
        let this = self.clone();
        self.inner.runtime.spawn(async move {
            loop {
                let mut done = this.inner.done.subscribe();
                {
                    let mut st = this.inner.lock();
                    if !st.inflight.contains_key(&id) {
                        st.inflight.insert(id.clone(), Utc::now());
                        break;
                    }
                }
                let _ = done.changed().await;
            }
            this.probe_marked(id).await;
        })
    }

    /// Run the probe of `id`, already marked in flight.
    fn spawn_marked(&self, id: String) -> JoinHandle<()> {
        let this = self.clone();
        self.inner
            .runtime
            .spawn(async move { this.probe_marked(id).await })
    }

    async fn probe_marked(&self, id: String) {
        let guard = InflightGuard {
            inner: &self.inner,
            id: &id,
        };
        let Ok(_permit) = self.inner.permits.acquire().await else {
            return;
        };
        let Some(def) = self.definition(&id) else {
            return;
        };
        let report = probe::run(&def, &self.inner.opts.limits(), self.inner.prober.as_ref()).await;
        tracing::info!(
            provider = %id,
            outcome = ?report.outcome,
            ms = report.duration_ms,
            error = report.error.as_deref().unwrap_or(""),
            "provider probed"
        );
        // A definition that changed meanwhile gets its own probe; drop this result.
        let current = self.definition(&id).is_some_and(|d| same_launch(&d, &def));
        if current && let Err(e) = store::save_probe(&self.inner.pool, &def, &report).await {
            tracing::warn!(provider = %id, error = %e, "saving the probe result failed");
        }
        let mut st = self.inner.lock();
        if current {
            st.cache
                .insert(id.clone(), Cached::from_report(&def, &report));
        }
        st.reports.insert(id.clone(), report);
        drop(st);
        drop(guard);
    }
}

/// Clears the in-flight mark (even on cancellation) and wakes waiters.
struct InflightGuard<'a> {
    inner: &'a Inner,
    id: &'a str,
}

impl Drop for InflightGuard<'_> {
    fn drop(&mut self) {
        self.inner.lock().inflight.remove(self.id);
        self.inner.done.send_modify(|n| *n = n.wrapping_add(1));
    }
}

pub(super) fn state_of(def: &ProviderDef, cached: Option<&Cached>) -> ProviderState {
    if !def.enabled {
        return ProviderState::Disabled;
    }
    match cached.and_then(|c| c.outcome) {
        None => ProviderState::Loading,
        Some(Outcome::Ready) => ProviderState::Ready,
        Some(Outcome::Unavailable) => ProviderState::Unavailable,
        Some(Outcome::Error) => ProviderState::Error,
    }
}

fn entry(def: &ProviderDef, cached: Option<&Cached>, probing: bool, stale: bool) -> ProviderEntry {
    let c = cached.cloned();
    ProviderEntry {
        id: def.id.clone(),
        display_name: def.display_name.clone(),
        kind: def.kind,
        transport: def.transport,
        enabled: def.enabled,
        state: state_of(def, cached),
        probing,
        stale,
        command: def.command.clone(),
        args: def.args.clone(),
        env_keys: def.env_keys(),
        install_path: c.as_ref().and_then(|c| c.install_path.clone()),
        version: c.as_ref().and_then(|c| c.version.clone()),
        modes: c.as_ref().map(|c| c.modes.clone()).unwrap_or_default(),
        current_mode: c.as_ref().and_then(|c| c.current_mode.clone()),
        models: def
            .models
            .clone()
            .or_else(|| c.as_ref().map(|c| c.models.clone()))
            .unwrap_or_default(),
        current_model: c.as_ref().and_then(|c| c.current_model.clone()),
        config_options: c
            .as_ref()
            .map(|c| c.config_options.clone())
            .unwrap_or_default(),
        commands: c.as_ref().map(|c| c.commands.clone()).unwrap_or_default(),
        error: c.as_ref().and_then(|c| c.error.clone()),
        probed_at: c.as_ref().and_then(|c| c.probed_at),
        probe_ms: c.as_ref().and_then(|c| c.probe_ms),
    }
}
