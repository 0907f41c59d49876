//! The worktree's state against its base commit, one [`FileChange`] per file.
//!
//! libgit2 compares the base **tree** with the **working directory** directly (not via
//! the index), so staged, unstaged, committed-on-the-branch and untracked files all
//! count, and `.gitignore`d files do not. Contents are read once and kept for the
//! pending row (old content for conflict checks and revert, new content to apply).
//!
//! The unified diff text comes from libgit2's own diff engine (`Patch::from_buffers`,
//! git's xdiff) below a git-style header we write with full object ids and modes, so
//! it reads exactly like `git diff --full-index`, `git apply` accepts it, and apply can
//! recover the ids and modes from a stored row. No extra process per turn and no second
//! diff implementation.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, FileMode, ObjectType, Oid, Patch, Repository};
use serde::Serialize;

use super::git::ZERO_OID;
use super::store::Worktree;
use super::{WorktreeError, blocking};

/// Largest content kept inline as text (a pending row's `old_content`/`new_content`);
/// bigger files are handled like binary ones (content by object id, not stored).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// git file modes as numbers.
pub mod mode {
    pub const FILE: u32 = 0o100644;
    pub const EXECUTABLE: u32 = 0o100755;
    pub const SYMLINK: u32 = 0o120000;
}

/// `create` | `edit` | `delete`, as stored in `pending_changes.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum ChangeKind {
    Create,
    Edit,
    Delete,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Edit => "edit",
            Self::Delete => "delete",
        }
    }
}

impl From<ChangeKind> for boo_shared::coder::ChangeKind {
    fn from(k: ChangeKind) -> Self {
        match k {
            ChangeKind::Create => Self::Create,
            ChangeKind::Edit => Self::Edit,
            ChangeKind::Delete => Self::Delete,
        }
    }
}

/// One side (before or after) of a [`FileChange`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSide {
    /// Blob id (40 hex) of the content.
    pub oid: String,
    /// git mode: [`mode::FILE`], [`mode::EXECUTABLE`] or [`mode::SYMLINK`].
    pub mode: u32,
    pub size: u64,
    /// The content when it is UTF-8 text without NUL bytes and at most
    /// [`MAX_TEXT_BYTES`]; `None` otherwise (see [`FileChange::binary`]).
    pub text: Option<String>,
}

/// One changed file of a worktree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Relative to the worktree (= project) root, `/`-separated.
    pub path: String,
    pub kind: ChangeKind,
    /// Content not kept inline on at least one side: binary, not UTF-8, or too large.
    /// Apply then takes the bytes from the worktree and checks them against the id.
    pub binary: bool,
    /// `None` for a create.
    pub old: Option<FileSide>,
    /// `None` for a delete.
    pub new: Option<FileSide>,
    /// git-style unified diff (header with full ids; `Binary files … differ` for binary).
    pub diff: String,
}

impl FileChange {
    pub fn old_text(&self) -> Option<&str> {
        self.old.as_ref().and_then(|s| s.text.as_deref())
    }

    pub fn new_text(&self) -> Option<&str> {
        self.new.as_ref().and_then(|s| s.text.as_deref())
    }
}

/// An entry of the worktree diff that cannot become a pending change: libgit2 reported
/// it, but its name is not UTF-8, it fails the pending path policy, or it is a nested
/// repository. Reported (to the log and the chat), never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unstaged {
    /// The name as libgit2 reported it (lossy UTF-8 when it is not UTF-8).
    pub path: String,
    pub reason: String,
}

/// The worktree's state against its base: the changes, and what changed but cannot
/// be staged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorktreeDiff {
    pub changes: Vec<FileChange>,
    pub unstaged: Vec<Unstaged>,
}

/// [`diff_dir`] for a worktree row, off the async runtime.
pub async fn diff(worktree: &Worktree) -> Result<Vec<FileChange>, WorktreeError> {
    Ok(scan(worktree).await?.changes)
}

/// [`scan_dir`] for a worktree row, off the async runtime.
pub async fn scan(worktree: &Worktree) -> Result<WorktreeDiff, WorktreeError> {
    let (dir, base) = (worktree.dir().to_path_buf(), worktree.base_commit.clone());
    blocking(move || scan_dir(&dir, &base)).await
}

