//! Is a directory inside the configured roots (`chat.project_roots`)?
//!
//! Decided on the canonical paths of both sides — symlinks and `..` resolved — so
//! a link inside a root that points elsewhere (`/srv/projects/etc -> /etc`) is
//! outside, while a root that is itself a symlink still contains what it points to.
//! The check is cheap (one `realpath` per side), so callers repeat it at every use
//! instead of trusting what was true when a project was created.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RootsError {
    #[error("{path:?} cannot be resolved: {source}")]
    Unresolvable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path:?} is outside chat.project_roots")]
    Outside { path: PathBuf },
    #[error("{path:?} resolves to {resolved:?}, which is outside chat.project_roots")]
    ResolvesOutside { path: PathBuf, resolved: PathBuf },
}

/// The canonical form of `path`, provided it lies under one of `roots` (compared
/// canonically, component by component). Empty `roots` means no restriction; a root
/// that does not exist contains nothing.
pub fn within_roots(path: &Path, roots: &[PathBuf]) -> Result<PathBuf, RootsError> {
    let resolved = path
        .canonicalize()
        .map_err(|source| RootsError::Unresolvable {
            path: path.to_path_buf(),
            source,
        })?;
    if roots.is_empty() {
        return Ok(resolved);
    }
    let inside = roots
        .iter()
        .filter_map(|r| r.canonicalize().ok())
        .any(|r| resolved.starts_with(r));
    if inside {
        return Ok(resolved);
    }
    Err(if resolved == path {
        RootsError::Outside {
            path: path.to_path_buf(),
        }
    } else {
        RootsError::ResolvesOutside {
            path: path.to_path_buf(),
            resolved,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::fs;
    use std::os::unix::fs::symlink;

    /// `<tmp>/root/{real,etc->/etc,chain->hop, hop->outside, up->../outside}`,
    /// `<tmp>/outside`, `<tmp>/alias -> root`.
    struct Fixture {
        _tmp: tempfile::TempDir,
        base: PathBuf,
        root: PathBuf,
    }

    fn fixture() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("root");
        fs::create_dir_all(root.join("real/sub")).unwrap();
        fs::create_dir_all(base.join("outside")).unwrap();
        fs::create_dir_all(base.join("root2")).unwrap();
        symlink("/etc", root.join("etc")).unwrap();
        symlink(root.join("hop"), root.join("chain")).unwrap();
        symlink(base.join("outside"), root.join("hop")).unwrap();
        symlink("../outside", root.join("up")).unwrap();
        symlink("real/sub", root.join("inner")).unwrap();
        symlink(&root, base.join("alias")).unwrap();
        Fixture {
            _tmp: tmp,
            base,
            root,
        }
    }

    #[test]
    fn paths_inside_are_returned_canonical() {
        let f = fixture();
        let roots = [f.root.clone()];
        assert_eq!(
            within_roots(&f.root.join("real"), &roots).unwrap(),
            f.root.join("real")
        );
        assert_eq!(within_roots(&f.root, &roots).unwrap(), f.root);
        // A link that stays inside is fine; so is a root named through a symlink.
        assert_eq!(
            within_roots(&f.root.join("inner"), &roots).unwrap(),
            f.root.join("real/sub")
        );
        assert_eq!(
            within_roots(&f.root.join("real"), &[f.base.join("alias")]).unwrap(),
            f.root.join("real")
        );
        // No roots: anything that exists.
        assert_eq!(
            within_roots(&f.root.join("etc"), &[]).unwrap(),
            PathBuf::from("/etc")
        );
    }

    #[test]
    fn links_out_of_the_roots_are_refused_by_where_they_lead() {
        let f = fixture();
        let roots = [f.root.clone(), f.base.join("missing-root")];
        let outside = f.base.join("outside");
        for (name, resolved) in [
            ("etc", PathBuf::from("/etc")),
            ("chain", outside.clone()),
            ("up", outside),
        ] {
            let path = f.root.join(name);
            assert_eq!(
                within_roots(&path, &roots).unwrap_err().to_string(),
                format!("{path:?} resolves to {resolved:?}, which is outside chat.project_roots")
            );
        }
        // A sibling sharing the root's name as a prefix is not inside it.
        let sibling = f.base.join("root2");
        assert_eq!(
            within_roots(&sibling, &roots).unwrap_err().to_string(),
            format!("{sibling:?} is outside chat.project_roots")
        );
    }

    #[test]
    fn missing_paths_are_unresolvable() {
        let f = fixture();
        let missing = f.root.join("nope");
        let e = within_roots(&missing, std::slice::from_ref(&f.root)).unwrap_err();
        assert!(
            matches!(&e, RootsError::Unresolvable { path, .. } if *path == missing),
            "{e:?}"
        );
    }
}
