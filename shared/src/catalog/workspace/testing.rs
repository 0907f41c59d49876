//! Builders of layouts for the unit tests of [`super::rules`] and [`super::legacy`].

use uuid::Uuid;

use crate::workspace::{TabKind, WorkspacePane, WorkspaceTab};

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn chat(n: u128) -> WorkspaceTab {
    WorkspaceTab {
        kind: TabKind::Chat,
        id: id(n),
    }
}

pub fn term(n: u128) -> WorkspaceTab {
    WorkspaceTab {
        kind: TabKind::Term,
        id: id(n),
    }
}

pub fn pane(name: &str, tabs: Vec<WorkspaceTab>, active: Option<u128>) -> WorkspacePane {
    WorkspacePane {
        id: name.into(),
        tabs,
        active_tab: active.map(id),
        width: None,
    }
}
