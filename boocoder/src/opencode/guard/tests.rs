use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;
use crate::acp::AgentEvent;
use crate::opencode::events::SessionMapper;
use crate::opencode::events::session_of;
use crate::opencode::events::tests::fixture;

/// Replay a recording through the mapper and the guard, arming the guard
/// (like a cancel would) right after event `arm_after` (an index into the
/// recording); the verdicts on terminals, in order.
fn verdicts(name: &str, arm_after: Option<usize>) -> Vec<Verdict> {
    let events = fixture(name);
    let mut mapper = SessionMapper::new(session_of(&events[0]).unwrap());
    let mut guard = TurnGuard::default();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let mapped = mapper.map(e);
        if let Some(v) = guard.observe(&mapped, mapper.last_assistant_message()) {
            out.push(v);
        }
        if Some(i) == arm_after {
            guard.arm(mapper.last_assistant_message());
        }
    }
    out
}

/// The index of the last `message.part.delta` before the abort in `abort.jsonl`.
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

#[test]
fn the_aborted_turns_error_and_both_idles_are_swallowed_and_the_next_turn_settles() {
    let at = last_delta_before_abort("abort");
    assert_eq!(
        verdicts("abort", Some(at)),
        vec![
            Verdict::Swallow, // session.error MessageAbortedError
            Verdict::Swallow, // session.idle
            Verdict::Swallow, // the second session.idle after the final message.updated
            Verdict::Settle,  // the next turn's own idle
        ]
    );
}

#[test]
fn without_an_abort_the_idle_settles() {
    assert_eq!(verdicts("text", None), vec![Verdict::Settle]);
    assert_eq!(verdicts("tool", None), vec![Verdict::Settle]);
    // The same recording, unguarded: every terminal settles something.
    assert_eq!(
        verdicts("abort", None),
        vec![
            Verdict::Settle,
            Verdict::Settle,
            Verdict::Settle,
            Verdict::Settle
        ]
    );
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
    assert_eq!(out, vec![Verdict::Settle]);
    assert!(!guard.is_armed());
}

#[test]
fn late_pieces_of_the_aborted_message_do_not_disarm() {
    let mut guard = TurnGuard::default();
    guard.arm(Some("msg_a"));
    let piece = Mapped::Agent(AgentEvent::Text("late".to_owned()));
    assert_eq!(guard.observe(&piece, Some("msg_a")), None);
    assert!(guard.is_armed());
    assert_eq!(guard.observe(&Mapped::Idle, None), Some(Verdict::Swallow));
    assert_eq!(guard.observe(&piece, Some("msg_b")), None);
    assert!(!guard.is_armed());
    assert_eq!(guard.observe(&Mapped::Idle, None), Some(Verdict::Settle));
}

#[test]
fn a_real_error_settles_even_while_armed() {
    let mut guard = TurnGuard::default();
    guard.arm(Some("msg_a"));
    let error = SessionMapper::new("ses_1").map(&json!({"type": "session.error",
        "properties": {"sessionID": "ses_1", "error": {"name": "APIError", "data": {"message": "Bad Request"}}}}));
    assert_eq!(error, Mapped::Error("APIError: Bad Request".to_owned()));
    assert_eq!(guard.observe(&error, None), Some(Verdict::Settle));
    assert_eq!(guard, TurnGuard::default());
}
