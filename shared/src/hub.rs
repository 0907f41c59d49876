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

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::frames::{Envelope, ServerFrame};
use tokio::sync::broadcast;
use uuid::Uuid;

/// A serialised frame and its sequence number.
pub type Frame = (u64, Arc<str>);

/// Frames kept per session for replay.
pub const RING: usize = 4096;
/// Frames a slow subscriber may lag before it is told to resync.
const LAG: usize = 1024;

pub struct Hub {
    sessions: Mutex<HashMap<Uuid, Arc<SessionStream>>>,
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
        Self {
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn stream(&self, session_id: Uuid) -> Arc<SessionStream> {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(session_id)
            .or_insert_with(|| {
                let (tx, _) = broadcast::channel(LAG);
                Arc::new(SessionStream {
                    inner: Mutex::new(Inner {
                        next_seq: now_micros(),
                        ring: VecDeque::with_capacity(64),
                    }),
                    tx,
                })
            })
            .clone()
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
