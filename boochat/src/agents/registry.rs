//! The live set of agents: the last good parse of the agents file, reloaded
//! when the file changes.

use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::parse::name_key;
use super::{AgentDef, AgentsError, parse};

/// The agents of one `AGENTS.md`, shared by every chat.
///
/// A broken edit never takes agents away: the previous good set stays in use
/// and the error is kept for [`Registry::last_error`] until a good version
/// loads. A missing file means no agents, which is not an error.
#[derive(Debug)]
pub struct Registry {
    path: PathBuf,
    label: String,
    state: RwLock<State>,
    /// Held for a whole reload, so two reloads cannot store out of order.
    reloading: Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    agents: Arc<Vec<AgentDef>>,
    error: Option<AgentsError>,
    /// The file as it was when last read; `None` when it was missing.
    stamp: Option<FileStamp>,
}

/// What changes when a file is rewritten in place or replaced by a rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl FileStamp {
    fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Self {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        }
    }
}

impl Registry {
    /// How often [`Registry::spawn_watcher`] looks at the file.
    pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

    /// Reads the file once. Never fails: a missing file gives no agents, and a
    /// broken one gives no agents plus the error in [`Registry::last_error`].
    pub fn load(path: impl Into<PathBuf>) -> Arc<Self> {
        let path = path.into();
        let registry = Arc::new(Self {
            label: path.display().to_string(),
            path,
            state: RwLock::new(State::default()),
            reloading: Mutex::new(()),
        });
        // A failure is logged and kept for last_error().
        let _ = registry.reload();
        registry
    }

