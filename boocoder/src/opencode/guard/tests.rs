use pretty_assertions::assert_eq;

use super::*;
use crate::acp::AgentEvent;
use crate::opencode::events::SessionMapper;
use crate::opencode::events::session_of;
use crate::opencode::events::tests::fixture;

/// Replay a recording through the mapper and the guard, arming the guard
/// (like a runner ending an aborted turn itself) right after event
/// `arm_after`; the terminals with their verdicts, in order.
fn verdicts(name: &str, arm_after: Option<usize>) -> Vec<(Mapped, Verdict)> {
    let events = fixture(name);
    let mut mapper = SessionMapper::new(session_of(&events[0]).unwrap());
    let mut guard = TurnGuard::default();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let mapped = mapper.map(e);
        if let Some(v) = guard.observe(&mapped, mapper.last_assistant_message()) {
            out.push((mapped, v));
        }
        if Some(i) == arm_after {
            guard.arm(mapper.last_assistant_message());
        }
    }
    out
}

/// The index of the last `message.part.delta` before the abort.
fn last_delta_before_abort(name: &str) -> usize {
    let events = fixture(name);
    let abort = events
        .iter()
        .position(|e| e["type"] == "session.error")
        .unwrap();
    events[..abort]
        .iter()
        .rposition(|e| e["type"] == "message.part.delta")
        .unwrap()
}

use Verdict::{Settle, Swallow};

#[test]
fn an_armed_abort_swallows_the_abort_error_and_both_idles_and_the_next_turn_settles() {
    let at = last_delta_before_abort("abort");
    assert_eq!(
        verdicts("abort", Some(at)),
        vec![
            (Mapped::Aborted, Swallow),
            (Mapped::Idle, Swallow),
            (Mapped::Idle, Swallow), // after the aborted message's final update
            (Mapped::Idle, Settle),  // the next turn's own
        ]
    );
}

#[test]
fn unarmed_the_abort_error_settles_the_turn_and_its_idles_are_orphans() {
    assert_eq!(
        verdicts("abort", None),
        vec![
            (Mapped::Aborted, Settle),
            (Mapped::Idle, Swallow),
            (Mapped::Idle, Swallow),
            (Mapped::Idle, Settle),
        ]
    );
}

#[test]
fn a_failed_turn_settles_on_its_error_and_owes_two_idles() {
    assert_eq!(
        verdicts("error", None),
        vec![
            (Mapped::Error("APIError: bad things".to_owned()), Settle),
            (Mapped::Idle, Swallow),
            (Mapped::Idle, Swallow),
        ]
    );
}

#[test]
fn without_an_error_the_idle_settles() {
    assert_eq!(verdicts("text", None), vec![(Mapped::Idle, Settle)]);
    assert_eq!(verdicts("tool", None), vec![(Mapped::Idle, Settle)]);
}

#[test]
fn a_prompt_waits_until_the_orphans_came() {
    let events = fixture("error");
    let mut mapper = SessionMapper::new(session_of(&events[0]).unwrap());
    let mut guard = TurnGuard::default();
    let mut can_prompt = Vec::new();
    for e in &events {
        let mapped = mapper.map(e);
        if guard
            .observe(&mapped, mapper.last_assistant_message())
            .is_some()
        {
            can_prompt.push(guard.can_prompt());
        }
    }
    // The prompt opencode dropped in this recording came after the first idle.
    assert_eq!(can_prompt, vec![false, false, true]);
}

#[test]
fn when_no_orphan_comes_the_next_turns_first_piece_disarms_the_guard() {
    // Aborted before anything ran: opencode sends nothing for it.
    let events = fixture("text");
    let mut mapper = SessionMapper::new(session_of(&events[0]).unwrap());
    let mut guard = TurnGuard::default();
    guard.arm(None);
    let mut out = Vec::new();
    for e in &events {
        let mapped = mapper.map(e);
        if let Some(v) = guard.observe(&mapped, mapper.last_assistant_message()) {
            out.push(v);
        }
    }
    assert_eq!(out, vec![Settle]);
    assert!(!guard.is_armed());
}

#[test]
fn late_pieces_of_the_dead_message_do_not_disarm() {
    let mut guard = TurnGuard::default();
    guard.arm(Some("msg_a"));
    let piece = Mapped::Agent(AgentEvent::Text("late".to_owned()));
    assert_eq!(guard.observe(&piece, Some("msg_a")), None);
    assert_eq!(
        guard.observe(&Mapped::Aborted, Some("msg_a")),
        Some(Swallow)
    );
    assert_eq!(guard.observe(&Mapped::Idle, Some("msg_a")), Some(Swallow));
    assert_eq!(guard.observe(&piece, Some("msg_a")), None);
    assert!(guard.is_armed());
    // Only one idle came; the next turn's first piece ends the wait.
    assert_eq!(guard.observe(&piece, Some("msg_b")), None);
    assert!(guard.can_prompt());
    assert_eq!(guard.observe(&Mapped::Idle, Some("msg_b")), Some(Settle));
}

#[test]
fn a_real_error_settles_even_while_an_abort_is_pending() {
    let mut guard = TurnGuard::default();
    guard.arm(Some("msg_a"));
    let error = Mapped::Error("APIError: Bad Request".to_owned());
    assert_eq!(guard.observe(&error, Some("msg_a")), Some(Settle));
    assert_eq!(
        guard,
        TurnGuard {
            aborting: false,
            orphan_idles: IDLES_AFTER_ERROR,
            stale: Some("msg_a".to_owned()),
        }
    );
}
