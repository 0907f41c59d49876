//! The opencode servers of the workspace sessions ([`OcServers`]): one
//! supervised `opencode serve` each ([`OcServer`]), shared by the session's chats,
//! with its event stream and a health loop that restarts a server that stops
//! answering while no turn runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use uuid::Uuid;

use super::oc;
use crate::opencode::Client;
use crate::opencode::server::{ServerOptions, Supervisor};
use crate::opencode::stream::{EventHub, StreamOptions};
use crate::process::Spec;
use crate::runner::backend::TurnError;

/// The live server of a workspace session: its supervisor and, for the process
/// now running, its client and event stream.
pub struct OcServer {
    pub(super) supervisor: tokio::sync::Mutex<Supervisor>,
    pub(super) live: tokio::sync::Mutex<Option<Live>>,
    /// Turns running on it now: the health loop never restarts it under them.
    pub(super) turns: AtomicUsize,
}

/// Failed checks in a row, with no turn running, before the server is restarted.
const HEALTH_STRIKES: u32 = 2;

/// Check `server` every `every` (`coder.opencode_health_secs`) until it is dropped: a server that does
/// not answer `/global/health` [`HEALTH_STRIKES`] times in a row while no turn
/// runs is stopped and started again (its sessions live on in opencode's
/// storage). A turn that finds its server dead starts it itself.
async fn health_loop(server: Weak<OcServer>, every: Duration) {
    let mut strikes = 0;
    let mut judged = None;
    loop {
        tokio::time::sleep(every).await;
        let Some(s) = server.upgrade() else { return };
        // The process the supervisor runs now (not the one a turn last used).
        let current = {
            let sup = s.supervisor.lock().await;
            sup.current().map(|srv| (srv.client().clone(), srv.pid()))
        };
        let Some((client, pid)) = current else {
            continue;
        };
        if s.turns.load(Ordering::SeqCst) > 0 || judged != Some(pid) {
            strikes = 0;
            judged = Some(pid);
        }
        if s.turns.load(Ordering::SeqCst) > 0 {
            continue;
        }
        let healthy = tokio::time::timeout(Duration::from_secs(5), client.health())
            .await
            .is_ok_and(|r| r.is_ok_and(|h| h.healthy));
        strikes = if healthy { 0 } else { strikes + 1 };
        if strikes < HEALTH_STRIKES || s.turns.load(Ordering::SeqCst) > 0 {
            continue;
        }
        strikes = 0;
        let mut sup = s.supervisor.lock().await;
        // A turn may have restarted it meanwhile: only the judged process goes.
        if sup.current().map(|srv| srv.pid()) != Some(pid) {
            continue;
        }
        tracing::warn!("the opencode server fails its health checks; restarting it");
        sup.shutdown().await;
        if let Err(e) = sup.ensure().await {
            tracing::warn!(error = %e, "cannot restart the opencode server");
        }
    }
}

/// Counts a turn on its server while it lives.
pub(super) struct Running<'a>(&'a AtomicUsize);

impl<'a> Running<'a> {
    pub(super) fn new(turns: &'a AtomicUsize) -> Self {
        turns.fetch_add(1, Ordering::SeqCst);
        Self(turns)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Clone)]
pub(super) struct Live {
    pub(super) client: Client,
    pub(super) hub: Arc<EventHub>,
    pub(super) pid: Option<u32>,
}

impl OcServer {
    /// A server for `spec` (started by the first turn), with its health loop.
    fn new(spec: Spec, health_every: Duration) -> Arc<Self> {
        let server = Arc::new(Self {
            supervisor: tokio::sync::Mutex::new(Supervisor::new(
                move || spec.clone(),
                ServerOptions::default(),
            )),
            live: tokio::sync::Mutex::new(None),
            turns: AtomicUsize::new(0),
        });
        tokio::spawn(health_loop(Arc::downgrade(&server), health_every));
        server
    }

    /// The running server (started again if it died), with the event stream of
    /// that process.
    pub(super) async fn live(&self) -> Result<Live, TurnError> {
        let mut sup = self.supervisor.lock().await;
        let server = sup.ensure().await.map_err(oc)?;
        let (url, pid) = (server.base_url().to_owned(), server.pid());
        let mut live = self.live.lock().await;
        if let Some(l) = live.as_ref()
            && l.client.base_url() == url
            && l.pid == pid
        {
            return Ok(l.clone());
        }
        let client = server.client().clone();
        let hub = Arc::new(EventHub::start(client.clone(), StreamOptions::default()));
        hub.wait_connected(Duration::from_secs(10)).await;
        let l = Live { client, hub, pid };
        *live = Some(l.clone());
        Ok(l)
    }

    pub(super) fn pid(&self) -> Option<u32> {
        self.live.try_lock().ok()?.as_ref()?.pid
    }
}

/// The servers of the workspace sessions, held by their chats' backends: the
/// last backend to go stops its server.
pub struct OcServers {
    map: Mutex<HashMap<Uuid, Weak<OcServer>>>,
    health_every: Duration,
}

impl OcServers {
    pub fn new(health_every: Duration) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            health_every,
        }
    }

    pub(super) fn get_or_start(
        &self,
        session_id: Uuid,
        spec: impl FnOnce() -> Spec,
    ) -> Arc<OcServer> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, w| w.strong_count() > 0);
        if let Some(s) = map.get(&session_id).and_then(Weak::upgrade) {
            return s;
        }
        let server = OcServer::new(spec(), self.health_every);
        map.insert(session_id, Arc::downgrade(&server));
        server
    }
}
