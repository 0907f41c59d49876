//! Splits streamed assistant content into visible content and `<think>` reasoning
//! (CHAT-2).
//!
//! Models served without a reasoning parser write their chain of thought inline as
//! `<think>…</think>`. Deltas arrive in arbitrary pieces, so a tag may be cut
//! anywhere (`"<thi"` + `"nk>"`); the splitter holds back only the shortest suffix
//! that could still become the tag it is waiting for and streams everything else.
//!
//! Whitespace policy (all of it independent of how the stream is chunked):
//! - leading whitespace is trimmed at the start of the output and right after every
//!   tag, so the `"\n\n"` models put after `</think>` never reaches the content;
//! - trailing whitespace of a reasoning block (before `</think>` or at the end of the
//!   stream) is dropped; trailing whitespace of content is kept.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

/// One piece of split output. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    Content(String),
    Reasoning(String),
}

/// Streaming `<think>` splitter; feed it content deltas in order.
#[derive(Debug, Clone)]
pub struct ThinkSplitter {
    in_reasoning: bool,
    /// Input not yet emitted: a possible partial tag, preceded (in reasoning) by
    /// trailing whitespace we may still drop.
    pending: String,
    /// Trim leading whitespace of the next emitted text.
    trim_leading: bool,
}

impl Default for ThinkSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl ThinkSplitter {
    /// Output starts as content; `<think>` switches to reasoning.
    #[must_use]
    pub fn new() -> Self {
        Self {
            in_reasoning: false,
            pending: String::new(),
            trim_leading: true,
        }
    }

    /// For templates that open `<think>` in the prompt: output starts inside
    /// reasoning and the first `</think>` switches to content.
    #[must_use]
    pub fn starting_in_reasoning() -> Self {
        Self {
            in_reasoning: true,
            ..Self::new()
        }
    }

    /// Feeds one delta; returns what can be emitted without ambiguity.
    pub fn push(&mut self, chunk: &str) -> Vec<Split> {
        let mut out = Vec::new();
        let mut buf = std::mem::take(&mut self.pending);
        buf.push_str(chunk);
        let mut rest = buf.as_str();
        loop {
            let tag = if self.in_reasoning { CLOSE } else { OPEN };
            if let Some(at) = rest.find(tag) {
                self.emit(&mut out, &rest[..at], true);
                rest = &rest[at + tag.len()..];
                self.in_reasoning = !self.in_reasoning;
                self.trim_leading = true;
                continue;
            }
            let (text, partial) = rest.split_at(rest.len() - partial_tag_len(rest, tag));
            let (text, ws) = if self.in_reasoning {
                text.split_at(text.trim_end().len())
            } else {
                (text, "")
            };
            self.emit(&mut out, text, false);
            self.pending = format!("{ws}{partial}");
            return out;
        }
    }

    /// Ends the stream: whatever is held back is emitted as the current kind (an
    /// unclosed `<think>` makes the rest reasoning; a dangling `"<th"` is content).
    pub fn finish(&mut self) -> Vec<Split> {
        let mut out = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        self.emit(&mut out, &rest, true);
        out
    }

    /// Emits `text` as the current kind. `at_end` says the block ends right after
    /// `text` (a tag or the end of the stream follows).
    fn emit(&mut self, out: &mut Vec<Split>, text: &str, at_end: bool) {
        let mut text = text;
        if self.trim_leading {
            text = text.trim_start();
        }
        if self.in_reasoning && at_end {
            text = text.trim_end();
        }
        if text.is_empty() {
            return;
        }
        self.trim_leading = false;
        match (out.last_mut(), self.in_reasoning) {
            (Some(Split::Reasoning(last)), true) | (Some(Split::Content(last)), false) => {
                last.push_str(text);
            }
            (_, true) => out.push(Split::Reasoning(text.to_owned())),
            (_, false) => out.push(Split::Content(text.to_owned())),
        }
    }
}

