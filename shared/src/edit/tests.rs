use super::*;
use pretty_assertions::assert_eq;

fn ok(content: &str, old: &str, new: &str) -> EditOutcome {
    apply_edit(content, old, new, false).unwrap()
}

fn outcome(content: &str, rung: Rung, replacements: usize, first_line: usize) -> EditOutcome {
    EditOutcome {
        content: content.to_owned(),
        rung,
        replacements,
        first_line,
        similarity: 1.0,
    }
}

#[test]
fn exact_match_replaces_the_one_occurrence() {
    assert_eq!(
        ok("fn a() {}\nfn b() {}\n", "fn b() {}", "fn c() {}"),
        outcome("fn a() {}\nfn c() {}\n", Rung::Exact, 1, 2)
    );
    // A substring inside a line is fine at the exact rung.
    assert_eq!(
        ok("let x = 1;\n", "= 1", "= 2"),
        outcome("let x = 2;\n", Rung::Exact, 1, 1)
    );
}

#[test]
fn exact_duplicates_are_ambiguous_unless_replace_all() {
    let content = "x = 1\ny = 2\nx = 1\n";
    assert_eq!(
        apply_edit(content, "x = 1", "x = 3", false),
        Err(EditError::Ambiguous {
            rung: Rung::Exact,
            count: 2
        })
    );
    assert_eq!(
        apply_edit(content, "x = 1", "x = 3", true).unwrap(),
        outcome("x = 3\ny = 2\nx = 3\n", Rung::Exact, 2, 1)
    );
    assert_eq!(
        EditError::Ambiguous {
            rung: Rung::Exact,
            count: 2
        }
        .to_string(),
        "old_string matches 2 places (exact match); include more surrounding lines so it matches exactly one"
    );
}

#[test]
fn trailing_whitespace_rung_ignores_trailing_blanks_and_cr() {
    assert_eq!(
        ok("a\nfoo  \nbar\t\nz\n", "foo\nbar\n", "FOO\nBAR\n"),
        outcome("a\nFOO\nBAR\nz\n", Rung::TrailingWhitespace, 1, 2)
    );
    // CRLF file, LF old_string: the line ending of the file is kept on the last line.
    assert_eq!(
        ok("a\r\nb\r\nc\r\n", "a\nb\n", "x\ny"),
        outcome("x\ny\r\nc\r\n", Rung::TrailingWhitespace, 1, 1)
    );
}

#[test]
fn trimmed_rung_matches_other_indentation_and_reindents() {
    let content = "fn f() {\n    if x {\n        y();\n    }\n}\n";
    assert_eq!(
        ok(content, "if x {\n    y();\n}\n", "if x {\n    z();\n}\n"),
        outcome(
            "fn f() {\n    if x {\n        z();\n    }\n}\n",
            Rung::Trimmed,
            1,
            2
        )
    );
}

#[test]
fn trimmed_duplicates_are_ambiguous() {
    let content = "  a();\n  b();\nmid\n    a();\n    b();\n";
    assert_eq!(
        apply_edit(content, "a();\nb();", "c();", false),
        Err(EditError::Ambiguous {
            rung: Rung::Trimmed,
            count: 2
        })
    );
    assert_eq!(
        apply_edit(content, "a();\nb();", "c();", true).unwrap(),
        outcome("  c();\nmid\n    c();\n", Rung::Trimmed, 2, 1)
    );
}

#[test]
fn fuzzy_rung_canonicalises_unicode() {
    let content = "let s = \"hello - world\";\nlet n = 1;\n";
    let got = ok(
        content,
        "let s = \u{201C}hello \u{2013} world\u{201D};",
        "let s = \"bye\";",
    );
    assert_eq!(
        got,
        EditOutcome {
            content: "let s = \"bye\";\nlet n = 1;\n".into(),
            rung: Rung::Fuzzy,
            replacements: 1,
            first_line: 1,
            similarity: 1.0,
        }
    );
    // nbsp in the file, plain space in old_string.
    let got = ok("a\u{00A0}=\u{00A0}1;\n", "a = 1;", "a = 2;");
    assert_eq!((got.content.as_str(), got.rung), ("a = 2;\n", Rung::Fuzzy));
}

#[test]
fn fuzzy_rung_tolerates_small_typos_and_picks_the_best_window() {
    let content = "fn compute_total(items: &[Item]) -> u32 {\n    items.len() as u32\n}\n\
                   fn compute_other(items: &[Item]) -> u64 {\n    0\n}\n";
    let got = apply_edit(
        content,
        "fn compute_totl(items: &[Item]) -> u32 {\n    items.len() as u32\n}",
        "fn compute_total(items: &[Item]) -> u32 {\n    items.iter().count() as u32\n}",
        false,
    )
    .unwrap();
    assert_eq!(
        (got.rung, got.first_line, got.replacements),
        (Rung::Fuzzy, 1, 1)
    );
    assert!(
        got.similarity > 0.95 && got.similarity < 1.0,
        "{}",
        got.similarity
    );
    assert_eq!(
        got.content,
        "fn compute_total(items: &[Item]) -> u32 {\n    items.iter().count() as u32\n}\n\
         fn compute_other(items: &[Item]) -> u64 {\n    0\n}\n"
    );
}

