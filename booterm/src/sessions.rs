//! Terminals as a service (TERM-1, TERM-4, TERM-5): what REST and gRPC both call.
//!
//! tmux is the source of truth for what runs; `terminal_sessions` is the record.
//! Whatever changes a terminal's liveness (create, kill, settling a finished or
//! vanished one, reconcile) holds one lock, so a reconcile never sees a row whose
//! tmux session is still being created.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::http::StatusCode;
use boo_shared::config::TermConfig;
use boo_shared::error::ApiError;
use chrono::DateTime;
use sqlx::PgPool;
use tokio::sync::{Mutex, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::exits;
use crate::request::{self, DEFAULT_SIZE, MAX_SIZE, MAX_TITLE_CHARS, clean_title, invalid, size};
use crate::store::{self, NewRow, StatusFilter, TerminalRow};
use crate::tmux::{NAME_PREFIX, Tmux, TmuxError, TmuxOptions, TmuxSession};
use boo_shared::term::{CreateTerminal, Terminal, TerminalSnapshot, TerminalStatus};

/// Lines of scrollback kept (with the screen) when a terminal ends.
pub const KEPT_LINES: u32 = 2000;

/// Pauses before each look at tmux after a watched program exited (~1.5 s in all).
const SETTLE_PAUSES: [Duration; 5] = [
    Duration::from_millis(20),
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

/// Most exited rows one reconcile pass deletes (the rest go on the next passes).
pub const PRUNE_BATCH: i64 = 500;

/// What [`Sessions`] needs from `[term]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionsConfig {
    pub shell: PathBuf,
    pub default_cwd: Option<PathBuf>,
    pub ssh_target: Option<String>,
    pub ssh_options: Vec<String>,
    pub history_lines: u32,
    /// `term.exited_retention_days`: exited rows older than this are deleted by
    /// [`Sessions::reconcile`]; 0 keeps them.
    pub exited_retention_days: u32,
}

impl SessionsConfig {
    pub fn from_settings(term: &TermConfig) -> Self {
        Self {
            shell: PathBuf::from(&term.shell),
            default_cwd: term.default_cwd.clone(),
            ssh_target: term.ssh_target.clone(),
            ssh_options: term.ssh_options.clone(),
            history_lines: term.history_lines,
            exited_retention_days: term.exited_retention_days,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("no terminal {0}")]
    NotFound(Uuid),
    #[error("no workspace session {0}")]
    UnknownSession(Uuid),
    #[error("terminal {0} has exited")]
    Exited(Uuid),
    #[error("cannot attach a tmux client: {0}")]
    Attach(String),
    #[error(transparent)]
    Tmux(#[from] TmuxError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        let message = e.to_string();
        match e {
            SessionError::Invalid { code, .. } => ApiError::bad_request(code, message),
            SessionError::NotFound(_) => ApiError::not_found(message),
            SessionError::UnknownSession(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "session_not_found", message)
            }
            SessionError::Exited(_) => ApiError::conflict("terminal_exited", message),
            SessionError::Tmux(_) | SessionError::Attach(_) => ApiError::internal(message),
            SessionError::Db(e) => e.into(),
        }
    }
}

/// What [`Sessions::reconcile`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Live `bc-<uuid>` sessions that had no row: rows inserted.
    pub adopted: Vec<Uuid>,
    /// Live rows whose session vanished or whose program exited: marked exited.
    pub ended: Vec<Uuid>,
    /// Exited rows whose session is alive after all: live again.
    pub revived: Vec<Uuid>,
    /// Exited rows older than `term.exited_retention_days`: deleted (at most
    /// [`PRUNE_BATCH`] a pass).
    pub pruned: Vec<Uuid>,
    /// Live terminals whose workspace session was deleted: tmux session killed,
    /// marked exited.
    pub orphaned: Vec<Uuid>,
}