/// Length of the longest proper prefix of `tag` that `s` ends with. Tags are ASCII,
/// so the cut is always on a char boundary.
fn partial_tag_len(s: &str, tag: &str) -> usize {
    (1..tag.len())
        .rev()
        .find(|&k| s.ends_with(&tag[..k]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Feeds `chunks`, then finishes; merges adjacent pieces of the same kind.
    fn run(mut splitter: ThinkSplitter, chunks: &[&str]) -> Vec<Split> {
        let mut all: Vec<Split> = Vec::new();
        let pieces = chunks
            .iter()
            .flat_map(|c| splitter.push(c))
            .collect::<Vec<_>>();
        for piece in pieces.into_iter().chain(splitter.finish()) {
            match (all.last_mut(), piece) {
                (_, Split::Content(s) | Split::Reasoning(s)) if s.is_empty() => {
                    panic!("empty piece emitted")
                }
                (Some(Split::Content(a)), Split::Content(b))
                | (Some(Split::Reasoning(a)), Split::Reasoning(b)) => a.push_str(&b),
                (_, piece) => all.push(piece),
            }
        }
        all
    }

    fn content(s: &str) -> Split {
        Split::Content(s.to_owned())
    }

    fn reasoning(s: &str) -> Split {
        Split::Reasoning(s.to_owned())
    }

    /// One-shot, every two-way split at a char boundary and a char-at-a-time feed
    /// all give `expected`.
    fn assert_all_splits(make: fn() -> ThinkSplitter, input: &str, expected: &[Split]) {
        assert_eq!(run(make(), &[input]), expected, "one-shot");
        for (at, _) in input.char_indices().skip(1) {
            let got = run(make(), &[&input[..at], &input[at..]]);
            assert_eq!(got, expected, "split at byte {at}");
        }
        let chars: Vec<String> = input.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(run(make(), &refs), expected, "char at a time");
    }

    #[test]
    fn plain_content_passes_through() {
        assert_all_splits(
            ThinkSplitter::new,
            "hello a < b, <b>bold</b>",
            &[content("hello a < b, <b>bold</b>")],
        );
    }

    #[test]
    fn think_block_then_content_every_split() {
        assert_all_splits(
            ThinkSplitter::new,
            "<think>\nLet me see: é ≠ e.\n</think>\n\nThe answer is 4 ✓",
            &[
                reasoning("Let me see: é ≠ e."),
                content("The answer is 4 ✓"),
            ],
        );
    }

    #[test]
    fn multiple_think_blocks_every_split() {
        assert_all_splits(
            ThinkSplitter::new,
            "Intro.\n<think>one</think>\n\nMiddle <thin text\n<think>\ntwo\n</think>End",
            &[
                content("Intro.\n"),
                reasoning("one"),
                content("Middle <thin text\n"),
                reasoning("two"),
                content("End"),
            ],
        );
    }

    #[test]
    fn unclosed_think_at_finish_is_reasoning() {
        assert_all_splits(
            ThinkSplitter::new,
            "Hi <think>still going </thi",
            &[content("Hi "), reasoning("still going </thi")],
        );
    }

    #[test]
    fn dangling_partial_open_tag_at_finish_is_content() {
        assert_eq!(
            run(ThinkSplitter::new(), &["x <th"]),
            vec![content("x <th")]
        );
        assert_eq!(run(ThinkSplitter::new(), &["<"]), vec![content("<")]);
    }

    #[test]
    fn starting_in_reasoning_with_only_close_tag() {
        assert_all_splits(
            ThinkSplitter::starting_in_reasoning,
            "I should greet.\n</think>\n\nHello!",
            &[reasoning("I should greet."), content("Hello!")],
        );
    }

    #[test]
    fn starting_in_reasoning_without_close_stays_reasoning() {
        assert_all_splits(
            ThinkSplitter::starting_in_reasoning,
            "thinking <think> on\n",
            &[reasoning("thinking <think> on")],
        );
    }

    #[test]
    fn empty_think_block_emits_nothing_for_it() {
        assert_all_splits(
            ThinkSplitter::new,
            "<think>\n\n</think>\n\nJust this.",
            &[content("Just this.")],
        );
    }

    #[test]
    fn partial_tag_is_held_back_then_released() {
        let mut s = ThinkSplitter::new();
        assert_eq!(s.push("a <thi"), vec![content("a ")]);
        assert_eq!(s.push("s is not"), vec![content("<this is not")]);
        assert_eq!(s.push(" <think"), vec![content(" ")]);
        assert_eq!(s.push(">deep"), vec![reasoning("deep")]);
        assert_eq!(s.push(" </"), vec![]);
        assert_eq!(s.push("think>\n"), vec![]);
        assert_eq!(s.push("\nok"), vec![content("ok")]);
        assert_eq!(s.finish(), vec![]);
    }

    #[test]
    fn one_push_merges_adjacent_pieces_and_keeps_order() {
        let mut s = ThinkSplitter::new();
        assert_eq!(
            s.push("a<think>b</think>c<think></think>d"),
            vec![content("a"), reasoning("b"), content("cd"),]
        );
    }
}
