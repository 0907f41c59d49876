//! WebSocket frames. Every frame is one JSON object tagged by `type`, carried in an
//! [`Envelope`] with a per-session, monotonically increasing `seq` so a
//! reconnecting client can say what it already has.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// What a daemon sends. Later features add variants (deltas, tool calls, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame on every connection.
    Hello { daemon: String, version: String },
    /// The client's `last_seq` fell out of the replay ring: refetch over REST.
    ResyncRequired { reason: String },
    /// The client sent something the daemon could not use.
    Error { code: String, message: String },
}

/// A frame with its ordering metadata: `{"type": …, "seq": …, "session_id": …, …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Envelope {
    /// Per-session sequence number; 0 for connection-level frames.
    pub seq: u64,
    /// The session the frame belongs to; absent for connection-level frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub session_id: Option<Uuid>,
    #[serde(flatten)]
    pub frame: ServerFrame,
}

impl Envelope {
    /// A frame that is about the connection, not a session.
    pub fn connection(frame: ServerFrame) -> Self {
        Self {
            seq: 0,
            session_id: None,
            frame,
        }
    }
}

/// What a browser sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Subscribe to a session, replaying everything after `last_seq`.
    Resume {
        session_id: Uuid,
        last_seq: u64,
    },
    Ping,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn envelope_flattens_the_tagged_frame() {
        let sid = Uuid::nil();
        let env = Envelope {
            seq: 7,
            session_id: Some(sid),
            frame: ServerFrame::ResyncRequired {
                reason: "gap".into(),
            },
        };
        let value = serde_json::to_value(&env).unwrap();
        assert_eq!(
            value,
            json!({"type": "resync_required", "seq": 7, "session_id": sid, "reason": "gap"})
        );
        assert_eq!(serde_json::from_value::<Envelope>(value).unwrap(), env);
    }

    #[test]
    fn connection_frames_omit_session_id() {
        let env = Envelope::connection(ServerFrame::Hello {
            daemon: "boochat".into(),
            version: "0.1.0".into(),
        });
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"type": "hello", "seq": 0, "daemon": "boochat", "version": "0.1.0"})
        );
    }

    #[test]
    fn client_frames_parse_and_reject_unknown_types() {
        let sid = Uuid::nil();
        assert_eq!(
            serde_json::from_value::<ClientFrame>(
                json!({"type": "resume", "session_id": sid, "last_seq": 3})
            )
            .unwrap(),
            ClientFrame::Resume {
                session_id: sid,
                last_seq: 3
            }
        );
        assert!(serde_json::from_value::<ClientFrame>(json!({"type": "explode"})).is_err());
    }
}
