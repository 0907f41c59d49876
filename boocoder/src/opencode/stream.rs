//! The server's event stream, demultiplexed by session.
//!
//! One task reads `GET /global/event` (every directory's events, each `data:`
//! line an envelope `{"directory", "project", "payload": <event>}`), unwraps the
//! payload, drops the `sync` duplicates and heartbeats, and hands each event to
//! the subscriber of its session ([`super::events::session_of`]) through a
//! bounded channel. A sub-agent's session (its `session.created` names a
//! `parentID`) goes to its nearest subscribed ancestor. Events of sessions
//! nobody subscribed to are dropped.
//!
//! opencode sends `server.heartbeat` every 10 s, so a stream silent for
//! [`StreamOptions::stall`] is dead: it is dropped and reopened, with a backoff
//! while the server refuses. Events are not replayed by opencode, so after every
//! reconnect each subscriber gets [`StreamItem::Reconnected`] (in order, after
//! the new stream's `server.connected`) and must re-read what it may have
//! missed: `Client::status`, `Client::permissions`, `Client::questions` and
//! `Client::messages_after` (fed to `SessionMapper::catch_up`).
//!
//! A subscriber that does not keep up never stalls the others: when its channel
//! is full its events are dropped and, once there is room again, it gets
//! [`StreamItem::Lagged`], which asks for the same re-read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use eventsource_stream::Eventsource as _;
use futures::StreamExt as _;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::client::Client;
use super::events::{event_type, parent_of, session_of};

/// What a session's subscriber receives.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    /// One event of the session (the bare event, unwrapped from its envelope).
    Event(Value),
    /// The stream was reopened: events may have been missed; re-read the state.
    Reconnected,
    /// This subscriber's channel overflowed and events were dropped; re-read.
    Lagged,
}

/// Bounds of the event stream.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// A stream without any event (not even a heartbeat) this long is reopened.
    pub stall: Duration,
    /// First wait before reconnecting after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Capacity of each subscriber's channel.
    pub capacity: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            stall: Duration::from_secs(30),
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(5),
            capacity: 1024,
        }
    }
}

#[derive(Debug)]
struct Sub {
    tx: mpsc::Sender<StreamItem>,
    lagged: bool,
}

#[derive(Debug, Default)]
struct Subs {
    subs: Mutex<HashMap<String, Sub>>,
    /// Sub-agent session → its parent session, from `session.created`.
    parents: Mutex<HashMap<String, String>>,
}

/// How many sub-agent levels an event climbs to find its subscriber.
const MAX_DEPTH: usize = 8;

impl Subs {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Sub>> {
        // A panic while holding it leaves the map consistent (single inserts/removes).
        self.subs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remember that `child` is a sub-agent session of `parent`.
    fn adopt(&self, child: &str, parent: &str) {
        self.parents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(child.to_owned(), parent.to_owned());
    }

    /// The subscribed session an event of `session` goes to: itself, or the
    /// nearest subscribed ancestor of a sub-agent's session.
    fn subscriber_of(&self, session: &str) -> Option<String> {
        let subs = self.lock();
        let parents = self
            .parents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut at = session;
        for _ in 0..MAX_DEPTH {
            if subs.contains_key(at) {
                return Some(at.to_owned());
            }
            at = parents.get(at)?;
        }
        None
    }

    /// Hand `item` to `session`'s subscriber without waiting.
    fn deliver(&self, session: &str, item: StreamItem) {
        let mut subs = self.lock();
        let Some(sub) = subs.get_mut(session) else {
            return;
        };
        use mpsc::error::TrySendError::{Closed, Full};
        if sub.lagged {
            match sub.tx.try_send(StreamItem::Lagged) {
                Ok(()) => sub.lagged = false,
                Err(Full(_)) => return,
                Err(Closed(_)) => {
                    subs.remove(session);
                    return;
                }
            }
        }
        match sub.tx.try_send(item) {
            Ok(()) => {}
            Err(Full(_)) => sub.lagged = true,
            Err(Closed(_)) => {
                subs.remove(session);
            }
        }
    }

    fn broadcast(&self, item: &StreamItem) {
        let sessions: Vec<String> = self.lock().keys().cloned().collect();
        for s in sessions {
            self.deliver(&s, item.clone());
        }
    }
}

/// The event stream of one server and its subscribers. Dropping it stops the
/// reader; the subscribers' channels then close.
#[derive(Debug)]
pub struct EventHub {
    subs: Arc<Subs>,
    capacity: usize,
    /// How many times the stream has connected (0: not yet); `connected` whether now.
    state: watch::Receiver<Connection>,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

/// The reader's connection state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    /// Connections made so far (the first is 1).
    pub generation: u64,
    pub connected: bool,
}

impl EventHub {
    /// Start reading `client`'s server's events.
    pub fn start(client: Client, opts: StreamOptions) -> Self {
        let subs = Arc::new(Subs::default());
        let (state_tx, state) = watch::channel(Connection::default());
        let stop = CancellationToken::new();
        let capacity = opts.capacity.max(1);
        let task = tokio::spawn(read_loop(
            client,
            opts,
            subs.clone(),
            state_tx,
            stop.clone(),
        ));
        Self {
            subs,
            capacity,
            state,
            stop,
            task: Some(task),
        }
    }

