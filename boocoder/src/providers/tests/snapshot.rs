use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use tokio::sync::Semaphore;

use super::*;
use crate::providers::store;

async fn migrated_pool() -> PgPool {
    let db = boo_testkit::TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    pool
}

async fn idle(providers: &Providers) {
    tokio::time::timeout(Duration::from_secs(30), providers.wait_idle())
        .await
        .expect("probes finish within 30 s");
}

fn states(snapshot: &ProvidersSnapshot) -> Vec<(String, ProviderState, bool, bool)> {
    snapshot
        .providers
        .iter()
        .map(|p| (p.id.clone(), p.state, p.probing, p.stale))
        .collect()
}

fn row(
    id: &str,
    state: ProviderState,
    probing: bool,
    stale: bool,
) -> (String, ProviderState, bool, bool) {
    (id.to_owned(), state, probing, stale)
}

#[tokio::test]
async fn the_snapshot_never_waits_for_a_slow_probe() {
    let sb = Sandbox::new();
    let gate = Arc::new(Semaphore::new(0));
    let prober = Arc::new(ScriptProber {
        gate: Some(gate.clone()),
        ..ScriptProber::default()
    });
    let pool = migrated_pool().await;
    let providers = Providers::start(
        pool,
        registry(),
        prober.clone(),
        sb.options(Duration::from_secs(600)),
    )
    .await
    .unwrap();

    let started = std::time::Instant::now();
    let cold = providers.snapshot();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    use ProviderState::*;
    assert_eq!(
        states(&cold),
        vec![
            row("fake", Loading, true, false),
            row("broken", Loading, true, false),
            row("missing", Loading, true, false),
            row("off", Disabled, false, false),
        ]
    );
    // Still answering while the probes hang at the gate.
    tokio::task::yield_now().await;
    assert_eq!(states(&providers.snapshot()), states(&cold));

    gate.add_permits(100);
    idle(&providers).await;
    let warm = providers.snapshot();
    assert_eq!(
        states(&warm),
        vec![
            row("fake", Ready, false, false),
            row("broken", Error, false, false),
            row("missing", Unavailable, false, false),
            row("off", Disabled, false, false),
        ]
    );
    assert_eq!(
        prober.calls.load(Ordering::SeqCst),
        2,
        "missing never reaches ACP"
    );

    let mut fake = warm.providers[0].clone();
    assert!(fake.probed_at.is_some_and(|t| t <= Utc::now()));
    (fake.probed_at, fake.probe_ms) = (None, None);
    let facts = expected_facts("Fake");
    assert_eq!(
        fake,
        ProviderEntry {
            id: "fake".into(),
            display_name: "FAKE".into(),
            kind: ProviderKind::Custom,
            transport: Transport::Acp,
            enabled: true,
            state: Ready,
            probing: false,
            stale: false,
            command: "fakeagent".into(),
            args: vec!["acp".into()],
            env_keys: vec!["FAKE_NAME".into()],
            install_path: Some(sb.bin().join("fakeagent").display().to_string()),
            version: Some("fakeagent 1.2.3".into()),
            modes: facts.modes,
            current_mode: facts.current_mode,
            models: facts.models,
            current_model: facts.current_model,
            config_options: facts.config_options,
            commands: facts.commands,
            error: None,
            probed_at: None,
            probe_ms: None,
        }
    );
    assert_eq!(warm.config, ConfigStatus::default());

    // Fresh results are served without probing again.
    assert_eq!(states(&providers.snapshot()), states(&warm));
    idle(&providers).await;
    assert_eq!(prober.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn results_survive_a_restart_and_expire_after_the_ttl() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let ttl = Duration::from_secs(600);
    let first = Providers::start(
        pool.clone(),
        registry(),
        Arc::new(ScriptProber::default()),
        sb.options(ttl),
    )
    .await
    .unwrap();
    first.snapshot();
    idle(&first).await;

    let rows = store::list(&pool).await.unwrap();
    let statuses: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.probe_status.as_str(), r.enabled))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("broken", "error", true),
            ("fake", "ready", true),
            ("missing", "missing", true),
            ("off", "unknown", false)
        ]
    );
    let broken = rows.iter().find(|r| r.name == "broken").unwrap();
    assert_eq!(
        broken.error.as_deref(),
        Some(
            "ACP handshake failed: the agent exited during initialize\nexit: exit status: 3\nstderr:\nfatal: cannot reach the model server\n"
        )
    );

    // A restart serves the stored results at once, without probing.
    let prober = Arc::new(ScriptProber::default());
    let second = Providers::start(pool.clone(), registry(), prober.clone(), sb.options(ttl))
        .await
        .unwrap();
    use ProviderState::*;
    let expected_warm = vec![
        row("fake", Ready, false, false),
        row("broken", Error, false, false),
        row("missing", Unavailable, false, false),
        row("off", Disabled, false, false),
    ];
    let snap = second.snapshot();
    assert_eq!(states(&snap), expected_warm);
    assert_eq!(snap.providers[0].modes, expected_facts("Fake").modes);
    let broken = second.diagnostic("broken").await.unwrap();
    assert_eq!(
        (
            broken.probe_error.as_deref(),
            broken.exit_status.as_deref(),
            broken.stderr_tail.as_deref()
        ),
        (
            Some("ACP handshake failed: the agent exited during initialize"),
            Some("exit status: 3"),
            Some("fatal: cannot reach the model server\n"),
        )
    );
    idle(&second).await;
    assert_eq!(prober.calls.load(Ordering::SeqCst), 0);

    // Older than the TTL: the cached state is served, marked stale, and re-probed.
    sqlx::query("UPDATE available_agents SET probed_at = probed_at - interval '11 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    let third = Providers::start(pool.clone(), registry(), prober.clone(), sb.options(ttl))
        .await
        .unwrap();
    assert_eq!(
        states(&third.snapshot()),
        vec![
            row("fake", Ready, true, true),
            row("broken", Error, true, true),
            row("missing", Unavailable, true, true),
            row("off", Disabled, false, false),
        ]
    );
    idle(&third).await;
    assert_eq!(states(&third.snapshot()), expected_warm);
    assert_eq!(prober.calls.load(Ordering::SeqCst), 2);

    // A zero TTL re-probes on every snapshot.
    let eager = Providers::start(pool, registry(), prober.clone(), sb.options(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(states(&eager.snapshot())[0], row("fake", Ready, true, true));
    idle(&eager).await;
    assert_eq!(prober.calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_changed_definition_is_probed_again_and_removed_ones_are_dropped() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let prober = Arc::new(ScriptProber::default());
    let providers = Providers::start(
        pool.clone(),
        registry(),
        prober.clone(),
        sb.options(Duration::from_secs(600)),
    )
    .await
    .unwrap();
    providers.snapshot();
    idle(&providers).await;

    let mut changed = registry();
    changed.defs.retain(|d| d.id != "missing");
    changed.defs[0]
        .env
        .insert("FAKE_NAME".into(), "Renamed".into());
    changed.defs[1].args = vec!["acp".into(), "--verbose".into()];
    providers.reload(changed.clone()).await.unwrap();

    let rows: Vec<(String, String)> = store::list(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.probe_status))
        .collect();
    let expected_rows = [("broken", "unknown"), ("fake", "ready"), ("off", "unknown")];
    assert_eq!(
        rows,
        expected_rows
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .to_vec()
    );

    use ProviderState::*;
    assert_eq!(
        states(&providers.snapshot()),
        vec![
            row("fake", Loading, true, false),
            row("broken", Loading, true, false),
            row("off", Disabled, false, false)
        ]
    );
    idle(&providers).await;
    let snap = providers.snapshot();
    assert_eq!(snap.providers[0].state, Ready);
    assert_eq!(prober.calls.load(Ordering::SeqCst), 4);
    assert_eq!(providers.registry(), changed);
}

#[tokio::test]
async fn refresh_reprobes_everything_two_at_a_time() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let prober = Arc::new(ScriptProber {
        delay: Duration::from_millis(100),
        ..ScriptProber::default()
    });
    let defs = (1..=5)
        .map(|i| custom(&format!("agent{i}"), "fakeagent", &[]))
        .collect();
    let providers = Providers::start(
        pool,
        Registry::builtins_only(defs),
        prober.clone(),
        sb.options(Duration::from_secs(600)),
    )
    .await
    .unwrap();

    let snap = providers.refresh(None).await;
    assert!(
        snap.providers
            .iter()
            .all(|p| p.state == ProviderState::Ready && !p.probing)
    );
    assert_eq!(prober.calls.load(Ordering::SeqCst), 5);
    assert_eq!(prober.max_active.load(Ordering::SeqCst), 2);

    // A refresh ignores the TTL; a subset probes only those.
    providers
        .refresh(Some(&["agent2".to_owned(), "nope".to_owned()]))
        .await;
    assert_eq!(prober.calls.load(Ordering::SeqCst), 6);

    let snap = providers.refresh_in_background(None);
    assert!(
        snap.providers
            .iter()
            .all(|p| p.probing && p.state == ProviderState::Ready)
    );
    idle(&providers).await;
    assert_eq!(prober.calls.load(Ordering::SeqCst), 11);
}

#[tokio::test]
async fn diagnostics_explain_each_state() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let providers = Providers::start(
        pool,
        registry(),
        Arc::new(ScriptProber::default()),
        sb.options(Duration::from_secs(600)),
    )
    .await
    .unwrap();
    let loading = providers.diagnostic("fake").await.unwrap();
    assert_eq!(
        (loading.state, loading.summary.as_str()),
        (ProviderState::Loading, "not probed yet")
    );
    providers.snapshot();
    idle(&providers).await;
    let bin = sb.bin().display().to_string();

    let mut missing = providers.diagnostic("missing").await.unwrap();
    assert!(missing.probed_at.is_some() && missing.stale_after > missing.probed_at);
    assert!(missing.report.contains("\nprobed at: "));
    (
        missing.probe_started_at,
        missing.probed_at,
        missing.probe_ms,
        missing.stale_after,
    ) = (None, None, None, None);
    let report: Vec<&str> = missing
        .report
        .lines()
        .filter(|l| !l.starts_with("probe"))
        .collect();
    assert_eq!(
        report,
        vec![
            "provider: missing (unavailable)".to_owned(),
            format!("summary: `not-installed` not found in {bin}"),
            "command: not-installed acp".to_owned(),
            format!("resolved: no (`not-installed` not found in {bin})"),
            format!("searched: {bin}"),
            "version: - (--version: -)".to_owned(),
            "sandbox: OFF (coder.sandbox.mode = \"off\"): agents run unconfined, as the daemon's user, seeing everything it sees".to_owned(),
        ]
    );
    missing.report = String::new();
    assert_eq!(
        missing,
        ProviderDiagnostic {
            id: "missing".into(),
            state: ProviderState::Unavailable,
            enabled: true,
            probing: false,
            summary: format!("`not-installed` not found in {bin}"),
            command_line: "not-installed acp".into(),
            resolved_command: None,
            path_searched: vec![bin.clone()],
            env_keys: vec![],
            version: None,
            version_exit: None,
            exit_status: None,
            stderr_tail: None,
            probe_error: Some(format!("`not-installed` not found in {bin}")),
            probe_started_at: None,
            probed_at: None,
            probe_ms: None,
            stale_after: None,
            sandbox: OFF.into(),
            sandbox_binds: vec![],
            report: String::new(),
        }
    );

    let broken = providers.diagnostic("broken").await.unwrap();
    assert_eq!(
        (
            broken.state,
            broken.summary.as_str(),
            broken.resolved_command,
            broken.version_exit.as_deref(),
            broken.exit_status.as_deref(),
            broken.stderr_tail.as_deref(),
            broken.env_keys,
        ),
        (
            ProviderState::Error,
            "ACP handshake failed: the agent exited during initialize",
            Some(format!("{bin}/fakeagent")),
            Some("exit status: 0"),
            Some("exit status: 3"),
            Some("fatal: cannot reach the model server\n"),
            vec!["FAKE_FAIL".to_owned()],
        )
    );
    assert!(
        broken.report.ends_with(&format!(
            "stderr (tail):\nfatal: cannot reach the model server\nsandbox: {OFF}\n"
        )),
        "{}",
        broken.report
    );
    assert!(
        broken.report.contains("\nenv: FAKE_FAIL (values hidden)\n"),
        "{}",
        broken.report
    );

    let off = providers.diagnostic("off").await.unwrap();
    assert_eq!(
        (off.state, off.summary.as_str()),
        (
            ProviderState::Disabled,
            "disabled in the providers file (`enabled = false`); not probed"
        )
    );
    let ready = providers.diagnostic("fake").await.unwrap();
    assert_eq!(
        ready.summary,
        "ready: `fakeagent acp` answered ACP initialize and session/new"
    );
    assert_eq!(providers.diagnostic("nope").await, None);
}

