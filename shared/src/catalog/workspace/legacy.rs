//! The original BooCode's bare pane array, written by clients that predate the
//! envelope: migrated to a [`WorkspaceState`] on write. Pure, like [`super::rules`].

use std::collections::{BTreeMap, HashSet};

use crate::workspace::{LegacyPane, TabKind, WorkspacePane, WorkspaceState, WorkspaceTab};

use super::rules::{Known, retain_tabs, valid_pane_id};

/// The envelope for a legacy pane array written over `stored`: each pane keeps its id
/// when valid and free (else `p<n>`), its chat ids become `chat` tabs (the legacy
/// writers only had boochat chats in tabs; `chats.agent` names an AGENTS.md agent there,
/// not a coding agent; unknown, foreign or repeated ids dropped), `activeChatIdx` picks the
/// active tab. Tabs open in `stored` keep their numbers, the others are numbered from
/// `stored.nextTabNumber` on in pane and tab order. No closed panes; `version` is
/// `stored.version` (the caller stores the next one).
pub fn migrate(legacy: &[LegacyPane], known: &Known, stored: &WorkspaceState) -> WorkspaceState {
    let taken: HashSet<&str> = legacy
        .iter()
        .filter_map(|p| p.id.as_deref())
        .filter(|id| valid_pane_id(id))
        .collect();
    let mut used = HashSet::new();
    let mut seen = HashSet::new();
    let mut panes = Vec::with_capacity(legacy.len());
    for (i, old) in legacy.iter().enumerate() {
        let id = match old.id.as_deref() {
            Some(id) if valid_pane_id(id) && !used.contains(id) => id.to_owned(),
            _ => (i + 1..)
                .map(|n| format!("p{n}"))
                .find(|id| !taken.contains(id.as_str()) && !used.contains(id))
                .unwrap_or_default(),
        };
        used.insert(id.clone());
        let keep: Vec<bool> = old
            .chat_ids
            .iter()
            .map(|c| known.chat_kind(c).is_some() && seen.insert(*c))
            .collect();
        let mut pane = WorkspacePane {
            id,
            tabs: old
                .chat_ids
                .iter()
                .map(|&id| WorkspaceTab {
                    kind: TabKind::Chat,
                    id,
                })
                .collect(),
            active_tab: old
                .active_chat_idx
                .and_then(|i| old.chat_ids.get(usize::try_from(i).ok()?))
                .copied(),
            width: None,
        };
        retain_tabs(&mut pane, &keep);
        panes.push(pane);
    }
    let mut next = stored.next_tab_number.max(1);
    let mut tab_numbers = BTreeMap::new();
    for tab in panes.iter().flat_map(|p| &p.tabs) {
        let number = stored.tab_numbers.get(&tab.id).copied().unwrap_or_else(|| {
            next = next.saturating_add(1);
            next - 1
        });
        tab_numbers.insert(tab.id, number);
    }
    WorkspaceState {
        panes,
        tab_numbers,
        next_tab_number: next,
        closed_pane_stack: Vec::new(),
        version: stored.version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::workspace::rules::check;
    use crate::catalog::workspace::testing::{chat, id, pane};
    use pretty_assertions::assert_eq;
    use uuid::Uuid;

    fn legacy(id: Option<&str>, chats: &[u128], active: Option<u32>) -> LegacyPane {
        LegacyPane {
            id: id.map(Into::into),
            kind: Some("chat".into()),
            chat_ids: chats.iter().map(|&n| Uuid::from_u128(n)).collect(),
            active_chat_idx: active,
        }
    }

    #[test]
    fn a_legacy_array_becomes_the_envelope() {
        // 1: plain chat, 2: a chat with an AGENTS.md agent (still a chat tab), 3: not
        // this session's, 4: plain chat.
        let known = Known::new([(id(1), false), (id(2), true), (id(4), false)], []);
        let got = migrate(
            &[
                legacy(Some("bad id"), &[1, 3, 2], Some(1)),
                legacy(Some("p1"), &[4, 1], None),
                legacy(Some("p1"), &[], Some(0)),
                legacy(None, &[3], Some(0)),
            ],
            &known,
            &WorkspaceState::initial(),
        );
        assert_eq!(
            got,
            WorkspaceState {
                panes: vec![
                    // The active chat 3 is gone: its right neighbour takes over.
                    pane("p2", vec![chat(1), chat(2)], Some(2)),
                    pane("p1", vec![chat(4)], None),
                    pane("p3", vec![], None),
                    pane("p4", vec![], None),
                ],
                tab_numbers: BTreeMap::from([(id(1), 1), (id(2), 2), (id(4), 3)]),
                next_tab_number: 4,
                closed_pane_stack: vec![],
                version: 0,
            }
        );
        assert_eq!(check(&got), Ok(()));
    }

    #[test]
    fn a_legacy_array_over_a_stored_layout_never_reuses_a_number() {
        let known = Known::new([(id(1), false), (id(2), false), (id(4), false)], []);
        // Tabs 1–3 were open with numbers 1–3; 4 was closed with its pane.
        let stored = WorkspaceState {
            panes: vec![pane("a", vec![chat(1), chat(2), chat(3)], Some(1))],
            tab_numbers: BTreeMap::from([(id(1), 1), (id(2), 2), (id(3), 3)]),
            next_tab_number: 5,
            closed_pane_stack: vec![pane("b", vec![chat(4)], None)],
            version: 3,
        };
        let got = migrate(&[legacy(Some("a"), &[4, 2], Some(0))], &known, &stored);
        assert_eq!(
            got,
            WorkspaceState {
                panes: vec![pane("a", vec![chat(4), chat(2)], Some(4))],
                tab_numbers: BTreeMap::from([(id(2), 2), (id(4), 5)]),
                next_tab_number: 6,
                closed_pane_stack: vec![],
                version: 3,
            }
        );
    }
}
