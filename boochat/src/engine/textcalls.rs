//! Fallback parser for tool calls a model writes as text instead of native
//! `tool_calls` (CHAT-4). Forms, recognised in prose outside markdown code:
//! `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (arguments may be a JSON
//! string; `parameters` alias; OpenAI `{"function": {…}}` shape);
//! `<tool_call><function=NAME><parameter=KEY>VALUE</parameter></function></tool_call>`
//! or the bare `<function=…>` element; `<invoke name="NAME"><parameter name="KEY">…`
//! `</invoke>`, bare or inside `<function_calls>…</function_calls>`.
//!
//! Prose streams out at once, except a suffix that may still become an opener
//! (decided within a few chars: `<tool_call>` must be followed by `{`, `<function=`,
//! `<invoke` or a fence) and trailing whitespace, held so a stripped block takes its
//! surrounding blank lines along. A block is buffered until its closing tag and is
//! accepted or rejected whole; rejected (malformed, bad name, placeholder argument)
//! or unterminated blocks are kept verbatim as [`Piece::Text`], never dropped.

use serde_json::{Map, Value};

/// One piece of parser output, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Visible prose; never empty.
    Text(String),
    /// A tool call whose markup has been removed from the prose.
    Call(ParsedCall),
}

/// A tool call recovered from text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCall {
    pub name: String,
    pub arguments: Map<String, Value>,
    /// The markup the call was parsed from: the whole block, or the one element
    /// when a wrapper held several calls.
    pub raw: String,
}

/// Streaming parser; feed it the content deltas of one assistant message in order.
#[derive(Debug, Clone, Default)]
pub struct TextCallParser {
    /// Input not yet decided on: a held-back opener prefix, or a block in progress.
    buf: String,
    /// Set while `buf` holds a block awaiting its closing tag.
    block: Option<Kind>,
    /// Bytes at the start of `buf` already searched for the closing tag.
    searched: usize,
    markdown: Markdown,
    gap: Gap,
    /// Visible text has been emitted.
    shown: bool,
    out: Vec<Piece>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ToolCall,
    FunctionCalls,
    Function,
    Invoke,
}

impl Kind {
    fn opener(self) -> &'static str {
        match self {
            Kind::ToolCall => "<tool_call>",
            Kind::FunctionCalls => "<function_calls>",
            Kind::Function => "<function=",
            Kind::Invoke => "<invoke",
        }
    }

    fn closer(self) -> &'static str {
        match self {
            Kind::ToolCall => "</tool_call>",
            Kind::FunctionCalls => "</function_calls>",
            Kind::Function => "</function>",
            Kind::Invoke => "</invoke>",
        }
    }

    /// `raw` without this kind's opener and closer.
    fn inner(self, raw: &str) -> Option<&str> {
        raw.strip_prefix(self.opener())?.strip_suffix(self.closer())
    }
}

const KINDS: [Kind; 4] = [
    Kind::ToolCall,
    Kind::FunctionCalls,
    Kind::Function,
    Kind::Invoke,
];
const MAX_NAME: usize = 128;
const MAX_INVOKE_HEAD: usize = 256;

impl TextCallParser {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one delta; returns the pieces that are already certain.
    pub fn push(&mut self, chunk: &str) -> Vec<Piece> {
        self.buf.push_str(chunk);
        self.pump(false);
        std::mem::take(&mut self.out)
    }

    /// Ends the message: held-back text and any unterminated block come out as
    /// text. The parser is then ready for a new message.
    pub fn finish(&mut self) -> Vec<Piece> {
        self.pump(true);
        let gap = std::mem::take(&mut self.gap);
        if !gap.touches_call {
            self.push_text(&gap.text);
        }
        let out = std::mem::take(&mut self.out);
        *self = Self::new();
        out
    }