const OFF: &str = "OFF (coder.sandbox.mode = \"off\"): agents run unconfined, as the daemon's user, seeing everything it sees";

#[tokio::test]
async fn the_diagnostic_shows_what_a_sandboxed_agent_sees() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let mut options = sb.options(Duration::from_secs(600));
    let root = sb.dir.path().canonicalize().unwrap();
    options.sandbox =
        crate::sandbox::Sandbox::new(&boo_shared::config::SandboxConfig::default(), &root);
    let providers = Providers::start(pool, registry(), Arc::new(HangingProber), options)
        .await
        .unwrap();
    let diag = providers.diagnostic("fake").await.unwrap();
    assert_eq!(diag.sandbox, "bwrap works (/usr/bin/bwrap)");
    let binds: Vec<&str> = diag
        .sandbox_binds
        .iter()
        .map(String::as_str)
        .filter(|l| {
            !l.starts_with("ro /etc") && !l.starts_with("ro /usr") && !l.starts_with("link ")
        })
        .collect();
    assert_eq!(
        binds,
        [
            format!("ro {}", root.join("bin").display()).as_str(),
            format!("rw {}", root.join(".homes/fake/probe").display()).as_str(),
            format!("rw {}", root.join("probe").display()).as_str(),
            "dev /dev, proc /proc, tmpfs /tmp; everything else absent",
            "network: shared with the host",
        ]
    );
    assert!(
        diag.report
            .contains("\nsandbox: bwrap works (/usr/bin/bwrap)\n  ro /usr\n"),
        "{}",
        diag.report
    );
}

