//! The `raw` parser: what a terminal shows, as plain text.
//!
//! The bytes go through a VT parser (`anstyle-parse`, the state machine of
//! alacritty's `vte`): colours, cursor-visibility and other escape sequences
//! vanish; within the current line `\r` returns to its start and later characters
//! overwrite earlier ones (progress bars, spinners), backspace and cursor moves
//! along the line are honoured, and "erase in line" clears. Text is released a
//! line at a time, once its `\n` arrives, so overwrites are resolved before
//! anything is shown; [`RawText::finish`] releases the unfinished last line.
//! Moves to other lines (full-screen TUIs) are not replayed: such a CLI needs a
//! parser of its own.

#[cfg(test)]
mod tests;

use anstyle_parse::{DefaultCharAccumulator, Params, Parser, Perform};

/// Terminal output → text, incrementally (escape sequences and UTF-8 may be split
/// across chunks).
#[derive(Default)]
pub struct RawText {
    parser: Parser<DefaultCharAccumulator>,
    line: Line,
}

impl std::fmt::Debug for RawText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawText").finish_non_exhaustive()
    }
}

impl RawText {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed output; returns the text of the lines it completed (each ending in `\n`).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        for &b in bytes {
            self.parser.advance(&mut self.line, b);
        }
        std::mem::take(&mut self.line.done)
    }

    /// The unfinished last line, if any (the output is over).
    pub fn finish(&mut self) -> String {
        let mut rest = std::mem::take(&mut self.line.done);
        rest.push_str(&self.line.text());
        self.line.cells.clear();
        self.line.cursor = 0;
        rest
    }
}

/// All of `bytes` as plain text (for error messages).
pub fn plain_text(bytes: &[u8]) -> String {
    let mut raw = RawText::new();
    let mut text = raw.push(bytes);
    text.push_str(&raw.finish());
    text
}

/// The line being drawn, and the text of the lines already finished.
#[derive(Default)]
struct Line {
    cells: Vec<char>,
    cursor: usize,
    done: String,
}

impl Line {
    fn text(&self) -> String {
        let s: String = self.cells.iter().collect();
        s.trim_end_matches(' ').to_owned()
    }

    fn put(&mut self, c: char) {
        if self.cursor < self.cells.len() {
            self.cells[self.cursor] = c;
        } else {
            self.cells.resize(self.cursor, ' ');
            self.cells.push(c);
        }
        self.cursor += 1;
    }
}

/// The first parameter of a CSI sequence, `default` when absent or zero.
fn first_param(params: &Params, default: usize) -> usize {
    match params.iter().next().and_then(|p| p.first()).copied() {
        Some(n) if n > 0 => usize::from(n),
        _ => default,
    }
}

impl Perform for Line {
    fn print(&mut self, c: char) {
        self.put(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => {
                let text = self.text();
                self.done.push_str(&text);
                self.done.push('\n');
                self.cells.clear();
                self.cursor = 0;
            }
            b'\r' => self.cursor = 0,
            0x08 => self.cursor = self.cursor.saturating_sub(1),
            b'\t' => self.put('\t'),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, _intermediates: &[u8], _ignore: bool, action: u8) {
        match action {
            // Erase in line: 0 to the end, 1 to the start, 2 all.
            b'K' => match params.iter().next().and_then(|p| p.first()).copied() {
                Some(1) => {
                    let end = (self.cursor + 1).min(self.cells.len());
                    self.cells[..end].fill(' ');
                }
                Some(2) => self.cells.clear(),
                _ => self.cells.truncate(self.cursor),
            },
            // Cursor to column n (1-based).
            b'G' => self.cursor = first_param(params, 1) - 1,
            b'C' => self.cursor += first_param(params, 1),
            b'D' => self.cursor = self.cursor.saturating_sub(first_param(params, 1)),
            _ => {}
        }
    }
}