    fn pump(&mut self, eof: bool) {
        loop {
            let Some(kind) = self.block else {
                if self.scan_prose(eof) {
                    continue;
                }
                return;
            };
            let close = kind.closer();
            if let Some(at) = self.buf[self.searched..].find(close) {
                let raw: String = self.buf.drain(..self.searched + at + close.len()).collect();
                self.end_block();
                match parse_block(kind, &raw) {
                    Some(calls) => calls.into_iter().for_each(|c| self.call(c)),
                    None => self.prose(&raw),
                }
                continue;
            }
            if eof {
                let raw = std::mem::take(&mut self.buf);
                self.end_block();
                self.prose(&raw);
                return;
            }
            let mut searched = self.buf.len().saturating_sub(close.len() - 1);
            while !self.buf.is_char_boundary(searched) {
                searched -= 1;
            }
            self.searched = searched;
            return;
        }
    }

    fn end_block(&mut self) {
        self.block = None;
        self.searched = 0;
        self.markdown.after_block();
    }

    /// Emits prose up to the first plausible opener (entering block mode, returns
    /// true) or up to a suffix that is still undecided (kept in `buf`).
    fn scan_prose(&mut self, eof: bool) -> bool {
        let (mut end, mut block) = (self.buf.len(), None);
        for (i, c) in self.buf.char_indices() {
            if c == '<' && self.markdown.tag_allowed() {
                match opener_at(&self.buf[i..]) {
                    Opener::Block(kind) => (end, block) = (i, Some(kind)),
                    Opener::Undecided if !eof => end = i,
                    _ => {}
                }
                if end == i {
                    break;
                }
            }
            self.markdown.feed(c);
        }
        let text: String = self.buf.drain(..end).collect();
        self.prose(&text);
        self.block = block;
        block.is_some()
    }

    /// Emits prose, holding its trailing whitespace in the gap.
    fn prose(&mut self, s: &str) {
        let Some(first) = s.find(|c: char| !c.is_whitespace()) else {
            self.gap.push(s);
            return;
        };
        self.gap.push(&s[..first]);
        let body = s[first..].trim_end();
        self.flush_gap();
        self.push_text(body);
        self.shown = true;
        self.gap.push(&s[first + body.len()..]);
    }

    fn call(&mut self, call: ParsedCall) {
        self.gap.mark_call();
        self.out.push(Piece::Call(call));
    }

    /// Emits the whitespace before visible text; around stripped calls it becomes
    /// one separator (at most a blank line) or nothing at the start of the message.
    fn flush_gap(&mut self) {
        let gap = std::mem::take(&mut self.gap);
        if !gap.touches_call {
            self.push_text(&gap.text);
        } else if self.shown {
            let newlines = gap.max_newlines.max(gap.newlines).min(2);
            if newlines == 0 {
                if !gap.text.is_empty() {
                    self.push_text(" ");
                }
            } else {
                let indent = gap.text.rsplit('\n').next().unwrap_or("");
                self.push_text(&format!("{}{indent}", "\n".repeat(newlines)));
            }
        }
    }

    fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.out.last_mut() {
            Some(Piece::Text(last)) => last.push_str(s),
            _ => self.out.push(Piece::Text(s.to_owned())),
        }
    }
}

/// Whitespace held between visible pieces.
#[derive(Debug, Clone, Default)]
struct Gap {
    text: String,
    /// Newlines since the last stripped call (or since the start of the gap).
    newlines: usize,
    /// Most newlines on either side of a stripped call inside this gap.
    max_newlines: usize,
    touches_call: bool,
}

impl Gap {
    fn push(&mut self, ws: &str) {
        self.text.push_str(ws);
        self.newlines += ws.matches('\n').count();
    }

    fn mark_call(&mut self) {
        self.max_newlines = self.max_newlines.max(self.newlines);
        self.newlines = 0;
        self.touches_call = true;
    }
}

