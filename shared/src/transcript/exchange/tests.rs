use pretty_assertions::assert_eq;
use serde_json::json;

use super::*;

fn doc() -> Value {
    json!({
        "version": 1,
        "title": "Notes",
        "agent": null,
        "messages": [
            {"role": "user", "status": "complete", "content": "read notes",
             "created_at": "2026-01-02T03:04:00Z"},
            {"role": "assistant", "status": "complete", "content": "It says 42.",
             "model": "m1", "created_at": "2026-01-02T03:05:00Z",
             "parts": [
                {"kind": "tool_call", "tool_name": "read_file", "call_id": "c1",
                 "args": {"path": "notes.txt"}},
                {"kind": "tool_result", "tool_name": "read_file", "call_id": "c1",
                 "result": "the answer is ```42```", "duration_ms": 3},
                {"kind": "text", "content": "It says 42."}
             ]}
        ]
    })
}

fn code(v: Value) -> &'static str {
    match parse_document(v) {
        Err(StoreError::Invalid { code, .. }) => code,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_good_document_parses_with_defaults() {
    let d = parse_document(doc()).unwrap();
    assert_eq!(d.messages.len(), 2);
    assert_eq!(d.messages[0].metadata, json!({}));
    assert_eq!(
        d.messages[1].parts[0].args,
        Some(json!({"path": "notes.txt"}))
    );
    assert_eq!(d.messages[1].parts[1].metadata, json!({}));
}

#[test]
fn each_defect_has_its_code() {
    assert_eq!(code(json!([])), "invalid_document");
    let mut v = doc();
    v["version"] = json!(2);
    assert_eq!(code(v), "unsupported_version");
    let mut v = doc();
    v.as_object_mut().unwrap().remove("version");
    assert_eq!(code(v), "unsupported_version");
    let mut v = doc();
    v["messages"] = json!({});
    assert_eq!(code(v), "invalid_document");
    let mut v = doc();
    v["messages"][1]["role"] = json!("wizard");
    assert_eq!(code(v), "invalid_role");
    let mut v = doc();
    v["messages"][0]["status"] = json!("queued");
    assert_eq!(code(v), "invalid_status");
    let mut v = doc();
    v["messages"][1]["parts"][2]["kind"] = json!("image");
    assert_eq!(code(v), "invalid_part_kind");
    let mut v = doc();
    v["messages"][1]["parts"][0]
        .as_object_mut()
        .unwrap()
        .remove("call_id");
    assert_eq!(code(v), "invalid_part");
    let mut v = doc();
    v["messages"][1]["parts"][2]["tool_name"] = json!("x");
    assert_eq!(code(v), "invalid_part");
    let mut v = doc();
    v["messages"][0]["created_at"] = json!("yesterday");
    assert_eq!(code(v), "invalid_document");
    let mut v = doc();
    v["extra"] = json!(1);
    assert_eq!(code(v), "invalid_document");
}

#[test]
fn markdown_fences_outlast_the_content() {
    let d = parse_document(doc()).unwrap();
    assert_eq!(
        markdown(&d),
        "# Notes\n\
         \n\
         ## User · 2026-01-02 03:04 UTC\n\
         \n\
         read notes\n\
         \n\
         ## Assistant (m1) · 2026-01-02 03:05 UTC\n\
         \n\
         **Tool call** `read_file` (c1)\n\
         \n\
         ```json\n\
         {\n  \"path\": \"notes.txt\"\n}\n\
         ```\n\
         \n\
         **Tool result** `read_file`\n\
         \n\
         ````\n\
         the answer is ```42```\n\
         ````\n\
         \n\
         It says 42.\n\
         \n"
    );
}
