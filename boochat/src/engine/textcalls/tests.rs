use super::*;
use pretty_assertions::assert_eq;
use serde_json::json;

/// Feeds `chunks` and finishes; merges adjacent text across pushes.
fn run(chunks: &[&str]) -> Vec<Piece> {
    let mut parser = TextCallParser::new();
    let mut pieces: Vec<Piece> = chunks.iter().flat_map(|c| parser.push(c)).collect();
    pieces.extend(parser.finish());
    let mut merged: Vec<Piece> = Vec::new();
    for piece in pieces {
        match (merged.last_mut(), piece) {
            (_, Piece::Text(t)) if t.is_empty() => panic!("empty text piece"),
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (_, piece) => merged.push(piece),
        }
    }
    merged
}

/// One-shot, every two-way split at a char boundary, and one char at a time.
fn assert_all_splits(input: &str, expected: &[Piece]) {
    assert_eq!(run(&[input]), expected, "one-shot");
    for (at, _) in input.char_indices().skip(1) {
        assert_eq!(
            run(&[&input[..at], &input[at..]]),
            expected,
            "split at byte {at}"
        );
    }
    let chars: Vec<String> = input.chars().map(String::from).collect();
    let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
    assert_eq!(run(&refs), expected, "char at a time");
}

fn text(s: &str) -> Piece {
    Piece::Text(s.to_owned())
}

fn call(name: &str, arguments: Value, raw: &str) -> Piece {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    Piece::Call(ParsedCall {
        name: name.to_owned(),
        arguments,
        raw: raw.to_owned(),
    })
}

const JSON_CALL: &str =
    r#"<tool_call>{"name": "read_file", "arguments": {"path": "src/main.rs"}}</tool_call>"#;
const XML_CALL: &str = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.rs\n\
                        </parameter>\n</function>\n</tool_call>";
const INVOKE_CALL: &str =
    r#"<invoke name="read_file"><parameter name="path">src/main.rs</parameter></invoke>"#;

#[test]
fn json_format_every_split() {
    let input = format!("Let me look.\n\n{JSON_CALL}\n\nDone.");
    assert_all_splits(
        &input,
        &[
            text("Let me look."),
            call("read_file", json!({"path": "src/main.rs"}), JSON_CALL),
            text("\n\nDone."),
        ],
    );
}

#[test]
fn json_arguments_as_string_parameters_alias_and_openai_shape() {
    let string_args =
        r#"<tool_call>{"name":"grep","arguments":"{\"pattern\":\"fn main\"}"}</tool_call>"#;
    let alias = r#"<tool_call>
{"name": "list_dir", "parameters": {"path": "."}}
</tool_call>"#;
    let openai = r#"<tool_call>{"type":"function","function":{"name":"git_status","arguments":""}}</tool_call>"#;
    let fenced = "<tool_call>\n```json\n{\"name\": \"glob\", \"arguments\": {\"pattern\": \"*.rs\"}}\n```\n</tool_call>";
    assert_eq!(
        run(&[string_args, alias, openai, fenced]),
        vec![
            call("grep", json!({"pattern": "fn main"}), string_args),
            call("list_dir", json!({"path": "."}), alias),
            call("git_status", json!({}), openai),
            call("glob", json!({"pattern": "*.rs"}), fenced),
        ]
    );
}

#[test]
fn qwen_xml_format_every_split() {
    let input = format!("I'll read it.\n{XML_CALL}");
    assert_all_splits(
        &input,
        &[
            text("I'll read it."),
            call("read_file", json!({"path": "src/main.rs"}), XML_CALL),
        ],
    );
}

#[test]
fn bare_function_element_every_split() {
    let block = "<function=grep>\n<parameter=pattern>\nTODO\n</parameter>\n\
                 <parameter=max_results>\n20\n</parameter>\n</function>";
    assert_all_splits(
        &format!("{block}\nok"),
        &[
            call("grep", json!({"pattern": "TODO", "max_results": 20}), block),
            text("ok"),
        ],
    );
}

#[test]
fn parameter_values_are_coerced_and_trimmed_of_one_newline() {
    let block = "<function=f>\n<parameter=n>\n-1.5\n</parameter>\n<parameter=b>true</parameter>\
                 <parameter=list>[\"a\", 2]</parameter><parameter=obj>{\"k\": null}</parameter>\
                 <parameter=null>null</parameter><parameter=body>\n\nline one\n  line two\n\n\
                 </parameter><parameter=\"quoted\">'x'</parameter></function>";
    assert_eq!(
        run(&[block]),
        vec![call(
            "f",
            json!({
                "n": -1.5, "b": true, "list": ["a", 2], "obj": {"k": null}, "null": "null",
                "body": "\nline one\n  line two\n", "quoted": "'x'",
            }),
            block,
        )]
    );
}

