//! The one write path into a project (or worktree) tree.
//!
//! A change's path goes through two gates before anything touches disk:
//! 1. [`check_path`], a strict policy for stored relative paths: no absolute, `~`,
//!    `..`, `.`, empty or `.git` components, no backslashes, NUL, control, bidi or
//!    zero-width characters, no percent-encoded dots/slashes, no look-alikes of `.`
//!    and `/`, bounded length;
//! 2. `boo_shared::pathguard::resolve_with` (separator-bounded containment, symlinks
//!    resolved on disk, `.git` denied) on the parent directory, and the file itself
//!    must not be a symlink (so a write or delete never follows one).
//!
//! Writes are atomic (temp file in the same directory, then rename over the target),
//! and each one first checks that the target holds what the change expects.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use boo_shared::pathguard::{ResolveOptions, resolve_with};
use git2::{ObjectType, Oid};

use super::PendingError;
use crate::worktree::mode;

/// Longest accepted path (bytes), as the `pending_changes_path_chk` constraint.
pub const MAX_PATH_BYTES: usize = 4096;
/// Longest accepted path component (bytes), as most filesystems.
pub const MAX_COMPONENT_BYTES: usize = 255;

/// What the target must hold before a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No file there.
    Absent,
    /// A file whose git blob id is this.
    Blob(Oid),
}

/// One write into a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeWrite<'a> {
    pub path: &'a str,
    pub expect: Expect,
    /// New bytes and git mode; `None` deletes the file.
    pub write: Option<(&'a [u8], u32)>,
}

/// What [`write`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Changed,
    /// The target already held the result (a retried apply): nothing written.
    AlreadyThere,
}

/// The path policy (see the module docs). `Ok` means "may be handed to the guard".
pub fn check_path(path: &str) -> Result<(), PendingError> {
    let refuse = |reason: &str| Err(PendingError::unsafe_path(path, reason));
    if path.is_empty() {
        return refuse("empty path");
    }
    if path.len() > MAX_PATH_BYTES {
        return refuse("path too long");
    }
    if path.contains('\0') {
        return refuse("contains a NUL byte");
    }
    if path.contains('\\') {
        return refuse("contains a backslash");
    }
    if path.starts_with('/') {
        return refuse("absolute path");
    }
    if path.starts_with('~') {
        return refuse("home-relative path");
    }
    if path.ends_with('/') {
        return refuse("ends with a slash (not a file)");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return refuse("drive-letter path");
    }
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return refuse("percent-encoded dot, slash or NUL");
    }
    for c in path.chars() {
        if c.is_control() {
            return refuse("contains a control character");
        }
        if is_invisible(c) {
            return refuse("contains an invisible or bidi control character");
        }
        if is_lookalike(c) {
            return refuse("contains a look-alike of '.' or '/'");
        }
    }
    for component in path.split('/') {
        match component {
            "" => return refuse("empty path component"),
            "." | ".." => return refuse("'.' or '..' component"),
            c if c.eq_ignore_ascii_case(".git") => return refuse("inside .git"),
            c if c.len() > MAX_COMPONENT_BYTES => return refuse("path component too long"),
            _ => {}
        }
    }
    Ok(())
}

/// Zero-width, bidi override/isolate and similar format characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Characters that render like `.`, `/` or `\`.
fn is_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{2024}'
            | '\u{2025}'
            | '\u{2026}'
            | '\u{FE52}'
            | '\u{FF0E}'
            | '\u{3002}'
            | '\u{FF61}'
            | '\u{2215}'
            | '\u{2044}'
            | '\u{FF0F}'
            | '\u{29F8}'
            | '\u{1735}'
            | '\u{2571}'
            | '\u{29F5}'
            | '\u{29F9}'
            | '\u{FE68}'
            | '\u{FF3C}'
            | '\u{2216}'
    )
}

/// The absolute target for `path` under `root`, checked by the policy and the guard;
/// the last component is not followed (it must not be a symlink).
pub fn target(root: &Path, path: &str) -> Result<PathBuf, PendingError> {
    check_path(path)?;
    let (parent, name) = match path.rsplit_once('/') {
        Some((p, n)) => (p, n),
        None => ("", path),
    };
    let guard = ResolveOptions { deny_git_dir: true };
    let dir = resolve_with(root, parent, guard)
        .map_err(|e| PendingError::unsafe_path(path, e.to_string()))?;
    // The whole path through the guard too: it must stay inside after resolution.
    resolve_with(root, path, guard).map_err(|e| PendingError::unsafe_path(path, e.to_string()))?;
    let full = dir.join(name);
    if full
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(PendingError::unsafe_path(
            path,
            "is a symlink; refusing to write through it",
        ));
    }
    Ok(full)
}

