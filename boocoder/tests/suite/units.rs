//! The shipped systemd units let the agent sandbox work: boocoder (agents) and
//! booterm (an agent's commands in its terminals) start bwrap from inside their
//! service, unprivileged. The hardening of each unit that bears on namespaces and
//! `/proc` is replayed here (a mount namespace shaped like the one systemd builds,
//! then `setpriv` to an unprivileged user with the unit's privilege limits), and
//! boocoder's own sandbox trial must succeed in it.
//!
//! Needs root (to build the mount namespace and drop to `nobody`), as the test
//! command runs.

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

/// `Key=Value` lines of a unit file (comments and sections dropped).
fn directives(unit: &str) -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/systemd")
        .join(unit);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// What systemd does for `directives` that matters to bwrap: shell commands run
/// as root in a private mount namespace, and `setpriv` options for the service's
/// process. Directives that would make bwrap impossible outright are returned
/// as refusals.
fn replay(directives: &[(String, String)]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut mounts, mut privs, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for (key, value) in directives {
        let yes = matches!(value.as_str(), "yes" | "true" | "on" | "1");
        match key.as_str() {
            // Read-only bind mounts over parts of /proc (systemd covers many more).
            "ProtectKernelTunables" if yes => mounts.push(
                "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys".into(),
            ),
            "ProtectKernelLogs" if yes => mounts.push("mount --bind /dev/null /proc/kmsg".into()),
            "ProtectSystem" if value == "strict" || value == "full" || yes => {
                mounts.push("mount --bind /usr /usr && mount -o remount,bind,ro /usr".into());
            }
            "NoNewPrivileges" if yes => privs.push("--no-new-privs".into()),
            "CapabilityBoundingSet" if value.is_empty() => {
                privs.extend(["--bounding-set".into(), "-all".into()]);
            }
            // A seccomp filter on namespace creation, a user namespace of the
            // service's own: bwrap cannot make its namespaces under either.
            "RestrictNamespaces" if value != "no" && value != "false" => {
                refused.push(format!("{key}={value}"));
            }
            "PrivateUsers" if yes => refused.push(format!("{key}={value}")),
            // bwrap sets up a private network namespace's loopback over
            // rtnetlink (a seccomp filter here; not replayed, checked).
            "RestrictAddressFamilies" if !value.split_whitespace().any(|f| f == "AF_NETLINK") => {
                refused.push(format!("{key}={value}"));
            }
            _ => {}
        }
    }
    (mounts, privs, refused)
}

/// Run boocoder's sandbox trial under `mounts` and `privs`: (success, stderr).
fn trial(mounts: &[String], privs: &[String]) -> (bool, String) {
    let bwrap: Vec<String> = std::iter::once("/usr/bin/bwrap".to_owned())
        .chain(
            boocoder::sandbox::trial_args()
                .into_iter()
                .map(|a| a.into_string().unwrap()),
        )
        .collect();
    let mut script = mounts.join(" && ");
    if !script.is_empty() {
        script.push_str(" && ");
    }
    script.push_str("exec setpriv --reuid=nobody --regid=nogroup --clear-groups \"$@\"");
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script, "sh"])
        .args(privs)
        .args(&bwrap)
        .current_dir("/")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

fn am_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn the_units_that_start_agents_let_bwrap_work_unprivileged() {
    assert!(
        am_root(),
        "this test replays systemd's namespaces: run it as root"
    );
    for unit in ["boocoder.service", "booterm.service"] {
        let (mounts, privs, refused) = replay(&directives(unit));
        assert_eq!(refused, Vec::<String>::new(), "{unit}");
        assert!(
            privs.iter().any(|p| p == "--no-new-privs"),
            "{unit} keeps NoNewPrivileges"
        );
        let (ok, stderr) = trial(&mounts, &privs);
        assert!(ok, "{unit}: the sandbox trial failed: {stderr}");
    }
}

#[test]
fn the_replay_catches_hardening_that_breaks_bwrap() {
    assert!(
        am_root(),
        "this test replays systemd's namespaces: run it as root"
    );
    // A fresh /proc is refused in a user namespace while parts of the
    // service's /proc are covered.
    for directive in ["ProtectKernelTunables", "ProtectKernelLogs"] {
        let (mounts, privs, _) = replay(&[(directive.to_owned(), "yes".to_owned())]);
        assert_eq!(
            trial(&mounts, &privs),
            (
                false,
                "bwrap: Can't mount proc on /newroot/proc: Operation not permitted".to_owned()
            ),
            "{directive}"
        );
    }
    let (_, _, refused) = replay(&[
        ("RestrictNamespaces".to_owned(), "yes".to_owned()),
        ("PrivateUsers".to_owned(), "true".to_owned()),
        (
            "RestrictAddressFamilies".to_owned(),
            "AF_UNIX AF_INET".to_owned(),
        ),
    ]);
    assert_eq!(
        refused,
        [
            "RestrictNamespaces=yes",
            "PrivateUsers=true",
            "RestrictAddressFamilies=AF_UNIX AF_INET"
        ]
    );
}