#[test]
fn missing_parameter_close_tag_is_tolerated() {
    let block = "<function=read_file>\n<parameter=path>\na.rs\n<parameter=start_line>\n3\n\
                 </function>";
    assert_eq!(
        run(&[block]),
        vec![call(
            "read_file",
            json!({"path": "a.rs", "start_line": 3}),
            block,
        )]
    );
}

#[test]
fn invoke_format_bare_and_wrapped_every_split() {
    assert_all_splits(
        &format!("Reading: {INVOKE_CALL} then more"),
        &[
            text("Reading:"),
            call("read_file", json!({"path": "src/main.rs"}), INVOKE_CALL),
            text(" then more"),
        ],
    );
    let wrapped = format!("<function_calls>\n{INVOKE_CALL}\n</function_calls>");
    assert_all_splits(
        &format!("Sure.\n\n{wrapped}\n"),
        &[
            text("Sure."),
            call("read_file", json!({"path": "src/main.rs"}), &wrapped),
        ],
    );
}

#[test]
fn wrapper_with_several_calls_gives_each_its_element_as_raw() {
    let second =
        "<invoke name='glob'>\n<parameter name=\"pattern\">**/*.toml</parameter>\n</invoke>";
    let input = format!("<function_calls>{INVOKE_CALL}\n{second}</function_calls>");
    assert_all_splits(
        &input,
        &[
            call("read_file", json!({"path": "src/main.rs"}), INVOKE_CALL),
            call("glob", json!({"pattern": "**/*.toml"}), second),
        ],
    );
}

#[test]
fn calls_interleaved_with_prose_collapse_blank_lines() {
    let input = format!(
        "\n\n{JSON_CALL}\n\nFirst I read main.\n\n{XML_CALL}\n{INVOKE_CALL}\n\n\n  - then this\n\n\
         {JSON_CALL}\n"
    );
    let read = || json!({"path": "src/main.rs"});
    assert_all_splits(
        &input,
        &[
            call("read_file", read(), JSON_CALL),
            text("First I read main."),
            call("read_file", read(), XML_CALL),
            call("read_file", read(), INVOKE_CALL),
            text("\n\n  - then this"),
            call("read_file", read(), JSON_CALL),
        ],
    );
}

#[test]
fn placeholder_arguments_reject_the_block_as_text() {
    let cases = [
        r#"<tool_call>{"name": "read_file", "arguments": {"path": "..."}}</tool_call>"#,
        "<tool_call>\n<function=read_file>\n<parameter=path>\n<path>\n</parameter>\n</function>\n</tool_call>",
        "<function=grep><parameter=pattern>foo</parameter><parameter=path>…</parameter></function>",
        r#"<invoke name="read_file"><parameter name="path">your_file_path_here</parameter></invoke>"#,
        r#"<function_calls><invoke name="read_file"><parameter name="path"></parameter></invoke></function_calls>"#,
        r#"<tool_call>{"name": "grep", "arguments": {"paths": ["a.rs", "<file>"]}}</tool_call>"#,
        "<function_calls><invoke name=\"glob\"><parameter name=\"pattern\">*.rs</parameter></invoke>\
         <invoke name=\"read_file\"><parameter name=\"path\">...</parameter></invoke></function_calls>",
    ];
    for raw in cases {
        let input = format!("Before.\n{raw}\nAfter.");
        assert_all_splits(&input, &[text(&input)]);
    }
}

#[test]
fn malformed_or_nameless_blocks_are_kept_as_text() {
    let cases = [
        r#"<tool_call>{"name": "read_file", "arguments": {"path": "a.rs"</tool_call>"#,
        r#"<tool_call>{"arguments": {"path": "a.rs"}}</tool_call>"#,
        r#"<tool_call>{"name": "", "arguments": {}}</tool_call>"#,
        r#"<tool_call>{"name": "read file", "arguments": {}}</tool_call>"#,
        r#"<tool_call>{"name": "grep", "arguments": "not json"}</tool_call>"#,
        r#"<tool_call>{"name": "grep", "arguments": [1]}</tool_call>"#,
        "<tool_call><function=grep>stray words<parameter=p>x</parameter></function></tool_call>",
        "<tool_call><function=grep></function> trailing junk</tool_call>",
        r#"<function_calls><invoke name="a"></invoke>junk</function_calls>"#,
        r#"<invoke name="a"><parameter>x</parameter></invoke>"#,
        r#"<invoke  <parameter name="p"></invoke>"#,
    ];
    for raw in cases {
        assert_eq!(run(&[raw]), vec![text(raw)], "{raw}");
    }
}

