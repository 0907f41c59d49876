//! The turn guard: the trailing terminal events of a failed or aborted turn
//! must not end the next turn, and the next prompt must wait for them.
//!
//! opencode's terminal events (`session.idle`, `session.error`) carry only the
//! session id, never a turn. What 1.18.33 really sends (recordings in
//! `tests/`):
//!
//! - a turn that succeeds: one `session.idle`;
//! - a turn that fails (`error.jsonl`, a 400 from the model) or is aborted
//!   (`abort.jsonl`, `POST /session/{id}/abort`): `session.error`
//!   (`MessageAbortedError` for the abort), `session.idle`, the dead message's
//!   final `message.updated`, then a **second** `session.idle`;
//! - a prompt sent before that second idle is stored as a user message and never
//!   answered (`error.jsonl`, `abort_race.jsonl`).
//!
//! So the error settles the turn and the two idles after it are orphans: the
//! guard swallows them, and [`TurnGuard::can_prompt`] is false until they came.
//! A runner that ends an aborted turn itself, without waiting for opencode,
//! calls [`TurnGuard::arm`] when `abort` answered true: the abort error is then
//! swallowed too. Self-heal: the first streamed event of a message other than
//! the dead turn's means a new turn runs, so nothing more is owed (an orphan
//! that never comes cannot swallow a real end).
//!
//! Pure and per session; the caller feeds it what the mapper produced.

use super::events::Mapped;

/// Idles a turn ended by `session.error` still sends.
const IDLES_AFTER_ERROR: u8 = 2;

/// What to do with a terminal event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It ends the current turn.
    Settle,
    /// It belongs to a turn already ended: ignore it.
    Swallow,
}

/// The guard of one opencode session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TurnGuard {
    /// An abort was sent for a turn the runner ended itself; its
    /// `MessageAbortedError` is still to come.
    aborting: bool,
    /// Idles still owed by a turn that ended with `session.error`.
    orphan_idles: u8,
    /// The assistant message of the dead turn: its late parts are no sign of
    /// a new turn.
    stale: Option<String>,
}

impl TurnGuard {
    /// The runner ended the turn itself after `abort` answered true; `stale` is
    /// that turn's latest assistant message (`SessionMapper::last_assistant_message`).
    pub fn arm(&mut self, stale: Option<&str>) {
        self.aborting = true;
        self.stale = stale.map(str::to_owned);
    }

    /// True while terminal events of an ended turn are still expected: the next
    /// prompt would be dropped by opencode. Wait (boundedly) until false.
    pub fn is_armed(&self) -> bool {
        self.aborting || self.orphan_idles > 0
    }

    /// Whether a prompt may be sent now (nothing owed).
    pub fn can_prompt(&self) -> bool {
        !self.is_armed()
    }

    /// A streamed event of assistant message `message` (`None` when unknown)
    /// arrived: if it is not the dead turn's, a new turn runs and nothing is owed.
    pub fn note_activity(&mut self, message: Option<&str>) {
        if self.is_armed() && (message.is_none() || self.stale.as_deref() != message) {
            self.aborting = false;
            self.orphan_idles = 0;
        }
    }

    /// Decide a terminal event ([`Mapped::Idle`], [`Mapped::Aborted`],
    /// [`Mapped::Error`]) of the turn whose latest assistant message is
    /// `message`. Anything else settles nothing and is answered `Swallow`.
    pub fn on_terminal(&mut self, event: &Mapped, message: Option<&str>) -> Verdict {
        match event {
            Mapped::Aborted | Mapped::Error(_) => {
                let swallow = self.aborting && *event == Mapped::Aborted;
                self.aborting = false;
                self.orphan_idles = IDLES_AFTER_ERROR;
                if let Some(m) = message {
                    self.stale = Some(m.to_owned());
                }
                if swallow {
                    Verdict::Swallow
                } else {
                    Verdict::Settle
                }
            }
            Mapped::Idle if self.orphan_idles > 0 => {
                self.orphan_idles -= 1;
                Verdict::Swallow
            }
            Mapped::Idle => Verdict::Settle,
            _ => Verdict::Swallow,
        }
    }

    /// Feed one mapped event, `message` being the mapper's
    /// `last_assistant_message` after mapping it: streamed events count as
    /// activity, terminals are decided. `None` for events that are neither.
    pub fn observe(&mut self, event: &Mapped, message: Option<&str>) -> Option<Verdict> {
        match event {
            Mapped::Agent(_) | Mapped::Permission(_) | Mapped::Question(_) => {
                self.note_activity(message);
                None
            }
            Mapped::Idle | Mapped::Aborted | Mapped::Error(_) => {
                Some(self.on_terminal(event, message))
            }
            Mapped::Settled(_) | Mapped::StepUsage(_) | Mapped::Ignore => None,
        }
    }
}

#[cfg(test)]
mod tests;
