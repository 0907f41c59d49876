//! The fuzzy edit ladder (one place for every agent that edits: boocoder's
//! pending changes and `boochat acp`'s `edit_file`): apply an agent's `old_string` → `new_string` edit to a file's
//! content, tolerating the small differences models introduce, never guessing.
//!
//! Rungs, tried in order; the first rung that matches anything decides:
//! 1. **exact** substring;
//! 2. **trailing whitespace**: whole lines equal after `trim_end` (also absorbs `\r`);
//! 3. **trimmed**: whole lines equal after `trim`;
//! 4. **fuzzy**: a window of as many lines as `old_string` whose lines, after unicode
//!    canonicalisation ([`canonicalize`]: dashes, curly quotes, nbsp and other spaces,
//!    zero-width characters), trimming and whitespace folding, have a normalised
//!    Levenshtein similarity ≥ [`SIMILARITY_THRESHOLD`] to `old_string`'s (line by
//!    line: `1 - Σ distance / Σ longer length`); the best window wins.
//!
//! A rung that matches in more than one place refuses with [`EditError::Ambiguous`]
//! naming the count (unless `replace_all`, honoured by the first three rungs), so an
//! edit never lands on the wrong copy. At the line rungs the replacement keeps the
//! file's line ending, and is re-indented when the file's copy is indented differently.

use serde::Serialize;

/// Minimum similarity for the fuzzy rung.
pub const SIMILARITY_THRESHOLD: f64 = 0.66;
/// Upper bound on distance-matrix cells the fuzzy rung may compute.
const FUZZY_BUDGET: usize = 50_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    Exact,
    TrailingWhitespace,
    Trimmed,
    Fuzzy,
}

impl std::fmt::Display for Rung {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Exact => "exact",
            Self::TrailingWhitespace => "trailing-whitespace-insensitive",
            Self::Trimmed => "whitespace-trimmed",
            Self::Fuzzy => "fuzzy",
        })
    }
}

/// A successful edit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EditOutcome {
    pub content: String,
    pub rung: Rung,
    pub replacements: usize,
    /// 1-based line of the first replaced text in the original content.
    pub first_line: usize,
    /// 1.0 except at the fuzzy rung.
    pub similarity: f64,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("old_string is empty; write the whole file instead")]
    EmptyOld,
    #[error("old_string and new_string are identical; nothing to change")]
    Unchanged,
    #[error(
        "old_string was not found in the file (not even a {:.0}%-similar block of the same number of lines)",
        SIMILARITY_THRESHOLD * 100.0
    )]
    NotFound,
    #[error(
        "old_string matches {count} places ({rung} match); include more surrounding lines so it matches exactly one"
    )]
    Ambiguous { rung: Rung, count: usize },
    #[error("the file is too large for a fuzzy match; copy old_string exactly from the file")]
    TooLargeForFuzzy,
}

/// Replace `old` with `new` in `content` (see the module docs for the ladder).
pub fn apply_edit(
    content: &str,
    old: &str,
    new: &str,
    replace_all: bool,
) -> Result<EditOutcome, EditError> {
    if old.is_empty() {
        return Err(EditError::EmptyOld);
    }
    if old == new {
        return Err(EditError::Unchanged);
    }
    if let Some(done) = exact(content, old, new, replace_all)? {
        return Ok(done);
    }
    let lines = split_lines(content);
    let needle = needle_lines(old);
    if needle.is_empty() || needle.len() > lines.len() {
        return Err(EditError::NotFound);
    }
    for (rung, norm) in [
        (Rung::TrailingWhitespace, str::trim_end as fn(&str) -> &str),
        (Rung::Trimmed, str::trim),
    ] {
        let want: Vec<&str> = needle.iter().map(|l| norm(l)).collect();
        let mut starts = Vec::new();
        let mut i = 0;
        while i + want.len() <= lines.len() {
            let hit = (0..want.len()).all(|j| norm(lines[i + j].text(content)) == want[j]);
            if hit {
                starts.push(i);
                i += want.len();
            } else {
                i += 1;
            }
        }
        match starts.len() {
            0 => continue,
            1 => {}
            n if !replace_all => return Err(EditError::Ambiguous { rung, count: n }),
            _ => {}
        }
        let out = replace_windows(content, &lines, &starts, &needle, new, rung);
        return Ok(EditOutcome {
            content: out,
            rung,
            replacements: starts.len(),
            first_line: starts[0] + 1,
            similarity: 1.0,
        });
    }
    fuzzy(content, &lines, &needle, new)
}

