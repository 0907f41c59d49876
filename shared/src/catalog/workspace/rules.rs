//! What a workspace write must satisfy, and how a stored layout loses the tabs whose
//! chat or terminal is gone. Pure: what the database knows about the session's chats
//! and terminals comes in as [`Known`].

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::store::StoreError;
use crate::workspace::{
    MAX_CLOSED_PANES, MAX_PANES, MAX_TABS_PER_PANE, TabKind, WorkspacePane, WorkspaceState,
    WorkspaceTab,
};

/// The chats and terminals of one session, among the ids a layout names.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Chat id → [`TabKind::Coder`] when an agent is selected, else [`TabKind::Chat`].
    chats: HashMap<Uuid, TabKind>,
    terminals: HashSet<Uuid>,
}

impl Known {
    /// `chats`: `(id, has an agent)`; `terminals`: ids.
    pub fn new(
        chats: impl IntoIterator<Item = (Uuid, bool)>,
        terminals: impl IntoIterator<Item = Uuid>,
    ) -> Self {
        Self {
            chats: chats
                .into_iter()
                .map(|(id, agent)| (id, if agent { TabKind::Coder } else { TabKind::Chat }))
                .collect(),
            terminals: terminals.into_iter().collect(),
        }
    }

    /// `coder` or `chat` for a chat of the session, by whether it has an agent.
    pub fn chat_kind(&self, chat: &Uuid) -> Option<TabKind> {
        self.chats.get(chat).copied()
    }

    /// The tab names a chat (kind `chat` or `coder`: the agent may change between
    /// turns) or a terminal (kind `term`) of the session.
    pub fn has(&self, tab: &WorkspaceTab) -> bool {
        match tab.kind {
            TabKind::Chat | TabKind::Coder => self.chats.contains_key(&tab.id),
            TabKind::Term => self.terminals.contains(&tab.id),
        }
    }
}

/// Why a layout is refused; each maps to a 400 with its own `code`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Invalid {
    #[error("a workspace has at least one pane")]
    NoPanes,
    #[error("{0} panes: at most {MAX_PANES} are shown at once")]
    TooManyPanes(usize),
    #[error("{0} closed panes: at most {MAX_CLOSED_PANES} are kept")]
    TooManyClosedPanes(usize),
    #[error("pane id {0:?} is not 1 to 64 of A-Za-z0-9_-")]
    InvalidPaneId(String),
    #[error("pane id {0:?} is used twice (panes and closed panes share ids)")]
    DuplicatePaneId(String),
    #[error("pane {pane:?} has {count} tabs: at most {MAX_TABS_PER_PANE} are allowed")]
    TooManyTabs { pane: String, count: usize },
    #[error("pane {pane:?} has width {width}: a width is a number above 0 and at most 100")]
    InvalidWidth { pane: String, width: f64 },
    #[error("tab {0} is open twice")]
    DuplicateTab(Uuid),
    #[error("pane {pane:?}: activeTab {tab} is not one of its tabs")]
    InvalidActiveTab { pane: String, tab: Uuid },
    #[error("{} tab {tab} is not a {} of this session", kind_name(*.kind), table(*.kind))]
    UnknownTab { tab: Uuid, kind: TabKind },
    #[error("tab {0} has no number in tabNumbers")]
    MissingTabNumber(Uuid),
    #[error("tabs {first} and {second} both have number {number}")]
    DuplicateTabNumber {
        first: Uuid,
        second: Uuid,
        number: u32,
    },
    #[error("nextTabNumber is 0: tab numbers start at 1")]
    ZeroNextTabNumber,
    #[error("tab {tab} has number {number}: numbers run from 1 to nextTabNumber - 1 ({next} - 1)")]
    TabNumberOutOfRange { tab: Uuid, number: u32, next: u32 },
    #[error("tabNumbers has {0}, which is not a tab of an open pane")]
    StrayTabNumber(Uuid),
    #[error("nextTabNumber went down from {stored} to {got}: tab numbers are never reused")]
    NextTabNumberDecreased { stored: u32, got: u32 },
}

