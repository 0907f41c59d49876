//! The directory walk `list_dir`, `glob` and `grep` share, and the budget that
//! bounds `glob` and `grep` on huge trees.
//!
//! The walk is ripgrep's (`ignore`): gitignore-aware, `.git` hidden, sorted by name
//! so results are stable, and symlinks are never followed — a link to a directory
//! outside the project is an entry, not a way out.
//!
//! A [`Budget`] is asked before every entry. It stops the walk when the call has
//! run for `chat.tool_walk_timeout_secs` or looked at [`Limits::walk_max_files`]
//! files, and the tool ends its output with the [`Budget::note`] saying so, so the
//! model knows the answer is partial and how to narrow it.

use std::path::Path;
use std::time::{Duration, Instant};

use super::Limits;

/// A gitignore-aware walk under `base` (dotfiles shown, `.git` hidden, symlinks not
/// followed, sorted by name so results are stable).
pub(crate) fn walker(base: &Path, max_depth: Option<usize>) -> ignore::Walk {
    ignore::WalkBuilder::new(base)
        .hidden(false)
        .follow_links(false)
        .max_depth(max_depth)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
}

/// Why a walk stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Time,
    Files,
}

/// Time and file bound of one walk (see the module docs).
#[derive(Debug)]
pub(crate) struct Budget {
    started: Instant,
    timeout: Duration,
    max_files: usize,
    files: usize,
    stop: Option<Stop>,
}

impl Budget {
    /// Starts the clock.
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            started: Instant::now(),
            timeout: limits.walk_timeout,
            max_files: limits.walk_max_files,
            files: 0,
            stop: None,
        }
    }

    /// Before each walk entry: may the walk go on? Counts the files it admits.
    pub(crate) fn admit(&mut self, is_file: bool) -> bool {
        if self.out_of_time() {
            return false;
        }
        if is_file {
            if self.files >= self.max_files {
                self.stop = Some(Stop::Files);
                return false;
            }
            self.files += 1;
        }
        true
    }

    /// Count a file searched outside the walk (one the model named).
    pub(crate) fn count_file(&mut self) {
        self.files += 1;
    }

    /// Has the time run out (also checked inside one long file)?
    pub(crate) fn out_of_time(&mut self) -> bool {
        if self.stop.is_none() && self.started.elapsed() >= self.timeout {
            self.stop = Some(Stop::Time);
        }
        self.stop == Some(Stop::Time)
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// The closing line of a walk that stopped early, e.g. `[stopped after 10 s:
    /// 12,345 files searched; narrow the path or pattern]`; `verb` says what was
    /// done to the files.
    pub(crate) fn note(&self, verb: &str) -> Option<String> {
        let files = thousands(self.files);
        let plural = if self.files == 1 { "" } else { "s" };
        match self.stop? {
            Stop::Time => Some(format!(
                "[stopped after {}: {files} file{plural} {verb}; narrow the path or pattern]",
                seconds(self.timeout)
            )),
            Stop::Files => Some(format!(
                "[stopped after {files} file{plural} {verb}; narrow the path or pattern]"
            )),
        }
    }
}

/// `12345` → `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `10 s`, or `250 ms` below a second or when not whole.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn thousands_and_seconds_read_well() {
        let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (12345, "12,345")];
        for (n, want) in cases {
            assert_eq!(thousands(n), want);
        }
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
        assert_eq!(seconds(Duration::ZERO), "0 ms");
    }

    #[test]
    fn the_file_bound_stops_the_walk_and_says_so() {
        let limits = Limits {
            walk_max_files: 2,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        assert!(budget.admit(false));
        assert!(budget.admit(true));
        assert!(budget.admit(true));
        assert_eq!(budget.note("searched"), None);
        assert!(!budget.admit(true));
        assert!(budget.stopped());
        assert_eq!(
            budget.note("searched").as_deref(),
            Some("[stopped after 2 files searched; narrow the path or pattern]")
        );
    }

    #[test]
    fn the_time_bound_stops_the_walk_and_says_so() {
        let limits = Limits {
            walk_timeout: Duration::ZERO,
            ..Limits::default()
        };
        let mut budget = Budget::new(&limits);
        assert!(!budget.admit(false));
        assert!(budget.out_of_time());
        assert_eq!(
            budget.note("checked").as_deref(),
            Some("[stopped after 0 ms: 0 files checked; narrow the path or pattern]")
        );
    }
}