pub struct Sessions {
    pool: PgPool,
    tmux: Tmux,
    cfg: SessionsConfig,
    liveness: Mutex<()>,
    /// The id of every terminal marked exited (killed, finished, vanished).
    ended: broadcast::Sender<Uuid>,
    /// Terminals whose pane program has a watcher ([`Sessions::watch`]).
    watched: std::sync::Mutex<HashSet<Uuid>>,
    /// Watchers hold this, not an `Arc`: a dropped service drops their work.
    me: Weak<Sessions>,
}

/// `bc-<id>`.
pub fn tmux_name(id: Uuid) -> String {
    format!("{NAME_PREFIX}{id}")
}

/// The id in a `bc-<uuid>` name (canonical form only).
pub fn parse_tmux_name(name: &str) -> Option<Uuid> {
    let id = Uuid::parse_str(name.strip_prefix(NAME_PREFIX)?).ok()?;
    (tmux_name(id) == name).then_some(id)
}

impl Sessions {
    pub fn new(pool: PgPool, tmux: Tmux, cfg: SessionsConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            pool,
            tmux,
            cfg,
            liveness: Mutex::new(()),
            ended: broadcast::channel(64).0,
            watched: std::sync::Mutex::default(),
            me: me.clone(),
        })
    }

    /// booterm's tmux server at `socket` with `[term]`'s shell and history.
    pub fn from_settings(pool: PgPool, socket: PathBuf, term: &TermConfig) -> Arc<Self> {
        let cfg = SessionsConfig::from_settings(term);
        let options = TmuxOptions {
            history_limit: cfg.history_lines,
            default_shell: Some(cfg.shell.clone()),
            ..TmuxOptions::default()
        };
        Self::new(pool, Tmux::with_options(socket, options), cfg)
    }

    /// Ids of terminals as they are marked exited: attached sockets end with them
    /// even when their tmux client does not.
    pub fn subscribe_ended(&self) -> broadcast::Receiver<Uuid> {
        self.ended.subscribe()
    }

    pub fn tmux(&self) -> &Tmux {
        &self.tmux
    }

    pub async fn create(&self, req: CreateTerminal) -> Result<Terminal, SessionError> {
        self.create_with_env(req, Vec::new()).await
    }

    /// [`Self::create`] with environment variables added to the program's (gRPC
    /// `CreateSession.env`; checked by [`request::check_env`]).
    #[tracing::instrument(skip_all, err, fields(terminal_id))]
    pub async fn create_with_env(
        &self,
        req: CreateTerminal,
        extra_env: Vec<(String, String)>,
    ) -> Result<Terminal, SessionError> {
        request::check_env(&extra_env)?;
        let title = clean_title(req.title)?;
        let cols = size("cols", req.cols, DEFAULT_SIZE.0)?;
        let rows = size("rows", req.rows, DEFAULT_SIZE.1)?;
        let cwd = request::resolve_cwd(&self.cfg, req.cwd.as_deref()).await?;
        let (argv, target) = request::resolve_command(&self.cfg, req.command, &cwd)?;
        let id = Uuid::new_v4();
        tracing::Span::current().record("terminal_id", tracing::field::display(id));
        let new = NewRow {
            id,
            session_id: req.session_id,
            title,
            cwd: cwd.to_string_lossy().into_owned(),
            target,
            cols: i32::from(cols),
            rows: i32::from(rows),
            created_at: None,
        };
        let mut env = extra_env;
        env.extend([
            ("BOOTERM_TERMINAL_ID".to_owned(), id.to_string()),
            (
                "SHELL".to_owned(),
                self.cfg.shell.to_string_lossy().into_owned(),
            ),
        ]);
        let row = {
            let _live = self.liveness.lock().await;
            let row = store::insert(&self.pool, &new)
                .await
                .map_err(|e| insert_error(e, req.session_id))?;
            let started = self
                .tmux
                .new_session(&row.tmux_name, &cwd, cols, rows, argv.as_deref(), &env)
                .await;
            if let Err(e) = started {
                if let Err(db) = store::delete(&self.pool, id).await {
                    tracing::warn!(error = %db, "cannot remove the row of a terminal that did not start");
                }
                return Err(e.into());
            }
            row
        };
        tracing::info!(tmux_name = %row.tmux_name, cwd = %row.cwd, "terminal created");
        let live = self.live_one(&row.tmux_name).await;
        if let Some(s) = &live {
            self.watch(id, s);
        }
        Ok(to_terminal(row, live.as_ref()))
    }

    /// Terminals (default: live ones), oldest first, joined with tmux's live view. A
    /// live row whose program exited or whose session vanished is settled first.
    pub async fn list(
        &self,
        session_id: Option<Uuid>,
        status: StatusFilter,
        limit: i64,
    ) -> Result<Vec<Terminal>, SessionError> {
        let mut rows = store::list(&self.pool, session_id, status, limit).await?;
        // Only live rows need tmux's view (the page polls the exited ones too).
        let mut live = if rows.iter().any(TerminalRow::is_live) {
            self.live_map_soft().await
        } else {
            Some(HashMap::new())
        };
        if let Some(map) = &live {
            let suspects: Vec<Uuid> = rows
                .iter()
                .filter(|r| needs_settling(r, map))
                .map(|r| r.id)
                .collect();
            if !suspects.is_empty() {
                self.settle(&suspects).await?;
                rows = store::list(&self.pool, session_id, status, limit).await?;
                live = self.live_map_soft().await;
            }
        }
        let empty = HashMap::new();
        let map = live.as_ref().unwrap_or(&empty);
        Ok(rows
            .into_iter()
            .map(|r| {
                let s = map.get(&r.tmux_name);
                to_terminal(r, s)
            })
            .collect())
    }

    /// One terminal, settled like [`Self::list`]. An attach whose tmux client ended
    /// calls this to learn whether (and how) the program exited.
    pub async fn get(&self, id: Uuid) -> Result<Terminal, SessionError> {
        let mut row = self.row(id).await?;
        let mut live = self.live_map_soft().await;
        if live.as_ref().is_some_and(|map| needs_settling(&row, map)) {
            self.settle(&[id]).await?;
            row = self.row(id).await?;
            live = self.live_map_soft().await;
        }
        let s = live.as_ref().and_then(|m| m.get(&row.tmux_name));
        Ok(to_terminal(row, s))
    }

    pub async fn rename(&self, id: Uuid, title: Option<String>) -> Result<Terminal, SessionError> {
        let title = clean_title(title)?;
        store::set_title(&self.pool, id, title.as_deref())
            .await?
            .ok_or(SessionError::NotFound(id))?;
        self.get(id).await
    }

    /// Kill the tmux session and mark the row exited; `true` when a session was
    /// killed (`false`: it had already ended).
    #[tracing::instrument(skip(self), err)]
    pub async fn kill(&self, id: Uuid) -> Result<bool, SessionError> {
        let row = self.row(id).await?;
        let _live = self.liveness.lock().await;
        let session = self.live_one(&row.tmux_name).await;
        let ending = self.ending(&row, session.as_ref()).await;
        let killed = self.tmux.kill(&row.tmux_name).await?;
        store::mark_exited(&self.pool, id, ending).await?;
        self.unwatch(id);
        let _ = self.ended.send(id);
        Ok(killed && session.is_some_and(|s| !s.dead))
    }

    /// The pane's text: `lines` of scrollback (capped at `term.history_lines`) and
    /// the visible screen, without escapes. An exited terminal answers with what
    /// its pane showed when it ended (at most [`KEPT_LINES`] of scrollback).
    pub async fn snapshot(&self, id: Uuid, lines: u32) -> Result<TerminalSnapshot, SessionError> {
        let t = self.get(id).await?;
        if t.status == TerminalStatus::Exited {
            return self.final_snapshot(&t, lines).await;
        }
        let lines = lines.min(self.cfg.history_lines);
        match self.tmux.capture(&t.tmux_name, lines, false).await {
            Ok(raw) => Ok(TerminalSnapshot {
                text: tidy(&raw),
                cols: t.cols,
                rows: t.rows,
            }),
            Err(TmuxError::NoServer(_) | TmuxError::NoSession(_)) => {
                self.settle(&[id]).await?;
                Err(SessionError::Exited(id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A client attached to the terminal just now.
    pub async fn touch_attached(&self, id: Uuid) -> Result<(), SessionError> {
        if store::touch_attached(&self.pool, id).await? {
            Ok(())
        } else {
            Err(SessionError::NotFound(id))
        }
    }

    /// Make the table agree with tmux: rows whose session vanished or whose program
    /// exited end (with its exit code); terminals of a deleted workspace session
    /// are killed and end; live `bc-<uuid>` sessions without a row are adopted;
    /// dead ones without a live row are killed. Then exited rows older than
    /// `term.exited_retention_days` are deleted, [`PRUNE_BATCH`] at most.
    #[tracing::instrument(skip_all, err)]
    pub async fn reconcile(&self) -> Result<Reconciled, SessionError> {
        let _live = self.liveness.lock().await;
        let ours: HashMap<Uuid, TmuxSession> = self
            .tmux
            .list()
            .await?
            .into_iter()
            .filter_map(|s| parse_tmux_name(&s.name).map(|id| (id, s)))
            .collect();
        let mut done = Reconciled::default();
        let rows = store::list_live(&self.pool).await?;
        let row_ids: HashSet<Uuid> = rows.iter().map(|r| r.id).collect();
        let orphans: HashSet<Uuid> = store::live_of_deleted_sessions(&self.pool)
            .await?
            .into_iter()
            .collect();
        for row in &rows {
            let session = ours.get(&row.id);
            if orphans.contains(&row.id) {
                // `end` keeps the last screen, then kills the tmux session.
                self.end(row, session).await?;
                done.orphaned.push(row.id);
                continue;
            }
            if let Some(s) = session.filter(|s| !s.dead) {
                self.watch(row.id, s);
                continue;
            }
            self.end(row, session).await?;
            done.ended.push(row.id);
        }
        for (id, s) in &ours {
            if row_ids.contains(id) {
                continue;
            }
            if s.dead {
                self.tmux.kill(&s.name).await?;
                continue;
            }
            if store::revive(&self.pool, *id).await?.is_some() {
                done.revived.push(*id);
            } else {
                store::insert(&self.pool, &adopted_row(*id, s)).await?;
                done.adopted.push(*id);
            }
            self.watch(*id, s);
        }
        // A workspace tab of a deleted terminal is pruned when the layout loads.
        if self.cfg.exited_retention_days > 0 {
            done.pruned =
                store::prune_exited(&self.pool, self.cfg.exited_retention_days, PRUNE_BATCH)
                    .await?;
        }
        for ids in [
            &mut done.adopted,
            &mut done.ended,
            &mut done.revived,
            &mut done.pruned,
            &mut done.orphaned,
        ] {
            ids.sort();
        }
        if done != Reconciled::default() {
            tracing::info!(adopted = ?done.adopted, ended = ?done.ended, revived = ?done.revived, orphaned = ?done.orphaned, pruned = done.pruned.len(), "reconciled terminals with tmux");
        }
        Ok(done)
    }

    /// Reconcile every `every` until `stop`: terminals nobody looks at still end.
    pub async fn reconcile_every(self: Arc<Self>, every: Duration, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            if let Err(e) = self.reconcile().await {
                tracing::warn!(error = %e, "periodic terminal reconcile failed");
            }
        }
    }

    /// Settle `ids`: under the lock, with a fresh look at tmux, end each live row
    /// whose session vanished or whose program exited.
    async fn settle(&self, ids: &[Uuid]) -> Result<(), SessionError> {
        let _live = self.liveness.lock().await;
        let map = self.live_map().await?;
        for id in ids {
            let Some(row) = store::get(&self.pool, *id).await? else {
                continue;
            };
            if needs_settling(&row, &map) {
                self.end(&row, map.get(&row.tmux_name)).await?;
            }
        }
        Ok(())
    }

    /// End a live row: keep what its pane shows, kill its (dead) session, record
    /// the exit code.
    async fn end(
        &self,
        row: &TerminalRow,
        session: Option<&TmuxSession>,
    ) -> Result<(), SessionError> {
        let ending = self.ending(row, session).await;
        let code = ending.exit_code;
        if session.is_some() {
            self.tmux.kill(&row.tmux_name).await?;
        }
        store::mark_exited(&self.pool, row.id, ending).await?;
        self.unwatch(row.id);
        let _ = self.ended.send(row.id);
        tracing::info!(terminal_id = %row.id, exit_code = ?code, "terminal ended");
        Ok(())
    }

    /// Settle terminal `id` as soon as its pane's program exits (once per
    /// terminal; reconcile calls this for every live one, so adopted terminals and
    /// those of an earlier booterm are watched too).
    fn watch(&self, id: Uuid, session: &TmuxSession) {
        let Some(pid) = session.pane_pid else {
            return;
        };
        if !lock(&self.watched).insert(id) {
            return;
        }
        let me = self.me.clone();
        tokio::spawn(async move {
            let watched = exits::exited(pid).await;
            let Some(me) = me.upgrade() else {
                return;
            };
            match watched {
                Ok(()) => me.settle_exited(id).await,
                Err(e) => {
                    // Out of descriptors, say: the next reconcile notices the exit
                    // and tries to watch again.
                    tracing::warn!(error = %e, terminal_id = %id, pid, "cannot watch a pane's program");
                    me.unwatch(id);
                }
            }
        });
    }

    fn unwatch(&self, id: Uuid) {
        lock(&self.watched).remove(&id);
    }

    /// A watched pane's program exited: settle its terminal. tmux needs a moment
    /// to see the pty close and reap the program, so look a few times. A pane
    /// whose pty another process still holds (a background job) stays live.
    async fn settle_exited(&self, id: Uuid) {
        for pause in SETTLE_PAUSES {
            tokio::time::sleep(pause).await;
            if let Err(e) = self.settle(&[id]).await {
                tracing::warn!(error = %e, terminal_id = %id, "cannot settle a terminal whose program exited");
            }
            match store::get(&self.pool, id).await {
                Ok(Some(row)) if row.is_live() => {}
                _ => return,
            }
        }
        tracing::debug!(terminal_id = %id, "a pane outlived its program (its pty is still held)");
    }

    /// How `row` ends: its exit code, last size and text, as far as tmux (`session`,
    /// `None` when it vanished) can still tell. A failed capture keeps no text.
    async fn ending(&self, row: &TerminalRow, session: Option<&TmuxSession>) -> store::Ending {
        let Some(s) = session else {
            return store::Ending::default();
        };
        let final_text = match self.tmux.capture(&row.tmux_name, KEPT_LINES, false).await {
            Ok(text) => Some(text),
            Err(e) => {
                tracing::warn!(error = %e, terminal_id = %row.id, "cannot keep an ending terminal's text");
                None
            }
        };
        store::Ending {
            exit_code: s.exit_code(),
            size: Some((s.width, s.height)),
            final_text,
        }
    }

    /// An exited terminal's kept text: its last `lines` of scrollback and the screen.
    async fn final_snapshot(
        &self,
        t: &Terminal,
        lines: u32,
    ) -> Result<TerminalSnapshot, SessionError> {
        let Some(Some(raw)) = store::final_text(&self.pool, t.id).await? else {
            return Err(SessionError::Exited(t.id));
        };
        let all: Vec<&str> = raw.lines().collect();
        let keep = (lines as usize).saturating_add(usize::from(t.rows));
        let text = all[all.len().saturating_sub(keep)..].join("\n");
        Ok(TerminalSnapshot {
            text: tidy(&text),
            cols: t.cols,
            rows: t.rows,
        })
    }

    async fn row(&self, id: Uuid) -> Result<TerminalRow, SessionError> {
        store::get(&self.pool, id)
            .await?
            .ok_or(SessionError::NotFound(id))
    }

    async fn live_map(&self) -> Result<HashMap<String, TmuxSession>, TmuxError> {
        Ok(self
            .tmux
            .list()
            .await?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect())
    }

    /// tmux's view, or `None` (logged) when tmux cannot answer: reads then show the
    /// rows as stored rather than failing.
    async fn live_map_soft(&self) -> Option<HashMap<String, TmuxSession>> {
        match self.live_map().await {
            Ok(map) => Some(map),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list tmux sessions; showing terminals as stored");
                None
            }
        }
    }

    async fn live_one(&self, name: &str) -> Option<TmuxSession> {
        self.live_map_soft().await?.remove(name)
    }
}

/// The watched set's lock; a panic elsewhere cannot leave the set inconsistent.
fn lock(m: &std::sync::Mutex<HashSet<Uuid>>) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A live row whose tmux session is gone or whose program exited.
fn needs_settling(row: &TerminalRow, live: &HashMap<String, TmuxSession>) -> bool {
    row.is_live() && live.get(&row.tmux_name).is_none_or(|s| s.dead)
}

fn to_terminal(row: TerminalRow, live: Option<&TmuxSession>) -> Terminal {
    let live = live.filter(|_| row.is_live());
    let stored = |n: i32, default: u16| u16::try_from(n).unwrap_or(default);
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Terminal {
        command: live.and_then(|s| non_empty(s.start_command.trim_start_matches("env -- "))),
        current_command: live.and_then(|s| non_empty(&s.current_command)),
        cols: live.map_or_else(|| stored(row.cols, DEFAULT_SIZE.0), |s| s.width),
        rows: live.map_or_else(|| stored(row.rows, DEFAULT_SIZE.1), |s| s.height),
        status: row.status,
        attached_clients: live.map_or(0, |s| s.attached),
        id: row.id,
        session_id: row.session_id,
        tmux_name: row.tmux_name,
        title: row.title,
        cwd: row.cwd,
        target: row.target,
        exit_code: row.exit_code,
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_attached_at: row.last_attached_at,
        exited_at: row.exited_at,
    }
}

fn adopted_row(id: Uuid, s: &TmuxSession) -> NewRow {
    let clamp = |n: u16| i32::from(n).clamp(1, MAX_SIZE as i32);
    NewRow {
        id,
        session_id: None,
        title: None,
        cwd: if s.current_path.starts_with('/') {
            s.current_path.clone()
        } else {
            "/".to_owned()
        },
        target: None,
        cols: clamp(s.width),
        rows: clamp(s.height),
        created_at: DateTime::from_timestamp(s.created, 0),
    }
}

fn insert_error(e: sqlx::Error, session_id: Option<Uuid>) -> SessionError {
    match boo_shared::catalog::constraint(&e) {
        Some("terminal_sessions_session_id_fkey") => {
            SessionError::UnknownSession(session_id.unwrap_or_default())
        }
        Some("terminal_sessions_title_chk") => invalid(
            "invalid_title",
            format!("title must be at most {MAX_TITLE_CHARS} characters"),
        ),
        Some("terminal_sessions_cwd_chk") => invalid("invalid_cwd", "cwd must be an absolute path"),
        _ => e.into(),
    }
}

/// Trailing blanks off every line, trailing empty lines off the end.
fn tidy(raw: &str) -> String {
    let mut lines: Vec<&str> = raw.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;
