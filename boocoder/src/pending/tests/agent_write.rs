//! "Agent writes never vanish", in process: every odd path of the corpus, written
//! through [`agent_write::write`] (what the ACP handler calls), is either refused
//! with nothing in the worktree, or lands and is staged by the next turn's diff
//! under the same path with the same content.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use uuid::Uuid;

use super::paths::snapshot;
use crate::pending::agent_write::{self, Refused};
use crate::pending::*;
use crate::worktree::Worktree;
use crate::worktree::tests::{Fixture, git};

/// A session worktree with `code -> src`, `src/alias.rs -> main.rs`, `out -> <tmp>/outside`,
/// a nested repository `vendor/lib`, ignored files git knows, and `README.md` (in the
/// base) ignored too.
async fn setup(f: &Fixture) -> (Uuid, Worktree) {
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let dir = wt.dir();
    symlink("src", dir.join("code")).unwrap();
    symlink("main.rs", dir.join("src/alias.rs")).unwrap();
    let outside = f.tmp.path().canonicalize().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, dir.join("out")).unwrap();
    std::fs::create_dir_all(dir.join("vendor/lib")).unwrap();
    git(&dir.join("vendor/lib"), &["init", "-q"]);
    std::fs::write(dir.join("vendor/lib/lib.rs"), "pub fn lib() {}\n").unwrap();
    // Ignored names git knows anyway: one committed on the session branch (in HEAD,
    // not in the base), one only in the index.
    std::fs::write(dir.join("committed.log"), "c\n").unwrap();
    git(dir, &["add", "-f", "committed.log"]);
    git(dir, &["commit", "-q", "-m", "a log"]);
    std::fs::write(dir.join("staged.log"), "s\n").unwrap();
    git(dir, &["add", "-f", "staged.log"]);
    // Ignored by a rule, but in the base: the diff shows its changes.
    std::fs::write(dir.join(".gitignore"), "target/\n*.log\nREADME.md\n").unwrap();
    (s, wt)
}

/// (path, new content) of the session's pending rows, after a turn's diff.
async fn staged(f: &Fixture, wt: &Worktree) -> (BTreeMap<String, Option<String>>, Vec<Skipped>) {
    let done = supersede_from_worktree(&f.pool, wt, None, None, "fake")
        .await
        .unwrap();
    let rows = done
        .rows
        .iter()
        .map(|r| (r.path.clone(), r.new_content.clone()))
        .collect();
    (rows, done.skipped)
}

fn corpus(dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = boo_testkit::odd_paths::odd_paths()
        .into_iter()
        .map(|(p, _)| p.to_owned())
        .collect();
    let root = dir.display().to_string();
    paths.extend([
        "target/out.o".to_owned(),
        "committed.log".to_owned(),
        "staged.log".to_owned(),
        "README.md".to_owned(),
        "src/alias.rs".to_owned(),
        "out/x.txt".to_owned(),
        format!("{root}/abs.txt"),
        format!("{root}/src/../abs2.txt"),
        format!("{root}//abs3.txt"),
        root.clone(),
        format!("{root}-evil/x.txt"),
        "x".repeat(255),
        "y".repeat(256),
    ]);
    paths
}

