//! Per-session frame fan-out with a replay ring (CHAT-2, D1), used by every
//! daemon that streams session frames (boochat, boocoder).
//!
//! Every frame published for a session gets the next `seq` and is kept in a
//! bounded ring. A WebSocket subscribing with `last_seq` gets every frame after it
//! from the ring, then the live feed, under one lock so nothing slips between
//! the two. A gap older than the ring (or a client that fell behind) gets a
//! `resync` frame: refetch over REST, then continue. Sequence numbers start at
//! the wall clock in microseconds when a session's stream is first used, so they
//! keep increasing across daemon restarts and a stale `last_seq` from before a
//! restart is recognised as a gap rather than replayed wrongly.
//!
//! Memory is bounded by the active sessions: a session's stream (ring included) is
//! dropped once it has had no subscriber and no publish for [`HubOptions::idle_ttl`].
//! Idle streams are swept lazily, at most every quarter of the TTL, by the next
//! publish or subscribe. A stream made again later starts above every seq the dropped
//! one handed out, so a client resuming from before gets `resync`, never a wrong replay.
//!
//! Besides the per-session streams there is one live-only topic, the catalog:
//! connection-level frames (seq 0, no `session_id`) about sessions in general, such
//! as `session_updated`, for every socket that watches no particular session. It has
//! no ring; a client that reconnects (or lags) rereads its lists.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::chat::Session;
use crate::frames::{Envelope, ServerFrame};
use tokio::sync::broadcast;
use uuid::Uuid;

/// A serialised frame and its sequence number.
pub type Frame = (u64, Arc<str>);

/// Frames kept per session for replay.
pub const RING: usize = 4096;
/// Frames a slow subscriber may lag before it is told to resync.
const LAG: usize = 1024;
/// Catalog frames a slow socket may lag before it is told to resync.
const CATALOG_LAG: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HubOptions {
    /// A session's stream and ring are dropped after this long without a subscriber
    /// or a publish.
    pub idle_ttl: Duration,
}

impl Default for HubOptions {
    fn default() -> Self {
        Self {
            idle_ttl: Duration::from_secs(10 * 60),
        }
    }
}

pub struct Hub {
    sessions: Mutex<Sessions>,
    catalog: broadcast::Sender<Arc<str>>,
    options: HubOptions,
}

struct Sessions {
    map: HashMap<Uuid, Entry>,
    last_sweep: Instant,
    /// Every seq a dropped stream handed out is below this.
    floor: u64,
}

struct Entry {
    stream: Arc<SessionStream>,
    /// The last publish or subscribe, or the last sweep that saw a subscriber.
    last_used: Instant,
}

struct SessionStream {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Frame>,
}

struct Inner {
    next_seq: u64,
    ring: VecDeque<Frame>,
}

/// What a subscriber starts with.
pub enum Start {
    /// Frames after `last_seq` (possibly none), then the receiver.
    Replay(Vec<Frame>),
    /// The gap cannot be filled: refetch.
    Resync(String),
}

fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(1)
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        Self::with_options(HubOptions::default())
    }

    pub fn with_options(options: HubOptions) -> Self {
        let (catalog, _) = broadcast::channel(CATALOG_LAG);
        Self {
            sessions: Mutex::new(Sessions {
                map: HashMap::new(),
                last_sweep: Instant::now(),
                floor: 0,
            }),
            catalog,
            options,
        }
    }

    fn stream(&self, session_id: Uuid) -> Arc<SessionStream> {
        let now = Instant::now();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_duration_since(sessions.last_sweep) >= self.options.idle_ttl / 4 {
            self.sweep(&mut sessions, now);
        }
        let floor = sessions.floor;
        let entry = sessions.map.entry(session_id).or_insert_with(|| {
            let (tx, _) = broadcast::channel(LAG);
            Entry {
                stream: Arc::new(SessionStream {
                    inner: Mutex::new(Inner {
                        next_seq: now_micros().max(floor),
                        ring: VecDeque::with_capacity(64),
                    }),
                    tx,
                }),
                last_used: now,
            }
        });
        entry.last_used = now;
        entry.stream.clone()
    }

    fn sweep(&self, sessions: &mut Sessions, now: Instant) -> usize {
        sessions.last_sweep = now;
        let ttl = self.options.idle_ttl;
        let mut floor = sessions.floor;
        let before = sessions.map.len();
        sessions.map.retain(|_, entry| {
            if entry.stream.tx.receiver_count() > 0 {
                entry.last_used = now;
                return true;
            }
            if now.saturating_duration_since(entry.last_used) < ttl {
                return true;
            }
            let inner = entry.stream.inner.lock().unwrap_or_else(|e| e.into_inner());
            floor = floor.max(inner.next_seq);
            false
        });
        sessions.floor = floor;
        before - sessions.map.len()
    }

    /// Drops the streams idle at `now` (no subscriber, nothing published or
    /// subscribed for the idle TTL); returns how many. Publish and subscribe do this
    /// by themselves; tests call it with a clock of their own.
    pub fn sweep_idle_at(&self, now: Instant) -> usize {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        self.sweep(&mut sessions, now)
    }

    /// The sessions whose stream (and ring) is kept now.
    pub fn streams(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }

    /// Stamp, keep and broadcast a frame; returns its seq.
    pub fn publish(&self, session_id: Uuid, frame: ServerFrame) -> u64 {
        let stream = self.stream(session_id);
        let mut inner = stream.inner.lock().unwrap_or_else(|e| e.into_inner());
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let env = Envelope {
            seq,
            session_id: Some(session_id),
            frame,
        };
        let text: Arc<str> = serde_json::to_string(&env).unwrap_or_default().into();
        if inner.ring.len() == RING {
            inner.ring.pop_front();
        }
        inner.ring.push_back((seq, text.clone()));
        // No subscribers is fine: the ring keeps the frame for reconnects.
        let _ = stream.tx.send((seq, text));
        seq
    }

    /// Subscribe to a session. `last_seq = None`: live only.
    pub fn subscribe(
        &self,
        session_id: Uuid,
        last_seq: Option<u64>,
    ) -> (Start, broadcast::Receiver<Frame>) {
        let stream = self.stream(session_id);
        let inner = stream.inner.lock().unwrap_or_else(|e| e.into_inner());
        let rx = stream.tx.subscribe();
        let start = match last_seq {
            None => Start::Replay(Vec::new()),
            Some(last) => {
                let newest = inner.next_seq - 1;
                let oldest = inner.ring.front().map_or(inner.next_seq, |f| f.0);
                if last >= newest {
                    if last > newest {
                        Start::Resync(format!("seq {last} is from another run of boochat"))
                    } else {
                        Start::Replay(Vec::new())
                    }
                } else if last + 1 < oldest {
                    Start::Resync(format!("frames after seq {last} are no longer kept"))
                } else {
                    Start::Replay(inner.ring.iter().filter(|f| f.0 > last).cloned().collect())
                }
            }
        };
        (start, rx)
    }

    /// Send a connection-level frame to every catalog subscriber (live only).
    pub fn publish_catalog(&self, frame: ServerFrame) {
        let text: Arc<str> = serde_json::to_string(&Envelope::connection(frame))
            .unwrap_or_default()
            .into();
        // Nobody listening is fine: the catalog keeps nothing.
        let _ = self.catalog.send(text);
    }

    /// The catalog's live frames, already serialised.
    pub fn subscribe_catalog(&self) -> broadcast::Receiver<Arc<str>> {
        self.catalog.subscribe()
    }

    /// A session was created or changed: `session_updated` on its own stream and on
    /// the catalog.
    pub fn session_updated(&self, session: &Session) {
        self.publish(
            session.id,
            ServerFrame::SessionUpdated {
                session: session.clone(),
            },
        );
        self.publish_catalog(ServerFrame::SessionUpdated {
            session: session.clone(),
        });
    }

    /// A session was deleted: `session_deleted` on its own stream (its viewers
    /// leave it) and on the catalog (sidebars drop it).
    pub fn session_deleted(&self, session_id: Uuid) {
        self.publish(session_id, ServerFrame::SessionDeleted { session_id });
        self.publish_catalog(ServerFrame::SessionDeleted { session_id });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn frame(i: usize) -> ServerFrame {
        ServerFrame::Error {
            code: "t".into(),
            message: i.to_string(),
        }
    }

    fn seqs(start: &Start) -> Vec<u64> {
        match start {
            Start::Replay(f) => f.iter().map(|f| f.0).collect(),
            Start::Resync(r) => panic!("unexpected resync: {r}"),
        }
    }

    #[test]
    fn replays_exactly_what_was_missed() {
        let hub = Hub::new();
        let sid = Uuid::new_v4();
        let first = hub.publish(sid, frame(0));
        let second = hub.publish(sid, frame(1));
        let third = hub.publish(sid, frame(2));
        assert_eq!((second, third), (first + 1, first + 2));
        let (start, _) = hub.subscribe(sid, Some(first));
        assert_eq!(seqs(&start), vec![second, third]);
        let (start, _) = hub.subscribe(sid, Some(third));
        assert_eq!(seqs(&start), Vec::<u64>::new());
        // The replayed text is the full envelope.
        let (Start::Replay(f), _) = hub.subscribe(sid, Some(second)) else {
            panic!()
        };
        let v: serde_json::Value = serde_json::from_str(&f[0].1).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "error", "seq": third, "session_id": sid, "code": "t", "message": "2"})
        );
    }

    #[test]
    fn gaps_beyond_the_ring_or_from_another_run_resync() {
        let hub = Hub::new();
        let sid = Uuid::new_v4();
        let first = hub.publish(sid, frame(0));
        for i in 0..RING {
            hub.publish(sid, frame(i));
        }
        // `first` itself was pushed out of the ring: a client that lacks it must resync,
        // a client that has it gets everything after it.
        assert!(matches!(
            hub.subscribe(sid, Some(first - 1)).0,
            Start::Resync(_)
        ));
        assert_eq!(seqs(&hub.subscribe(sid, Some(first)).0).len(), RING);
        assert!(matches!(
            hub.subscribe(sid, Some(u64::MAX - 1)).0,
            Start::Resync(_)
        ));
    }

    #[test]
    fn idle_rings_are_dropped_and_a_resume_then_resyncs() {
        let ttl = Duration::from_secs(600);
        let hub = Hub::with_options(HubOptions { idle_ttl: ttl });
        let (idle, watched, recent) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let last_idle = hub.publish(idle, frame(0));
        let last_watched = hub.publish(watched, frame(1));
        let (_, rx) = hub.subscribe(watched, None);
        // A subscriber that left long ago does not keep a stream alive.
        let (_, gone) = hub.subscribe(recent, None);
        drop(gone);
        let t0 = Instant::now();
        assert_eq!(hub.sweep_idle_at(t0 + ttl / 2), 0);
        assert_eq!(hub.streams(), 3);
        let later = t0 + ttl + Duration::from_secs(1);
        assert_eq!(hub.sweep_idle_at(later), 2);
        assert_eq!(hub.streams(), 1);
        // The watched session's ring is intact: its client resumes with nothing missed.
        assert_eq!(
            seqs(&hub.subscribe(watched, Some(last_watched)).0),
            Vec::<u64>::new()
        );
        // The idle one starts again above every seq it handed out; a resume resyncs.
        let (start, _) = hub.subscribe(idle, Some(last_idle - 1));
        let Start::Resync(reason) = start else {
            panic!("expected a resync")
        };
        assert_eq!(
            reason,
            format!("frames after seq {} are no longer kept", last_idle - 1)
        );
        assert!(hub.publish(idle, frame(2)) > last_idle);
        drop(rx);
    }

    #[test]
    fn a_publish_keeps_a_stream_without_subscribers() {
        let ttl = Duration::from_secs(600);
        let hub = Hub::with_options(HubOptions { idle_ttl: ttl });
        let sid = Uuid::new_v4();
        hub.publish(sid, frame(0));
        let t0 = Instant::now();
        hub.sweep_idle_at(t0 + ttl - Duration::from_secs(60));
        assert_eq!(hub.streams(), 1);
        // A sweep that sees a subscriber counts as use: the idle clock restarts when it leaves.
        let (_, rx) = hub.subscribe(sid, None);
        let t1 = t0 + 2 * ttl;
        assert_eq!(hub.sweep_idle_at(t1), 0);
        drop(rx);
        assert_eq!(hub.sweep_idle_at(t1 + ttl / 2), 0);
        assert_eq!(hub.sweep_idle_at(t1 + ttl), 1);
        assert_eq!(hub.streams(), 0);
    }

    #[test]
    fn a_tiny_ttl_drops_idle_streams_on_the_next_use() {
        let hub = Hub::with_options(HubOptions {
            idle_ttl: Duration::ZERO,
        });
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let last = hub.publish(a, frame(0));
        // Using another session sweeps `a` away.
        hub.publish(b, frame(1));
        assert_eq!(hub.streams(), 1);
        assert!(matches!(
            hub.subscribe(a, Some(last - 1)).0,
            Start::Resync(_)
        ));
    }

    #[tokio::test]
    async fn the_catalog_sends_connection_level_frames_live() {
        let hub = Hub::new();
        let mut rx = hub.subscribe_catalog();
        let session = Session {
            id: Uuid::nil(),
            project_id: Uuid::nil(),
            title: Some("renamed".into()),
            status: crate::chat::Status::Archived,
            tags: vec![],
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let (_, mut own) = hub.subscribe(session.id, None);
        hub.session_updated(&session);
        let text = rx.recv().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let whole = serde_json::to_value(&session).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "session_updated", "seq": 0, "session": whole})
        );
        let (seq, text) = own.recv().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "session_updated", "seq": seq, "session_id": Uuid::nil(), "session": whole})
        );
    }

    #[tokio::test]
    async fn live_frames_reach_every_subscriber_in_order() {
        let hub = Hub::new();
        let sid = Uuid::new_v4();
        let (_, mut a) = hub.subscribe(sid, None);
        let (_, mut b) = hub.subscribe(sid, None);
        let s1 = hub.publish(sid, frame(1));
        let s2 = hub.publish(sid, frame(2));
        for rx in [&mut a, &mut b] {
            assert_eq!(rx.recv().await.unwrap().0, s1);
            assert_eq!(rx.recv().await.unwrap().0, s2);
        }
    }
}
