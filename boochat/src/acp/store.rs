//! The agent's sessions and their model-side conversation, in files, so
//! `session/load` and `session/resume` work in a new agent process without any
//! database credentials (issue 13: the agent runs in a sandbox that has none).
//!
//! One directory (see [`default_dir`]): per session `<id>.json` (the [`Row`],
//! rewritten through a temporary file and a rename, so it is whole or absent) and
//! `<id>.jsonl` (one OpenAI chat message per line, appended). A process killed
//! mid-append leaves at most an unterminated last line, which reading skips and
//! the next append cuts off.
//! Closing a session deletes both. Writes of one process are serialised by a
//! lock; two processes share a session only if a client opens it in both, and
//! then the last writer of `<id>.json` wins.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// One stored session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: Uuid,
    pub cwd: String,
    pub title: Option<String>,
    /// `ask`, `code` or `auto` ([`super::Mode`]).
    pub mode: String,
    /// `None` = the agent's model, else `llm.default_model`, else the server's first.
    pub model: Option<String>,
    /// An AGENTS.md agent.
    pub agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Mode,
    Model,
    Agent,
}

/// `$XDG_STATE_HOME/boocode/acp`, else `$HOME/.local/state/boocode/acp`. Under
/// boocoder the HOME is the agent's private one (per provider and session), which
/// outlives the process.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local/state"))
        })
        .map(|state| state.join("boocode").join("acp"))
}

pub struct Store {
    dir: PathBuf,
    /// Serialises this process's read-modify-write of the files.
    lock: tokio::sync::Mutex<()>,
}

impl Store {
    /// The store in `dir`, created (mode 0700) when missing.
    pub fn open(dir: PathBuf) -> io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        Ok(Self {
            dir,
            lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn meta(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn log(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.jsonl"))
    }

    pub async fn create(&self, cwd: &str, mode: &str) -> io::Result<Row> {
        let now = Utc::now();
        let row = Row {
            id: Uuid::new_v4(),
            cwd: cwd.to_owned(),
            title: None,
            mode: mode.to_owned(),
            model: None,
            agent: None,
            created_at: now,
            updated_at: now,
        };
        let _held = self.lock.lock().await;
        self.write(&row)?;
        Ok(row)
    }

    /// An open session; `None` when there is none by that id.
    pub async fn get(&self, id: Uuid) -> io::Result<Option<Row>> {
        let _held = self.lock.lock().await;
        self.read(id)
    }

    /// Open sessions, most recently used first; only those in `cwd` when given.
    pub async fn list(&self, cwd: Option<&str>, limit: usize) -> io::Result<Vec<Row>> {
        let _held = self.lock.lock().await;
        let mut rows = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .and_then(|n| Uuid::parse_str(n).ok())
            else {
                continue;
            };
            // One unreadable file does not hide the others.
            match self.read(id) {
                Ok(Some(row)) if cwd.is_none_or(|c| row.cwd == c) => rows.push(row),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, session = %id, "skipping an unreadable session")
                }
            }
        }
        rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
        rows.truncate(limit);
        Ok(rows)
    }

    /// Set `mode`, `model` or `agent` (false: no such session).
    pub async fn set(&self, id: Uuid, column: Setting, value: Option<&str>) -> io::Result<bool> {
        self.update(id, |row| {
            let value = value.map(str::to_owned);
            match column {
                Setting::Mode => row.mode = value.unwrap_or_else(|| "code".to_owned()),
                Setting::Model => row.model = value,
                Setting::Agent => row.agent = value,
            }
        })
        .await
    }

    /// The title, from the first prompt (kept once set).
    pub async fn title_once(&self, id: Uuid, title: &str) -> io::Result<bool> {
        self.update(id, |row| {
            row.title.get_or_insert_with(|| title.to_owned());
        })
        .await
    }

