//! opencode's server mode behind the [`Backend`] boundary (CODER-7): one warm
//! `opencode serve` per workspace session (inside that session's sandbox: its
//! worktree, its private HOME), holding one opencode session per chat. A turn is
//! `prompt_async` plus the session's events from the server's event stream
//! ([`crate::opencode`]), mapped to the same events an ACP agent streams;
//! permission and question requests become the same cards, answered back over
//! HTTP. The post-abort guard keeps the trailing events of a stopped turn from
//! ending the next one. A server that died is started again by the next turn,
//! and the chat's opencode session (kept in opencode's own storage) is
//! reattached, or made anew and told the chat's transcript when the new server
//! lost it (the row's `start_kind` says which); a health loop restarts a server
//! that stops answering while no turn runs.
//!
//! One server per workspace session, not per boocoder: the sandbox confines an
//! agent process to one session's worktree, and a server is such a process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::agent_sessions::Prior;
use super::backend::{Backend, TurnError};
use super::config::{Applied, Mismatch};
use super::requests::Hooks;
use super::start::StartKind;
use crate::acp::{
    AgentEvent, ClientHooks, ContextUsage, Cost, ElicitOutcome, PermissionOutcome, StopReason,
    TokenUsage,
};
use crate::opencode::client::{PermissionReply, Prompt};
use crate::opencode::events::{Mapped, PermissionAsk, QuestionAsk, SessionMapper, StepUsage};
use crate::opencode::guard::{TurnGuard, Verdict};
use crate::opencode::stream::{EventHub, StreamItem};
use crate::opencode::{Client, OpencodeError};
use cards::{answers_of, elicit_request, permission_request};

/// How long a cancelled turn may take to end through opencode's own abort error
/// before it is ended here (and the guard swallows what still comes).
const ABORT_SETTLE: Duration = Duration::from_secs(10);
/// How long a prompt waits for the trailing events of the turn before it.
const ORPHAN_WAIT: Duration = Duration::from_secs(5);

fn oc(e: OpencodeError) -> TurnError {
    TurnError::agent(format!("opencode server: {e}"), None)
}

/// What one turn reads, kept between turns (the guard spans them).
struct TurnState {
    mapper: SessionMapper,
    guard: TurnGuard,
    rx: Option<mpsc::Receiver<StreamItem>>,
    /// The event stream `rx` reads: another one means another server process.
    hub: Option<Arc<EventHub>>,
}

impl TurnState {
    /// Map one event and let the guard judge it.
    fn feed(&mut self, event: &Value) -> (Mapped, Option<Verdict>) {
        let m = self.mapper.map(event);
        let verdict = self.guard.observe(&m, self.mapper.last_assistant_message());
        (m, verdict)
    }
}

/// The opencode agent (mode) and (provider, model) of the next prompts.
type PromptConfig = (Option<String>, Option<(String, String)>);

/// A chat's opencode session on its workspace session's server.
pub struct OpencodeBackend {
    server: Arc<OcServer>,
    /// The chat's opencode session (`ses_…`); another one when a restarted
    /// server lost it ([`Backend::ensure_session`]).
    session: Mutex<String>,
    dir: PathBuf,
    hooks: Arc<Hooks>,
    state: tokio::sync::Mutex<TurnState>,
    cancelled: AtomicBool,
    cancel_now: Notify,
    /// The opencode agent (mode) and model each prompt asks for.
    config: Mutex<PromptConfig>,
    /// The owner's cards open for opencode's requests, by request id: withdrawn
    /// when opencode settles the request itself or the turn ends without it.
    cards: Arc<Mutex<HashMap<String, tokio::task::AbortHandle>>>,
}

impl super::Runner {
    /// The chat's opencode session on the workspace session's server (started
    /// on demand): `prior`'s session when the server still has it, else a new one.
    pub(super) async fn opencode_backend(
        &self,
        hooks: Arc<Hooks>,
        prior: Option<&Prior>,
        worktree: &crate::worktree::Worktree,
        session_id: Uuid,
    ) -> Result<(Arc<dyn Backend>, StartKind), TurnError> {
        let def = self
            .providers
            .definition(&hooks.agent)
            .ok_or_else(|| TurnError::agent(format!("no provider {:?}", hooks.agent), None))?;
        let launch = self
            .providers
            .launch_with(
                &def.id,
                worktree.dir(),
                &session_id.to_string(),
                Some(def.args.clone()),
            )
            .await
            .map_err(|e| TurnError::agent(e.to_string(), None))?;
        let server = self
            .opencode
            .get_or_start(session_id, || launch.spec.clone());
        let live = server.live().await?;
        let dir = worktree.dir().to_path_buf();
        let known = match prior.and_then(|p| p.agent_session_id.as_deref()) {
            Some(id) => live.client.session(id, &dir).await.ok().map(|s| s.id),
            None => None,
        };
        let (session, kind) = match (known, prior) {
            (Some(id), _) => (id, StartKind::Resumed),
            (None, p) => {
                let s = live.client.create_session(&dir, None).await.map_err(oc)?;
                (
                    s.id,
                    if p.is_some() {
                        StartKind::History
                    } else {
                        StartKind::New
                    },
                )
            }
        };
        let backend = OpencodeBackend {
            state: tokio::sync::Mutex::new(TurnState {
                mapper: SessionMapper::new(session.clone()),
                guard: TurnGuard::default(),
                rx: None,
                hub: None,
            }),
            server,
            session: Mutex::new(session),
            dir,
            hooks,
            cancelled: AtomicBool::new(false),
            cancel_now: Notify::new(),
            config: Mutex::new((None, None)),
            cards: Arc::default(),
        };
        Ok((Arc::new(backend), kind))
    }
}

