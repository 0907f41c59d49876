//! Bounding a terminal's output: the end is kept, cut at a character boundary.

use std::collections::VecDeque;

/// The last `limit` bytes of `text` at most, starting at a UTF-8 character
/// boundary (so possibly a few bytes fewer), and whether anything was dropped.
pub fn keep_end(text: &str, limit: usize) -> (&str, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut start = text.len() - limit;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    (&text[start..], true)
}

/// The last `cap` bytes of a byte stream (a fallback child's stdout + stderr).
#[derive(Debug)]
pub struct Tail {
    cap: usize,
    bytes: VecDeque<u8>,
    dropped: bool,
}

impl Tail {
    pub fn new(cap: usize) -> Self {
        Tail {
            cap,
            bytes: VecDeque::with_capacity(cap.min(64 * 1024)),
            dropped: false,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        let chunk = if chunk.len() > self.cap {
            self.dropped = true;
            &chunk[chunk.len() - self.cap..]
        } else {
            chunk
        };
        let overflow = (self.bytes.len() + chunk.len()).saturating_sub(self.cap);
        if overflow > 0 {
            self.bytes.drain(..overflow);
            self.dropped = true;
        }
        self.bytes.extend(chunk);
    }

    /// The kept bytes as text (lossy), within `limit` bytes after `prefix`
    /// (which is left out when it does not fit), and whether anything was dropped.
    pub fn text(&self, prefix: &str, limit: usize) -> (String, bool) {
        let (head, tail) = self.bytes.as_slices();
        let mut raw = Vec::with_capacity(self.bytes.len());
        raw.extend_from_slice(head);
        raw.extend_from_slice(tail);
        let text = String::from_utf8_lossy(&raw);
        with_prefix(prefix, &text, limit, self.dropped)
    }
}

/// `prefix` + the end of `text`, `limit` bytes in all (`prefix` only when it
/// fits), and whether anything of `text` was dropped (or already had been).
pub fn with_prefix(prefix: &str, text: &str, limit: usize, dropped: bool) -> (String, bool) {
    let (prefix, budget) = match limit.checked_sub(prefix.len()) {
        Some(budget) => (prefix, budget),
        None => ("", limit),
    };
    let (end, cut) = keep_end(text, budget);
    (format!("{prefix}{end}"), cut || dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn keeps_the_end_at_a_character_boundary() {
        assert_eq!(keep_end("hello", 10), ("hello", false));
        assert_eq!(keep_end("hello", 5), ("hello", false));
        assert_eq!(keep_end("hello", 3), ("llo", true));
        // "é" is two bytes: cutting 3 bytes off "aéb" would split it; keep "b".
        assert_eq!(keep_end("aéb", 2), ("b", true));
        assert_eq!(keep_end("aéb", 3), ("éb", true));
        // "€" is three bytes.
        assert_eq!(keep_end("€€", 4), ("€", true));
        assert_eq!(keep_end("€€", 0), ("", true));
    }

    #[test]
    fn a_tail_keeps_the_last_bytes_and_says_so() {
        let mut t = Tail::new(4);
        t.push(b"ab");
        assert_eq!(t.text("", 4), ("ab".to_owned(), false));
        t.push(b"cdef");
        assert_eq!(t.text("", 4), ("cdef".to_owned(), true));
        t.push(b"0123456789");
        assert_eq!(t.text("", 4), ("6789".to_owned(), true));
        assert_eq!(t.text("", 2), ("89".to_owned(), true));
        // The prefix counts within the limit, and is left out when it cannot fit.
        assert_eq!(t.text("[n]", 5), ("[n]89".to_owned(), true));
        assert_eq!(t.text("[note]", 5), ("6789".to_owned(), true));
        let mut whole = Tail::new(100);
        whole.push("héllo".as_bytes());
        assert_eq!(whole.text("[n]", 100), ("[n]héllo".to_owned(), false));
    }
}