/// Tracks markdown code (fenced blocks and inline spans) one char at a time, so
/// examples of the call syntax inside code are left alone. Fences may be indented
/// (models nest them in lists); inline spans end at a newline.
#[derive(Debug, Clone, Default)]
struct Markdown {
    /// Open fence: its char and length.
    fence: Option<(char, usize)>,
    /// Open inline code span: its backtick count.
    inline: Option<usize>,
    /// Something other than whitespace has been seen on this line.
    line_started: bool,
    /// Current run of fence chars: char, length, began the line.
    run: Option<(char, usize, bool)>,
    /// Inside a fence, this line is so far a valid closing fence.
    closing: bool,
}

impl Markdown {
    /// Whether a `<` seen now may open a call (it ends any run of fence chars).
    fn tag_allowed(&mut self) -> bool {
        self.settle();
        self.fence.is_none() && self.inline.is_none()
    }

    fn feed(&mut self, c: char) {
        if c == '`' || c == '~' {
            match &mut self.run {
                Some((ch, n, _)) if *ch == c => *n += 1,
                _ => {
                    self.settle();
                    self.run = Some((c, 1, !self.line_started));
                }
            }
            self.line_started = true;
            return;
        }
        self.settle();
        if c == '\n' {
            if self.closing {
                self.fence = None;
            }
            self.inline = None;
            self.line_started = false;
            self.closing = false;
        } else if !c.is_whitespace() {
            self.line_started = true;
            self.closing = false;
        }
    }

    /// Applies a finished run of fence chars.
    fn settle(&mut self) {
        let Some((ch, n, at_line_start)) = self.run.take() else {
            return;
        };
        match (self.fence, self.inline) {
            (None, _) if at_line_start && n >= 3 => {
                self.fence = Some((ch, n));
                self.inline = None;
            }
            (None, None) if ch == '`' => self.inline = Some(n),
            (None, Some(open)) if ch == '`' && open == n => self.inline = None,
            (Some((fence_ch, fence_n)), _) => {
                self.closing = at_line_start && ch == fence_ch && n >= fence_n;
            }
            _ => {}
        }
    }

    fn after_block(&mut self) {
        self.run = None;
        self.line_started = true;
        self.closing = false;
    }
}

enum Opener {
    Block(Kind),
    Undecided,
    No,
}

/// Whether `s` (starting at a `<`) opens a call block, or may once more input
/// arrives.
fn opener_at(s: &str) -> Opener {
    let mut undecided = false;
    for kind in KINDS {
        let tag = kind.opener();
        if let Some(after) = s.strip_prefix(tag) {
            match plausible(kind, after) {
                Opener::No => {}
                Opener::Undecided => undecided = true,
                block @ Opener::Block(_) => return block,
            }
        } else if tag.starts_with(s) {
            undecided = true;
        }
    }
    if undecided {
        Opener::Undecided
    } else {
        Opener::No
    }
}

/// Looks just past an opener to tell markup from prose that mentions a tag.
fn plausible(kind: Kind, after: &str) -> Opener {
    let prefixes: &[&str] = match kind {
        Kind::ToolCall => &["{", "```", "<function=", "<invoke"],
        Kind::FunctionCalls => &["<invoke", "<function="],
        Kind::Function => {
            return tag_head(kind, after, MAX_NAME, &['<', '\n'], |h| {
                valid_name(unquote(h))
            });
        }
        Kind::Invoke if after.is_empty() => return Opener::Undecided,
        Kind::Invoke if !after.starts_with(char::is_whitespace) => return Opener::No,
        Kind::Invoke => {
            return tag_head(kind, after, MAX_INVOKE_HEAD, &['<'], |h| {
                attr(h, "name").is_some()
            });
        }
    };
    let after = after.trim_start();
    if prefixes.iter().any(|p| after.starts_with(p)) {
        Opener::Block(kind)
    } else if prefixes.iter().any(|p| p.starts_with(after)) {
        Opener::Undecided
    } else {
        Opener::No
    }
}

