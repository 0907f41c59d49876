//! Opaque keyset cursors: `<unix micros>.<uuid>` of the last row of a page.

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
        format!("{}.{}", at.timestamp_micros(), id.simple())
    }

    pub fn decode(raw: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::bad_request("invalid_cursor", format!("invalid cursor {raw:?}"));
        let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(Self { at, id })
    }

    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, ApiError> {
        raw.map(Self::decode).transpose()
    }
}

/// Split `limit + 1` fetched rows into a page and the cursor of its last row.
pub fn paginate<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| {
            let (at, id) = key(r);
            Cursor::encode(at, id)
        });
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::from_u128(42);
        let raw = Cursor::encode(at, id);
        assert_eq!(Cursor::decode(&raw).unwrap(), Cursor { at, id });
        for bad in ["", "x", "12.nope", "abc.00000000000000000000000000000000"] {
            let err = Cursor::decode(bad).unwrap_err();
            assert_eq!(err.code, "invalid_cursor", "{bad}");
        }
    }

    #[test]
    fn paginate_cuts_at_limit() {
        let at = DateTime::from_timestamp_micros(5).unwrap();
        let rows: Vec<u128> = (0..3).collect();
        let (page, next) = paginate(rows.clone(), 2, |r| (at, Uuid::from_u128(*r)));
        assert_eq!(page, vec![0, 1]);
        assert_eq!(next, Some(Cursor::encode(at, Uuid::from_u128(1))));
        let (page, next) = paginate(rows, 3, |r| (at, Uuid::from_u128(*r)));
        assert_eq!((page.len(), next), (3, None));
    }
}
