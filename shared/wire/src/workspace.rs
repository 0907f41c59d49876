//! The workspace layout of a session (CHAT-7), as the browser and boochat exchange it
//! and as `sessions.workspace_panes` stores it: the `WorkspaceState` envelope.
//!
//! A session shows 1–[`MAX_PANES`] panes side by side. Each pane has a tab strip; a tab
//! is a boochat chat, an agent chat run by boocoder (both rows of `chats`) or a booterm
//! terminal (a row of `terminal_sessions`). Every open tab has a number, unique in the
//! session, assigned when it opens and never reused (`tabNumbers`, `nextTabNumber`).
//! Closed panes wait on a LIFO stack (at most [`MAX_CLOSED_PANES`]) to be reopened.
//!
//! `version` orders the writes: a write names the version it was based on, boochat
//! stores it as the next version, and a write based on an older one is refused with
//! the current state (409), so two devices never silently overwrite each other.
//!
//! The envelope's field names are camelCase, as the original BooCode's were; the
//! legacy form ([`LegacyPane`], a bare array of chat panes) is still accepted on write.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Most panes a session shows at once.
pub const MAX_PANES: usize = 5;
/// Most closed panes kept for "Reopen closed pane".
pub const MAX_CLOSED_PANES: usize = 10;
/// Most tabs in one pane.
pub const MAX_TABS_PER_PANE: usize = 50;

/// What a tab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TabKind {
    /// A boochat chat (`chats.id`).
    Chat,
    /// An agent chat run by boocoder (`chats.id`).
    Coder,
    /// A booterm terminal (`terminal_sessions.id`).
    Term,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkspaceTab {
    pub kind: TabKind,
    /// The chat's or the terminal's id.
    pub id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspacePane {
    /// Made by the client, unique among the session's panes and closed panes
    /// (1–64 of `A-Za-z0-9_-`).
    pub id: String,
    /// In strip order; empty = the session's history pane.
    pub tabs: Vec<WorkspaceTab>,
    /// The tab shown; one of `tabs`, or absent when `tabs` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub active_tab: Option<Uuid>,
    /// Relative width (flex grow) set by the splitters; absent = equal share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub width: Option<f64>,
}

/// `sessions.workspace_panes`: what `GET`/`PATCH /api/sessions/{id}/workspace` carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceState {
    /// 1–5 panes, left to right.
    pub panes: Vec<WorkspacePane>,
    /// Tab id → its session-scoped number, for the open tabs.
    #[ts(type = "Record<string, number>")]
    pub tab_numbers: BTreeMap<Uuid, u32>,
    /// The number the next opened tab gets (greater than every number ever given).
    pub next_tab_number: u32,
    /// Closed panes, the most recently closed last (at most 10).
    pub closed_pane_stack: Vec<WorkspacePane>,
    /// On read: the stored version (0 = never saved). On write: the version the
    /// change was based on; the stored one becomes `version + 1`.
    pub version: u32,
}

impl WorkspaceState {
    /// The layout of a session that never saved one: one empty pane.
    pub fn initial() -> Self {
        Self {
            panes: vec![WorkspacePane {
                id: "p1".into(),
                tabs: Vec::new(),
                active_tab: None,
                width: None,
            }],
            tab_numbers: BTreeMap::new(),
            next_tab_number: 1,
            closed_pane_stack: Vec::new(),
            version: 0,
        }
    }
}

/// A pane as the original BooCode stored it before the envelope (a bare array of
/// these). Only chats lived in tabs then; terminal and agent panes were placeholders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LegacyPane {
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<String>,
    /// `chat`, `empty`, `terminal`, `agent`: only the chat ids matter.
    #[serde(default)]
    #[ts(optional)]
    pub kind: Option<String>,
    #[serde(default)]
    pub chat_ids: Vec<Uuid>,
    #[serde(default)]
    #[ts(optional)]
    pub active_chat_idx: Option<u32>,
}

/// The body of `PATCH /api/sessions/{id}/workspace`: the envelope, or the legacy bare
/// pane array (migrated on write, without a version check: legacy writers have none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum WorkspaceWrite {
    State(WorkspaceState),
    Legacy(Vec<LegacyPane>),
}

/// The body of a 409 for a write based on an old version: the error, and the state the
/// client must rebase its change on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceConflict {
    pub error: String,
    pub code: String,
    pub current: WorkspaceState,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    #[test]
    fn the_envelope_is_camel_case_and_round_trips() {
        let tab = Uuid::from_u128(7);
        let state = WorkspaceState {
            panes: vec![WorkspacePane {
                id: "p1".into(),
                tabs: vec![WorkspaceTab {
                    kind: TabKind::Term,
                    id: tab,
                }],
                active_tab: Some(tab),
                width: Some(1.5),
            }],
            tab_numbers: BTreeMap::from([(tab, 3)]),
            next_tab_number: 4,
            closed_pane_stack: vec![],
            version: 2,
        };
        let value = serde_json::to_value(&state).unwrap();
        assert_eq!(
            value,
            json!({
                "panes": [{"id": "p1", "tabs": [{"kind": "term", "id": tab}], "activeTab": tab, "width": 1.5}],
                "tabNumbers": {tab.to_string(): 3},
                "nextTabNumber": 4,
                "closedPaneStack": [],
                "version": 2
            })
        );
        assert_eq!(
            serde_json::from_value::<WorkspaceState>(value).unwrap(),
            state
        );
    }

    #[test]
    fn a_write_is_the_envelope_or_the_legacy_array() {
        let chat = Uuid::from_u128(9);
        let legacy = json!([{"id": "a", "kind": "chat", "chatIds": [chat], "activeChatIdx": 0}]);
        assert_eq!(
            serde_json::from_value::<WorkspaceWrite>(legacy).unwrap(),
            WorkspaceWrite::Legacy(vec![LegacyPane {
                id: Some("a".into()),
                kind: Some("chat".into()),
                chat_ids: vec![chat],
                active_chat_idx: Some(0),
            }])
        );
        let state = serde_json::to_value(WorkspaceState::initial()).unwrap();
        assert_eq!(
            serde_json::from_value::<WorkspaceWrite>(state).unwrap(),
            WorkspaceWrite::State(WorkspaceState::initial())
        );
        assert!(serde_json::from_value::<WorkspaceWrite>(json!({"panes": 3})).is_err());
        assert!(serde_json::from_value::<WorkspaceWrite>(json!("x")).is_err());
    }
}
