//! A corpus of odd file paths an agent might write: names the pending-change layer
//! must either stage exactly or refuse up front (boocoder's "agent writes never
//! vanish" tests use it in process and end to end).
//!
//! Relative to a worktree that holds `src/` (tracked), a `.gitignore` with `*.log`,
//! and — where a test sets them up — `code -> src` (a symlinked directory inside)
//! and `vendor/lib` (a nested git repository). Absolute variants depend on the
//! worktree's directory, so each test adds its own.

/// The odd paths, each with a word on what is odd about it.
pub fn odd_paths() -> Vec<(&'static str, &'static str)> {
    vec![
        // Fine, if unusual: these land and are staged under the same name.
        ("plain.txt", "ordinary"),
        ("src/deep/new.rs", "new directories"),
        ("with space.txt", "a space"),
        (" leading space.txt", "a leading space"),
        ("trailing space.txt ", "a trailing space"),
        ("trailing dot.", "a trailing dot"),
        ("dots...", "trailing dots"),
        ("...", "only dots (not '..')"),
        ("a..b/c.txt", "'..' inside a name"),
        ("-dash.txt", "a leading dash"),
        (
            "quote\"d.txt",
            "a double quote (git diff would quote the name)",
        ),
        ("it's.txt", "an apostrophe"),
        ("star*?[x].txt", "glob characters"),
        ("ab:c.txt", "a colon"),
        ("$HOME.txt", "a dollar sign"),
        ("#hash.txt", "a hash"),
        ("100% done.txt", "a percent sign that is no escape"),
        ("%41.txt", "a percent escape of a harmless letter"),
        ("caf\u{e9}.txt", "NFC é"),
        ("cafe\u{301}.txt", "NFD é (a different name on Linux)"),
        ("\u{65e5}\u{672c}\u{8a9e}.txt", "CJK"),
        ("\u{1F600}.txt", "an emoji"),
        ("x.log", "ignored by .gitignore"),
        ("code/via_link.rs", "through a symlinked directory inside"),
        ("vendor/lib/new.rs", "inside a nested git repository"),
        // Refused: the diff or the pending layer cannot represent them.
        ("~/.bashrc", "home-relative"),
        ("~", "home"),
        ("a\\b.txt", "a backslash"),
        ("..\\escape.txt", "a backslash escape"),
        ("%2e%2e/escape.txt", "percent-escaped dots"),
        ("a%2Fb.txt", "a percent-escaped slash"),
        ("a%5cb.txt", "a percent-escaped backslash"),
        ("%00.txt", "a percent-escaped NUL"),
        ("nul\0.txt", "a NUL"),
        ("line\nbreak.txt", "a newline"),
        ("carriage\rreturn.txt", "a carriage return"),
        ("tab\there.txt", "a tab"),
        ("bell\u{7}.txt", "BEL"),
        ("del\u{7f}.txt", "DEL"),
        ("c1\u{85}.txt", "C1 NEL"),
        ("csi\u{9b}.txt", "C1 CSI"),
        ("src/\u{202e}txt.exe", "a bidi override"),
        ("zero\u{200b}width.txt", "a zero-width space"),
        ("\u{ff0e}\u{ff0e}/escape.txt", "full-width dots"),
        ("a\u{2215}b.txt", "a division slash"),
        ("C:\\Windows\\win.ini", "a drive letter"),
        ("C:/win.ini", "a drive letter with a slash"),
        ("a:b.txt", "reads like a drive letter"),
        ("", "empty"),
        (".", "the worktree itself"),
        ("./x.txt", "a '.' component"),
        ("a//b.txt", "an empty component"),
        ("newdir/", "a trailing slash"),
        ("../escape.txt", "'..' out of the worktree"),
        ("src/../../escape.txt", "'..' out through a directory"),
        ("src/../x.txt", "'..' that stays inside"),
        (".git/config", "inside .git"),
        (".GIT/config", ".git in other case"),
        ("/etc/passwd", "absolute, elsewhere"),
    ]
}
