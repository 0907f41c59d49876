//! Reading a JSON body the way every route does: a NUL anywhere (raw or escaped)
//! is refused before anything is deserialized, a struct's body must be an object,
//! and the content type must be JSON. Also the `%00` scan the path and query
//! extractors use.

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::ApiError;

/// The one refusal of a NUL character (U+0000) in client input: Postgres cannot
/// store one in `text`, and no title, path or message needs one.
pub(super) fn nul_in_string(place: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        "nul_in_string",
        format!("{place} contains a NUL character (U+0000), which no string may hold"),
    )
}

/// Does this JSON text hold a NUL, as a raw 0 byte or as the escape `\u0000`? An
/// escaped backslash followed by `u0000` is text, not a NUL. Two vectorised
/// passes (memchr), a small fraction of what deserializing the body costs.
pub fn json_has_nul(bytes: &[u8]) -> bool {
    if memchr::memchr(0, bytes).is_some() {
        return true;
    }
    // Backslashes only occur inside strings, where they pair up from the left: the
    // one at `at` starts an escape when the run of backslashes it ends is odd.
    memchr::memmem::find_iter(bytes, br"\u0000").any(|at| {
        let run = bytes[..=at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        run % 2 == 1
    })
}

/// Where in a JSON value the first NUL is: a field (`a.b[2]`), a key, or the body.
fn nul_place(value: &serde_json::Value) -> String {
    fn walk(v: &serde_json::Value, path: &mut String) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
                "the body".into()
            } else {
                format!("field `{path}`")
            }),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                if k.contains('\0') {
                    return Some(if path.is_empty() {
                        "a key of the body".into()
                    } else {
                        format!("a key of `{path}`")
                    });
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    walk(value, &mut String::new()).unwrap_or_else(|| "the body".into())
}

/// Parse a JSON body the way every route does: a NUL anywhere is 400
/// `nul_in_string` (checked before anything is deserialized, so nothing reaches the
/// database), then `T` — a syntax error is 400 `malformed_json`, the wrong shape
/// 400 `invalid_body`.
pub fn json_from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if json_has_nul(bytes) {
        let place = serde_json::from_slice::<serde_json::Value>(bytes)
            .map_or_else(|_| "the body".into(), |v| nul_place(&v));
        return Err(nul_in_string(place));
    }
    let axum::Json(value) = axum::Json::<T>::from_bytes(bytes)?;
    // serde's derived structs also take an array of their fields in order, so `[]`
    // would fill a struct whose fields all have defaults: a struct's body must be
    // an object. Probed only for bodies that are not one, so never on the hot path.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && expects_object::<T>() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "Failed to deserialize the JSON body into the target type: expected a JSON object",
        ));
    }
    Ok(value)
}

/// Does `T` deserialize as a struct (asks serde for one)? Answered by offering `T`
/// a deserializer that only records what it is asked for.
fn expects_object<T: DeserializeOwned>() -> bool {
    use serde::de::{Deserializer, Visitor};

    #[derive(Debug)]
    struct Asked {
        for_struct: bool,
    }
    impl std::fmt::Display for Asked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Asked {}
    impl serde::de::Error for Asked {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Self { for_struct: false }
        }
    }

    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Asked;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked { for_struct: false })
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Asked> {
            Err(Asked { for_struct: true })
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }
    matches!(T::deserialize(Probe), Err(Asked { for_struct: true }))
}

/// `application/json` or `application/<anything>+json`, parameters allowed.
pub(super) fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    match essence.split_once('/') {
        Some((kind, sub)) => {
            kind.eq_ignore_ascii_case("application")
                && (sub.eq_ignore_ascii_case("json") || sub.to_ascii_lowercase().ends_with("+json"))
        }
        None => false,
    }
}

pub(super) fn wrong_content_type() -> ApiError {
    ApiError::bad_request(
        "unsupported_media_type",
        "Expected request with `Content-Type: application/json`",
    )
}