#[test]
fn fuzzy_ties_are_ambiguous() {
    let content = "value = compute(1)\nsep\nvalue = compute(1)\n";
    assert_eq!(
        apply_edit(content, "valu = compute(1)", "v = 2", false),
        Err(EditError::Ambiguous {
            rung: Rung::Fuzzy,
            count: 2
        })
    );
}

#[test]
fn nothing_similar_enough_is_not_found() {
    // Same letters, different order: passes the histogram bound, fails the distance.
    let err = apply_edit("alpha beta gamma\n", "gamma beta alpha", "x", false).unwrap_err();
    assert_eq!(err, EditError::NotFound);
    assert_eq!(
        err.to_string(),
        "old_string was not found in the file (not even a 66%-similar block of the same number of lines)"
    );
    assert_eq!(
        apply_edit("short\n", "completely different text", "x", false),
        Err(EditError::NotFound)
    );
    assert_eq!(
        apply_edit("one line\n", "a\nb\nc", "x", false),
        Err(EditError::NotFound)
    );
}

#[test]
fn banded_levenshtein_agrees_with_the_full_one() {
    // A small deterministic generator over a tiny alphabet, so distances vary.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..2000 {
        let a: String = (0..next(12))
            .map(|_| ["a", "b", "c", "é"][next(4) as usize])
            .collect();
        let b: String = (0..next(12))
            .map(|_| ["a", "b", "c", "é"][next(4) as usize])
            .collect();
        let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let full = strsim::levenshtein(&a, &b);
        for max in 0..14 {
            let mut spent = 0;
            let got = super::levenshtein_within(&ac, &bc, max, &mut spent);
            assert_eq!(got, (full <= max).then_some(full), "{a:?} {b:?} max {max}");
        }
        let (fa, fb) = (super::Folded::new(&a), super::Folded::new(&b));
        assert!(fa.lower_bound(&fb) <= full, "{a:?} {b:?}");
    }
}

#[test]
fn refuses_empty_and_identical_edits() {
    assert_eq!(apply_edit("x", "", "y", false), Err(EditError::EmptyOld));
    assert_eq!(apply_edit("x", "x", "x", false), Err(EditError::Unchanged));
}

#[test]
fn line_rungs_keep_a_missing_final_newline_and_delete_whole_lines() {
    assert_eq!(
        ok("a\n  b", "b\n", "c\n"),
        outcome("a\n  c", Rung::Trimmed, 1, 2)
    );
    assert_eq!(
        ok("keep\n  drop me\nkeep too\n", "drop me \n", ""),
        outcome("keep\nkeep too\n", Rung::Trimmed, 1, 2)
    );
}

#[test]
fn canonicalize_maps_typography_to_ascii() {
    assert_eq!(
        canonicalize(
            "\u{2018}a\u{2019} \u{201C}b\u{201D} c\u{2014}d\u{2212}e\u{00A0}f\u{2026}\u{200B}g\u{FEFF}"
        ),
        "'a' \"b\" c-d-e f...g"
    );
}

/// A big source file: 20 000 distinct, code-like lines.
fn big_file() -> String {
    (0..20_000)
        .map(|i| {
            format!(
                "    let value_{i} = compute(input_{i}, {}) + offset; // step {i}\n",
                i * 7
            )
        })
        .collect()
}

#[test]
fn fuzzy_rung_on_a_big_file_finds_a_near_miss_and_rejects_noise() {
    let content = big_file();
    let needle: String = (12_000..12_012)
        .map(|i| {
            format!(
                "let value_{i} = compute(input_{i}, {}) + ofset; // step {i}\n",
                i * 7
            )
        })
        .collect();
    // old_string lost the indentation; the replacement gets the file's back.
    let got = apply_edit(&content, &needle, "replaced();\n", false).unwrap();
    assert_eq!(
        (got.rung, got.first_line, got.replacements),
        (Rung::Fuzzy, 12_001, 1)
    );
    assert_eq!(got.content.lines().count(), 20_000 - 12 + 1);
    assert!(
        got.content
            .contains("step 11999\n    replaced();\n    let value_12012 ")
    );

    let noise: String = (0..12)
        .map(|i| format!("fn unrelated_{i}(x: &str) -> Option<String> {{ None }}\n"))
        .collect();
    assert_eq!(
        apply_edit(&content, &noise, "x", false),
        Err(EditError::NotFound)
    );
}

#[test]
fn fuzzy_rung_gives_up_when_the_work_is_unbounded() {
    // Long lines that are all equally 75% similar: every window must be computed
    // with a wide band.
    let needle = "abcd".repeat(500);
    let line = "abcx".repeat(500);
    let content = format!("{line}\n").repeat(100);
    assert_eq!(
        apply_edit(&content, &needle, "x", false),
        Err(EditError::TooLargeForFuzzy)
    );
}