    /// No agents file configured: an empty registry that never reloads.
    pub fn none() -> Arc<Self> {
        Arc::new(Self {
            label: String::from("(no agents file)"),
            path: PathBuf::new(),
            state: RwLock::new(State::default()),
            reloading: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current agents, in file order.
    pub fn agents(&self) -> Arc<Vec<AgentDef>> {
        Arc::clone(&self.read().agents)
    }

    /// The agent called `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<AgentDef> {
        let key = name_key(name);
        self.read()
            .agents
            .iter()
            .find(|agent| name_key(&agent.name) == key)
            .cloned()
    }

    /// Why the file on disk is not the one in use, if it is not.
    pub fn last_error(&self) -> Option<String> {
        self.read().error.as_ref().map(ToString::to_string)
    }

    /// Reads and parses the file now; returns how many agents it has. On error
    /// the previous agents stay and the error is kept for `last_error`.
    pub fn reload(&self) -> Result<usize, AgentsError> {
        let _reloading = self
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let stamp = fs::metadata(&self.path).ok().map(|m| FileStamp::of(&m));
        let parsed = match fs::read_to_string(&self.path) {
            Ok(text) => parse(&self.label, &text),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(AgentsError::Read {
                file: self.label.clone(),
                message: err.to_string(),
            }),
        };
        let mut state = self.write();
        state.stamp = stamp;
        match parsed {
            Ok(agents) => {
                let count = agents.len();
                tracing::info!(
                    path = %self.label,
                    agents = count,
                    file_exists = stamp.is_some(),
                    "agents file loaded"
                );
                state.agents = Arc::new(agents);
                state.error = None;
                Ok(count)
            }
            Err(err) => {
                tracing::warn!(
                    path = %self.label,
                    error = %err,
                    kept = state.agents.len(),
                    "agents file rejected; keeping the previous agents"
                );
                state.error = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Reloads whenever the file changes, polling every [`Registry::POLL_INTERVAL`],
    /// until `shutdown` is cancelled.
    pub fn spawn_watcher(self: &Arc<Self>, shutdown: CancellationToken) -> JoinHandle<()> {
        self.spawn_watcher_every(Self::POLL_INTERVAL, shutdown)
    }

    /// [`Registry::spawn_watcher`] with a chosen polling interval.
    ///
    /// Polls (modified time, length, inode) rather than subscribing to file
    /// events: it sees in-place writes, atomic-rename saves and a replaced
    /// symlink alike. A change is reloaded once it has held for one interval,
    /// so a half-written file or the moment between an editor's unlink and
    /// rename is not loaded.
    pub fn spawn_watcher_every(
        self: &Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let registry = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut pending: Option<Option<FileStamp>> = None;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = ticks.tick() => {}
                }
                let seen = tokio::fs::metadata(&registry.path)
                    .await
                    .ok()
                    .map(|m| FileStamp::of(&m));
                if seen == registry.read().stamp {
                    pending = None;
                    continue;
                }
                if pending != Some(seen) {
                    pending = Some(seen);
                    continue;
                }
                pending = None;
                let reloading = Arc::clone(&registry);
                // The outcome is logged and kept by reload itself.
                if let Err(err) = tokio::task::spawn_blocking(move || reloading.reload()).await {
                    tracing::error!(error = %err, "agents reload task failed");
                }
            }
            tracing::debug!(path = %registry.label, "agents watcher stopped");
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Sampling;
    use super::*;
    use pretty_assertions::assert_eq;
    use std::future::Future;
    use tempfile::TempDir;

    const TWO: &str =
        "## Coder\n---\nmodel: big\n---\nWrite code.\n\n## Chat\n---\ntools: []\n---\nTalk.\n";
    const ONE: &str = "Preamble.\n## Reviewer\n---\ntemperature: 0.1\n---\nReview.\n";
    const BROKEN: &str = "## Reviewer\n---\ntemprature: 0.1\n---\nReview.\n";

    fn agent(name: &str, line: usize, prompt: &str) -> AgentDef {
        AgentDef {
            name: name.into(),
            description: None,
            model: None,
            tools: None,
            max_tool_calls: None,
            sampling: Sampling::default(),
            prompt: prompt.into(),
            line,
        }
    }

    fn two_agents() -> Vec<AgentDef> {
        vec![
            AgentDef {
                model: Some("big".into()),
                ..agent("Coder", 1, "Write code.")
            },
            AgentDef {
                tools: Some(vec![]),
                ..agent("Chat", 7, "Talk.")
            },
        ]
    }

    fn one_agent() -> Vec<AgentDef> {
        vec![AgentDef {
            sampling: Sampling {
                temperature: Some(0.1),
                ..Sampling::default()
            },
            ..agent("Reviewer", 2, "Review.")
        }]
    }

    fn file_with(text: &str) -> (TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("AGENTS.md");
        fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// Replaces the file the way most editors save: write aside, then rename.
    fn save_atomically(path: &Path, text: &str) {
        let aside = path.with_extension("md.tmp");
        fs::write(&aside, text).unwrap();
        fs::rename(&aside, path).unwrap();
    }

    fn broken_message(path: &Path) -> String {
        format!(
            "{}:3: agent \"Reviewer\": unknown frontmatter key `temprature` (did you mean `temperature`?)",
            path.display()
        )
    }

    /// Polls `done` every 10 ms until it holds or five seconds pass.
    async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let waiting = async {
            while !done() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        bounded(what, waiting).await;
    }

    async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
        match tokio::time::timeout(Duration::from_secs(5), future).await {
            Ok(value) => value,
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }

    #[test]
    fn missing_file_loads_no_agents_and_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::load(dir.path().join("AGENTS.md"));
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (vec![], None)
        );
    }

    #[test]
    fn broken_file_at_start_loads_no_agents_and_keeps_the_error() {
        let (_dir, path) = file_with(BROKEN);
        let registry = Registry::load(&path);
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (vec![], Some(broken_message(&path)))
        );
    }

    #[test]
    fn unreadable_path_is_a_read_error() {
        // A directory where the file should be cannot be read as text.
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::load(dir.path());
        let label = dir.path().display().to_string();
        assert_eq!(
            registry.reload(),
            Err(AgentsError::Read {
                file: label.clone(),
                message: "Is a directory (os error 21)".into(),
            })
        );
        assert_eq!(
            registry.last_error(),
            Some(format!(
                "{label}: cannot read the agents file: Is a directory (os error 21)"
            ))
        );
    }

    #[test]
    fn get_ignores_case() {
        let (_dir, path) = file_with(TWO);
        let registry = Registry::load(&path);
        assert_eq!(
            [
                registry.get("coder"),
                registry.get("CHAT"),
                registry.get("Nobody")
            ],
            [
                Some(two_agents()[0].clone()),
                Some(two_agents()[1].clone()),
                None
            ]
        );
    }

    #[test]
    fn reload_picks_up_a_rewritten_file() {
        let (_dir, path) = file_with(TWO);
        let registry = Registry::load(&path);
        assert_eq!(registry.agents().as_ref(), &two_agents());

        fs::write(&path, ONE).unwrap();
        assert_eq!(registry.reload(), Ok(1));
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (one_agent(), None)
        );
    }

    #[test]
    fn broken_rewrite_keeps_the_previous_agents_until_fixed() {
        let (_dir, path) = file_with(TWO);
        let registry = Registry::load(&path);
        let before = registry.agents();

        fs::write(&path, BROKEN).unwrap();
        let err = registry.reload().unwrap_err();
        assert_eq!(err.to_string(), broken_message(&path));
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (two_agents(), Some(broken_message(&path)))
        );
        assert!(Arc::ptr_eq(&before, &registry.agents()));

        fs::write(&path, ONE).unwrap();
        assert_eq!(registry.reload(), Ok(1));
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (one_agent(), None)
        );
    }

    #[test]
    fn deleting_the_file_removes_the_agents() {
        let (_dir, path) = file_with(TWO);
        let registry = Registry::load(&path);
        fs::remove_file(&path).unwrap();
        assert_eq!(registry.reload(), Ok(0));
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (vec![], None)
        );
    }

    #[tokio::test]
    async fn watcher_reloads_on_change_and_stops_on_shutdown() {
        let (_dir, path) = file_with(TWO);
        let registry = Registry::load(&path);
        let shutdown = CancellationToken::new();
        let watcher = registry.spawn_watcher_every(Duration::from_millis(10), shutdown.clone());

        save_atomically(&path, ONE);
        wait_for("the renamed file to load", || {
            registry.agents().as_ref() == &one_agent()
        })
        .await;
        assert_eq!(registry.last_error(), None);

        fs::write(&path, BROKEN).unwrap();
        wait_for("the broken edit to be rejected", || {
            registry.last_error().is_some()
        })
        .await;
        assert_eq!(
            (registry.agents().as_ref().clone(), registry.last_error()),
            (one_agent(), Some(broken_message(&path)))
        );

        fs::write(&path, TWO).unwrap();
        wait_for("the fixed file to load", || registry.last_error().is_none()).await;
        assert_eq!(registry.agents().as_ref(), &two_agents());

        shutdown.cancel();
        bounded("the watcher to stop", watcher).await.unwrap();
    }

    #[tokio::test]
    async fn watcher_loads_a_file_created_after_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("AGENTS.md");
        let registry = Registry::load(&path);
        let shutdown = CancellationToken::new();
        let watcher = registry.spawn_watcher_every(Duration::from_millis(10), shutdown.clone());

        save_atomically(&path, TWO);
        wait_for("the new file to load", || registry.agents().len() == 2).await;
        assert_eq!(registry.agents().as_ref(), &two_agents());

        shutdown.cancel();
        bounded("the watcher to stop", watcher).await.unwrap();
    }
}