#[test]
fn code_fenced_examples_are_untouched() {
    let input = format!(
        "Call tools like this:\n\n```xml\n{XML_CALL}\n{INVOKE_CALL}\n```\n\n~~~\n{JSON_CALL}\n~~~\n\
         Inline: `{JSON_CALL}` and ``<function=x>``.\n"
    );
    assert_all_splits(&input, &[text(&input)]);
}

#[test]
fn fence_closes_only_on_a_matching_fence_line() {
    // A longer opening fence is not closed by ``` nor by ```rust; a call after the
    // real closing fence is parsed.
    let input = format!("````md\n```rust\n{JSON_CALL}\n```\n````\n{JSON_CALL}");
    let prose = "````md\n```rust\n".to_owned() + JSON_CALL + "\n```\n````";
    assert_all_splits(
        &input,
        &[
            text(&prose),
            call("read_file", json!({"path": "src/main.rs"}), JSON_CALL),
        ],
    );
}

#[test]
fn unterminated_block_at_finish_is_text() {
    let input =
        "Reading.\n<tool_call>\n<function=read_file>\n<parameter=path>\na.rs\n</parameter>\n";
    assert_all_splits(input, &[text(input)]);
    let mut parser = TextCallParser::new();
    assert_eq!(parser.push("ok <tool_call>{\"name\":"), vec![text("ok")]);
    assert_eq!(parser.push(" \"x\"}"), vec![]);
    assert_eq!(parser.finish(), vec![text(" <tool_call>{\"name\": \"x\"}")]);
}

#[test]
fn angle_brackets_in_prose_pass_through() {
    let input = "if a < b and b <= c then <b>bold</b> <functions> <invoked> <tool_call> tag\n\
                 <function_calls> then <function=> <function=a b> <invoke> x <";
    assert_all_splits(input, &[text(input)]);
}

#[test]
fn prose_streams_promptly() {
    let mut parser = TextCallParser::new();
    assert_eq!(parser.push("Hello wor"), vec![text("Hello wor")]);
    assert_eq!(parser.push("ld, a < b "), vec![text("ld, a < b")]);
    assert_eq!(parser.push("<tool"), vec![]);
    assert_eq!(
        parser.push("_call> is a tag"),
        vec![text(" <tool_call> is a tag")]
    );
    assert_eq!(parser.push("\n\n<function"), vec![]);
    assert_eq!(parser.push("=read_file>"), vec![]);
    assert_eq!(
        parser.push("<parameter=path>a.rs</parameter></function>"),
        vec![call(
            "read_file",
            json!({"path": "a.rs"}),
            "<function=read_file><parameter=path>a.rs</parameter></function>",
        )]
    );
    assert_eq!(parser.push("\n\nNext"), vec![text("\n\nNext")]);
    assert_eq!(parser.finish(), vec![]);
}

#[test]
fn parser_is_reusable_after_finish() {
    let mut parser = TextCallParser::new();
    assert_eq!(parser.push("```\n"), vec![text("```")]);
    assert_eq!(parser.finish(), vec![text("\n")]);
    assert_eq!(
        parser.push(JSON_CALL),
        vec![call("read_file", json!({"path": "src/main.rs"}), JSON_CALL,)]
    );
    assert_eq!(parser.finish(), vec![]);
}

#[test]
fn placeholder_detection() {
    let placeholders = [
        json!(""),
        json!("   "),
        json!("..."),
        json!("…"),
        json!(" ... "),
        json!("<path>"),
        json!("<file>"),
        json!("<file path>"),
        json!("<…>"),
        json!("<path/to/file.rs>"),
        json!("your_path_here"),
        json!("YOUR-FILE"),
        json!("path_here"),
        json!("insert pattern here"),
        json!("/path/to/file"),
        json!(["ok", "..."]),
        json!({"nested": {"value": "<value>"}}),
    ];
    for v in &placeholders {
        assert!(is_placeholder(v), "{v} should be a placeholder");
    }
    let real = [
        json!("."),
        json!(".."),
        json!("src/main.rs"),
        json!("a < b"),
        json!("<div class=\"x\">"),
        json!("fn main()"),
        json!("yours.txt"),
        json!("where"),
        json!(0),
        json!(false),
        json!(null),
        json!([]),
        json!({}),
        json!(["a", {"b": 1}]),
    ];
    for v in &real {
        assert!(!is_placeholder(v), "{v} should not be a placeholder");
    }
}
