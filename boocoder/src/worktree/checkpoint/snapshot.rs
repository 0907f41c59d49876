//! The git side of checkpoints (blocking: libgit2 and file reads/writes).
//!
//! - [`record`] writes the worktree's state as a commit and points
//!   `refs/boo/checkpoints/<session>/<n>` at it. The files are those `git status`
//!   knows: tracked files present on disk and untracked files git does not ignore
//!   (nested repositories and submodules left out). Each is stored **as its bytes on
//!   disk** (no clean filter, no line-ending conversion; a symlink as its target), with
//!   its exec bit; the parent is HEAD. Nothing in the worktree, its index or HEAD
//!   changes: the tree is built in memory from blobs.
//! - [`restore_files`] makes the working directory hold exactly that tree again: files
//!   of today's state that the checkpoint lacks are deleted (and directories they
//!   leave empty), every file whose bytes or mode differ is rewritten (atomically,
//!   never through a symlink), ignored untracked files are left alone; then HEAD's
//!   branch and the index go back to the checkpoint's parent (`git reset --mixed`).
//! - [`prune_refs`] deletes a session's checkpoint refs.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{
    FileMode, ObjectType, Oid, Repository, ResetType, Signature, Status, StatusOptions,
    TreeWalkMode, TreeWalkResult,
};
use uuid::Uuid;

use super::CheckpointError;
use crate::worktree::WorktreeError;
use crate::worktree::git::{SIGNATURE_EMAIL, SIGNATURE_NAME};

/// `refs/boo/checkpoints/<session>/<n>`.
pub fn ref_name(session_id: Uuid, n: i32) -> String {
    format!("refs/boo/checkpoints/{session_id}/{n}")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |e| CheckpointError::Worktree(WorktreeError::io(path)(e))
}

fn full_path(root: &Path, rel: &[u8]) -> PathBuf {
    root.join(OsStr::from_bytes(rel))
}

/// The relative paths (raw bytes, `/`-separated) of every file that is part of the
/// worktree's state: tracked and present, or untracked and not ignored; `true` when
/// git says the file is exactly what the index holds (unmodified).
fn state_files(repo: &Repository, root: &Path) -> Result<BTreeMap<Vec<u8>, bool>, CheckpointError> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .include_unmodified(true)
        .exclude_submodules(true)
        .renames_head_to_index(false)
        .renames_index_to_workdir(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    let mut out = BTreeMap::new();
    for entry in statuses.iter() {
        let rel = entry.path_bytes();
        // A nested repository is reported as its directory (`vendor/lib/`).
        if rel.is_empty() || rel.ends_with(b"/") {
            continue;
        }
        match full_path(root, rel).symlink_metadata() {
            Ok(m) if m.is_file() || m.is_symlink() => {
                out.insert(rel.to_vec(), entry.status() == Status::CURRENT);
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&full_path(root, rel))(e)),
        }
    }
    Ok(out)
}

/// Whether git stores every file of this worktree as its plain bytes, so that the
/// index's blob of an unmodified file is exactly what is on disk: no `.gitattributes`
/// (line endings, filters, `ident`, encodings), no `info/attributes` or
/// `core.attributesFile`, no `core.autocrlf`/`core.eol`, and exec bits and symlinks
/// tracked. Otherwise every file is read and hashed.
fn plain_storage(repo: &Repository, files: &BTreeMap<Vec<u8>, bool>) -> bool {
    let Ok(cfg) = repo.config() else {
        return false;
    };
    let set = |key: &str| cfg.get_entry(key).is_ok();
    let off = |key: &str| cfg.get_bool(key).is_ok_and(|v| !v);
    let attributes_file = files
        .keys()
        .any(|rel| rel == b".gitattributes" || rel.ends_with(b"/.gitattributes"));
    !attributes_file
        && !repo.commondir().join("info/attributes").exists()
        && !set("core.attributesFile")
        && !set("core.eol")
        && (!set("core.autocrlf") || off("core.autocrlf"))
        && !off("core.filemode")
        && !off("core.symlinks")
}

/// The index's blob and mode of `rel` (an unmodified file under [`plain_storage`]).
fn indexed(index: &git2::Index, rel: &[u8]) -> Option<(Oid, FileMode)> {
    let e = index.get_path(Path::new(OsStr::from_bytes(rel)), 0)?;
    let m = match e.mode {
        0o100755 => FileMode::BlobExecutable,
        0o120000 => FileMode::Link,
        0o100644 => FileMode::Blob,
        _ => return None,
    };
    Some((e.id, m))
}

