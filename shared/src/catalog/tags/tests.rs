use pretty_assertions::assert_eq;

use super::*;

fn tags(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn refused(v: &[String]) -> (&'static str, String) {
    match normalize(v) {
        Err(StoreError::Invalid { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn tags_are_trimmed_and_keep_their_order() {
    assert_eq!(
        normalize(&tags(&[" rust ", "db", "ünï"])).unwrap(),
        tags(&["rust", "db", "ünï"])
    );
    assert_eq!(normalize(&[]).unwrap(), Vec::<String>::new());
    let longest = "é".repeat(MAX_TAG_CHARS);
    assert_eq!(
        normalize(std::slice::from_ref(&longest)).unwrap(),
        vec![longest]
    );
}

#[test]
fn each_broken_rule_has_its_code() {
    assert_eq!(
        refused(&tags(&["a", "  "])),
        ("invalid_tag", "a tag must not be empty".to_owned())
    );
    assert_eq!(
        refused(&tags(&["a\nb"])),
        (
            "invalid_tag",
            "tag \"a\\nb\" holds a control character".to_owned()
        )
    );
    let long = "x".repeat(MAX_TAG_CHARS + 1);
    assert_eq!(
        refused(std::slice::from_ref(&long)),
        (
            "tag_too_long",
            format!("tag {long:?} is longer than 64 characters")
        )
    );
    assert_eq!(
        refused(&tags(&["db", " db"])),
        ("duplicate_tag", "tag \"db\" is given twice".to_owned())
    );
    let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
    assert_eq!(
        refused(&many),
        (
            "too_many_tags",
            "a session takes at most 64 tags, got 65".to_owned()
        )
    );
}
