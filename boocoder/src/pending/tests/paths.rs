//! Hostile path corpus against the apply path ([`tree::write`]): every entry is
//! refused, nothing outside the allowed files changes, and ordinary paths still work.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use boo_shared::pathguard::{ResolveOptions, resolve_with};
use pretty_assertions::assert_eq;

use crate::pending::PendingError;
use crate::pending::tree::{self, Expect, TreeWrite, Written};
use crate::worktree::mode;

/// `<tmp>/app` is the project root; `app-evil`, `app2` and `outside` sit beside it.
struct Corpus {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
}

fn corpus_fixture() -> Corpus {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let root = base.join("app");
    for dir in [
        "app/src",
        "app/.git/hooks",
        "app/vendor/.git",
        "app-evil",
        "app2",
        "outside",
    ] {
        std::fs::create_dir_all(base.join(dir)).unwrap();
    }
    for (file, text) in [
        ("app/src/main.rs", "fn main() {}\n"),
        ("app/.git/config", "[core]\n"),
        ("app/vendor/.git/config", "[core]\n"),
        ("app2/secret", "s2"),
        ("app-evil/x", "evil"),
        ("outside/secret", "s"),
    ] {
        std::fs::write(base.join(file), text).unwrap();
    }
    symlink(base.join("outside"), root.join("out_dir")).unwrap();
    symlink(base.join("outside/secret"), root.join("out_file")).unwrap();
    symlink(base.join("nowhere/new.txt"), root.join("dangling")).unwrap();
    symlink(base.join("app-evil"), root.join("evil_link")).unwrap();
    symlink(root.join(".git"), root.join("git_link")).unwrap();
    symlink(root.join("src"), root.join("code")).unwrap();
    symlink("main.rs", root.join("src/alias.rs")).unwrap();
    Corpus {
        _tmp: tmp,
        base,
        root,
    }
}

/// Every file and symlink under `dir` with its content or link target.
pub(super) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let meta = p.symlink_metadata().unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    p.clone(),
                    format!("-> {}", std::fs::read_link(&p).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(p.clone(), "<dir>".into());
                stack.push(p);
            } else {
                out.insert(
                    p.clone(),
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into(),
                );
            }
        }
    }
    out
}