/// The blob of a file as it is on disk, and its git mode.
fn blob_of(repo: &Repository, full: &Path) -> Result<(Oid, FileMode), CheckpointError> {
    let meta = full.symlink_metadata().map_err(io(full))?;
    if meta.is_symlink() {
        let target = std::fs::read_link(full).map_err(io(full))?;
        let oid = repo.blob(target.as_os_str().as_bytes())?;
        return Ok((oid, FileMode::Link));
    }
    // No hint path: the bytes go in as they are, without filters.
    let mut writer = repo.blob_writer(None)?;
    let mut file = std::fs::File::open(full).map_err(io(full))?;
    std::io::copy(&mut file, &mut writer).map_err(io(full))?;
    let oid = writer.commit()?;
    let m = if meta.permissions().mode() & 0o100 != 0 {
        FileMode::BlobExecutable
    } else {
        FileMode::Blob
    };
    Ok((oid, m))
}

/// Write the worktree's state as a commit (parent: HEAD) and point `ref_name` at it.
pub fn record(dir: &Path, ref_name: &str, message: &str) -> Result<Oid, CheckpointError> {
    let repo = Repository::open(dir)?;
    let root = repo
        .workdir()
        .ok_or_else(|| CheckpointError::Blocked("the worktree has no working directory".into()))?
        .to_path_buf();
    let files = state_files(&repo, &root)?;
    let index = plain_storage(&repo, &files)
        .then(|| repo.index())
        .transpose()?;
    let mut builder = TreeUpdateBuilder::new();
    for (rel, unmodified) in &files {
        let known = index
            .as_ref()
            .filter(|_| *unmodified)
            .and_then(|i| indexed(i, rel));
        let (oid, m) = match known {
            Some(k) => k,
            None => blob_of(&repo, &full_path(&root, rel))?,
        };
        builder.upsert(rel.as_slice(), oid, m);
    }
    let empty = repo.find_tree(repo.treebuilder(None)?.write()?)?;
    let tree = repo.find_tree(builder.create_updated(&repo, &empty)?)?;
    let parent = repo.head()?.peel_to_commit()?;
    let sig = Signature::now(SIGNATURE_NAME, SIGNATURE_EMAIL)?;
    let oid = repo.commit(None, &sig, &sig, message, &tree, &[&parent])?;
    repo.reference(ref_name, oid, true, "boo: checkpoint")?;
    Ok(oid)
}

/// Delete `ref_name` if it exists (undoing a [`record`] whose row was not written).
pub fn delete_ref(repo_dir: &Path, ref_name: &str) -> Result<(), CheckpointError> {
    let repo = Repository::open(repo_dir)?;
    if let Ok(mut r) = repo.find_reference(ref_name) {
        r.delete()?;
    }
    Ok(())
}

/// Delete every `refs/boo/checkpoints/<session>/*` of the repository at `repo_dir`
/// (the project or any of its worktrees: refs are shared); how many went.
pub fn prune_refs(repo_dir: &Path, session_id: Uuid) -> Result<usize, CheckpointError> {
    let repo = Repository::open(repo_dir)?;
    let names: Vec<String> = repo
        .references_glob(&format!("refs/boo/checkpoints/{session_id}/*"))?
        .filter_map(|r| r.ok().and_then(|r| r.name().ok().map(str::to_owned)))
        .collect();
    for name in &names {
        repo.find_reference(name)?.delete()?;
    }
    Ok(names.len())
}

/// A blob of the checkpoint tree.
#[derive(Clone, Copy)]
struct Entry {
    oid: Oid,
    mode: i32,
}

fn tree_entries(tree: &git2::Tree<'_>) -> Result<BTreeMap<Vec<u8>, Entry>, CheckpointError> {
    let mut out = BTreeMap::new();
    tree.walk(TreeWalkMode::PreOrder, |parent, e| {
        if e.kind() == Some(ObjectType::Blob) {
            let mut rel = parent.as_bytes().to_vec();
            rel.extend_from_slice(e.name_bytes());
            out.insert(
                rel,
                Entry {
                    oid: e.id(),
                    mode: e.filemode(),
                },
            );
        }
        TreeWalkResult::Ok
    })?;
    Ok(out)
}

/// The working directory already holds `entry` at `full`.
fn holds(repo: &Repository, full: &Path, entry: Entry) -> Result<bool, CheckpointError> {
    let Ok(meta) = full.symlink_metadata() else {
        return Ok(false);
    };
    let want_link = entry.mode == i32::from(FileMode::Link);
    if meta.is_symlink() != want_link || !(meta.is_file() || meta.is_symlink()) {
        return Ok(false);
    }
    if want_link {
        let target = std::fs::read_link(full).map_err(io(full))?;
        return Ok(repo.find_blob(entry.oid)?.content() == target.as_os_str().as_bytes());
    }
    let exec = meta.permissions().mode() & 0o100 != 0;
    if exec != (entry.mode == i32::from(FileMode::BlobExecutable)) {
        return Ok(false);
    }
    Ok(Oid::hash_file(ObjectType::Blob, full)? == entry.oid)
}

