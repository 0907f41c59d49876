use pretty_assertions::assert_eq;

use super::*;

fn span(text: &str, hit: bool) -> SnippetSpan {
    SnippetSpan {
        text: text.to_owned(),
        hit,
    }
}

#[test]
fn headline_markers_become_spans() {
    assert_eq!(
        spans("the \u{E000}fox\u{E001} and the \u{E000}fox\u{E001}\u{E000}es\u{E001} … end"),
        vec![
            span("the ", false),
            span("fox", true),
            span(" and the ", false),
            span("fox", true),
            span("es", true),
            span(" … end", false),
        ]
    );
    assert_eq!(
        spans("<b>no match</b>"),
        vec![span("<b>no match</b>", false)]
    );
    assert_eq!(spans(""), Vec::<SnippetSpan>::new());
}

#[test]
fn queries_are_trimmed_and_bounded() {
    assert_eq!(check_query("  fox  ").unwrap(), "fox");
    let empty = check_query(" \n ").unwrap_err();
    assert!(
        matches!(
            empty,
            StoreError::Invalid {
                code: "empty_query",
                ..
            }
        ),
        "{empty:?}"
    );
    let long = "x".repeat(MAX_QUERY_CHARS + 1);
    let too_long = check_query(&long).unwrap_err();
    assert!(
        matches!(
            too_long,
            StoreError::Invalid {
                code: "query_too_long",
                ..
            }
        ),
        "{too_long:?}"
    );
    assert_eq!(check_query(&long[1..]).unwrap(), &long[1..]);
}

#[test]
fn cursors_round_trip_exactly_and_refuse_garbage() {
    let c = SearchCursor {
        rank: 0.1 + 0.2,
        seq: 42,
    };
    assert_eq!(SearchCursor::decode(&c.encode()).unwrap(), c);
    for raw in ["", "x.1", "3f800000", "3f800000.y", "7fc00000.1"] {
        let e = SearchCursor::decode(raw).unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Invalid {
                    code: "invalid_cursor",
                    ..
                }
            ),
            "{raw}: {e:?}"
        );
    }
}