/// How a turn's event loop ended.
enum End {
    Done,
    Aborted,
    Failed(String),
}

impl OpencodeBackend {
    /// The chat's opencode session now.
    fn session(&self) -> String {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The running server (started again if it died), its events subscribed. When
    /// it is another process than the one the last turn ran on, the chat's session
    /// is looked up there: reattached when the server still has it, else a new
    /// session that the turn's prompt must fill in with the chat's transcript.
    async fn attach(&self, st: &mut TurnState) -> Result<(Live, Option<StartKind>), TurnError> {
        let live = self.server.live().await?;
        if st.rx.is_some() && st.hub.as_ref().is_some_and(|h| Arc::ptr_eq(h, &live.hub)) {
            return Ok((live, None));
        }
        let mut kind = None;
        if st.hub.is_some() {
            let old = st.mapper.session().to_owned();
            kind = Some(match live.client.session(&old, &self.dir).await {
                Ok(_) => StartKind::Reattached,
                Err(OpencodeError::Status { status: 404, .. }) => {
                    let new = live
                        .client
                        .create_session(&self.dir, None)
                        .await
                        .map_err(oc)?;
                    tracing::warn!(
                        %old,
                        new = %new.id,
                        "the restarted opencode server lost the chat's session; a new one carries the chat's transcript"
                    );
                    new.id
                        .clone_into(&mut self.session.lock().unwrap_or_else(|e| e.into_inner()));
                    st.mapper = SessionMapper::new(new.id);
                    StartKind::History
                }
                Err(e) => return Err(oc(e)),
            });
        }
        st.rx = Some(live.hub.subscribe(st.mapper.session()));
        st.hub = Some(live.hub.clone());
        st.guard = TurnGuard::default();
        Ok((live, kind))
    }

    /// Handle one mapped event; `Some` when it ends the turn.
    async fn on_event(
        &self,
        m: Mapped,
        verdict: Option<Verdict>,
        client: &Client,
        usage: &mut StepUsage,
        events: &mpsc::Sender<AgentEvent>,
    ) -> Option<End> {
        let settle = verdict == Some(Verdict::Settle);
        match m {
            Mapped::Agent(e) => {
                let _ = events.send(e).await;
            }
            Mapped::Permission(ask) => self.permission(client.clone(), ask),
            Mapped::Question(ask) => self.question(client.clone(), ask),
            Mapped::Settled(id) => self.withdraw(Some(&id)),
            Mapped::StepUsage(u) => *usage = usage.plus(u),
            Mapped::Idle if settle => return Some(End::Done),
            Mapped::Aborted if settle => return Some(End::Aborted),
            Mapped::Error(message) if settle => return Some(End::Failed(message)),
            Mapped::Idle | Mapped::Aborted | Mapped::Error(_) | Mapped::Ignore => {}
        }
        None
    }

    /// Run the card asking for opencode's request `id`, once (a catch-up may
    /// see a request again), withdrawn by [`Self::withdraw`].
    fn card(&self, id: &str, ask: impl Future<Output = ()> + Send + 'static) {
        let mut cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
        cards.retain(|_, t| !t.is_finished());
        if cards.contains_key(id) {
            return;
        }
        cards.insert(id.to_owned(), tokio::spawn(ask).abort_handle());
    }

    /// Withdraw the card of request `id` (opencode settled it: answered
    /// elsewhere, or rejected by an abort), or every card (`None`: the turn ended).
    fn withdraw(&self, id: Option<&str>) {
        let mut cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
        match id {
            Some(id) => {
                if let Some(t) = cards.remove(id) {
                    t.abort();
                }
            }
            None => cards.drain().for_each(|(_, t)| t.abort()),
        }
    }

    /// Ask the owner (the same card as an ACP agent's) and answer opencode.
    fn permission(&self, client: Client, ask: PermissionAsk) {
        let (hooks, dir, session) = (self.hooks.clone(), self.dir.clone(), self.session());
        let id = ask.id.clone();
        self.card(&id, async move {
            let request = permission_request(&session, &ask);
            let reply = match hooks.request_permission(request).await {
                PermissionOutcome::Selected { option_id } => match option_id.as_str() {
                    "once" => PermissionReply::Once,
                    "always" => PermissionReply::Always,
                    _ => PermissionReply::Reject,
                },
                PermissionOutcome::Cancelled => PermissionReply::Reject,
            };
            if let Err(e) = client.reply_permission(&ask.id, &dir, reply, None).await {
                tracing::warn!(error = %e, "cannot answer opencode's permission request");
            }
        });
    }

    /// Ask the owner the questions (an elicitation card) and answer opencode.
    fn question(&self, client: Client, ask: QuestionAsk) {
        let (hooks, dir, session) = (self.hooks.clone(), self.dir.clone(), self.session());
        let id = ask.id.clone();
        self.card(&id, async move {
            let request = elicit_request(&session, &ask);
            let answered = match hooks.elicit(request).await {
                ElicitOutcome::Accept { content } => {
                    let answers = answers_of(&ask, &content);
                    client.reply_question(&ask.id, &dir, &answers).await
                }
                ElicitOutcome::Decline | ElicitOutcome::Cancel => {
                    client.reject_question(&ask.id, &dir).await
                }
            };
            if let Err(e) = answered {
                tracing::warn!(error = %e, "cannot answer opencode's question");
            }
        });
    }

    /// After a reconnect (the stream has no replay): what the turn missed.
    async fn catch_up(
        &self,
        st: &mut TurnState,
        client: &Client,
        usage: &mut StepUsage,
        events: &mpsc::Sender<AgentEvent>,
    ) -> Option<End> {
        let after = st.mapper.last_assistant_message().map(str::to_owned);
        let missed = client
            .messages_after(st.mapper.session(), &self.dir, after.as_deref())
            .await
            .unwrap_or_default();
        for msg in missed {
            for m in st.mapper.catch_up(&msg.info, &msg.parts) {
                let v = st.guard.observe(&m, st.mapper.last_assistant_message());
                if let Some(end) = self.on_event(m, v, client, usage, events).await {
                    return Some(end);
                }
            }
        }
        // Other chats' sessions share the directory: only this turn's requests.
        for ask in client.permissions(&self.dir).await.unwrap_or_default() {
            if st.mapper.follows(&ask.session) {
                self.permission(client.clone(), ask);
            }
        }
        for ask in client.questions(&self.dir).await.unwrap_or_default() {
            if st.mapper.follows(&ask.session) {
                self.question(client.clone(), ask);
            }
        }
        match client.status(st.mapper.session(), &self.dir).await {
            Ok(crate::opencode::client::SessionStatus::Idle) => Some(End::Done),
            _ => None,
        }
    }
}

#[async_trait::async_trait]
impl Backend for OpencodeBackend {
    fn kind(&self) -> &'static str {
        "opencode_server"
    }

