//! Full-text search over every chat's messages (migration 0016): the query is read
//! by `websearch_to_tsquery` (words, "quoted phrases", `or`, `-excluded`) against
//! the generated `messages.search_tsv` (GIN index), ranked by `ts_rank_cd`, newest
//! first among equals. Pages are keyset: the cursor is the last hit's rank and seq.
//!
//! Snippets come from `ts_headline` with two private-use characters as the match
//! markers (removed from the text first, so content cannot forge one); they are
//! cut into [`SnippetSpan`]s here, so no markup ever reaches the browser.

use crate::chat::Role;
use crate::find::{SearchHit, SnippetSpan};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[cfg(test)]
mod tests;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Messages up to this many characters are shown whole in their snippet.
const SHORT_CHARS: i32 = 240;
/// Marks the start of a match in `ts_headline`'s output (U+E000, private use).
const START: char = '\u{E000}';
/// Marks the end of a match (U+E001).
const STOP: char = '\u{E001}';

/// Where a page of hits ends: the last hit's rank and seq.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchCursor {
    pub rank: f32,
    pub seq: i64,
}

impl SearchCursor {
    /// `<rank as f32 bits, hex>.<seq>`: exact, so the next page starts right after.
    pub fn encode(&self) -> String {
        format!("{:08x}.{}", self.rank.to_bits(), self.seq)
    }

    /// `Invalid` `invalid_cursor` when `raw` is not one of ours.
    pub fn decode(raw: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::invalid("invalid_cursor", format!("invalid cursor {raw:?}"));
        let (bits, seq) = raw.split_once('.').ok_or_else(bad)?;
        let bits = u32::from_str_radix(bits, 16).map_err(|_| bad())?;
        let rank = f32::from_bits(bits);
        if !rank.is_finite() {
            return Err(bad());
        }
        Ok(Self {
            rank,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// The query as searched: trimmed, not empty, at most [`MAX_QUERY_CHARS`].
pub fn check_query(q: &str) -> Result<&str, StoreError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(StoreError::invalid(
            "empty_query",
            "q must contain something to search for",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::invalid(
            "query_too_long",
            format!("q is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(q)
}

/// Cut `ts_headline` output into plain and matched spans. Adjacent matches (a
/// phrase) stay separate spans; empty spans are dropped.
pub fn spans(headline: &str) -> Vec<SnippetSpan> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut hit = false;
    for c in headline.chars() {
        if c == START || c == STOP {
            if !text.is_empty() {
                out.push(SnippetSpan {
                    text: std::mem::take(&mut text),
                    hit,
                });
            }
            hit = c == START;
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        out.push(SnippetSpan { text, hit });
    }
    out
}

#[derive(sqlx::FromRow)]
struct Row {
    session_id: Uuid,
    session_title: Option<String>,
    chat_id: Uuid,
    chat_title: Option<String>,
    message_id: Uuid,
    role: Role,
    headline: String,
    rank: f32,
    seq: i64,
    created_at: DateTime<Utc>,
}

/// A page of messages matching `q` (checked with [`check_query`] first), best
/// first, and the cursor of the next page.
pub async fn search(
    pool: &PgPool,
    q: &str,
    after: Option<SearchCursor>,
    limit: i64,
) -> Result<(Vec<SearchHit>, Option<String>), StoreError> {
    let q = check_query(q)?;
    // A short message is shown whole; a long one as up to two fragments around
    // matches (fragment mode keeps words on both sides of a match).
    let whole = format!("StartSel={START}, StopSel={STOP}, HighlightAll=true");
    let fragments = format!(
        "StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2, \
         FragmentDelimiter=\" … \""
    );
    let mut rows = sqlx::query_as::<_, Row>(
        "WITH q AS (SELECT websearch_to_tsquery('english', $1) AS query),
         hits AS (
            SELECT m.id, m.chat_id, m.role, m.content, m.seq, m.created_at,
                   ts_rank_cd(m.search_tsv, q.query) AS rank
              FROM messages m, q
             WHERE m.search_tsv @@ q.query
         ), page AS (
            SELECT * FROM hits
             WHERE $2::real IS NULL OR rank < $2 OR (rank = $2 AND seq < $3)
             ORDER BY rank DESC, seq DESC
             LIMIT $4
         )
         SELECT c.session_id, s.title AS session_title, p.chat_id, c.title AS chat_title,
                p.id AS message_id, p.role, p.rank, p.seq, p.created_at,
                ts_headline('english', translate(left(p.content, 100000), $5, ''), q.query,
                    CASE WHEN length(p.content) <= $8 THEN $6 ELSE $7 END) AS headline
           FROM page p
           JOIN chats c ON c.id = p.chat_id
           JOIN sessions s ON s.id = c.session_id, q
          ORDER BY p.rank DESC, p.seq DESC",
    )
    .bind(q)
    .bind(after.map(|c| c.rank))
    .bind(after.map(|c| c.seq))
    .bind(limit + 1)
    .bind(format!("{START}{STOP}"))
    .bind(whole)
    .bind(fragments)
    .bind(SHORT_CHARS)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        rows.last().map(|r| {
            SearchCursor {
                rank: r.rank,
                seq: r.seq,
            }
            .encode()
        })
    } else {
        None
    };
    let hits = rows
        .into_iter()
        .map(|r| SearchHit {
            session_id: r.session_id,
            session_title: r.session_title,
            chat_id: r.chat_id,
            chat_title: r.chat_title,
            message_id: r.message_id,
            role: r.role,
            snippet: spans(&r.headline),
            rank: r.rank,
            created_at: r.created_at,
        })
        .collect();
    Ok((hits, next))
}