    /// The events of opencode session `session` from now on (replacing an earlier
    /// subscription to it). Subscribe before `prompt_async`.
    pub fn subscribe(&self, session: &str) -> mpsc::Receiver<StreamItem> {
        let (tx, rx) = mpsc::channel(self.capacity);
        self.subs
            .lock()
            .insert(session.to_owned(), Sub { tx, lagged: false });
        rx
    }

    /// Stop routing `session`'s events (dropping the receiver does too, lazily).
    pub fn unsubscribe(&self, session: &str) {
        self.subs.lock().remove(session);
    }

    /// The reader's connection state now.
    pub fn connection(&self) -> Connection {
        *self.state.borrow()
    }

    /// Wait (at most `limit`) until the stream is connected; false on timeout.
    pub async fn wait_connected(&self, limit: Duration) -> bool {
        let mut state = self.state.clone();
        matches!(
            tokio::time::timeout(limit, state.wait_for(|c| c.connected)).await,
            Ok(Ok(_))
        )
    }

    /// Stop the reader and wait for it.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EventHub {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Why one connection ended.
#[derive(Debug)]
enum Ended {
    Stopped,
    /// Worth reconnecting at once (it had worked): stall, end of stream, read error.
    Dropped(String),
    /// Could not connect: back off.
    Refused(String),
}

async fn read_loop(
    client: Client,
    opts: StreamOptions,
    subs: Arc<Subs>,
    state: watch::Sender<Connection>,
    stop: CancellationToken,
) {
    let mut backoff = opts.backoff_min;
    loop {
        let ended = tokio::select! {
            () = stop.cancelled() => Ended::Stopped,
            ended = connection(&client, &opts, &subs, &state) => ended,
        };
        state.send_modify(|c| c.connected = false);
        let wait = match ended {
            Ended::Stopped => return,
            Ended::Dropped(why) => {
                tracing::warn!(%why, "opencode event stream dropped; reconnecting");
                backoff = opts.backoff_min;
                opts.backoff_min
            }
            Ended::Refused(why) => {
                tracing::warn!(%why, wait_ms = backoff.as_millis(), "opencode event stream refused");
                let wait = backoff;
                backoff = (backoff * 2).min(opts.backoff_max);
                wait
            }
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// One connection: open the stream and route its events until it ends.
async fn connection(
    client: &Client,
    opts: &StreamOptions,
    subs: &Subs,
    state: &watch::Sender<Connection>,
) -> Ended {
    let request = client
        .request(Method::GET, client.global_events_url())
        .header(reqwest::header::ACCEPT, "text/event-stream");
    let resp = match tokio::time::timeout(opts.stall, request.send()).await {
        Err(_) => return Ended::Refused("no answer".to_owned()),
        Ok(Err(e)) => return Ended::Refused(e.to_string()),
        Ok(Ok(r)) if !r.status().is_success() => {
            return Ended::Refused(format!("HTTP {}", r.status()));
        }
        Ok(Ok(r)) => r,
    };
    let mut events = resp.bytes_stream().eventsource();
    loop {
        let event = match tokio::time::timeout(opts.stall, events.next()).await {
            Err(_) => return Ended::Dropped(format!("no event for {:?}", opts.stall)),
            Ok(None) => return Ended::Dropped("the server ended the stream".to_owned()),
            Ok(Some(Err(e))) => return Ended::Dropped(e.to_string()),
            Ok(Some(Ok(event))) => event,
        };
        let Ok(envelope) = serde_json::from_str::<Value>(&event.data) else {
            tracing::debug!(data = %event.data, "opencode event is not JSON");
            continue;
        };
        route(envelope, subs, state);
    }
}

/// Unwrap one `/global/event` envelope and deliver its payload.
fn route(mut envelope: Value, subs: &Subs, state: &watch::Sender<Connection>) {
    let payload = envelope
        .get_mut("payload")
        .map(Value::take)
        .unwrap_or(Value::Null);
    match event_type(&payload) {
        "server.connected" => {
            let mut generation = 0;
            state.send_modify(|c| {
                c.generation += 1;
                c.connected = true;
                generation = c.generation;
            });
            if generation > 1 {
                subs.broadcast(&StreamItem::Reconnected);
            }
        }
        "server.heartbeat" | "sync" | "" => {}
        _ => {
            let Some(session) = session_of(&payload) else {
                return;
            };
            if let Some(parent) = parent_of(&payload) {
                subs.adopt(session, parent);
            }
            if let Some(to) = subs.subscriber_of(session) {
                subs.deliver(&to, StreamItem::Event(payload));
            }
        }
    }
}

#[cfg(test)]
mod tests;