/// A percent-escaped NUL (`%00`) in a raw path or query: `%` always starts an escape
/// there, so the text `%00` always decodes to U+0000.
pub(super) fn has_escaped_nul(raw: &str) -> bool {
    memchr::memmem::find(raw.as_bytes(), b"%00").is_some()
}
#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use pretty_assertions::assert_eq;
    use serde::Deserialize;

    #[test]
    fn nul_scan_sees_raw_and_escaped_nuls_only() {
        for (text, has) in [
            (&b"{\"a\":\"plain\"}"[..], false),
            (b"{\"a\":\"x\\u0000y\"}", true),
            (b"{\"a\":\"\\u00001\"}", true),
            (b"{\"a\":\"x\0\"}", true),
            (b"\0", true),
            // An escaped backslash, then the text u0000: no NUL.
            (b"{\"a\":\"\\\\u0000\"}", false),
            // Escaped backslash, then a real escape.
            (b"{\"a\":\"\\\\\\u0000\"}", true),
            (b"{\"a\":\"\\u0001\\n\\\"\"}", false),
            // Four backslashes: two escaped backslashes, then text.
            (b"{\"a\":\"\\\\\\\\u0000\"}", false),
            (b"{\"a\":\"ok\", \"b\":\"x\\u0000\"}", true),
            (b"\"\\", false),
            (b"\"\\u000", false),
        ] {
            assert_eq!(json_has_nul(text), has, "{}", String::from_utf8_lossy(text));
        }
    }

    fn refused<T: DeserializeOwned + std::fmt::Debug>(
        body: &str,
    ) -> (StatusCode, &'static str, String) {
        let e = json_from_bytes::<T>(body.as_bytes()).unwrap_err();
        (e.status, e.code, e.message)
    }

    #[test]
    fn a_nul_is_refused_naming_where_it_is() {
        type V = serde_json::Value;
        let nul = |place: &str| {
            (
                StatusCode::BAD_REQUEST,
                "nul_in_string",
                format!("{place} contains a NUL character (U+0000), which no string may hold"),
            )
        };
        assert_eq!(
            refused::<V>(r#"{"title": "a\u0000"}"#),
            nul("field `title`")
        );
        assert_eq!(
            refused::<V>(r#"{"panes": [{"id": "p"}, {"tabs": ["x", "\u0000"]}]}"#),
            nul("field `panes[1].tabs[1]`")
        );
        assert_eq!(refused::<V>(r#"{"a": {"\u0000": 1}}"#), nul("a key of `a`"));
        assert_eq!(refused::<V>(r#"{"\u0000": 1}"#), nul("a key of the body"));
        assert_eq!(refused::<V>(r#""\u0000""#), nul("the body"));
        // A raw NUL is not JSON at all; it is still named for what it is.
        assert_eq!(refused::<V>("{\"a\": \"\0\"}"), nul("the body"));
        // Checked before the shape: a NUL in a field of the wrong type is still a NUL.
        assert_eq!(
            refused::<SendLike>(r#"{"content": 1, "x": "\u0000"}"#),
            nul("field `x`")
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct SendLike {
        content: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct AllOptional {
        #[serde(default)]
        title: Option<String>,
    }

    #[test]
    fn an_array_never_fills_a_struct() {
        let (status, code, message) = refused::<AllOptional>(" []");
        assert_eq!(
            (status, code, message.as_str()),
            (
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Failed to deserialize the JSON body into the target type: expected a JSON object"
            )
        );
        assert_eq!(refused::<AllOptional>(r#"["t"]"#).1, "invalid_body");
        assert!(json_from_bytes::<AllOptional>(b"{}").is_ok());
        // Types that are not structs keep taking arrays.
        assert_eq!(json_from_bytes::<Vec<u8>>(b"[1]").unwrap(), vec![1]);
        assert!(json_from_bytes::<serde_json::Value>(b"[]").is_ok());
        assert!(expects_object::<AllOptional>());
        assert!(!expects_object::<Vec<AllOptional>>());
        assert!(!expects_object::<serde_json::Value>());
    }

    #[test]
    fn wrong_shapes_and_bad_syntax_are_400_with_their_codes() {
        let (status, code, _) = refused::<SendLike>("[]");
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "invalid_body"));
        let (status, code, message) = refused::<SendLike>(r#"{"content": 3}"#);
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "invalid_body"));
        assert!(
            message.starts_with("Failed to deserialize the JSON body into the target type: content: invalid type: integer `3`"),
            "{message}"
        );
        let (status, code, _) = refused::<SendLike>(r#"{"content": "#);
        assert_eq!((status, code), (StatusCode::BAD_REQUEST, "malformed_json"));
        // A lone escaped backslash before u0000 is an ordinary string.
        assert_eq!(
            json_from_bytes::<SendLike>(br#"{"content": "\\u0000"}"#)
                .unwrap()
                .content,
            "\\u0000"
        );
    }

    #[test]
    fn json_content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, v.parse().unwrap());
            is_json_content_type(&h)
        };
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(with(ok), "{ok}");
        }
        for bad in ["text/plain", "text/json", "application/jsonx", "json", ""] {
            assert!(!with(bad), "{bad}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }
}
