//! `coder.sandbox`: how boocoder confines the agent processes it starts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `coder.sandbox.mode`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SandboxMode {
    /// Every agent process (and every command it runs) inside bubblewrap.
    #[default]
    Bwrap,
    /// No confinement: agents run as the daemon's user with its view of the
    /// filesystem. Logged loudly at start.
    Off,
}

/// What an agent sees and reaches (`coder.sandbox`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    pub mode: SandboxMode,
    /// The `bwrap` executable.
    pub bwrap: PathBuf,
    /// Agents share the host's network (the model server on loopback stays
    /// reachable). `false`: a private network namespace with only its own loopback.
    pub network: bool,
    /// Per provider id: paths added to what its agents see.
    pub providers: BTreeMap<String, SandboxPaths>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            mode: SandboxMode::Bwrap,
            bwrap: PathBuf::from("/usr/bin/bwrap"),
            network: true,
            providers: BTreeMap::new(),
        }
    }
}

/// `coder.sandbox.providers.<id>`: more for one provider. Absolute paths, bound
/// at the same place inside; a missing one is skipped.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxPaths {
    pub read_only: Vec<PathBuf>,
    pub writable: Vec<PathBuf>,
    /// Overrides `coder.sandbox.network` for this provider.
    pub network: Option<bool>,
}

impl SandboxConfig {
    /// The extra paths of provider `id` (none when it has no entry).
    pub fn paths_for(&self, id: &str) -> SandboxPaths {
        self.providers.get(id).cloned().unwrap_or_default()
    }

    /// Whether agents of provider `id` share the host's network.
    pub fn network_for(&self, id: &str) -> bool {
        self.providers
            .get(id)
            .and_then(|p| p.network)
            .unwrap_or(self.network)
    }

    /// Why this policy is unusable, if it is (relative paths).
    pub fn problem(&self) -> Option<String> {
        if self.mode == SandboxMode::Bwrap && !self.bwrap.is_absolute() {
            return Some("coder.sandbox.bwrap must be an absolute path".to_owned());
        }
        self.providers.iter().find_map(|(id, p)| {
            p.read_only
                .iter()
                .chain(&p.writable)
                .find(|path| !path.is_absolute())
                .map(|path| {
                    format!(
                        "coder.sandbox.providers.{id}: {} is not an absolute path",
                        path.display()
                    )
                })
        })
    }
}