fn hostile(c: &Corpus) -> Vec<String> {
    let root = c.root.display().to_string();
    let mut v: Vec<String> = [
        // `..` escapes
        "../escape.txt",
        "../../etc/passwd",
        "src/../../escape.txt",
        "./../escape.txt",
        "a/b/../../../escape.txt",
        "src/../../../../../../../../etc/shadow",
        "..",
        "../app-evil/x",
        "../app2/secret",
        // absolute
        "/etc/passwd",
        "//etc/passwd",
        "/",
        // home
        "~/.bashrc",
        "~root/.ssh/authorized_keys",
        "~",
        // NUL and control characters
        "src/a\0b",
        "\0",
        "line\nbreak.txt",
        "tab\there.txt",
        "bell\u{7}.txt",
        // symlinks out (dir, file, dangling, sibling), and `..` after a symlink
        "out_dir/secret",
        "out_dir/new.txt",
        "out_file",
        "dangling",
        "evil_link/x",
        "out_dir/../escape.txt",
        // percent-encoding
        "%2e%2e/escape.txt",
        "%2E%2E/escape.txt",
        "..%2fescape.txt",
        "%2e%2e%2fescape.txt",
        "src%2f..%2f..%2fescape.txt",
        "%00.txt",
        // backslashes, drive letters, UNC
        "..\\escape.txt",
        "src\\..\\..\\escape.txt",
        "C:\\Windows\\win.ini",
        "C:/Windows/win.ini",
        "\\\\server\\share\\x",
        // trailing slashes, empty and dot components
        "src/",
        "newdir/",
        "",
        ".",
        "a//b.txt",
        "./src/main.rs",
        "file:///etc/passwd",
        // .git writes
        ".git/config",
        ".git/hooks/pre-commit",
        ".git",
        "vendor/.git/config",
        ".GIT/config",
        "git_link/config",
        "src/../.git/config",
        // unicode look-alikes and invisible characters
        "\u{FF0E}\u{FF0E}/escape.txt",
        "\u{2025}/escape.txt",
        "..\u{2215}escape.txt",
        "a\u{FF0F}..\u{FF0F}..\u{FF0F}escape.txt",
        "\u{FE52}\u{FE52}/escape.txt",
        "src/\u{202E}txt.exe",
        "src/zero\u{200B}width.rs",
        "..\u{FF3C}escape.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Absolute paths: lexical escape, sibling prefix, sibling with a shared stem.
    v.push(format!("{root}/../escape.txt"));
    v.push(format!("{root}-evil/x"));
    v.push(format!("{root}2/secret"));
    v.push(format!("{root}/src/main.rs"));
    // Very long: whole path and one component.
    v.push("a/".repeat(2100) + "f");
    v.push("x".repeat(300));
    v
}

#[test]
fn every_hostile_path_is_refused_and_nothing_changes() {
    let c = corpus_fixture();
    let paths = hostile(&c);
    assert!(paths.len() >= 40, "{}", paths.len());
    let before = snapshot(&c.base);
    let secret = tree::blob_id(b"s").unwrap();
    for p in &paths {
        let writes = [
            TreeWrite {
                path: p,
                expect: Expect::Absent,
                write: Some((b"pwned", mode::FILE)),
            },
            TreeWrite {
                path: p,
                expect: Expect::Blob(secret),
                write: Some((b"pwned", mode::EXECUTABLE)),
            },
            TreeWrite {
                path: p,
                expect: Expect::Blob(secret),
                write: None,
            },
        ];
        for w in &writes {
            match tree::write(&c.root, w) {
                Err(PendingError::UnsafePath { path, .. }) => assert_eq!(&path, p),
                other => panic!("{p:?} ({w:?}) was not refused as unsafe: {other:?}"),
            }
        }
    }
    assert_eq!(snapshot(&c.base), before);
}

#[test]
fn refusals_say_why() {
    let c = corpus_fixture();
    let reason = |p: &str| match tree::write(
        &c.root,
        &TreeWrite {
            path: p,
            expect: Expect::Absent,
            write: Some((b"x", mode::FILE)),
        },
    ) {
        Err(e) => e.to_string(),
        Ok(w) => format!("accepted: {w:?}"),
    };
    let got: Vec<String> = [
        "../x",
        "/etc/passwd",
        "~/.bashrc",
        "a\\b",
        "%2e%2e/x",
        ".git/config",
        "src/",
        "\u{FF0E}\u{FF0E}/x",
        "out_dir/secret",
        "out_file",
        "code/../out_dir/x",
    ]
    .iter()
    .map(|p| reason(p))
    .collect();
    assert_eq!(
        got,
        vec![
            "refused path \"../x\": '.' or '..' component",
            "refused path \"/etc/passwd\": absolute path",
            "refused path \"~/.bashrc\": home-relative path",
            "refused path \"a\\\\b\": contains a backslash",
            "refused path \"%2e%2e/x\": percent-encoded dot, slash or NUL",
            "refused path \".git/config\": inside .git",
            "refused path \"src/\": ends with a slash (not a file)",
            "refused path \"\u{FF0E}\u{FF0E}/x\": contains a look-alike of '.' or '/'",
            "refused path \"out_dir/secret\": path \"out_dir\" goes through a symlink that points outside the project root",
            "refused path \"out_file\": path \"out_file\" goes through a symlink that points outside the project root",
            "refused path \"code/../out_dir/x\": '.' or '..' component",
        ]
    );
}

#[test]
fn ordinary_paths_are_accepted() {
    let c = corpus_fixture();
    let ok = |p: &str, expect: Expect, write: Option<&[u8]>| {
        tree::write(
            &c.root,
            &TreeWrite {
                path: p,
                expect,
                write: write.map(|b| (b, mode::FILE)),
            },
        )
        .unwrap()
    };
    let main = tree::blob_id(b"fn main() {}\n").unwrap();
    assert_eq!(
        ok(
            "src/main.rs",
            Expect::Blob(main),
            Some(b"fn main() { 1 }\n")
        ),
        Written::Changed
    );
    assert_eq!(
        ok("new/deep/dir/file.txt", Expect::Absent, Some(b"n")),
        Written::Changed
    );
    assert_eq!(
        ok(
            "\u{00FC}n\u{00EF}c\u{00F6}d\u{00E9} name.txt",
            Expect::Absent,
            Some(b"u")
        ),
        Written::Changed
    );
    assert_eq!(
        ok(".gitignore", Expect::Absent, Some(b"target/\n")),
        Written::Changed
    );
    assert_eq!(
        ok("a..b/c.txt", Expect::Absent, Some(b"d")),
        Written::Changed
    );
    assert_eq!(ok("...", Expect::Absent, Some(b"dots")), Written::Changed);
    assert_eq!(
        ok("100% done.txt", Expect::Absent, Some(b"p")),
        Written::Changed
    );
    // Through a symlinked directory that stays inside: lands in its target.
    assert_eq!(
        ok("code/via_link.rs", Expect::Absent, Some(b"l")),
        Written::Changed
    );
    assert_eq!(
        std::fs::read_to_string(c.root.join("src/via_link.rs")).unwrap(),
        "l"
    );
    // Same content again: nothing to do.
    assert_eq!(
        ok("...", Expect::Absent, Some(b"dots")),
        Written::AlreadyThere
    );
    // Delete prunes the directories it emptied, never the root.
    let n = tree::blob_id(b"n").unwrap();
    assert_eq!(
        ok("new/deep/dir/file.txt", Expect::Blob(n), None),
        Written::Changed
    );
    assert!(!c.root.join("new").exists());
    assert!(c.root.is_dir());
    // A final symlink inside the root is not written through.
    let err = tree::write(
        &c.root,
        &TreeWrite {
            path: "src/alias.rs",
            expect: Expect::Absent,
            write: Some((b"x", mode::FILE)),
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused path \"src/alias.rs\": is a symlink; refusing to write through it"
    );
}

/// Which corpus entries `boo_shared::pathguard` alone would let through (with
/// `deny_git_dir`). None of them escapes the root: they are odd but contained names
/// (`~`, `%2e%2e`, backslashes, look-alikes), the root itself, a final in-root
/// symlink, over-long names, or `.GIT` (case) — the stricter policy in `tree::check_path` refuses
/// them for stored change paths.
#[test]
fn what_the_policy_adds_on_top_of_pathguard() {
    let c = corpus_fixture();
    let deny = ResolveOptions { deny_git_dir: true };
    let mut through: Vec<String> = Vec::new();
    for p in hostile(&c) {
        if let Ok(resolved) = resolve_with(&c.root, &p, deny) {
            assert!(
                resolved.starts_with(&c.root),
                "{p:?} -> {resolved:?} escaped"
            );
            through.push(p.chars().take(24).collect());
        }
    }
    let root = c.root.display().to_string();
    assert_eq!(
        through,
        vec![
            "~/.bashrc".to_owned(),
            "~root/.ssh/authorized_key".chars().take(24).collect(),
            "~".into(),
            "line\nbreak.txt".into(),
            "tab\there.txt".into(),
            "bell\u{7}.txt".into(),
            "%2e%2e/escape.txt".into(),
            "%2E%2E/escape.txt".into(),
            "..%2fescape.txt".into(),
            "%2e%2e%2fescape.txt".into(),
            "src%2f..%2f..%2fescape.tx".chars().take(24).collect(),
            "%00.txt".into(),
            "..\\escape.txt".into(),
            "src\\..\\..\\escape.txt".into(),
            "C:\\Windows\\win.ini".into(),
            "C:/Windows/win.ini".into(),
            "\\\\server\\share\\x".into(),
            "src/".into(),
            "newdir/".into(),
            String::new(),
            ".".into(),
            "a//b.txt".into(),
            "./src/main.rs".into(),
            "file:///etc/passwd".into(),
            ".GIT/config".into(),
            "\u{FF0E}\u{FF0E}/escape.txt".into(),
            "\u{2025}/escape.txt".into(),
            "..\u{2215}escape.txt".into(),
            "a\u{FF0F}..\u{FF0F}..\u{FF0F}escape.txt"
                .chars()
                .take(24)
                .collect(),
            "\u{FE52}\u{FE52}/escape.txt".into(),
            "src/\u{202E}txt.exe".into(),
            "src/zero\u{200B}width.rs".into(),
            "..\u{FF3C}escape.txt".into(),
            format!("{root}/src/main.rs").chars().take(24).collect(),
            "a/".repeat(12),
            "x".repeat(24),
        ]
    );
}