/// Make every directory of `rel`'s parent a real directory: missing ones are created,
/// a file or symlink in the way is removed (never followed).
fn ensure_parents(root: &Path, rel: &[u8]) -> Result<(), CheckpointError> {
    let parts: Vec<&[u8]> = rel.split(|b| *b == b'/').collect();
    let mut dir = root.to_path_buf();
    for part in &parts[..parts.len().saturating_sub(1)] {
        dir.push(OsStr::from_bytes(part));
        match dir.symlink_metadata() {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => std::fs::remove_file(&dir).map_err(io(&dir))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&dir)(e)),
        }
        std::fs::create_dir(&dir).map_err(io(&dir))?;
    }
    Ok(())
}

/// Put `entry`'s bytes at `full` (temp file or link in the same directory, renamed
/// over whatever is there; a directory in the way is removed first).
fn put(repo: &Repository, full: &Path, entry: Entry) -> Result<(), CheckpointError> {
    if full.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(full).map_err(io(full))?;
    }
    let dir = full.parent().unwrap_or(full);
    let blob = repo.find_blob(entry.oid)?;
    if entry.mode == i32::from(FileMode::Link) {
        let tmp = dir.join(format!(".boo-restore-{}", Uuid::new_v4()));
        std::os::unix::fs::symlink(OsStr::from_bytes(blob.content()), &tmp).map_err(io(full))?;
        return std::fs::rename(&tmp, full).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(full)(e)
        });
    }
    let perms = if entry.mode == i32::from(FileMode::BlobExecutable) {
        0o755
    } else {
        0o644
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".boo-restore-")
        .tempfile_in(dir)
        .map_err(io(full))?;
    tmp.write_all(blob.content()).map_err(io(full))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(perms))
        .map_err(io(full))?;
    tmp.persist(full).map_err(|e| io(full)(e.error))?;
    Ok(())
}

/// Remove the directories `rel` leaves empty, up to (not including) the root.
fn prune_empty_parents(root: &Path, rel: &[u8]) {
    let mut parts: Vec<&[u8]> = rel.split(|b| *b == b'/').collect();
    parts.pop();
    while !parts.is_empty() {
        let dir = full_path(root, &parts.join(&b'/'));
        if std::fs::remove_dir(&dir).is_err() {
            break;
        }
        parts.pop();
    }
}

/// What [`restore_files`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilesRestored {
    /// Files rewritten (their bytes or mode differed, or they were missing).
    pub written: usize,
    /// Files deleted (not in the checkpoint).
    pub deleted: usize,
}

/// Make the worktree at `dir` hold exactly the files of checkpoint `commit` (see the
/// module docs), then move HEAD's branch and the index to the checkpoint's parent.
pub fn restore_files(dir: &Path, commit: &str) -> Result<FilesRestored, CheckpointError> {
    let repo = Repository::open(dir)?;
    let root = repo
        .workdir()
        .ok_or_else(|| CheckpointError::Blocked("the worktree has no working directory".into()))?
        .to_path_buf();
    let commit = repo.find_commit(Oid::from_str(commit)?)?;
    let target = tree_entries(&commit.tree()?)?;
    let now = state_files(&repo, &root)?;
    let index = plain_storage(&repo, &now)
        .then(|| repo.index())
        .transpose()?;

    // Refuse before touching anything when a nested repository sits where the
    // checkpoint has a file (removing it would lose its history).
    for rel in target.keys() {
        let p = full_path(&root, rel);
        if p.symlink_metadata().is_ok_and(|m| m.is_dir())
            && p.join(".git").symlink_metadata().is_ok()
        {
            return Err(CheckpointError::Blocked(format!(
                "a nested git repository is in the way of the checkpoint's file {:?}",
                String::from_utf8_lossy(rel)
            )));
        }
    }

    let mut done = FilesRestored::default();
    for rel in now.keys().filter(|rel| !target.contains_key(*rel)) {
        let full = full_path(&root, rel);
        match std::fs::remove_file(&full) {
            Ok(()) => done.deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&full)(e)),
        }
        prune_empty_parents(&root, rel);
    }
    for (rel, entry) in &target {
        let full = full_path(&root, rel);
        let unmodified = now.get(rel).copied().unwrap_or(false);
        let known = index
            .as_ref()
            .filter(|_| unmodified)
            .and_then(|i| indexed(i, rel));
        if known.is_some_and(|(oid, m)| oid == entry.oid && i32::from(m) == entry.mode)
            || holds(&repo, &full, *entry)?
        {
            continue;
        }
        ensure_parents(&root, rel)?;
        put(&repo, &full, *entry)?;
        done.written += 1;
    }
    if let Ok(parent) = commit.parent(0) {
        repo.reset(parent.as_object(), ResetType::Mixed, None)?;
    }
    Ok(done)
}