#[tokio::test]
async fn launch_specs_resolve_the_command_now() {
    let sb = Sandbox::new();
    let pool = migrated_pool().await;
    let providers = Providers::start(
        pool,
        registry(),
        Arc::new(HangingProber),
        sb.options(Duration::from_secs(600)),
    )
    .await
    .unwrap();
    let launch = providers
        .launch("fake", Path::new("/work/tree"), "sid")
        .await
        .unwrap();
    let home = sb
        .dir
        .path()
        .canonicalize()
        .unwrap()
        .join(".homes/fake/sid");
    assert!(home.is_dir());
    // The sandbox is off here (ProbeOptions::new): a clean environment all the same.
    let mut expected_env: Vec<(std::ffi::OsString, std::ffi::OsString)> = vec![
        ("PATH".into(), sb.bin().into_os_string()),
        ("HOME".into(), home.clone().into_os_string()),
        ("TMPDIR".into(), "/tmp".into()),
        ("TERM".into(), "dumb".into()),
    ];
    for name in crate::sandbox::PASSED_ENV {
        if let Some(value) = std::env::var_os(name) {
            expected_env.push((name.into(), value));
        }
    }
    if std::env::var_os("LANG").is_none() {
        expected_env.push(("LANG".into(), "C.UTF-8".into()));
    }
    expected_env.push(("FAKE_NAME".into(), "Fake".into()));
    assert_eq!(
        launch,
        crate::providers::probe::Launch {
            spec: process::Spec {
                program: sb.bin().join("fakeagent").into_os_string(),
                args: vec!["acp".into()],
                cwd: PathBuf::from("/work/tree"),
                env: expected_env,
                clear_env: true,
            },
            plan: None,
            path: Some(sb.bin().into_os_string()),
            home,
            command_line: format!("{} acp", sb.bin().join("fakeagent").display()),
        }
    );
    let errors = [
        providers
            .launch("off", Path::new("/"), "sid")
            .await
            .unwrap_err()
            .to_string(),
        providers
            .launch("missing", Path::new("/"), "sid")
            .await
            .unwrap_err()
            .to_string(),
        providers
            .launch("nope", Path::new("/"), "sid")
            .await
            .unwrap_err()
            .to_string(),
    ];
    assert_eq!(
        errors,
        [
            "provider `off` is disabled".to_owned(),
            format!(
                "provider `missing` cannot be launched: `not-installed` not found in {}",
                sb.bin().display()
            ),
            "unknown provider `nope`".to_owned(),
        ]
    );
}