#[tokio::test]
async fn every_odd_path_is_refused_or_staged_exactly() {
    let f = Fixture::new().await;
    let (_, wt) = setup(&f).await;
    let dir = wt.dir().to_path_buf();
    let (rows_before, skipped_before) = staged(&f, &wt).await;
    let before = snapshot(&dir);

    let root = dir.display().to_string();
    let show = |s: &str| {
        s.replace(&root, "<wt>")
            .replace(&"x".repeat(255), "x{255}")
            .replace(&"y".repeat(256), "y{256}")
    };
    let mut outcomes = Vec::new();
    let mut landed: BTreeMap<String, String> = BTreeMap::new();
    let mut files = before.clone();
    for (i, p) in corpus(&dir).iter().enumerate() {
        let content = format!("{i}\n");
        match agent_write::write(&dir, p, content.as_bytes()) {
            Ok(l) => {
                assert_eq!(l.full, dir.join(&l.path));
                outcomes.push(show(&format!("{p:?} -> landed as {:?}", l.path)));
                files.insert(l.full.clone(), content.clone());
                landed.insert(l.path, content);
            }
            Err(e @ Refused::Io { .. }) => panic!("{p:?}: {e}"),
            Err(e) => outcomes.push(show(&format!("{p:?} -> {e}"))),
        }
    }
    // Nothing but the landed files changed on disk (directories they needed aside).
    let after: BTreeMap<PathBuf, String> = snapshot(&dir)
        .into_iter()
        .filter(|(_, v)| v != "<dir>")
        .collect();
    let files: BTreeMap<PathBuf, String> =
        files.into_iter().filter(|(_, v)| v != "<dir>").collect();
    assert_eq!(after, files);

    // Each landed file is a pending row with the same path and content; nothing else
    // is new, nothing more is unstageable.
    let (rows, skipped) = staged(&f, &wt).await;
    let mut want = rows_before.clone();
    want.extend(landed.iter().map(|(p, c)| (p.clone(), Some(c.clone()))));
    assert_eq!(rows, want);
    assert_eq!(skipped, skipped_before);
    assert_eq!(
        skipped,
        vec![Skipped {
            path: "vendor/lib".into(),
            reason: "a nested git repository (or submodule): its files are not staged".into(),
        }]
    );
    assert_eq!(
        outcomes,
        [
            r#""plain.txt" -> landed as "plain.txt""#,
            r#""src/deep/new.rs" -> landed as "src/deep/new.rs""#,
            r#""with space.txt" -> landed as "with space.txt""#,
            r#"" leading space.txt" -> landed as " leading space.txt""#,
            r#""trailing space.txt " -> landed as "trailing space.txt ""#,
            r#""trailing dot." -> landed as "trailing dot.""#,
            r#""dots..." -> landed as "dots...""#,
            r#""..." -> landed as "...""#,
            r#""a..b/c.txt" -> landed as "a..b/c.txt""#,
            r#""-dash.txt" -> landed as "-dash.txt""#,
            r#""quote\"d.txt" -> landed as "quote\"d.txt""#,
            r#""it's.txt" -> landed as "it's.txt""#,
            r#""star*?[x].txt" -> landed as "star*?[x].txt""#,
            r#""ab:c.txt" -> landed as "ab:c.txt""#,
            r#""$HOME.txt" -> landed as "$HOME.txt""#,
            r##""#hash.txt" -> landed as "#hash.txt""##,
            r#""100% done.txt" -> landed as "100% done.txt""#,
            r#""%41.txt" -> landed as "%41.txt""#,
            r#""café.txt" -> landed as "café.txt""#,
            r#""cafe\u{301}.txt" -> landed as "cafe\u{301}.txt""#,
            r#""日本語.txt" -> landed as "日本語.txt""#,
            r#""😀.txt" -> landed as "😀.txt""#,
            r#""x.log" -> path "x.log" cannot be staged as a pending change: git ignores it (.gitignore), and ignored files are not staged as pending changes"#,
            r#""code/via_link.rs" -> landed as "src/via_link.rs""#,
            r#""vendor/lib/new.rs" -> path "vendor/lib/new.rs" cannot be staged as a pending change: it is inside the nested git repository "vendor/lib", whose files the worktree diff does not list"#,
            r#""~/.bashrc" -> path "~/.bashrc" cannot be staged as a pending change: home-relative path"#,
            r#""~" -> path "~" cannot be staged as a pending change: home-relative path"#,
            r#""a\\b.txt" -> path "a\\b.txt" cannot be staged as a pending change: contains a backslash"#,
            r#""..\\escape.txt" -> path "..\\escape.txt" cannot be staged as a pending change: contains a backslash"#,
            r#""%2e%2e/escape.txt" -> path "%2e%2e/escape.txt" cannot be staged as a pending change: percent-encoded dot, slash or NUL"#,
            r#""a%2Fb.txt" -> path "a%2Fb.txt" cannot be staged as a pending change: percent-encoded dot, slash or NUL"#,
            r#""a%5cb.txt" -> path "a%5cb.txt" cannot be staged as a pending change: percent-encoded dot, slash or NUL"#,
            r#""%00.txt" -> path "%00.txt" cannot be staged as a pending change: percent-encoded dot, slash or NUL"#,
            r#""nul\0.txt" -> path "nul\0.txt" cannot be staged as a pending change: contains a NUL byte"#,
            r#""line\nbreak.txt" -> path "line\nbreak.txt" cannot be staged as a pending change: contains a control character"#,
            r#""carriage\rreturn.txt" -> path "carriage\rreturn.txt" cannot be staged as a pending change: contains a control character"#,
            r#""tab\there.txt" -> path "tab\there.txt" cannot be staged as a pending change: contains a control character"#,
            r#""bell\u{7}.txt" -> path "bell\u{7}.txt" cannot be staged as a pending change: contains a control character"#,
            r#""del\u{7f}.txt" -> path "del\u{7f}.txt" cannot be staged as a pending change: contains a control character"#,
            r#""c1\u{85}.txt" -> path "c1\u{85}.txt" cannot be staged as a pending change: contains a control character"#,
            r#""csi\u{9b}.txt" -> path "csi\u{9b}.txt" cannot be staged as a pending change: contains a control character"#,
            r#""src/\u{202e}txt.exe" -> path "src/\u{202e}txt.exe" cannot be staged as a pending change: contains an invisible or bidi control character"#,
            r#""zero\u{200b}width.txt" -> path "zero\u{200b}width.txt" cannot be staged as a pending change: contains an invisible or bidi control character"#,
            r#""．．/escape.txt" -> path "．．/escape.txt" cannot be staged as a pending change: contains a look-alike of '.' or '/'"#,
            r#""a∕b.txt" -> path "a∕b.txt" cannot be staged as a pending change: contains a look-alike of '.' or '/'"#,
            r#""C:\\Windows\\win.ini" -> path "C:\\Windows\\win.ini" cannot be staged as a pending change: contains a backslash"#,
            r#""C:/win.ini" -> path "C:/win.ini" cannot be staged as a pending change: drive-letter path"#,
            r#""a:b.txt" -> path "a:b.txt" cannot be staged as a pending change: drive-letter path"#,
            r#""" -> path "" cannot be staged as a pending change: empty path"#,
            r#""." -> path "." cannot be staged as a pending change: '.' or '..' component"#,
            r#""./x.txt" -> path "./x.txt" cannot be staged as a pending change: '.' or '..' component"#,
            r#""a//b.txt" -> path "a//b.txt" cannot be staged as a pending change: empty path component"#,
            r#""newdir/" -> path "newdir/" cannot be staged as a pending change: ends with a slash (not a file)"#,
            r#""../escape.txt" -> path "../escape.txt" escapes the project root"#,
            r#""src/../../escape.txt" -> path "src/../../escape.txt" escapes the project root"#,
            r#""src/../x.txt" -> path "src/../x.txt" cannot be staged as a pending change: '.' or '..' component"#,
            r#"".git/config" -> path ".git/config" is inside a .git directory, which is off limits"#,
            r#"".GIT/config" -> path ".GIT/config" cannot be staged as a pending change: inside .git"#,
            r#""/etc/passwd" -> path "/etc/passwd" is outside the project root"#,
            r#""target/out.o" -> path "target/out.o" cannot be staged as a pending change: git ignores it (.gitignore), and ignored files are not staged as pending changes"#,
            r#""committed.log" -> path "committed.log" cannot be staged as a pending change: git ignores it (.gitignore), and ignored files are not staged as pending changes"#,
            r#""staged.log" -> path "staged.log" cannot be staged as a pending change: git ignores it (.gitignore), and ignored files are not staged as pending changes"#,
            r#""README.md" -> landed as "README.md""#,
            r#""src/alias.rs" -> path "src/alias.rs" cannot be staged as a pending change: is a symlink; refusing to write through it"#,
            r#""out/x.txt" -> path "out/x.txt" goes through a symlink that points outside the project root"#,
            r#""<wt>/abs.txt" -> landed as "abs.txt""#,
            r#""<wt>/src/../abs2.txt" -> path "<wt>/src/../abs2.txt" cannot be staged as a pending change: '.' or '..' component"#,
            r#""<wt>//abs3.txt" -> path "<wt>//abs3.txt" cannot be staged as a pending change: empty path component"#,
            r#""<wt>" -> path "<wt>" cannot be staged as a pending change: names the worktree itself, not a file"#,
            r#""<wt>-evil/x.txt" -> path "<wt>-evil/x.txt" is outside the project root"#,
            r#""x{255}" -> landed as "x{255}""#,
            r#""y{256}" -> path "y{256}" cannot be staged as a pending change: path component too long"#,
        ]
    );
}