    fn session_id(&self) -> Option<String> {
        Some(self.session())
    }

    /// The chat's session lives in opencode's storage: a dead server is started
    /// again by the next turn, so the backend itself stays usable.
    fn is_alive(&self) -> bool {
        true
    }

    fn pid(&self) -> Option<u32> {
        self.server.pid()
    }

    /// A server restarted since the last turn: the chat's session reattached, or
    /// made anew when the server lost it.
    async fn ensure_session(&self) -> Result<Option<StartKind>, TurnError> {
        let mut st = self.state.lock().await;
        let _running = Running::new(&self.server.turns);
        Ok(self.attach(&mut st).await?.1)
    }

    async fn prompt(
        &self,
        prompt: &str,
        events: mpsc::Sender<AgentEvent>,
    ) -> Result<StopReason, TurnError> {
        let mut st = self.state.lock().await;
        let _running = Running::new(&self.server.turns);
        self.cancelled.store(false, Ordering::SeqCst);
        let (live, kind) = self.attach(&mut st).await?;
        if let Some(kind) = kind {
            tracing::warn!(
                start_kind = kind.as_str(),
                "the opencode server was restarted between the turn's start and its prompt"
            );
        }
        let Some(mut rx) = st.rx.take() else {
            return Err(TurnError::agent("opencode event stream is gone", None));
        };
        // The turn before may still owe its trailing events: take them first.
        let orphans = tokio::time::sleep(ORPHAN_WAIT);
        tokio::pin!(orphans);
        while !st.guard.can_prompt() {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(StreamItem::Event(v)) => {
                        st.feed(&v);
                    }
                    Some(_) => {}
                    None => break,
                },
                () = &mut orphans => {
                    st.guard = TurnGuard::default();
                    break;
                }
            }
        }
        let (agent, model) = self
            .config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut body = Prompt::text(prompt);
        body.agent = agent;
        body.model = model;
        let client = live.client.clone();
        if let Err(e) = client
            .prompt_async(st.mapper.session(), &self.dir, &body)
            .await
        {
            st.rx = Some(rx);
            return Err(oc(e));
        }
        let mut usage = StepUsage::default();
        let abort_deadline = tokio::time::sleep(Duration::MAX);
        tokio::pin!(abort_deadline);
        let end = loop {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(StreamItem::Event(v)) => {
                        let (m, verdict) = st.feed(&v);
                        if let Some(end) = self.on_event(m, verdict, &client, &mut usage, &events).await {
                            break end;
                        }
                    }
                    Some(StreamItem::Reconnected | StreamItem::Lagged) => {
                        if let Some(end) = self.catch_up(&mut st, &client, &mut usage, &events).await {
                            break end;
                        }
                    }
                    None => break End::Failed("the opencode server's event stream ended".into()),
                },
                // A permit left by a cancel that came after the last turn ended is
                // not this turn's: only a cancel since this turn began counts.
                () = self.cancel_now.notified() => {
                    if self.cancelled.load(Ordering::SeqCst) {
                        abort_deadline.as_mut().reset(tokio::time::Instant::now() + ABORT_SETTLE);
                    }
                }
                () = &mut abort_deadline => {
                    // opencode never ended the aborted turn: end it here and let
                    // the guard take what still comes.
                    let last = st.mapper.last_assistant_message().map(str::to_owned);
                    st.guard.arm(last.as_deref());
                    break End::Aborted;
                }
            }
        };
        st.rx = Some(rx);
        drop(st);
        // Nothing waits on the owner once the turn is over (an abort rejects
        // opencode's open requests).
        self.withdraw(None);
        if usage != StepUsage::default() {
            let _ = events
                .send(AgentEvent::Usage(TokenUsage {
                    input: usage.input,
                    output: usage.output,
                    total: usage.input + usage.output,
                    thought: None,
                    cached_read: None,
                    cached_write: None,
                }))
                .await;
            let _ = events
                .send(AgentEvent::Context(ContextUsage {
                    used: 0,
                    size: 0,
                    cost: Some(Cost {
                        amount: usage.cost,
                        currency: "USD".into(),
                    }),
                }))
                .await;
        }
        match end {
            End::Done if self.cancelled.load(Ordering::SeqCst) => Ok(StopReason::Cancelled),
            End::Done => Ok(StopReason::EndTurn),
            End::Aborted => Ok(StopReason::Cancelled),
            End::Failed(_) if self.cancelled.load(Ordering::SeqCst) => Ok(StopReason::Cancelled),
            End::Failed(message) => Err(TurnError::agent(message, None)),
        }
    }

    async fn cancel(&self) -> Result<(), TurnError> {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cancel_now.notify_one();
        let live = self.server.live.lock().await.clone();
        if let Some(live) = live {
            live.client
                .abort(&self.session(), &self.dir)
                .await
                .map_err(oc)?;
        }
        Ok(())
    }

    /// A mode is an opencode agent (`build`, `plan`, …) and a model
    /// `provider/model`; both go with each prompt. A model without a provider is
    /// refused here (opencode would not know where to send it).
    async fn apply_config(&self, mode: Option<&str>, model: Option<&str>) -> Applied {
        let mut out = Applied::default();
        let mut cfg = self.config.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mode) = mode {
            cfg.0 = Some(mode.to_owned());
            out.mode = Some(mode.to_owned());
        }
        if let Some(model) = model {
            match model.split_once('/') {
                Some((p, m)) if !p.is_empty() && !m.is_empty() => {
                    cfg.1 = Some((p.to_owned(), m.to_owned()));
                    out.model = Some(model.to_owned());
                }
                _ => out.mismatches.push(Mismatch {
                    what: "model",
                    wanted: model.to_owned(),
                    reported: None,
                    error: Some("opencode models are `provider/model`".into()),
                }),
            }
        }
        out
    }

    fn commands(&self) -> Vec<Value> {
        Vec::new()
    }

    /// The chat's session stays in opencode's storage; the server stops when the
    /// last chat of its workspace session lets go of it.
    async fn shutdown(self: Arc<Self>) {
        drop(self);
    }
}

mod cards;
mod servers;

use servers::{Live, Running};
pub use servers::{OcServer, OcServers};

#[cfg(test)]
mod tests;