/// Judges the head of `<function=NAME>` / `<invoke name=…>` up to its `>`. Any
/// verdict but `Undecided` holds for every continuation of `after`.
fn tag_head(kind: Kind, after: &str, max: usize, bad: &[char], ok: fn(&str) -> bool) -> Opener {
    let end = after.find('>');
    let head = &after[..end.unwrap_or(after.len())];
    match end {
        _ if head.len() > max || head.contains(bad) => Opener::No,
        None => Opener::Undecided,
        Some(_) if ok(head) => Opener::Block(kind),
        Some(_) => Opener::No,
    }
}

/// Parses a complete block; `None` rejects it.
fn parse_block(kind: Kind, raw: &str) -> Option<Vec<ParsedCall>> {
    let mut calls = match kind {
        Kind::Function | Kind::Invoke => vec![element(raw, kind)?],
        Kind::ToolCall | Kind::FunctionCalls => {
            let body = kind.inner(raw)?.trim();
            if body.starts_with('<') {
                elements(body)?
            } else if kind == Kind::ToolCall {
                let (name, arguments) = json_call(strip_code_fence(body))?;
                vec![ParsedCall {
                    name,
                    arguments,
                    raw: String::new(),
                }]
            } else {
                return None;
            }
        }
    };
    for call in &mut calls {
        if !valid_name(&call.name) || call.arguments.values().any(is_placeholder) {
            return None;
        }
    }
    if let [call] = calls.as_mut_slice() {
        call.raw = raw.to_owned();
    }
    Some(calls)
}

/// A whitespace-separated sequence of `<function=…>` / `<invoke …>` elements.
fn elements(body: &str) -> Option<Vec<ParsedCall>> {
    let mut calls = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let kind = [Kind::Function, Kind::Invoke]
            .into_iter()
            .find(|k| rest.starts_with(k.opener()))?;
        let end = rest.find(kind.closer())? + kind.closer().len();
        calls.push(element(&rest[..end], kind)?);
        rest = rest[end..].trim_start();
    }
    (!calls.is_empty()).then_some(calls)
}

/// One `<function=NAME>…</function>` or `<invoke name="NAME">…</invoke>`.
fn element(raw: &str, kind: Kind) -> Option<ParsedCall> {
    let inner = kind.inner(raw)?;
    let head_end = inner.find('>')?;
    let head = &inner[..head_end];
    let name = match kind {
        Kind::Invoke if head.starts_with(char::is_whitespace) && !head.contains('<') => {
            attr(head, "name")?
        }
        Kind::Function => unquote(head).to_owned(),
        _ => return None,
    };
    let arguments = parameters(&inner[head_end + 1..])?;
    Some(ParsedCall {
        name,
        arguments,
        raw: raw.to_owned(),
    })
}

/// `<parameter=KEY>VALUE</parameter>` or `<parameter name="KEY">VALUE</parameter>`,
/// separated by whitespace. A missing `</parameter>` ends the value at the next
/// `<parameter` or at the end of the element (a known Qwen slip).
fn parameters(body: &str) -> Option<Map<String, Value>> {
    const CLOSE: &str = "</parameter>";
    let mut arguments = Map::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let after = rest.strip_prefix("<parameter")?;
        let head_end = after.find('>')?;
        let head = &after[..head_end];
        let key = match head.strip_prefix('=') {
            Some(key) => unquote(key).to_owned(),
            None if head.starts_with(char::is_whitespace) => attr(head, "name")?,
            None => return None,
        };
        if key.is_empty() {
            return None;
        }
        let tail = &after[head_end + 1..];
        let (value, next) = match (tail.find(CLOSE), tail.find("<parameter")) {
            (Some(close), open) if open.is_none_or(|open| close < open) => {
                (&tail[..close], &tail[close + CLOSE.len()..])
            }
            (_, Some(open)) => (&tail[..open], &tail[open..]),
            (_, None) => (tail, ""),
        };
        arguments.insert(key, parameter_value(value));
        rest = next.trim_start();
    }
    Some(arguments)
}

