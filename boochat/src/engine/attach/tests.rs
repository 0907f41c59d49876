use boo_shared::chat::{MessageStatus, Usage};
use chrono::Utc;
use pretty_assertions::assert_eq;

use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn text(name: &str, content: &str) -> NewAttachment {
    NewAttachment::Text {
        name: name.into(),
        mime: None,
        content: content.into(),
    }
}

fn image(name: &str, mime: &str, data: &[u8]) -> NewAttachment {
    NewAttachment::Image {
        name: name.into(),
        mime: mime.into(),
        data: b64(data),
    }
}

fn refused(new: &[NewAttachment]) -> (String, String) {
    let e = prepare(new).expect_err("refused");
    assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
    (e.code.to_owned(), e.message)
}

#[test]
fn accepted_attachments_are_numbered_and_sized() {
    let got = prepare(&[
        text(" notes.md ", "# hi\n"),
        image("shot.png", "image/png", PNG),
    ])
    .unwrap();
    assert_eq!(
        got,
        vec![
            Attachment {
                info: AttachmentInfo {
                    ordinal: 0,
                    kind: AttachmentKind::Text,
                    name: "notes.md".into(),
                    mime: "text/plain".into(),
                    bytes: 5,
                },
                text: Some("# hi\n".into()),
                data: None,
            },
            Attachment {
                info: AttachmentInfo {
                    ordinal: 1,
                    kind: AttachmentKind::Image,
                    name: "shot.png".into(),
                    mime: "image/png".into(),
                    bytes: 16,
                },
                text: None,
                data: Some(PNG.to_vec()),
            },
        ]
    );
}

#[test]
fn each_refusal_has_its_code() {
    let big = "x".repeat(MAX_TEXT_BYTES + 1);
    assert_eq!(
        refused(&[text("big.txt", &big)]),
        (
            "attachment_too_large".into(),
            "big.txt is 262145 bytes; a text attachment may be at most 262144 bytes (256 KiB)"
                .into()
        )
    );
    assert_eq!(
        refused(&[text("a/b.txt", "x")]).0,
        "invalid_attachment_name"
    );
    assert_eq!(refused(&[text(" ", "x")]).0, "invalid_attachment_name");
    assert_eq!(
        refused(&[image("x.svg", "image/svg+xml", b"<svg/>")]),
        (
            "invalid_attachment_type".into(),
            "x.svg: \"image/svg+xml\" is not an image type a model is sent (png, jpeg, webp, gif)"
                .into()
        )
    );
    assert_eq!(
        refused(&[image("x.png", "image/jpeg", PNG)]),
        (
            "invalid_attachment_data".into(),
            "x.png: the data is not a image/jpeg image".into()
        )
    );
    assert_eq!(
        refused(&[NewAttachment::Image {
            name: "x.png".into(),
            mime: "image/png".into(),
            data: "not base64!".into()
        }])
        .0,
        "invalid_attachment_data"
    );
    let huge = vec![0u8; MAX_IMAGE_BYTES + 1];
    assert_eq!(
        refused(&[image("huge.png", "image/png", &huge)]).0,
        "attachment_too_large"
    );
    let many: Vec<_> = (0..=MAX_ATTACHMENTS).map(|_| text("a", "b")).collect();
    assert_eq!(
        refused(&many),
        (
            "too_many_attachments".into(),
            "a message takes at most 8 attachments, got 9".into()
        )
    );
    let mut png = PNG.to_vec();
    png.resize(MAX_IMAGE_BYTES, 0);
    let five: Vec<_> = (0..5).map(|_| image("p.png", "image/png", &png)).collect();
    assert_eq!(refused(&five).0, "attachments_too_large");
}

#[test]
fn images_are_recognised_by_their_first_bytes() {
    assert_eq!(sniff(PNG), Some("image/png"));
    assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
    assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
    assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
    assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
    assert_eq!(sniff(b""), None);
}

fn user(content: &str, attachments: Value) -> Message {
    Message {
        id: Uuid::new_v4(),
        chat_id: Uuid::nil(),
        seq: 0,
        role: Role::User,
        status: MessageStatus::Complete,
        content: content.into(),
        metadata: json!({"attachments": attachments}),
        model: None,
        agent: None,
        usage: Usage::default(),
        error: None,
        created_at: Utc::now(),
        finished_at: None,
        parts: vec![],
    }
}

#[test]
fn the_model_sees_text_files_fenced_and_images_as_parts() {
    let plain = Message {
        metadata: json!({}),
        ..user("just words", json!([]))
    };
    assert_eq!(user_content(&plain), json!("just words"));
    let files = user(
        "review this",
        json!([
            {"ordinal": 0, "kind": "text", "name": "a.rs", "text": "fn a() {}\n"},
            {"ordinal": 1, "kind": "text", "name": "b.md", "text": "```x```"},
        ]),
    );
    assert_eq!(
        user_content(&files),
        json!("review this\n\nFile: a.rs\n```\nfn a() {}\n```\n\nFile: b.md\n````\n```x```\n````")
    );
    let with_image = user(
        "",
        json!([
            {"ordinal": 0, "kind": "image", "name": "s.png", "data_url": "data:image/png;base64,AAAA"},
            {"ordinal": 1, "kind": "text", "name": "n.txt", "text": "note"},
        ]),
    );
    assert_eq!(
        user_content(&with_image),
        json!([
            {"type": "text", "text": "File: n.txt\n```\nnote\n```"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        ])
    );
    let omitted = user(
        "what is this?",
        json!([{"ordinal": 0, "kind": "image", "name": "s.png", "omitted": true}]),
    );
    assert_eq!(
        user_content(&omitted),
        json!("what is this?\n\n[image s.png left out: this model does not take images]")
    );
    assert!(has_images(&[with_image]));
    assert!(!has_images(&[files, plain]));
}

#[test]
fn images_are_weighed_and_read_as_text_for_compaction() {
    let url = format!("data:image/png;base64,{}", "A".repeat(4000));
    let convo = vec![
        json!({"role": "system", "content": "sys"}),
        json!({"role": "user", "content": [
            {"type": "text", "text": "what is it?"},
            {"type": "image_url", "image_url": {"url": url}},
        ]}),
    ];
    assert_eq!(image_parts(&convo), (1, url.len()));
    assert_eq!(image_parts(&convo[..1]), (0, 0));
    assert_eq!(content_text(&convo[1]["content"]), "what is it?\n[image]");
    assert_eq!(content_text(&json!("plain")), "plain");
    assert_eq!(content_text(&Value::Null), "");
    let estimated = crate::engine::compact::estimate(&convo, &[]);
    let json_len = serde_json::to_string(&convo).unwrap().len();
    assert_eq!(
        estimated,
        ((json_len - url.len()) / 4 + IMAGE_TOKENS) as u64
    );
}