fn kind_name(kind: TabKind) -> &'static str {
    match kind {
        TabKind::Chat => "chat",
        TabKind::Coder => "coder",
        TabKind::Term => "term",
    }
}

fn table(kind: TabKind) -> &'static str {
    match kind {
        TabKind::Chat | TabKind::Coder => "chat",
        TabKind::Term => "terminal",
    }
}

impl Invalid {
    /// The stable `code` of the 400.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoPanes => "no_panes",
            Self::TooManyPanes(_) => "too_many_panes",
            Self::TooManyClosedPanes(_) => "too_many_closed_panes",
            Self::InvalidPaneId(_) => "invalid_pane_id",
            Self::DuplicatePaneId(_) => "duplicate_pane_id",
            Self::TooManyTabs { .. } => "too_many_tabs",
            Self::InvalidWidth { .. } => "invalid_width",
            Self::DuplicateTab(_) => "duplicate_tab",
            Self::InvalidActiveTab { .. } => "invalid_active_tab",
            Self::UnknownTab { .. } => "unknown_tab",
            Self::MissingTabNumber(_) => "missing_tab_number",
            Self::DuplicateTabNumber { .. } => "duplicate_tab_number",
            Self::ZeroNextTabNumber
            | Self::TabNumberOutOfRange { .. }
            | Self::StrayTabNumber(_)
            | Self::NextTabNumberDecreased { .. } => "invalid_tab_number",
        }
    }
}

impl From<Invalid> for StoreError {
    fn from(e: Invalid) -> Self {
        Self::invalid(e.code(), e.to_string())
    }
}

/// 1–64 of `A-Za-z0-9_-`.
pub fn valid_pane_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Every rule that does not need the database, first failure wins.
pub fn check(state: &WorkspaceState) -> Result<(), Invalid> {
    let (panes, closed) = (&state.panes, &state.closed_pane_stack);
    if panes.is_empty() {
        return Err(Invalid::NoPanes);
    }
    if panes.len() > MAX_PANES {
        return Err(Invalid::TooManyPanes(panes.len()));
    }
    if closed.len() > MAX_CLOSED_PANES {
        return Err(Invalid::TooManyClosedPanes(closed.len()));
    }
    let mut pane_ids = HashSet::new();
    for pane in panes.iter().chain(closed) {
        check_pane(pane)?;
        if !pane_ids.insert(pane.id.as_str()) {
            return Err(Invalid::DuplicatePaneId(pane.id.clone()));
        }
    }
    // A tab is open once among the live panes; a closed pane remembers its own tabs,
    // which may be open again elsewhere.
    let mut live = HashSet::new();
    for tab in panes.iter().flat_map(|p| &p.tabs) {
        if !live.insert(tab.id) {
            return Err(Invalid::DuplicateTab(tab.id));
        }
    }
    for pane in closed {
        let mut seen = HashSet::new();
        for tab in &pane.tabs {
            if !seen.insert(tab.id) {
                return Err(Invalid::DuplicateTab(tab.id));
            }
        }
    }
    check_numbers(state, &live)
}

fn check_pane(pane: &WorkspacePane) -> Result<(), Invalid> {
    if !valid_pane_id(&pane.id) {
        return Err(Invalid::InvalidPaneId(pane.id.clone()));
    }
    if pane.tabs.len() > MAX_TABS_PER_PANE {
        return Err(Invalid::TooManyTabs {
            pane: pane.id.clone(),
            count: pane.tabs.len(),
        });
    }
    if let Some(width) = pane.width
        && !(width.is_finite() && width > 0.0 && width <= 100.0)
    {
        return Err(Invalid::InvalidWidth {
            pane: pane.id.clone(),
            width,
        });
    }
    if let Some(tab) = pane.active_tab
        && !pane.tabs.iter().any(|t| t.id == tab)
    {
        return Err(Invalid::InvalidActiveTab {
            pane: pane.id.clone(),
            tab,
        });
    }
    Ok(())
}