/// Unicode canonicalisation for the fuzzy rung: typographic dashes and minus → `-`,
/// curly/prime/guillemet quotes → `'`/`"`, nbsp and other spaces → ` `, `…` → `...`,
/// zero-width characters and BOM dropped.
pub fn canonicalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
                out.push('-')
            }
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{FF07}' => {
                out.push('\'')
            }
            '\u{201C}'..='\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' | '\u{FF02}' => {
                out.push('"')
            }
            '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}' => out.push(' '),
            '\u{2026}' => out.push_str("..."),
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn exact(
    content: &str,
    old: &str,
    new: &str,
    replace_all: bool,
) -> Result<Option<EditOutcome>, EditError> {
    let hits: Vec<usize> = content.match_indices(old).map(|(i, _)| i).collect();
    let Some(&first) = hits.first() else {
        return Ok(None);
    };
    if hits.len() > 1 && !replace_all {
        return Err(EditError::Ambiguous {
            rung: Rung::Exact,
            count: hits.len(),
        });
    }
    Ok(Some(EditOutcome {
        content: content.replace(old, new),
        rung: Rung::Exact,
        replacements: hits.len(),
        first_line: content[..first].matches('\n').count() + 1,
        similarity: 1.0,
    }))
}

/// A line of the content: `start..end` is its text (a `\r` before the `\n` stays in
/// it), `next` the start of the following line.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

impl Line {
    fn text<'a>(&self, content: &'a str) -> &'a str {
        &content[self.start..self.end]
    }
}

fn split_lines(content: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, _) in content.match_indices('\n') {
        lines.push(Line {
            start,
            end: i,
            next: i + 1,
        });
        start = i + 1;
    }
    if start < content.len() {
        lines.push(Line {
            start,
            end: content.len(),
            next: content.len(),
        });
    }
    lines
}

/// `old`'s lines; a final newline does not make an extra empty line.
fn needle_lines(old: &str) -> Vec<&str> {
    let body = old.strip_suffix('\n').unwrap_or(old);
    body.split('\n').collect()
}

fn leading_ws(s: &str) -> &str {
    &s[..s.len() - s.trim_start().len()]
}

/// Replace each window of `needle.len()` lines starting at `starts` with `new`.
fn replace_windows(
    content: &str,
    lines: &[Line],
    starts: &[usize],
    needle: &[&str],
    new: &str,
    rung: Rung,
) -> String {
    let mut out = String::with_capacity(content.len() + new.len());
    let mut copied = 0;
    for &i in starts {
        let first = lines[i];
        let last = lines[i + needle.len() - 1];
        out.push_str(&content[copied..first.start]);
        let mut replacement = if rung == Rung::Exact || rung == Rung::TrailingWhitespace {
            new.to_owned()
        } else {
            reindent(new, needle, &lines[i..i + needle.len()], content)
        };
        let had_terminator = last.next > last.end;
        if had_terminator {
            if !replacement.is_empty() && !replacement.ends_with('\n') {
                replacement.push_str(if last.text(content).ends_with('\r') {
                    "\r\n"
                } else {
                    "\n"
                });
            }
        } else if replacement.ends_with('\n') {
            replacement.pop(); // the file had no final newline; keep it that way
        }
        out.push_str(&replacement);
        copied = last.next;
    }
    out.push_str(&content[copied..]);
    out
}