/// The changes of [`scan_dir`].
pub fn diff_dir(dir: &Path, base_commit: &str) -> Result<Vec<FileChange>, WorktreeError> {
    Ok(scan_dir(dir, base_commit)?.changes)
}

/// Every file of the working directory at `dir` that differs from `base_commit`'s
/// tree, sorted by path, and the entries that differ but cannot be represented (see
/// [`Unstaged`]). Blocking (libgit2 + file reads). Files over [`MAX_TEXT_BYTES`] are
/// hashed as a stream, never loaded whole.
pub fn scan_dir(dir: &Path, base_commit: &str) -> Result<WorktreeDiff, WorktreeError> {
    let repo = Repository::open(dir)?;
    let base = repo.find_commit(Oid::from_str(base_commit)?)?.tree()?;
    let mut opts = DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_typechange(true)
        .ignore_submodules(true);
    let deltas = repo.diff_tree_to_workdir(Some(&base), Some(&mut opts))?;
    let mut out = Vec::new();
    let mut unstaged = Vec::new();
    for delta in deltas.deltas() {
        let kind = match delta.status() {
            Delta::Added | Delta::Untracked => ChangeKind::Create,
            Delta::Deleted => ChangeKind::Delete,
            Delta::Modified | Delta::Typechange => ChangeKind::Edit,
            other => {
                tracing::debug!(status = ?other, "skipping diff entry");
                continue;
            }
        };
        let file = if kind == ChangeKind::Delete {
            delta.old_file()
        } else {
            delta.new_file()
        };
        // libgit2 hands over the raw bytes of the name (no quoting, no unicode
        // normalisation); only a name that is not UTF-8 cannot be a text column.
        let Some(path) = file.path().and_then(Path::to_str).map(str::to_owned) else {
            let lossy = String::from_utf8_lossy(file.path_bytes().unwrap_or_default());
            tracing::warn!(path = %lossy, "not staging a path that is not UTF-8");
            unstaged.push(Unstaged {
                path: lossy.into_owned(),
                reason: "the name is not valid UTF-8".into(),
            });
            continue;
        };
        let old = match kind {
            ChangeKind::Create => None,
            _ => {
                let f = delta.old_file();
                let Some(m) = blob_mode(f.mode()) else {
                    continue;
                };
                let blob = repo.find_blob(f.id())?;
                let content = if blob.size() > MAX_TEXT_BYTES {
                    Content::Large {
                        oid: blob.id(),
                        size: blob.size() as u64,
                    }
                } else {
                    Content::Bytes(blob.content().to_vec())
                };
                Some((content, m))
            }
        };
        let new = match kind {
            ChangeKind::Delete => None,
            _ => {
                let Some(m) = blob_mode(delta.new_file().mode()) else {
                    tracing::warn!(path, "not staging a nested repository or submodule");
                    unstaged.push(Unstaged {
                        path: path.trim_end_matches('/').to_owned(),
                        reason: "a nested git repository (or submodule): its files are not staged"
                            .into(),
                    });
                    continue;
                };
                Some((Content::read(&dir.join(&path), m)?, m))
            }
        };
        if let (Some((o, om)), Some((n, nm))) = (&old, &new)
            && om == nm
            && o.same_as(n)?
        {
            continue; // stat-only difference
        }
        out.push(change_of(path, old.as_ref(), new.as_ref())?);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    unstaged.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(WorktreeDiff {
        changes: out,
        unstaged,
    })
}

/// One side's content: held in memory, or (over [`MAX_TEXT_BYTES`]) only its id.
enum Content {
    Bytes(Vec<u8>),
    Large { oid: Oid, size: u64 },
}

impl Content {
    /// A working-directory entry as git stores it (a symlink's target).
    fn read(path: &Path, mode: u32) -> Result<Self, WorktreeError> {
        if mode == mode::SYMLINK {
            let target: PathBuf = std::fs::read_link(path).map_err(WorktreeError::io(path))?;
            return Ok(Self::Bytes(target.into_os_string().into_encoded_bytes()));
        }
        let size = std::fs::metadata(path)
            .map_err(WorktreeError::io(path))?
            .len();
        if size > MAX_TEXT_BYTES as u64 {
            return Ok(Self::Large {
                oid: Oid::hash_file(ObjectType::Blob, path)?,
                size,
            });
        }
        Ok(Self::Bytes(
            std::fs::read(path).map_err(WorktreeError::io(path))?,
        ))
    }

    fn oid(&self) -> Result<Oid, git2::Error> {
        match self {
            Self::Bytes(b) => Oid::hash_object(ObjectType::Blob, b),
            Self::Large { oid, .. } => Ok(*oid),
        }
    }

    fn same_as(&self, other: &Content) -> Result<bool, git2::Error> {
        Ok(match (self, other) {
            (Self::Bytes(a), Self::Bytes(b)) => a == b,
            _ => self.oid()? == other.oid()?,
        })
    }

    fn side(&self, mode: u32) -> Result<FileSide, git2::Error> {
        Ok(FileSide {
            oid: self.oid()?.to_string(),
            mode,
            size: match self {
                Self::Bytes(b) => b.len() as u64,
                Self::Large { size, .. } => *size,
            },
            text: match self {
                Self::Bytes(b) => as_text(b).map(str::to_owned),
                Self::Large { .. } => None,
            },
        })
    }
}

fn change_of(
    path: String,
    old: Option<&(Content, u32)>,
    new: Option<&(Content, u32)>,
) -> Result<FileChange, WorktreeError> {
    let (old_side, new_side) = (
        old.map(|(c, m)| c.side(*m)).transpose()?,
        new.map(|(c, m)| c.side(*m)).transpose()?,
    );
    let diff = match (in_memory(old), in_memory(new)) {
        (Ok(o), Ok(n)) => unified_diff(&path, o, n)?,
        _ => {
            let id = |s: &Option<FileSide>| s.as_ref().map(|f| (f.oid.clone(), f.mode));
            let mut text = header(&path, id(&old_side), id(&new_side));
            let size = |s: &Option<FileSide>| s.as_ref().map_or(0, |f| f.size);
            let _ = writeln!(
                text,
                "Large file {} and {} differ ({} -> {} bytes, not shown)",
                side_name("a", &path, old.is_some()),
                side_name("b", &path, new.is_some()),
                size(&old_side),
                size(&new_side)
            );
            text
        }
    };
    Ok(change_from_sides(path, old_side, new_side, diff))
}

/// The bytes of a side held in memory; `Err` for a large one.
fn in_memory(s: Option<&(Content, u32)>) -> Result<Option<(&[u8], u32)>, ()> {
    match s {
        Some((Content::Bytes(b), m)) => Ok(Some((b.as_slice(), *m))),
        Some((Content::Large { .. }, _)) => Err(()),
        None => Ok(None),
    }
}

fn change_from_sides(
    path: String,
    old: Option<FileSide>,
    new: Option<FileSide>,
    diff: String,
) -> FileChange {
    let kind = match (old.is_some(), new.is_some()) {
        (false, _) => ChangeKind::Create,
        (true, false) => ChangeKind::Delete,
        (true, true) => ChangeKind::Edit,
    };
    let binary = old.as_ref().is_some_and(|s| s.text.is_none())
        || new.as_ref().is_some_and(|s| s.text.is_none());
    FileChange {
        path,
        kind,
        binary,
        old,
        new,
        diff,
    }
}

/// A [`FileChange`] from both sides' bytes and modes (`None` = absent side), e.g. for
/// a change staged by a native write tool.
pub fn build_change(
    path: String,
    old: Option<(&[u8], u32)>,
    new: Option<(&[u8], u32)>,
) -> Result<FileChange, WorktreeError> {
    let side = |s: Option<(&[u8], u32)>| -> Result<Option<FileSide>, git2::Error> {
        s.map(|(b, m)| Content::Bytes(b.to_vec()).side(m))
            .transpose()
    };
    let (old_side, new_side) = (side(old)?, side(new)?);
    let diff = unified_diff(&path, old, new)?;
    Ok(change_from_sides(path, old_side, new_side, diff))
}

fn side_name(prefix: &str, path: &str, present: bool) -> String {
    if present {
        format!("{prefix}/{path}")
    } else {
        "/dev/null".to_owned()
    }
}

/// git's extended header with full ids: what apply reads back from a stored row.
fn header(path: &str, old: Option<(String, u32)>, new: Option<(String, u32)>) -> String {
    let oid =
        |s: &Option<(String, u32)>| s.as_ref().map_or(ZERO_OID.to_owned(), |(o, _)| o.clone());
    let (old_id, new_id) = (oid(&old), oid(&new));
    let mut out = format!("diff --git a/{path} b/{path}\n");
    let _ = match (old, new) {
        (None, Some((_, m))) => writeln!(out, "new file mode {m:o}\nindex {old_id}..{new_id}"),
        (Some((_, m)), None) => writeln!(out, "deleted file mode {m:o}\nindex {old_id}..{new_id}"),
        // Always with an index line (git omits it for a pure mode change): apply
        // reads the ids back from a stored row.
        (Some((_, om)), Some((_, nm))) if om != nm => writeln!(
            out,
            "old mode {om:o}\nnew mode {nm:o}\nindex {old_id}..{new_id}"
        ),
        (Some((_, m)), Some(_)) => writeln!(out, "index {old_id}..{new_id} {m:o}"),
        (None, None) => Ok(()),
    };
    out
}

/// git-style unified diff of one file (3 lines of context, full object ids).
pub fn unified_diff(
    path: &str,
    old: Option<(&[u8], u32)>,
    new: Option<(&[u8], u32)>,
) -> Result<String, WorktreeError> {
    let id = |s: Option<(&[u8], u32)>| -> Result<Option<(String, u32)>, git2::Error> {
        s.map(|(b, m)| Ok((Oid::hash_object(ObjectType::Blob, b)?.to_string(), m)))
            .transpose()
    };
    let (old_id, new_id) = (id(old)?, id(new)?);
    let same_content = old_id.as_ref().map(|(o, _)| o) == new_id.as_ref().map(|(n, _)| n);
    let mut out = header(path, old_id, new_id);
    let old_bytes = old.map_or(&[][..], |(b, _)| b);
    let new_bytes = new.map_or(&[][..], |(b, _)| b);
    if same_content || (old_bytes.is_empty() && new_bytes.is_empty()) {
        return Ok(out); // a mode-only change, or an empty file created/deleted: no hunks
    }
    let (a, b) = (
        side_name("a", path, old.is_some()),
        side_name("b", path, new.is_some()),
    );
    if as_text(old_bytes).is_none() || as_text(new_bytes).is_none() {
        let _ = writeln!(out, "Binary files {a} and {b} differ");
        return Ok(out);
    }
    let _ = writeln!(out, "--- {a}\n+++ {b}");
    let mut opts = DiffOptions::new();
    opts.context_lines(3).force_text(true);
    let mut patch = Patch::from_buffers(
        old_bytes,
        Some(Path::new(path)),
        new_bytes,
        Some(Path::new(path)),
        Some(&mut opts),
    )?;
    let buf = patch.to_buf()?;
    let text = String::from_utf8_lossy(&buf);
    // Keep libgit2's hunks, drop its own header (abbreviated ids, no modes).
    if let Some(start) = text.find("\n@@ ") {
        out.push_str(&text[start + 1..]);
    }
    Ok(out)
}

/// `bytes` as text when it may live in a text column: UTF-8, no NUL in the first
/// 8000 bytes (git's binary heuristic), at most [`MAX_TEXT_BYTES`].
pub(crate) fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.len() > MAX_TEXT_BYTES || bytes.iter().take(8000).any(|b| *b == 0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The git mode of a blob entry; `None` for trees, submodules and the like.
fn blob_mode(m: FileMode) -> Option<u32> {
    match m {
        FileMode::Blob | FileMode::BlobGroupWritable => Some(mode::FILE),
        FileMode::BlobExecutable => Some(mode::EXECUTABLE),
        FileMode::Link => Some(mode::SYMLINK),
        FileMode::Tree | FileMode::Commit | FileMode::Unreadable => None,
    }
}