/// Every live tab has a number in `1..nextTabNumber`, no two share one, and only live
/// tabs have one (a closed pane's tabs gave theirs up).
fn check_numbers(state: &WorkspaceState, live: &HashSet<Uuid>) -> Result<(), Invalid> {
    let next = state.next_tab_number;
    if next == 0 {
        return Err(Invalid::ZeroNextTabNumber);
    }
    for tab in state.panes.iter().flat_map(|p| &p.tabs) {
        if !state.tab_numbers.contains_key(&tab.id) {
            return Err(Invalid::MissingTabNumber(tab.id));
        }
    }
    let mut owner = HashMap::new();
    for (&tab, &number) in &state.tab_numbers {
        if !live.contains(&tab) {
            return Err(Invalid::StrayTabNumber(tab));
        }
        if number == 0 || number >= next {
            return Err(Invalid::TabNumberOutOfRange { tab, number, next });
        }
        if let Some(first) = owner.insert(number, tab) {
            return Err(Invalid::DuplicateTabNumber {
                first,
                second: tab,
                number,
            });
        }
    }
    Ok(())
}

/// Every tab, open or in a closed pane, is a chat or terminal of the session, of the
/// kind its table says.
pub fn check_known(state: &WorkspaceState, known: &Known) -> Result<(), Invalid> {
    match all_tabs(state).find(|t| !known.has(t)) {
        Some(tab) => Err(Invalid::UnknownTab {
            tab: tab.id,
            kind: tab.kind,
        }),
        None => Ok(()),
    }
}

/// Every tab of the layout, open panes first, then the closed stack.
pub fn all_tabs(state: &WorkspaceState) -> impl Iterator<Item = &WorkspaceTab> {
    state
        .panes
        .iter()
        .chain(&state.closed_pane_stack)
        .flat_map(|p| &p.tabs)
}

/// The layout without the tabs whose chat or terminal is gone: they leave their panes
/// (open and closed) and their numbers are dropped; an active tab that left hands over
/// to a neighbour. Panes, `nextTabNumber` and `version` stay.
pub fn prune(mut state: WorkspaceState, known: &Known) -> WorkspaceState {
    for pane in state
        .panes
        .iter_mut()
        .chain(state.closed_pane_stack.iter_mut())
    {
        let keep: Vec<bool> = pane.tabs.iter().map(|t| known.has(t)).collect();
        retain_tabs(pane, &keep);
    }
    let live: HashSet<Uuid> = state
        .panes
        .iter()
        .flat_map(|p| p.tabs.iter().map(|t| t.id))
        .collect();
    state.tab_numbers.retain(|tab, _| live.contains(tab));
    state
}

