//! Open a file that [`super::resolve_with`] checked, without trusting that it is
//! still what was checked.
//!
//! Between the check and the open, a directory on the way could be swapped for a
//! symlink to somewhere else. [`open_confined`] closes most of that window cheaply:
//!
//! - it opens the canonical path with `O_NOFOLLOW`, so a final component that has
//!   become a symlink fails (`ELOOP`) instead of being followed;
//! - with `O_NONBLOCK`, so a FIFO planted in the project cannot hang the reader
//!   (regular files ignore the flag);
//! - then it asks the kernel where the open descriptor really is
//!   (`/proc/self/fd/N`) and refuses it unless that is under the root. Whatever
//!   happened to the path in between, the bytes read come from the checked place.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use super::PathError;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Open `resolved` (a path returned by `resolve_with` for `requested`) read-only,
/// refusing it unless the opened file lies under the canonical `root`.
pub fn open_confined(root: &Path, resolved: &Path, requested: &str) -> Result<File, OpenError> {
    let escape = || PathError::SymlinkEscape {
        requested: requested.to_owned(),
    };
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(resolved, flags, Mode::empty()) {
        Ok(fd) => fd,
        // The canonical path never ends in a symlink; now it does.
        Err(rustix::io::Errno::LOOP) => return Err(escape().into()),
        Err(e) => return Err(io::Error::from(e).into()),
    };
    let file = File::from(fd);
    if !opened_path(&file, resolved)?.starts_with(root) {
        return Err(escape().into());
    }
    Ok(file)
}

/// Where the kernel says `file` is; without `/proc`, where `resolved` leads now.
fn opened_path(file: &File, resolved: &Path) -> io::Result<PathBuf> {
    match std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(path) => Ok(path),
        Err(_) => resolved.canonicalize(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathguard::resolve;
    use pretty_assertions::assert_eq;
    use std::fs;
    use std::io::Read;
    use std::os::unix::fs::symlink;

    fn message(e: OpenError) -> String {
        e.to_string()
    }

    #[test]
    fn opens_checked_files_and_reports_io_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("p");
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/a.txt"), "inside").unwrap();
        let abs = resolve(&root, "src/a.txt").unwrap();
        let mut text = String::new();
        open_confined(&root, &abs, "src/a.txt")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "inside");
        let missing = resolve(&root, "src/b.txt").unwrap();
        let e = open_confined(&root, &missing, "src/b.txt").unwrap_err();
        assert!(
            matches!(&e, OpenError::Io(io) if io.kind() == io::ErrorKind::NotFound),
            "{e:?}"
        );
    }

    #[test]
    fn a_file_swapped_for_a_symlink_after_the_check_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("p");
        fs::create_dir_all(&root).unwrap();
        fs::write(base.join("secret"), "outside").unwrap();
        fs::write(root.join("a.txt"), "inside").unwrap();
        let abs = resolve(&root, "a.txt").unwrap();
        // The swap lands between resolve and open.
        fs::remove_file(root.join("a.txt")).unwrap();
        symlink(base.join("secret"), root.join("a.txt")).unwrap();
        assert_eq!(
            message(open_confined(&root, &abs, "a.txt").unwrap_err()),
            r#"path "a.txt" goes through a symlink that points outside the project root"#
        );
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_after_the_check_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("p");
        fs::create_dir_all(root.join("dir")).unwrap();
        fs::create_dir_all(base.join("outside")).unwrap();
        fs::write(base.join("outside/f"), "outside").unwrap();
        fs::write(root.join("dir/f"), "inside").unwrap();
        let abs = resolve(&root, "dir/f").unwrap();
        fs::rename(root.join("dir"), base.join("moved")).unwrap();
        symlink(base.join("outside"), root.join("dir")).unwrap();
        assert_eq!(
            message(open_confined(&root, &abs, "dir/f").unwrap_err()),
            r#"path "dir/f" goes through a symlink that points outside the project root"#
        );
    }
}
