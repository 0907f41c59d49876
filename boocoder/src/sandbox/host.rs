//! Does the sandbox work on this host? bwrap present, user namespaces allowed, a
//! trivial `bwrap … true` succeeds. Said once at start (loudly when the sandbox is
//! off or broken) and in every provider diagnostic.

use std::time::Duration;

use boo_shared::daemon::Warnings;

use super::{Bind, Sandbox};
use crate::process::{self, Spec};

/// How long the trivial run may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The result of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCheck {
    /// `coder.sandbox.mode` is `bwrap`.
    pub enabled: bool,
    /// The bwrap executable, and whether it exists.
    pub bwrap: String,
    pub bwrap_present: bool,
    /// `/proc/sys/kernel/unprivileged_userns_clone` or
    /// `/proc/sys/user/max_user_namespaces`, as found (`None`: neither readable).
    pub user_namespaces: Option<String>,
    /// `bwrap --unshare-all … true` exited 0; else why not.
    pub trial: Result<(), String>,
}

impl HostCheck {
    /// Agents are confined.
    pub fn works(&self) -> bool {
        self.enabled && self.trial.is_ok()
    }

    /// One line for logs and diagnostics.
    pub fn summary(&self) -> String {
        if !self.enabled {
            return "OFF (coder.sandbox.mode = \"off\"): agents run unconfined, as the \
                    daemon's user, seeing everything it sees"
                .to_owned();
        }
        match &self.trial {
            Ok(()) => format!("bwrap works ({})", self.bwrap),
            Err(why) => format!(
                "BROKEN: {why} (bwrap {}: {}; user namespaces: {}); agents cannot start",
                self.bwrap,
                if self.bwrap_present {
                    "present"
                } else {
                    "missing"
                },
                self.user_namespaces.as_deref().unwrap_or("unknown"),
            ),
        }
    }
}

/// bwrap's arguments for the trial run: every namespace, the system read-only,
/// a fresh `/proc` and `/dev`, running `true`.
pub fn trial_args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = ["--unshare-all", "--die-with-parent", "--new-session"]
        .map(Into::into)
        .to_vec();
    for bind in super::system_binds() {
        match bind {
            Bind::ReadOnly(p) => args.extend(["--ro-bind".into(), p.clone().into(), p.into()]),
            Bind::Writable(p) => args.extend(["--bind".into(), p.clone().into(), p.into()]),
            Bind::Link { target, at } => {
                args.extend(["--symlink".into(), target.into(), at.into()]);
            }
        }
    }
    args.extend(["--proc", "/proc", "--dev", "/dev", "--", "true"].map(Into::into));
    args
}

/// Try the sandbox: a minimal bwrap with every namespace, running `true`.
pub async fn check(sandbox: &Sandbox) -> HostCheck {
    let bwrap = sandbox.config().bwrap.clone();
    let bwrap_present = tokio::fs::metadata(&bwrap).await.is_ok_and(|m| m.is_file());
    let user_namespaces = user_namespaces().await;
    let mut out = HostCheck {
        enabled: sandbox.is_on(),
        bwrap: bwrap.display().to_string(),
        bwrap_present,
        user_namespaces,
        trial: Err("not tried".to_owned()),
    };
    if !bwrap_present {
        out.trial = Err(format!(
            "{} does not exist (apt-get install bubblewrap)",
            out.bwrap
        ));
        return out;
    }
    let spec = Spec::new(&bwrap, "/").args(trial_args()).clear_env(true);
    out.trial = match process::run_output(&spec, CHECK_TIMEOUT).await {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "`bwrap --unshare-all … true` exited with {}: {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(e.to_string()),
    };
    out
}

async fn user_namespaces() -> Option<String> {
    for file in [
        "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/user/max_user_namespaces",
    ] {
        if let Ok(v) = tokio::fs::read_to_string(file).await {
            return Some(format!("{file} = {}", v.trim()));
        }
    }
    None
}

/// Say at start how agents will run: a warning when the sandbox is off, an error
/// when it is on but does not work here; either also goes on `/healthz`.
pub fn announce(sandbox: &Sandbox, warnings: &Warnings) {
    let sandbox = sandbox.clone();
    let warnings = warnings.clone();
    tokio::spawn(async move {
        let host = check(&sandbox).await;
        if !host.enabled {
            warnings.add(format!("agent sandbox {}", host.summary()));
            tracing::warn!(
                "AGENT SANDBOX IS OFF (coder.sandbox.mode = \"off\"): agent processes and \
                 their commands run unconfined as the daemon's user and can read its config, \
                 every worktree and the project trees"
            );
        } else if let Err(why) = &host.trial {
            warnings.add(format!("agent sandbox {}", host.summary()));
            tracing::error!(reason = %why, summary = %host.summary(), "the agent sandbox does not work on this host: agents will fail to start");
        } else {
            tracing::info!(bwrap = %host.bwrap, "agents run inside bubblewrap");
        }
    });
}