/// Keep the tabs marked in `keep`. An active tab that goes is replaced by the nearest
/// kept tab to its right, else to its left, else none.
pub(super) fn retain_tabs(pane: &mut WorkspacePane, keep: &[bool]) {
    let kept = |i: &usize| keep.get(*i).copied().unwrap_or(false);
    let len = pane.tabs.len();
    let active = pane
        .active_tab
        .and_then(|a| pane.tabs.iter().position(|t| t.id == a));
    pane.active_tab = active
        .and_then(|i| {
            std::iter::once(i)
                .chain(i + 1..len)
                .chain((0..i).rev())
                .find(kept)
        })
        .map(|i| pane.tabs[i].id);
    pane.tabs = std::mem::take(&mut pane.tabs)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| kept(i))
        .map(|(_, t)| t)
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::workspace::testing::{chat, id, pane, term};
    use pretty_assertions::assert_eq;
    use std::collections::BTreeMap;

    /// Two panes (chats 1, 2 | terminal 3, numbered 1–3), one closed pane (chat 4).
    fn layout() -> WorkspaceState {
        WorkspaceState {
            panes: vec![
                pane("a", vec![chat(1), chat(2)], Some(2)),
                pane("b", vec![term(3)], Some(3)),
            ],
            tab_numbers: BTreeMap::from([(id(1), 1), (id(2), 2), (id(3), 3)]),
            next_tab_number: 5,
            closed_pane_stack: vec![pane("c", vec![chat(4)], Some(4))],
            version: 3,
        }
    }

    fn refused(change: impl FnOnce(&mut WorkspaceState)) -> (&'static str, Invalid) {
        let mut state = layout();
        change(&mut state);
        let e = check(&state).unwrap_err();
        (e.code(), e)
    }

    #[test]
    fn a_consistent_layout_passes() {
        assert_eq!(check(&layout()), Ok(()));
        assert_eq!(check(&WorkspaceState::initial()), Ok(()));
    }

    #[test]
    fn pane_counts_ids_widths_and_active_tabs() {
        assert_eq!(refused(|s| s.panes.clear()), ("no_panes", Invalid::NoPanes));
        assert_eq!(
            refused(|s| s.panes = (0..6)
                .map(|i| pane(&format!("x{i}"), vec![], None))
                .collect()),
            ("too_many_panes", Invalid::TooManyPanes(6))
        );
        assert_eq!(
            refused(|s| s.closed_pane_stack = (0..11)
                .map(|i| pane(&format!("x{i}"), vec![], None))
                .collect()),
            ("too_many_closed_panes", Invalid::TooManyClosedPanes(11))
        );
        for bad in ["", "has space", "ü", &"x".repeat(65)] {
            assert_eq!(
                refused(|s| s.panes[1].id = bad.into()),
                ("invalid_pane_id", Invalid::InvalidPaneId(bad.into()))
            );
        }
        assert!(valid_pane_id(&"A-z_9".repeat(12)));
        assert_eq!(
            refused(|s| s.closed_pane_stack[0].id = "a".into()),
            ("duplicate_pane_id", Invalid::DuplicatePaneId("a".into()))
        );
        assert_eq!(
            refused(|s| s.panes[1].tabs = vec![term(3); MAX_TABS_PER_PANE + 1]),
            (
                "too_many_tabs",
                Invalid::TooManyTabs {
                    pane: "b".into(),
                    count: MAX_TABS_PER_PANE + 1
                }
            )
        );
        for width in [0.0, -1.0, 100.5, f64::NAN, f64::INFINITY] {
            let (code, _) = refused(|s| s.panes[0].width = Some(width));
            assert_eq!(code, "invalid_width", "{width}");
        }
        let mut ok = layout();
        ok.panes[0].width = Some(100.0);
        ok.panes[1].width = Some(0.25);
        assert_eq!(check(&ok), Ok(()));
        assert_eq!(
            refused(|s| s.panes[1].active_tab = Some(id(1))),
            (
                "invalid_active_tab",
                Invalid::InvalidActiveTab {
                    pane: "b".into(),
                    tab: id(1)
                }
            )
        );
        assert_eq!(
            refused(|s| s.closed_pane_stack[0].tabs.clear()),
            (
                "invalid_active_tab",
                Invalid::InvalidActiveTab {
                    pane: "c".into(),
                    tab: id(4)
                }
            )
        );
    }

    #[test]
    fn a_tab_is_open_once_but_may_also_wait_in_closed_panes() {
        assert_eq!(
            refused(|s| s.panes[1].tabs.push(chat(1))),
            ("duplicate_tab", Invalid::DuplicateTab(id(1)))
        );
        assert_eq!(
            refused(|s| s.closed_pane_stack[0].tabs.push(chat(4))),
            ("duplicate_tab", Invalid::DuplicateTab(id(4)))
        );
        let mut ok = layout();
        ok.closed_pane_stack[0].tabs.push(chat(1));
        ok.closed_pane_stack
            .push(pane("d", vec![chat(1), chat(4)], None));
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn every_open_tab_has_its_own_number_below_the_next_one() {
        assert_eq!(
            refused(|s| {
                s.tab_numbers.remove(&id(3));
            }),
            ("missing_tab_number", Invalid::MissingTabNumber(id(3)))
        );
        assert_eq!(
            refused(|s| {
                s.tab_numbers.insert(id(2), 1);
            }),
            (
                "duplicate_tab_number",
                Invalid::DuplicateTabNumber {
                    first: id(1),
                    second: id(2),
                    number: 1
                }
            )
        );
        assert_eq!(
            refused(|s| {
                s.tab_numbers.insert(id(3), 0);
            }),
            (
                "invalid_tab_number",
                Invalid::TabNumberOutOfRange {
                    tab: id(3),
                    number: 0,
                    next: 5
                }
            )
        );
        assert_eq!(
            refused(|s| {
                s.tab_numbers.insert(id(3), 5);
            }),
            (
                "invalid_tab_number",
                Invalid::TabNumberOutOfRange {
                    tab: id(3),
                    number: 5,
                    next: 5
                }
            )
        );
        // A closed pane's tabs gave their numbers up.
        assert_eq!(
            refused(|s| {
                s.tab_numbers.insert(id(4), 4);
            }),
            ("invalid_tab_number", Invalid::StrayTabNumber(id(4)))
        );
        assert_eq!(
            refused(|s| {
                s.panes = vec![pane("a", vec![], None)];
                s.tab_numbers.clear();
                s.next_tab_number = 0;
            }),
            ("invalid_tab_number", Invalid::ZeroNextTabNumber)
        );
    }

    #[test]
    fn tabs_must_be_chats_or_terminals_of_the_session_of_the_right_table() {
        let known = Known::new([(id(1), false), (id(2), true), (id(4), false)], [id(3)]);
        assert_eq!(check_known(&layout(), &known), Ok(()));
        // The agent may change between turns: a coder tab on a plain chat is fine.
        let mut swapped = layout();
        swapped.panes[0].tabs[0].kind = TabKind::Coder;
        assert_eq!(check_known(&swapped, &known), Ok(()));
        let mut wrong_table = layout();
        wrong_table.panes[1].tabs[0].kind = TabKind::Chat;
        assert_eq!(
            check_known(&wrong_table, &known),
            Err(Invalid::UnknownTab {
                tab: id(3),
                kind: TabKind::Chat
            })
        );
        let without_closed = Known::new([(id(1), false), (id(2), false)], [id(3)]);
        let e = check_known(&layout(), &without_closed).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string()),
            (
                "unknown_tab",
                format!("chat tab {} is not a chat of this session", id(4))
            )
        );
    }

    #[test]
    fn pruning_drops_gone_tabs_and_their_numbers_and_moves_the_active_tab() {
        let mut state = layout();
        state.panes[0].tabs.push(chat(5));
        state.tab_numbers.insert(id(5), 4);
        // Pane a: 1, [2], 5 — 2 goes, 5 (to its right) becomes active. Pane b: its only
        // tab goes. Closed pane c: 4 stays.
        let known = Known::new([(id(1), false), (id(4), false), (id(5), false)], []);
        assert_eq!(
            prune(state.clone(), &known),
            WorkspaceState {
                panes: vec![
                    pane("a", vec![chat(1), chat(5)], Some(5)),
                    pane("b", vec![], None),
                ],
                tab_numbers: BTreeMap::from([(id(1), 1), (id(5), 4)]),
                next_tab_number: 5,
                closed_pane_stack: vec![pane("c", vec![chat(4)], Some(4))],
                version: 3,
            }
        );
        // No tab to the right: the one to the left.
        let known = Known::new([(id(1), false), (id(2), false)], [id(3)]);
        let pruned = prune(state.clone(), &known);
        assert_eq!(pruned.panes[0], pane("a", vec![chat(1), chat(2)], Some(2)));
        state.panes[0].active_tab = Some(id(5));
        assert_eq!(
            prune(state, &known).panes[0],
            pane("a", vec![chat(1), chat(2)], Some(2))
        );
        // The closed stack loses its gone tabs too.
        assert_eq!(
            prune(layout(), &known).closed_pane_stack,
            vec![pane("c", vec![], None)]
        );
        // Nothing gone: the same layout.
        let all = Known::new([(id(1), false), (id(2), false), (id(4), false)], [id(3)]);
        assert_eq!(prune(layout(), &all), layout());
    }
}