/// The current bytes at an absolute target (`None` when absent).
pub fn read_current(full: &Path, path: &str) -> Result<Option<Vec<u8>>, PendingError> {
    match full.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PendingError::io(path)(e)),
        Ok(m) if m.is_dir() => Err(PendingError::conflict(path, "is a directory")),
        Ok(m) if !m.is_file() => Err(PendingError::unsafe_path(path, "not a regular file")),
        Ok(_) => std::fs::read(full)
            .map(Some)
            .map_err(PendingError::io(path)),
    }
}

pub(crate) fn blob_id(bytes: &[u8]) -> Result<Oid, PendingError> {
    Ok(Oid::hash_object(ObjectType::Blob, bytes)?)
}

/// Perform `w` under `root` (blocking): check the path, check the expectation, write
/// or delete atomically.
pub fn write(root: &Path, w: &TreeWrite<'_>) -> Result<Written, PendingError> {
    let path = w.path;
    let full = target(root, path)?;
    let current = read_current(&full, path)?;
    let done = match (&current, w.write) {
        (None, None) => true,
        (Some(cur), Some((bytes, _))) => cur.as_slice() == bytes,
        _ => false,
    };
    if done {
        return Ok(Written::AlreadyThere);
    }
    match (w.expect, &current) {
        (Expect::Absent, None) => {}
        (Expect::Absent, Some(_)) => {
            return Err(PendingError::conflict(
                path,
                "the file already exists in the project",
            ));
        }
        (Expect::Blob(_), None) => {
            return Err(PendingError::conflict(
                path,
                "the file no longer exists in the project",
            ));
        }
        (Expect::Blob(want), Some(cur)) => {
            if blob_id(cur)? != want {
                return Err(PendingError::conflict(
                    path,
                    "the project file changed since the change was computed",
                ));
            }
        }
    }
    match w.write {
        Some((bytes, m)) => write_atomic(root, path, &full, bytes, m)?,
        None => {
            std::fs::remove_file(&full).map_err(PendingError::io(path))?;
            prune_empty_parents(root, &full);
        }
    }
    Ok(Written::Changed)
}

fn write_atomic(
    root: &Path,
    path: &str,
    full: &Path,
    bytes: &[u8],
    git_mode: u32,
) -> Result<(), PendingError> {
    if git_mode == mode::SYMLINK {
        return Err(PendingError::unsupported(path, "symlinks are not applied"));
    }
    let Some(dir) = full.parent() else {
        return Err(PendingError::unsafe_path(path, "no parent directory"));
    };
    std::fs::create_dir_all(dir).map_err(PendingError::io(path))?;
    // Re-check now that the directories exist (narrows a swap-in-a-symlink race).
    if target(root, path)? != full {
        return Err(PendingError::unsafe_path(
            path,
            "resolved differently after mkdir",
        ));
    }
    let existing = full
        .metadata()
        .ok()
        .map(|m| m.permissions().mode() & 0o7777);
    let perms = match (existing, git_mode == mode::EXECUTABLE) {
        (Some(p), true) => p | ((p & 0o444) >> 2),
        (Some(p), false) => p & !0o111,
        (None, true) => 0o755,
        (None, false) => 0o644,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".boo-apply-")
        .tempfile_in(dir)
        .map_err(PendingError::io(path))?;
    tmp.write_all(bytes).map_err(PendingError::io(path))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(perms))
        .map_err(PendingError::io(path))?;
    tmp.as_file().sync_all().map_err(PendingError::io(path))?;
    tmp.persist(full)
        .map_err(|e| PendingError::io(path)(e.error))?;
    Ok(())
}

/// Remove directories left empty by a delete, up to (not including) the root.
fn prune_empty_parents(root: &Path, full: &Path) {
    let Ok(root) = root.canonicalize() else {
        return;
    };
    let mut dir = full.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(&root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