/// Drops one leading and one trailing newline; JSON numbers, booleans, arrays and
/// objects become JSON values, anything else stays a string.
fn parameter_value(value: &str) -> Value {
    let value = ["\r\n", "\n"]
        .iter()
        .find_map(|nl| value.strip_prefix(nl))
        .unwrap_or(value);
    let value = ["\r\n", "\n"]
        .iter()
        .find_map(|nl| value.strip_suffix(nl))
        .unwrap_or(value);
    match serde_json::from_str::<Value>(value) {
        Ok(json @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_))) => json,
        _ => Value::String(value.to_owned()),
    }
}

/// `{"name": …, "arguments"|"parameters": {…} or "{…}"}`, or the OpenAI shape
/// `{"function": {…}}`.
fn json_call(body: &str) -> Option<(String, Map<String, Value>)> {
    let Value::Object(mut object) = serde_json::from_str(body).ok()? else {
        return None;
    };
    if !object.contains_key("name")
        && let Some(Value::Object(function)) = object.remove("function")
    {
        object = function;
    }
    let name = object.get("name")?.as_str()?.trim().to_owned();
    let arguments = match object.get("arguments").or_else(|| object.get("parameters")) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments.clone(),
        Some(Value::String(s)) if s.trim().is_empty() => Map::new(),
        Some(Value::String(s)) => match serde_json::from_str(s).ok()? {
            Value::Object(arguments) => arguments,
            _ => return None,
        },
        Some(_) => return None,
    };
    Some((name, arguments))
}

/// Removes a markdown fence around a JSON body (```json … ```).
fn strip_code_fence(body: &str) -> &str {
    let Some(rest) = body.strip_prefix("```") else {
        return body;
    };
    let rest = rest.split_once('\n').map_or("", |(_, rest)| rest);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

/// The value of `key=` in a tag head (quoted with `"` or `'`, or bare).
fn attr(head: &str, key: &str) -> Option<String> {
    for (at, _) in head.match_indices(key) {
        if !head[..at].ends_with(char::is_whitespace) {
            continue;
        }
        let Some(rest) = head[at + key.len()..].trim_start().strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => rest[1..].split_once(quote)?.0,
            _ => rest
                .split(char::is_whitespace)
                .next()
                .unwrap_or("")
                .trim_end_matches('/'),
        };
        return Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    }
    None
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
        .trim()
}

/// Tool names: 1–128 of ASCII letters, digits, `_ - . :`, and not a placeholder.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
        && !placeholder_str(name)
}

/// Is this argument value a placeholder the model copied from an example? ("...",
/// "…", "<path>", "<file>", "<…>"-shaped, "", "your_path_here"-like). Arrays and
/// objects are placeholders when any value inside them is; numbers, booleans and
/// null never are.
pub fn is_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => placeholder_str(s),
        Value::Array(items) => items.iter().any(is_placeholder),
        Value::Object(fields) => fields.values().any(is_placeholder),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn placeholder_str(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return true;
    }
    // "." and ".." are real paths; three or more dots, or "…", are not.
    if s.chars().all(|c| c == '.' || c == '…') && (s.contains('…') || s.len() >= 3) {
        return true;
    }
    if let Some(inner) = s.strip_prefix('<').and_then(|s| s.strip_suffix('>'))
        && !inner.is_empty()
        && inner.chars().count() <= 64
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || " _-./…".contains(c))
    {
        return true;
    }
    let lower = s.to_lowercase();
    ["your_", "your-", "your ", "path/to/", "/path/to/"]
        .iter()
        .any(|p| lower.starts_with(p))
        || ["_here", "-here", " here"]
            .iter()
            .any(|p| lower.ends_with(p))
}

#[cfg(test)]
mod tests;