    /// Forget the session (false: there was none).
    pub async fn close(&self, id: Uuid) -> io::Result<bool> {
        let _held = self.lock.lock().await;
        let existed = match std::fs::remove_file(self.meta(id)) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        match std::fs::remove_file(self.log(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(existed),
        }
    }

    /// The conversation, oldest first.
    pub async fn history(&self, id: Uuid) -> io::Result<Vec<Value>> {
        let _held = self.lock.lock().await;
        let path = self.log(id);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete
            .lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} line {}: {e}", path.display(), i + 1),
                    )
                })
            })
            .collect()
    }

    /// Append messages (false: no such session; nothing written). The session's
    /// `updated_at` moves with them.
    pub async fn append(&self, id: Uuid, messages: &[Value]) -> io::Result<bool> {
        let _held = self.lock.lock().await;
        let Some(mut row) = self.read(id)? else {
            return Ok(false);
        };
        if messages.is_empty() {
            return Ok(true);
        }
        let mut lines = String::new();
        for m in messages {
            lines.push_str(&serde_json::to_string(m)?);
            lines.push('\n');
        }
        let log = self.log(id);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        cut_torn_tail(&log)?;
        file.write_all(lines.as_bytes())?;
        file.sync_data()?;
        row.updated_at = Utc::now();
        self.write(&row)?;
        Ok(true)
    }

    async fn update(&self, id: Uuid, change: impl FnOnce(&mut Row)) -> io::Result<bool> {
        let _held = self.lock.lock().await;
        let Some(mut row) = self.read(id)? else {
            return Ok(false);
        };
        change(&mut row);
        row.updated_at = Utc::now();
        self.write(&row)?;
        Ok(true)
    }

    fn read(&self, id: Uuid) -> io::Result<Option<Row>> {
        let path = self.meta(id);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whole or not at all: a temporary file, synced, renamed over.
    fn write(&self, row: &Row) -> io::Result<()> {
        let path = self.meta(row.id);
        let tmp = self.dir.join(format!(".{}.json.tmp", row.id));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(row)?)?;
        file.sync_data()?;
        std::fs::rename(&tmp, &path)
    }
}

/// Cut an unterminated last line (a writer killed mid-line) off the file.
fn cut_torn_tail(path: &Path) -> io::Result<()> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    // Rare: read it all to find the last whole line.
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    file.set_len(keep as u64)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn sessions_round_trip_through_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("acp")).unwrap();
        let a = store.create("/p/a", "code").await.unwrap();
        let b = store.create("/p/b", "ask").await.unwrap();
        assert!(store.set(a.id, Setting::Model, Some("m1")).await.unwrap());
        assert!(store.title_once(a.id, "first").await.unwrap());
        assert!(store.title_once(a.id, "second").await.unwrap());
        let msgs = [
            json!({"role": "user", "content": "hi"}),
            json!({"role": "assistant", "content": "yo"}),
        ];
        assert!(store.append(a.id, &msgs).await.unwrap());

        // A new process (a new Store on the same directory) sees it all.
        let again = Store::open(dir.path().join("acp")).unwrap();
        let got = again.get(a.id).await.unwrap().unwrap();
        assert_eq!(
            (
                got.cwd.as_str(),
                got.title.as_deref(),
                got.mode.as_str(),
                got.model.as_deref()
            ),
            ("/p/a", Some("first"), "code", Some("m1"))
        );
        assert_eq!(again.history(a.id).await.unwrap(), msgs.to_vec());
        let ids = |rows: Vec<Row>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(again.list(None, 10).await.unwrap()), [a.id, b.id]);
        assert_eq!(ids(again.list(Some("/p/b"), 10).await.unwrap()), [b.id]);
        assert_eq!(ids(again.list(None, 1).await.unwrap()), [a.id]);

        assert!(again.close(a.id).await.unwrap());
        assert!(!again.close(a.id).await.unwrap());
        assert_eq!(again.get(a.id).await.unwrap(), None);
        assert_eq!(again.history(a.id).await.unwrap(), Vec::<Value>::new());
        // Nothing is written for a session that is gone.
        assert!(!again.append(a.id, &msgs).await.unwrap());
        assert!(!again.set(a.id, Setting::Mode, Some("ask")).await.unwrap());
        assert!(!dir.path().join(format!("acp/{}.jsonl", a.id)).exists());
    }

    #[tokio::test]
    async fn a_torn_last_line_is_skipped_then_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().to_path_buf()).unwrap();
        let s = store.create("/p", "code").await.unwrap();
        let one = json!({"role": "user", "content": "one"});
        store
            .append(s.id, std::slice::from_ref(&one))
            .await
            .unwrap();
        // A writer killed mid-line.
        let log = dir.path().join(format!("{}.jsonl", s.id));
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"{\"role\": \"assis").unwrap();
        assert_eq!(
            store.history(s.id).await.unwrap(),
            std::slice::from_ref(&one)
        );
        let two = json!({"role": "user", "content": "two"});
        store
            .append(s.id, std::slice::from_ref(&two))
            .await
            .unwrap();
        assert_eq!(store.history(s.id).await.unwrap(), [one, two]);
        // A bad line in the middle (not ours to guess at) is a clear error.
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"not json\n{}\n").unwrap();
        let err = store.history(s.id).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains(".jsonl line 3:"), "{err}");
    }
}