#[tokio::test]
async fn a_file_written_behind_the_agents_back_is_staged_or_reported() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let dir = wt.dir();
    std::fs::create_dir_all(dir.join("made by/a command")).unwrap();
    std::fs::write(dir.join("made by/a command/out put.txt"), "built\n").unwrap();
    std::fs::write(dir.join("bad\\name.txt"), "x").unwrap();
    std::fs::write(dir.join("tab\there.txt"), "x").unwrap();
    let raw = std::ffi::OsStr::from_bytes(b"latin1-\xe9.txt");
    std::fs::write(dir.join(raw), "x").unwrap();
    let (rows, skipped) = staged(&f, &wt).await;
    assert_eq!(
        rows,
        BTreeMap::from([(
            "made by/a command/out put.txt".to_owned(),
            Some("built\n".to_owned())
        )])
    );
    assert_eq!(
        skipped,
        vec![
            Skipped {
                path: "bad\\name.txt".into(),
                reason: "refused path \"bad\\\\name.txt\": contains a backslash".into(),
            },
            Skipped {
                path: "latin1-\u{fffd}.txt".into(),
                reason: "the name is not valid UTF-8".into(),
            },
            Skipped {
                path: "tab\there.txt".into(),
                reason: "refused path \"tab\\there.txt\": contains a control character".into(),
            },
        ]
    );
}

