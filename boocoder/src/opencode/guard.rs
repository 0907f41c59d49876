//! The post-abort turn guard: the terminal events of an aborted turn must not
//! end the next turn.
//!
//! opencode's terminal events (`session.idle`, `session.error`) carry only the
//! session id, never a turn. After `POST /session/{id}/abort`, 1.18.33 sends, for
//! the cancelled turn, `session.error` (`MessageAbortedError`), `session.idle`,
//! the aborted message's final `message.updated`, and a **second**
//! `session.idle` (recorded in `tests/abort.jsonl`). A turn started right after
//! the abort would be settled by those stragglers. So an abort arms the guard;
//! while armed, idles and abort errors are swallowed; the next turn's first
//! streamed event from a message other than the aborted one disarms it (so a
//! missing orphan never swallows a real end: self-heal). A real error
//! (not `MessageAbortedError`) settles even while armed: the cancelled turn does
//! not fail, the new one does.
//!
//! Pure and per session; the caller feeds it what the mapper produced.
//!
//! opencode drops a prompt sent while an abort is still unwinding (it is stored
//! as a user message and never answered; `tests/abort_race.jsonl`): send the
//! next prompt after the aborted turn's first swallowed idle, or after
//! `GET /session/status` no longer lists the session.

use super::events::Mapped;

/// What to do with a terminal event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It ends the current turn.
    Settle,
    /// It belongs to an aborted turn: ignore it.
    Swallow,
}

/// The guard of one opencode session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TurnGuard {
    armed: Option<Armed>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Armed {
    /// The assistant message of the aborted turn: its late parts are no sign of
    /// a new turn.
    stale: Option<String>,
}

impl TurnGuard {
    /// An abort was sent for the turn whose latest assistant message is `stale`
    /// (see `SessionMapper::last_assistant_message`).
    pub fn arm(&mut self, stale: Option<&str>) {
        self.armed = Some(Armed {
            stale: stale.map(str::to_owned),
        });
    }

    /// True between an abort and the next turn's first streamed event.
    pub fn is_armed(&self) -> bool {
        self.armed.is_some()
    }

    /// A streamed event of assistant message `message` (`None` when unknown)
    /// arrived: if it is not the aborted turn's, the new turn has begun.
    pub fn note_activity(&mut self, message: Option<&str>) {
        if let Some(armed) = &self.armed
            && (message.is_none() || armed.stale.as_deref() != message)
        {
            self.armed = None;
        }
    }

    /// Decide a terminal event: [`Mapped::Idle`], [`Mapped::Aborted`] or
    /// [`Mapped::Error`]. Anything else settles nothing and is answered
    /// `Swallow`.
    pub fn on_terminal(&mut self, event: &Mapped) -> Verdict {
        match (event, self.armed.is_some()) {
            (Mapped::Idle | Mapped::Aborted, true) => Verdict::Swallow,
            (Mapped::Error(_), true) => {
                self.armed = None;
                Verdict::Settle
            }
            (Mapped::Idle | Mapped::Aborted | Mapped::Error(_), false) => Verdict::Settle,
            _ => Verdict::Swallow,
        }
    }

    /// Feed one mapped event: streamed events count as activity (of
    /// `message`, the mapper's `last_assistant_message` after mapping it),
    /// terminals are decided. `None` for events that are neither.
    pub fn observe(&mut self, event: &Mapped, message: Option<&str>) -> Option<Verdict> {
        match event {
            Mapped::Agent(_) | Mapped::Permission(_) | Mapped::Question(_) => {
                self.note_activity(message);
                None
            }
            Mapped::Idle | Mapped::Aborted | Mapped::Error(_) => Some(self.on_terminal(event)),
            Mapped::Settled(_) | Mapped::StepUsage(_) | Mapped::Ignore => None,
        }
    }
}

#[cfg(test)]
mod tests;
