use std::path::PathBuf;
use std::time::Duration;

use pretty_assertions::assert_eq;

use super::*;
use crate::providers::probe::{self, Outcome, ProbeLimits, ProbeReport, Resolution, VersionCheck};

fn timeless(mut r: ProbeReport) -> ProbeReport {
    r.started_at = chrono::DateTime::UNIX_EPOCH;
    r.finished_at = chrono::DateTime::UNIX_EPOCH;
    r.duration_ms = 0;
    r
}

#[tokio::test]
async fn a_probe_learns_version_facts_and_the_binary() {
    let sb = Sandbox::new();
    let def = custom("fake", "fakeagent", &[("FAKE_NAME", "Fake")]);
    let report = probe::run(&def, &sb.limits(), &ScriptProber::default()).await;
    assert_eq!(
        timeless(report),
        ProbeReport {
            outcome: Outcome::Ready,
            started_at: chrono::DateTime::UNIX_EPOCH,
            finished_at: chrono::DateTime::UNIX_EPOCH,
            duration_ms: 0,
            command_line: "fakeagent acp".into(),
            resolution: Resolution {
                path: Some(sb.bin().join("fakeagent")),
                searched: vec![sb.bin()],
                problem: None,
            },
            version_check: Some(VersionCheck {
                exit: "exit status: 0".into(),
                version: Some("fakeagent 1.2.3".into()),
                stderr_tail: String::new(),
            }),
            version: Some("fakeagent 1.2.3".into()),
            facts: Some(expected_facts("Fake")),
            error: None,
            exit_status: None,
            stderr_tail: None,
        }
    );
}

#[tokio::test]
async fn failed_probes_say_why() {
    let sb = Sandbox::new();
    let prober = ScriptProber::default();
    let summary = |r: ProbeReport| (r.outcome, r.version, r.error, r.exit_status, r.stderr_tail);
    let bin = sb.bin().display().to_string();

    let missing = probe::run(&custom("m", "not-installed", &[]), &sb.limits(), &prober).await;
    let not_exec = probe::run(&custom("n", "not-executable", &[]), &sb.limits(), &prober).await;
    let absolute = format!("{bin}/not-executable");
    let not_exec_abs = probe::run(&custom("n", &absolute, &[]), &sb.limits(), &prober).await;
    let acp_fails = probe::run(
        &custom("b", "fakeagent", &[("FAKE_FAIL", "1")]),
        &sb.limits(),
        &prober,
    )
    .await;
    let both_fail = probe::run(
        &custom(
            "b",
            "fakeagent",
            &[("FAKE_FAIL", "1"), ("FAKE_NO_VERSION", "1")],
        ),
        &sb.limits(),
        &prober,
    )
    .await;
    let no_version = probe::run(
        &custom("v", "fakeagent", &[("FAKE_NO_VERSION", "1")]),
        &sb.limits(),
        &prober,
    )
    .await;
    let limits = ProbeLimits {
        acp_timeout: Duration::from_millis(200),
        ..sb.limits()
    };
    let hangs = probe::run(&custom("h", "fakeagent", &[]), &limits, &HangingProber).await;

    assert_eq!(
        [
            missing,
            not_exec,
            not_exec_abs,
            acp_fails,
            both_fail,
            no_version,
            hangs
        ]
        .map(summary),
        [
            (
                Outcome::Unavailable,
                None,
                Some(format!("`not-installed` not found in {bin}")),
                None,
                None
            ),
            (
                Outcome::Unavailable,
                None,
                Some(format!("`not-executable` not found in {bin}")),
                None,
                None
            ),
            (
                Outcome::Unavailable,
                None,
                Some(format!("{absolute}: not executable")),
                None,
                None
            ),
            (
                Outcome::Error,
                Some("fakeagent 1.2.3".into()),
                Some("ACP handshake failed: the agent exited during initialize".into()),
                Some("exit status: 3".into()),
                Some("fatal: cannot reach the model server\n".into()),
            ),
            (
                Outcome::Error,
                None,
                Some(
                    "ACP handshake failed: the agent exited during initialize; \
                     `--version` also failed: exit status: 2"
                        .into()
                ),
                Some("exit status: 3".into()),
                Some("fatal: cannot reach the model server\n".into()),
            ),
            // No `--version`, but ACP works: ready, with the agent's own version.
            (Outcome::Ready, Some("0.9.0".into()), None, None, None),
            (
                Outcome::Error,
                Some("fakeagent 1.2.3".into()),
                Some("ACP handshake timed out after 0.2s".into()),
                None,
                None
            ),
        ]
    );
}

#[test]
fn search_dirs_come_before_path_and_provider_path_wins() {
    let sb = Sandbox::new();
    let extra = sb.dir.path().join("extra");
    std::fs::create_dir(&extra).unwrap();
    std::fs::copy(sb.bin().join("fakeagent"), extra.join("fakeagent")).unwrap();
    let def = ProviderDef {
        search_dirs: vec![extra.clone()],
        ..custom("x", "fakeagent", &[])
    };
    let path = std::env::join_paths(["relative/ignored".into(), sb.bin()]).unwrap();
    assert_eq!(
        probe::resolve(&def, Some(&path)),
        Resolution {
            path: Some(extra.join("fakeagent")),
            searched: vec![extra.clone(), sb.bin()],
            problem: None
        }
    );
    let own_path = custom("x", "fakeagent", &[("PATH", "/nonexistent-dir")]);
    assert_eq!(
        probe::resolve(&own_path, Some(&path)),
        Resolution {
            path: None,
            searched: vec![PathBuf::from("/nonexistent-dir")],
            problem: Some("`fakeagent` not found in /nonexistent-dir".into()),
        }
    );
}

#[tokio::test]
async fn servers_and_pty_clis_are_ready_when_their_binary_answers_version() {
    let sb = Sandbox::new();
    let prober = ScriptProber::default();
    let summary = |r: ProbeReport| (r.outcome, r.version, r.facts, r.error);
    for transport in [Transport::OpencodeServer, Transport::Pty] {
        let def = ProviderDef {
            transport,
            ..custom("cli", "fakeagent", &[])
        };
        assert_eq!(
            summary(probe::run(&def, &sb.limits(), &prober).await),
            (Outcome::Ready, Some("fakeagent 1.2.3".into()), None, None),
            "{transport:?}"
        );
        let missing = ProviderDef {
            transport,
            ..custom("cli", "not-installed", &[])
        };
        assert_eq!(
            probe::run(&missing, &sb.limits(), &prober).await.outcome,
            Outcome::Unavailable
        );
    }
    // No ACP handshake was tried for either.
    assert_eq!(prober.calls.load(Ordering::SeqCst), 0);
}
