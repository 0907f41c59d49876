//! Confine model-supplied paths to a project root.
//!
//! [`resolve`] turns a path the model wrote (relative to the root, or absolute but
//! inside it) into an absolute path that is guaranteed — at the time of the call —
//! to stay under the root:
//!
//! - containment is decided per path component, never by string prefix, so
//!   `/srv/app2` is not inside `/srv/app`;
//! - `..` may move around inside the root but never above it;
//! - the deepest part of the path that exists is canonicalized, so a symlink whose
//!   target leaves the root is caught, and so is a dangling symlink (writing through
//!   it would create a file wherever it points);
//! - NUL bytes are refused outright;
//! - with [`ResolveOptions::deny_git_dir`], anything under a `.git` directory is
//!   refused too.
//!
//! The file itself need not exist (a writer may create it later); only its existing
//! ancestors are checked on disk. The returned path is built on the canonical root.
//!
//! Two companions: [`within_roots`] checks a project directory against the configured
//! roots the same way (canonically), and [`open_confined`] opens a resolved path so
//! that a symlink swapped in after the check is refused instead of followed.

use std::io;
use std::path::{Component, Path, PathBuf};

mod open;
mod roots;

pub use open::{OpenError, open_confined};
pub use roots::{RootsError, within_roots};

/// Why a requested path was refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("path {requested:?} contains a NUL byte")]
    NulByte { requested: String },
    #[error("path {requested:?} escapes the project root")]
    Escapes { requested: String },
    #[error("path {requested:?} is outside the project root")]
    Outside { requested: String },
    #[error("path {requested:?} goes through a symlink that points outside the project root")]
    SymlinkEscape { requested: String },
    #[error("path {requested:?} is inside a .git directory, which is off limits")]
    GitDir { requested: String },
    #[error("path {requested:?} cannot be resolved: {source}")]
    Unresolvable {
        requested: String,
        #[source]
        source: io::Error,
    },
    #[error("project root {root:?} is not accessible: {source}")]
    Root {
        root: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Knobs for [`resolve_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Refuse any path with a `.git` component below the root.
    pub deny_git_dir: bool,
}

/// Resolve `requested` against `root` (see the module docs); `.git` is allowed.
pub fn resolve(root: &Path, requested: &str) -> Result<PathBuf, PathError> {
    resolve_with(root, requested, ResolveOptions::default())
}

/// Resolve `requested` against `root` with explicit options.
///
/// An empty `requested` means the root itself.
pub fn resolve_with(
    root: &Path,
    requested: &str,
    options: ResolveOptions,
) -> Result<PathBuf, PathError> {
    let err_requested = || requested.to_owned();
    if requested.contains('\0') {
        return Err(PathError::NulByte {
            requested: err_requested(),
        });
    }
    let canonical_root = root.canonicalize().map_err(|source| PathError::Root {
        root: root.to_path_buf(),
        source,
    })?;

    let req = Path::new(requested);
    let candidate = if req.is_absolute() {
        req.to_path_buf()
    } else {
        root.join(req)
    };

    // Lexical pass: catches `..` escapes and foreign absolute paths with a precise
    // message before touching the disk.
    let lexical = normalize_lexically(&candidate);
    let inside_lexically =
        lexical.starts_with(normalize_lexically(root)) || lexical.starts_with(&canonical_root);
    if !inside_lexically {
        return Err(if req.is_absolute() {
            PathError::Outside {
                requested: err_requested(),
            }
        } else {
            PathError::Escapes {
                requested: err_requested(),
            }
        });
    }

    // On-disk pass: canonicalize the deepest ancestor that exists (as a directory
    // entry — `symlink_metadata` so a dangling symlink counts as existing), then
    // append the rest, which cannot contain symlinks because it does not exist.
    let (existing, rest) = split_existing(&candidate);
    let mut resolved = existing.canonicalize().map_err(|source| {
        if existing.is_symlink() {
            // A dangling symlink: following it later could create a file anywhere.
            PathError::SymlinkEscape {
                requested: err_requested(),
            }
        } else {
            PathError::Unresolvable {
                requested: err_requested(),
                source,
            }
        }
    })?;
    for component in rest {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    let Ok(relative) = resolved.strip_prefix(&canonical_root) else {
        return Err(PathError::SymlinkEscape {
            requested: err_requested(),
        });
    };
    if options.deny_git_dir
        && relative
            .components()
            .any(|c| c == Component::Normal(".git".as_ref()))
    {
        return Err(PathError::GitDir {
            requested: err_requested(),
        });
    }
    Ok(resolved)
}

/// `abs` as the model should see it: relative to `root` with `/` separators, `.` for
/// the root itself, or unchanged when it is not under `root` (canonical or not).
pub fn display_relative(root: &Path, abs: &Path) -> String {
    let canonical_root = root.canonicalize().ok();
    let relative = abs.strip_prefix(root).ok().or_else(|| {
        canonical_root
            .as_deref()
            .and_then(|r| abs.strip_prefix(r).ok())
    });
    match relative {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => abs.display().to_string(),
    }
}

/// Fold `.` and `..` without touching the disk (`..` at `/` stays at `/`).
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Split `path` into its deepest ancestor that exists on disk (as an entry, not
/// following a final symlink) and the components after it.
fn split_existing(path: &Path) -> (PathBuf, Vec<Component<'_>>) {
    let components: Vec<Component<'_>> = path.components().collect();
    for keep in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..keep].iter().collect();
        if prefix.symlink_metadata().is_ok() {
            return (prefix, components[keep..].to_vec());
        }
    }
    // Not even `/` exists; let canonicalize report it.
    (PathBuf::from("/"), components)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::fs;
    use std::os::unix::fs::symlink;

    /// `<tmp>/app` as the root, with `<tmp>/app2` and `<tmp>/outside` beside it.
    struct Fixture {
        _tmp: tempfile::TempDir,
        base: PathBuf,
        root: PathBuf,
    }

    fn fixture() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("app");
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".git/config"), "[core]\n").unwrap();
        fs::create_dir_all(base.join("app2")).unwrap();
        fs::write(base.join("app2/secret"), "s").unwrap();
        fs::create_dir_all(base.join("outside")).unwrap();
        fs::write(base.join("outside/secret"), "s").unwrap();
        Fixture {
            _tmp: tmp,
            base,
            root,
        }
    }

    fn err(root: &Path, requested: &str) -> String {
        resolve(root, requested).unwrap_err().to_string()
    }

    #[test]
    fn resolves_existing_and_new_paths_inside() {
        let f = fixture();
        let r = &f.root;
        assert_eq!(resolve(r, "src/main.rs").unwrap(), r.join("src/main.rs"));
        assert_eq!(
            resolve(r, "./src/../src/main.rs").unwrap(),
            r.join("src/main.rs")
        );
        assert_eq!(resolve(r, "").unwrap(), r.clone());
        assert_eq!(resolve(r, ".").unwrap(), r.clone());
        assert_eq!(
            resolve(r, "new/dir/file.txt").unwrap(),
            r.join("new/dir/file.txt")
        );
        assert_eq!(resolve(r, "new/../other.txt").unwrap(), r.join("other.txt"));
        let abs = r.join("src/main.rs");
        assert_eq!(resolve(r, abs.to_str().unwrap()).unwrap(), abs);
    }

    #[test]
    fn non_canonical_root_is_accepted_and_results_are_canonical() {
        let f = fixture();
        let alias = f.base.join("alias");
        symlink(&f.root, &alias).unwrap();
        assert_eq!(
            resolve(&alias, "src/main.rs").unwrap(),
            f.root.join("src/main.rs")
        );
        let via_alias = alias.join("src/main.rs");
        assert_eq!(
            resolve(&alias, via_alias.to_str().unwrap()).unwrap(),
            f.root.join("src/main.rs")
        );
    }

    #[test]
    fn dotdot_escapes_are_refused() {
        let f = fixture();
        assert_eq!(
            err(&f.root, "../x"),
            r#"path "../x" escapes the project root"#
        );
        assert_eq!(
            err(&f.root, "src/../../outside/secret"),
            r#"path "src/../../outside/secret" escapes the project root"#
        );
        assert_eq!(
            err(&f.root, "missing/../../.."),
            r#"path "missing/../../.." escapes the project root"#
        );
    }

    #[test]
    fn absolute_paths_outside_and_sibling_prefixes_are_refused() {
        let f = fixture();
        assert_eq!(
            err(&f.root, "/etc/passwd"),
            r#"path "/etc/passwd" is outside the project root"#
        );
        let sibling = format!("{}2/secret", f.root.display());
        assert_eq!(
            err(&f.root, &sibling),
            format!("path {sibling:?} is outside the project root")
        );
        assert!(matches!(
            resolve(&f.root, "../app2/secret"),
            Err(PathError::Escapes { .. })
        ));
    }

    #[test]
    fn symlink_escapes_are_refused() {
        let f = fixture();
        symlink(f.base.join("outside"), f.root.join("out_dir")).unwrap();
        symlink(f.base.join("outside/secret"), f.root.join("out_file")).unwrap();
        symlink(f.base.join("app2"), f.root.join("sib")).unwrap();
        symlink(f.base.join("nowhere/new.txt"), f.root.join("dangling")).unwrap();
        for requested in [
            "out_dir/secret",
            "out_dir/new/file",
            "out_file",
            "sib/secret",
            "dangling",
        ] {
            assert_eq!(
                err(&f.root, requested),
                format!(
                    "path {requested:?} goes through a symlink that points outside the project root"
                )
            );
        }
    }

    #[test]
    fn dotdot_after_a_symlink_follows_the_os_not_the_text() {
        let f = fixture();
        // `out_dir/..` is `<base>` on disk, although it reads like the root.
        symlink(f.base.join("outside"), f.root.join("out_dir")).unwrap();
        for requested in ["out_dir/..", "out_dir/../app2/secret", "out_dir/../new.txt"] {
            assert_eq!(
                err(&f.root, requested),
                format!(
                    "path {requested:?} goes through a symlink that points outside the project root"
                )
            );
        }
    }

    #[test]
    fn symlinks_that_stay_inside_are_followed() {
        let f = fixture();
        symlink(f.root.join("src"), f.root.join("code")).unwrap();
        symlink("src/main.rs", f.root.join("entry")).unwrap();
        assert_eq!(
            resolve(&f.root, "code/main.rs").unwrap(),
            f.root.join("src/main.rs")
        );
        assert_eq!(
            resolve(&f.root, "entry").unwrap(),
            f.root.join("src/main.rs")
        );
        assert_eq!(
            resolve(&f.root, "code/new.rs").unwrap(),
            f.root.join("src/new.rs")
        );
    }

    #[test]
    fn nul_bytes_are_refused() {
        let f = fixture();
        assert_eq!(
            err(&f.root, "src/a\0b"),
            r#"path "src/a\0b" contains a NUL byte"#
        );
    }

    #[test]
    fn git_dir_is_refused_only_when_asked() {
        let f = fixture();
        let deny = ResolveOptions { deny_git_dir: true };
        assert_eq!(
            resolve(&f.root, ".git/config").unwrap(),
            f.root.join(".git/config")
        );
        for requested in [
            ".git",
            ".git/config",
            "src/../.git/hooks/new",
            "vendor/.git/HEAD",
        ] {
            assert_eq!(
                resolve_with(&f.root, requested, deny)
                    .unwrap_err()
                    .to_string(),
                format!("path {requested:?} is inside a .git directory, which is off limits")
            );
        }
        assert_eq!(
            resolve_with(&f.root, ".gitignore", deny).unwrap(),
            f.root.join(".gitignore")
        );
    }

    #[test]
    fn missing_root_is_reported() {
        let f = fixture();
        let missing = f.base.join("missing");
        let e = resolve(&missing, "a").unwrap_err();
        assert!(matches!(e, PathError::Root { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("project root {missing:?} is not accessible: "))
        );
    }

    #[test]
    fn display_relative_strips_the_root() {
        let f = fixture();
        let r = &f.root;
        assert_eq!(display_relative(r, &r.join("src/main.rs")), "src/main.rs");
        assert_eq!(display_relative(r, r), ".");
        assert_eq!(
            display_relative(r, &f.base.join("app2/x")),
            format!("{}", f.base.join("app2/x").display())
        );
        let alias = f.base.join("alias");
        symlink(r, &alias).unwrap();
        assert_eq!(display_relative(&alias, &r.join("src")), "src");
    }
}