#[tokio::test]
async fn a_change_git_would_not_show_is_put_back_and_refused() {
    let f = Fixture::new().await;
    let s = f.session().await;
    let wt = f.ensure(s).await.unwrap();
    let dir = wt.dir();
    std::fs::write(dir.join(".gitattributes"), "* text=auto\n").unwrap();
    let before = snapshot(dir);
    // README.md is "hello\n" in the base: with CRLF only the line ending differs,
    // which text=auto normalises away.
    let refused = agent_write::write(dir, "README.md", b"hello\r\n").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "path \"README.md\" cannot be staged as a pending change: git would not show this \
         change (its attributes, e.g. .gitattributes `text=auto`, make it no change: only \
         line endings differ?)"
    );
    assert_eq!(snapshot(dir), before);
    // A new file with CRLF, and a real edit, are shown: they land.
    agent_write::write(dir, "new/dir/crlf.txt", b"a\r\nb\r\n").unwrap();
    agent_write::write(dir, "README.md", b"hello\r\nworld\r\n").unwrap();
    let (rows, skipped) = staged(&f, &wt).await;
    assert_eq!(
        rows,
        BTreeMap::from([
            (
                ".gitattributes".to_owned(),
                Some("* text=auto\n".to_owned())
            ),
            (
                "README.md".to_owned(),
                Some("hello\r\nworld\r\n".to_owned())
            ),
            ("new/dir/crlf.txt".to_owned(), Some("a\r\nb\r\n".to_owned())),
        ])
    );
    assert_eq!(skipped, vec![]);
    // A refused create (an ignored name) leaves no directory behind.
    std::fs::write(dir.join(".gitattributes"), "* text=auto\n*.bin -text\n").unwrap();
    let before = snapshot(dir);
    let err = agent_write::write(dir, "fresh/deeper/x.log", b"x").unwrap_err();
    assert!(matches!(err, Refused::Unstageable { .. }), "{err}");
    assert_eq!(snapshot(dir), before);
}
