//! booterm in process on a private tmux server, for the suites of the daemons that
//! use it (boochat's terminal tools, boocoder's agent terminals). The caller hands
//! in `booterm::run` (the testkit does not depend on booterm).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use boo_shared::config::{AuthMode, Settings};
use boo_shared::daemon::{DaemonError, Listeners};

use crate::{RunningDaemon, StopFuture, TestDb};

/// booterm in process on a private tmux server (the server is killed when this
/// drops, so no test leaves tmux sessions behind).
pub struct Booterm {
    daemon: Option<RunningDaemon>,
    dir: tempfile::TempDir,
}

impl Booterm {
    /// On fresh loopback ports, with the suites' settings: `auth.mode = "none"`,
    /// the private tmux server, `/bin/sh` as the shell.
    pub async fn start<F, Fut>(db: &TestDb, run: F) -> Self
    where
        F: FnOnce(Arc<Settings>, Listeners, StopFuture) -> Fut,
        Fut: Future<Output = Result<(), DaemonError>> + Send + 'static,
    {
        Self::start_on(db, crate::loopback_listeners().await, |_| {}, run).await
    }

    /// On `listeners`, the suites' settings adjusted by `tweak`.
    pub async fn start_on<F, Fut>(
        db: &TestDb,
        listeners: Listeners,
        tweak: impl FnOnce(&mut Settings),
        run: F,
    ) -> Self
    where
        F: FnOnce(Arc<Settings>, Listeners, StopFuture) -> Fut,
        Fut: Future<Output = Result<(), DaemonError>> + Send + 'static,
    {
        // A short path: Unix socket paths are limited to 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("bt")
            .tempdir_in("/tmp")
            .expect("a temp dir for the tmux socket");
        let mut s = crate::settings_for(&db.url);
        s.auth.mode = AuthMode::None;
        s.term.tmux_socket = Some(dir.path().join("tmux/sock"));
        s.term.shell = "/bin/sh".into();
        tweak(&mut s);
        let daemon = RunningDaemon::spawn_on(s, listeners, run).await;
        Self {
            daemon: Some(daemon),
            dir,
        }
    }

    /// The running daemon (panics after [`Self::stop`]).
    pub fn daemon(&self) -> &RunningDaemon {
        self.daemon.as_ref().expect("booterm is running")
    }

    pub fn grpc(&self) -> SocketAddr {
        self.daemon().grpc
    }

    pub fn http(&self) -> SocketAddr {
        self.daemon().http
    }

    /// Stop the daemon (its tmux server lives on until this drops).
    pub async fn stop(&mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop().await.expect("booterm stops cleanly");
        }
    }
}

impl Drop for Booterm {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.dir.path().join("tmux/sock"))
            .arg("kill-server")
            .env_remove("TMUX")
            .output();
    }
}
