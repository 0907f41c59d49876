//! The chat's mode and model on an agent's session (CODER-9): a turn's own choice,
//! else — on a session just started in a new child (resumed, loaded or new) — the
//! values last applied for this (chat, agent), kept on its `agent_sessions` row.
//! Each value is set, then checked against what the agent reports back (the
//! config option's current value in its answer, or the mode it accepted); a
//! value the agent refuses or reports differently is logged and shown in the chat
//! as a UI-only system row (`metadata.kind` = [`CONFIG_MISMATCH_KIND`]), never
//! silently dropped. Only confirmed values are written back to the row.

use boo_shared::hub::Hub;
use sqlx::PgPool;
use uuid::Uuid;

use crate::acp::{ConfigKind, Connection, SessionInfo};

/// `metadata.kind` of the chat notice about a mode or model that did not hold.
pub const CONFIG_MISMATCH_KIND: &str = "config_mismatch";

/// A value the agent did not take as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// `mode` or `model`.
    pub what: &'static str,
    pub wanted: String,
    /// What the agent reports now (`None`: nothing).
    pub reported: Option<String>,
    /// The agent's error, when it refused.
    pub error: Option<String>,
}

/// What [`apply`] did: the values confirmed, and the ones that did not hold.
#[derive(Debug, Default)]
pub struct Applied {
    pub mode: Option<String>,
    pub model: Option<String>,
    pub mismatches: Vec<Mismatch>,
}

/// The current value of the select option of `category`: (option id, value).
fn option_of(info: Option<&SessionInfo>, category: &str) -> Option<(String, String)> {
    info?
        .config_options
        .iter()
        .find_map(|o| match (&o.category, &o.kind) {
            (Some(c), ConfigKind::Select { current, .. }) if c == category => {
                Some((o.id.clone(), current.clone()))
            }
            _ => None,
        })
}

/// Set `mode` and `model` (either may be absent) on `session` and check them.
pub async fn apply(
    conn: &Connection,
    session: &str,
    mode: Option<&str>,
    model: Option<&str>,
) -> Applied {
    let mut out = Applied::default();
    if let Some(mode) = mode {
        // A mode config option reports its value back; a plain mode list only
        // says whether the agent accepted.
        let option = option_of(conn.session_info(session).as_ref(), "mode").map(|(id, _)| id);
        let set = match &option {
            Some(id) => conn.set_config_option(session, id, mode).await,
            None => conn.set_mode(session, mode).await,
        };
        let info = conn.session_info(session);
        let reported = match option {
            Some(_) => option_of(info.as_ref(), "mode").map(|(_, v)| v),
            None => info.and_then(|i| i.current_mode),
        };
        check(
            &mut out.mismatches,
            &mut out.mode,
            "mode",
            mode,
            set,
            reported,
        );
    }
    if let Some(model) = model {
        let id = option_of(conn.session_info(session).as_ref(), "model")
            .map_or_else(|| "model".to_owned(), |(id, _)| id);
        let set = conn.set_config_option(session, &id, model).await;
        let reported = option_of(conn.session_info(session).as_ref(), "model").map(|(_, v)| v);
        check(
            &mut out.mismatches,
            &mut out.model,
            "model",
            model,
            set,
            reported,
        );
    }
    out
}

fn check(
    mismatches: &mut Vec<Mismatch>,
    confirmed: &mut Option<String>,
    what: &'static str,
    wanted: &str,
    set: Result<(), crate::acp::AcpError>,
    reported: Option<String>,
) {
    match set {
        Ok(()) if reported.as_deref() == Some(wanted) => *confirmed = Some(wanted.to_owned()),
        Ok(()) => {
            tracing::warn!(
                what,
                wanted,
                ?reported,
                "the agent reports another value than the one set"
            );
            mismatches.push(Mismatch {
                what,
                wanted: wanted.to_owned(),
                reported,
                error: None,
            });
        }
        Err(e) => {
            tracing::warn!(what, wanted, error = %e, "the agent refused the chat's setting");
            mismatches.push(Mismatch {
                what,
                wanted: wanted.to_owned(),
                reported,
                error: Some(e.to_string()),
            });
        }
    }
}

/// The text of the chat notice for `mismatches` (not empty).
pub fn notice_text(agent: &str, mismatches: &[Mismatch]) -> String {
    let lines: Vec<String> = mismatches
        .iter()
        .map(|m| {
            let now = m.reported.as_deref().unwrap_or("nothing");
            match &m.error {
                Some(e) => format!(
                    "{} {:?} was refused ({e}); the agent reports {now}",
                    m.what, m.wanted
                ),
                None => format!(
                    "{} {:?} did not hold: the agent reports {now}",
                    m.what, m.wanted
                ),
            }
        })
        .collect();
    format!(
        "{agent} did not take this chat's settings:\n{}",
        lines.join("\n")
    )
}

/// Show `mismatches` in the chat (a UI-only system row and its sentinel frame).
pub async fn report(
    pool: &PgPool,
    hub: &Hub,
    session_id: Uuid,
    chat_id: Uuid,
    agent: &str,
    mismatches: &[Mismatch],
) {
    if mismatches.is_empty() {
        return;
    }
    let detail: Vec<serde_json::Value> = mismatches
        .iter()
        .map(|m| {
            serde_json::json!({"what": m.what, "wanted": m.wanted, "reported": m.reported, "error": m.error})
        })
        .collect();
    let meta =
        serde_json::json!({"kind": CONFIG_MISMATCH_KIND, "agent": agent, "settings": detail});
    let text = notice_text(agent, mismatches);
    boo_shared::transcript::writer::post_notice(pool, hub, session_id, chat_id, &text, meta).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_notice_names_each_setting_that_did_not_hold() {
        let text = notice_text(
            "fake",
            &[
                Mismatch {
                    what: "mode",
                    wanted: "ask".into(),
                    reported: Some("code".into()),
                    error: None,
                },
                Mismatch {
                    what: "model",
                    wanted: "gpt-9".into(),
                    reported: Some("fake-fast".into()),
                    error: Some("invalid params".into()),
                },
            ],
        );
        assert_eq!(
            text,
            "fake did not take this chat's settings:\n\
             mode \"ask\" did not hold: the agent reports code\n\
             model \"gpt-9\" was refused (invalid params); the agent reports fake-fast"
        );
    }
}