/// When the file's copy is indented differently from `old_string` (first non-blank
/// line), shift `new`'s lines that carry old's indentation to the file's.
fn reindent(new: &str, needle: &[&str], window: &[Line], content: &str) -> String {
    let Some(j) = needle.iter().position(|l| !l.trim().is_empty()) else {
        return new.to_owned();
    };
    let (from, to) = (leading_ws(needle[j]), leading_ws(window[j].text(content)));
    if from == to
        || !new
            .split('\n')
            .all(|l| l.trim().is_empty() || l.starts_with(from))
    {
        return new.to_owned();
    }
    new.split('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_owned()
            } else {
                format!("{to}{}", &l[from.len()..])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A line canonicalised, trimmed and with whitespace runs folded to one space.
fn fold_line(line: &str) -> String {
    let canon = canonicalize(line);
    let mut out = String::with_capacity(canon.len());
    let mut in_ws = false;
    for c in canon.trim().chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

/// The fuzzy rung. A window's similarity is `1 - Σ distance / Σ longer length` over
/// its lines aligned with `old_string`'s (character Levenshtein per line pair), so one
/// bad line cannot hide behind a long good one.
///
/// Branch and bound keeps this cheap on big, repetitive files: windows are visited
/// best-guess first (most lines already equal), and a window is dropped as soon as a
/// lower bound (length and character-histogram differences) or its banded distance so
/// far shows it cannot reach the threshold or the best score found. Work is capped
/// ([`EditError::TooLargeForFuzzy`]).
fn fuzzy(
    content: &str,
    lines: &[Line],
    needle: &[&str],
    new: &str,
) -> Result<EditOutcome, EditError> {
    let want: Vec<Folded> = needle.iter().map(|l| Folded::new(l)).collect();
    let got: Vec<Folded> = lines.iter().map(|l| Folded::new(l.text(content))).collect();
    let k = want.len();
    let windows = lines.len() - k + 1;
    let equal_lines = |i: usize| {
        (0..k)
            .filter(|&j| got[i + j].chars == want[j].chars)
            .count()
    };
    let mut order: Vec<(usize, usize)> = (0..windows).map(|i| (equal_lines(i), i)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut spent: usize = 0;
    let mut best: Option<f64> = None;
    let mut scored: Vec<(usize, f64)> = Vec::new();
    for (_, i) in order {
        let total: usize = (0..k)
            .map(|j| got[i + j].chars.len().max(want[j].chars.len()))
            .sum();
        if total == 0 {
            continue;
        }
        let floor = best.map_or(SIMILARITY_THRESHOLD, |b| b.max(SIMILARITY_THRESHOLD));
        let allowed = ((1.0 - floor) * total as f64 + 1e-9).floor() as usize;
        let bounds: Vec<usize> = (0..k).map(|j| got[i + j].lower_bound(&want[j])).collect();
        let mut rest: usize = bounds.iter().sum();
        if rest > allowed {
            continue;
        }
        let mut dist = 0usize;
        let mut dropped = false;
        for j in 0..k {
            rest -= bounds[j];
            let (a, b) = (&got[i + j].chars, &want[j].chars);
            if a == b {
                continue;
            }
            let budget = allowed - dist - rest;
            match levenshtein_within(a, b, budget, &mut spent) {
                Some(d) => dist += d,
                None => {
                    dropped = true;
                    break;
                }
            }
            if spent > FUZZY_BUDGET {
                return Err(EditError::TooLargeForFuzzy);
            }
        }
        if dropped {
            continue;
        }
        let sim = 1.0 - dist as f64 / total as f64;
        best = Some(best.map_or(sim, |b| b.max(sim)));
        scored.push((i, sim));
    }
    let Some(top) = best else {
        return Err(EditError::NotFound);
    };
    // Windows reaching the top score that do not overlap each other.
    scored.sort_by_key(|(i, _)| *i);
    let mut winners: Vec<usize> = Vec::new();
    for (i, s) in &scored {
        if (top - s).abs() < 1e-9 && winners.last().is_none_or(|w| *i >= w + k) {
            winners.push(*i);
        }
    }
    if winners.len() > 1 {
        return Err(EditError::Ambiguous {
            rung: Rung::Fuzzy,
            count: winners.len(),
        });
    }
    let start = winners[0];
    Ok(EditOutcome {
        content: replace_windows(content, lines, &[start], needle, new, Rung::Fuzzy),
        rung: Rung::Fuzzy,
        replacements: 1,
        first_line: start + 1,
        similarity: top,
    })
}

/// A line folded for the fuzzy rung, with a character histogram (ASCII, plus one
/// bucket for everything else) for a cheap distance lower bound.
struct Folded {
    chars: Vec<char>,
    hist: [u16; 129],
}

impl Folded {
    fn new(line: &str) -> Self {
        let chars: Vec<char> = fold_line(line).chars().collect();
        let mut hist = [0u16; 129];
        for c in &chars {
            let slot = if c.is_ascii() { *c as usize } else { 128 };
            hist[slot] = hist[slot].saturating_add(1);
        }
        Self { chars, hist }
    }

    /// `max(len) - |common characters|` never exceeds the Levenshtein distance.
    fn lower_bound(&self, other: &Folded) -> usize {
        let common: usize = self
            .hist
            .iter()
            .zip(other.hist.iter())
            .map(|(a, b)| usize::from(*a.min(b)))
            .sum();
        self.chars
            .len()
            .max(other.chars.len())
            .saturating_sub(common)
    }
}

/// Levenshtein distance of `a` and `b` when it is at most `max`, else `None`. Only a
/// band of `2 * max + 1` diagonals is computed, and a row whose minimum exceeds `max`
/// ends it early; computed cells are added to `spent`.
fn levenshtein_within(a: &[char], b: &[char], max: usize, spent: &mut usize) -> Option<usize> {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (n, m) = (a.len(), b.len());
    if m - n > max {
        return None;
    }
    if n == 0 {
        return Some(m);
    }
    const FAR: usize = usize::MAX / 4;
    let mut prev: Vec<usize> = (0..=n).map(|i| if i <= max { i } else { FAR }).collect();
    let mut cur = vec![FAR; n + 1];
    for j in 1..=m {
        let lo = j.saturating_sub(max).max(1);
        let hi = (j + max).min(n);
        cur[0] = if j <= max { j } else { FAR };
        cur[lo - 1] = if lo == 1 { cur[0] } else { FAR };
        let mut row_min = cur[lo - 1];
        for i in lo..=hi {
            let substitute = prev[i - 1] + usize::from(a[i - 1] != b[j - 1]);
            let v = substitute.min(prev[i] + 1).min(cur[i - 1] + 1);
            cur[i] = v;
            row_min = row_min.min(v);
        }
        if hi < n {
            cur[hi + 1] = FAR;
        }
        *spent = spent.saturating_add(hi + 1 - lo);
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] <= max).then_some(prev[n])
}

#[cfg(test)]
mod tests;
