use boo_shared::settings::{KEYS, OwnerSettings, Theme};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;

#[test]
fn the_specs_are_the_wire_keys_in_order() {
    let keys: Vec<&str> = SPECS.iter().map(|s| s.key).collect();
    assert_eq!(keys, KEYS.to_vec());
    for s in SPECS {
        assert_eq!(s.code, format!("invalid_{}", s.key.replace('.', "_")));
    }
}

#[test]
fn a_patch_sets_and_resets_keys_in_sorted_order() {
    let got = parse_patch(&json!({
        "ui.theme": "dark",
        "chat.default_model": "  qwen3-8b ",
        "sampling.temperature": 0.25,
        "sampling.max_tokens": 512,
        "chat.compact_threshold": 1,
        "sampling.top_p": null,
    }))
    .unwrap();
    assert_eq!(
        got,
        vec![
            Change {
                key: "chat.compact_threshold",
                value: Some(json!(1.0))
            },
            Change {
                key: "chat.default_model",
                value: Some(json!("qwen3-8b"))
            },
            Change {
                key: "sampling.max_tokens",
                value: Some(json!(512))
            },
            Change {
                key: "sampling.temperature",
                value: Some(json!(0.25))
            },
            Change {
                key: "sampling.top_p",
                value: None
            },
            Change {
                key: "ui.theme",
                value: Some(json!("dark"))
            },
        ]
    );
    assert_eq!(parse_patch(&json!({})).unwrap(), vec![]);
}

fn refused(body: Value) -> (String, &'static str, String) {
    let e = parse_patch(&body).unwrap_err();
    (e.key, e.code, e.message)
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (
            json!({"chat.compact_threshold": 0}),
            "chat.compact_threshold",
            "invalid_chat_compact_threshold",
            "chat.compact_threshold: must be in (0, 1]",
        ),
        (
            json!({"chat.compact_threshold": 1.5}),
            "chat.compact_threshold",
            "invalid_chat_compact_threshold",
            "chat.compact_threshold: must be in (0, 1]",
        ),
        (
            json!({"chat.compact_threshold": "0.5"}),
            "chat.compact_threshold",
            "invalid_chat_compact_threshold",
            "chat.compact_threshold: must be a number",
        ),
        (
            json!({"sampling.temperature": -0.1}),
            "sampling.temperature",
            "invalid_sampling_temperature",
            "sampling.temperature: must be in [0, 5]",
        ),
        (
            json!({"sampling.max_tokens": 0}),
            "sampling.max_tokens",
            "invalid_sampling_max_tokens",
            "sampling.max_tokens: must be a whole number from 1 to 1000000",
        ),
        (
            json!({"sampling.top_k": 2.5}),
            "sampling.top_k",
            "invalid_sampling_top_k",
            "sampling.top_k: must be a whole number from 0 to 1000",
        ),
        (
            json!({"chat.default_model": "   "}),
            "chat.default_model",
            "invalid_chat_default_model",
            "chat.default_model: must not be blank (null resets it)",
        ),
        (
            json!({"chat.default_model": "a\u{7}b"}),
            "chat.default_model",
            "invalid_chat_default_model",
            "chat.default_model: must not contain control characters",
        ),
        (
            json!({"chat.default_agent": "no spaces"}),
            "chat.default_agent",
            "invalid_chat_default_agent",
            "chat.default_agent: must be an agent name: letters, digits, '_', '.', '-', at most 64",
        ),
        (
            json!({"ui.theme": "blue"}),
            "ui.theme",
            "invalid_ui_theme",
            "ui.theme: must be \"light\", \"dark\" or \"system\"",
        ),
    ];
    for (body, key, code, message) in cases {
        assert_eq!(
            refused(body),
            (key.to_owned(), code, message.to_owned()),
            "{key}"
        );
    }
    let (key, code, message) = refused(json!({"ui.theme": "dark", "chat.colour": 1}));
    assert_eq!((key.as_str(), code), ("chat.colour", "unknown_setting"));
    assert!(
        message.starts_with("unknown setting \"chat.colour\"; the keys are: chat.default_model, "),
        "{message}"
    );
    assert_eq!(
        refused(json!([1])),
        (
            String::new(),
            "invalid_settings",
            "the body must be a JSON object of settings keys".to_owned()
        )
    );
}

#[test]
fn stored_rows_overlay_the_defaults_and_bad_rows_count_as_unset() {
    assert_eq!(from_rows(&[]), (OwnerSettings::default(), vec![]));
    let rows = vec![
        ("chat.compact_threshold".to_owned(), json!(0.5)),
        ("chat.default_agent".to_owned(), json!("Reviewer")),
        ("sampling.top_k".to_owned(), json!(-3)),
        ("tools.max_calls".to_owned(), json!(7)),
        ("ui.theme".to_owned(), json!("light")),
    ];
    assert_eq!(
        from_rows(&rows),
        (
            OwnerSettings {
                default_agent: Some("Reviewer".into()),
                compact_threshold: 0.5,
                theme: Theme::Light,
                ..OwnerSettings::default()
            },
            vec![
                "chat.compact_threshold".to_owned(),
                "chat.default_agent".to_owned(),
                "ui.theme".to_owned()
            ]
        )
    );
}

#[test]
fn sampling_body_holds_only_the_set_fields() {
    assert_eq!(sampling_body(&OwnerSettings::default()), Map::new());
    let s = OwnerSettings {
        temperature: Some(0.2),
        top_k: Some(20),
        max_tokens: Some(64),
        frequency_penalty: Some(-0.5),
        ..OwnerSettings::default()
    };
    assert_eq!(
        Value::Object(sampling_body(&s)),
        json!({"temperature": 0.2, "top_k": 20, "max_tokens": 64, "frequency_penalty": -0.5})
    );
}

#[test]
fn the_defaults_serialize_with_the_dotted_keys() {
    assert_eq!(
        serde_json::to_value(OwnerSettings::default()).unwrap(),
        json!({
            "chat.default_model": null,
            "chat.default_agent": null,
            "chat.compact_threshold": 0.8,
            "sampling.temperature": null,
            "sampling.top_p": null,
            "sampling.top_k": null,
            "sampling.min_p": null,
            "sampling.repeat_penalty": null,
            "sampling.presence_penalty": null,
            "sampling.frequency_penalty": null,
            "sampling.max_tokens": null,
            "ui.theme": "system",
        })
    );
}
