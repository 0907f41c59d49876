use pretty_assertions::assert_eq;

use super::*;

fn cmd(args: &[&str]) -> Result<PtyCommand, TemplateError> {
    PtyCommand::new(args.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn claude_resumes_only_when_there_is_a_session() {
    let c = PtyCommand::claude();
    let base = [
        "claude",
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--permission-mode",
        "acceptEdits",
    ];
    let first: Vec<String> = base
        .iter()
        .chain(&["--", "fix the bug\nplease"])
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(c.render("fix the bug\nplease", None), first);
    assert_eq!(c.render("fix the bug\nplease", Some("")), first);
    let resumed: Vec<String> = base
        .iter()
        .chain(&["--resume", "abc-123", "--", "go on"])
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(c.render("go on", Some("abc-123")), resumed);
}

#[test]
fn claude_takes_the_chats_mode_and_model() {
    let c = PtyCommand::claude();
    assert!(c.uses("mode") && c.uses("model") && c.uses("session_id"));
    let argv = c.render_with(Vars {
        prompt: "go",
        session_id: Some("s-1"),
        mode: Some("plan"),
        model: Some("opus"),
    });
    let want: Vec<String> = [
        "claude",
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--permission-mode",
        "plan",
        "--model",
        "opus",
        "--resume",
        "s-1",
        "--",
        "go",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(argv, want);
}

#[test]
fn a_default_fills_an_unset_or_empty_value_and_unknown_names_are_refused() {
    let c = cmd(&[
        "cli",
        "--mode={mode|auto}",
        "[-m {model|small}]",
        "{prompt}",
    ])
    .unwrap();
    assert_eq!(
        c.render("p", None),
        vec!["cli", "--mode=auto", "-m", "small", "p"]
    );
    let vars = Vars {
        prompt: "p",
        mode: Some(""),
        model: Some("big"),
        ..Vars::default()
    };
    assert_eq!(
        c.render_with(vars),
        vec!["cli", "--mode=auto", "-m", "big", "p"]
    );
    assert!(!cmd(&["cli", "{prompt}"]).unwrap().uses("mode"));
    assert_eq!(
        cmd(&["cli", "{effort|high}", "{prompt}"]),
        Err(TemplateError::UnknownPlaceholder("effort".into()))
    );
}

#[test]
fn placeholders_inside_arguments_and_groups() {
    let c = cmd(&[
        "cli",
        "--ask={prompt}",
        "[--session={session_id} --fork]",
        "x",
    ])
    .unwrap();
    assert_eq!(c.render("a b", None), vec!["cli", "--ask=a b", "x"]);
    assert_eq!(
        c.render("a b", Some("s 1")),
        vec!["cli", "--ask=a b", "--session=s 1", "--fork", "x"]
    );
    // Outside a group a missing session id is an empty argument.
    let c = cmd(&["cli", "{session_id}", "{prompt}"]).unwrap();
    assert_eq!(c.render("p", None), vec!["cli", "", "p"]);
}

#[test]
fn bad_templates_are_refused() {
    assert_eq!(cmd(&[]), Err(TemplateError::Empty));
    assert_eq!(cmd(&["cli", "--x"]), Err(TemplateError::NoPrompt));
    assert_eq!(
        cmd(&["cli", "{effort}", "{prompt}"]),
        Err(TemplateError::UnknownPlaceholder("effort".into()))
    );
    assert_eq!(
        cmd(&["cli", "{prompt"]),
        Err(TemplateError::Unclosed("{prompt".into()))
    );
    assert_eq!(
        cmd(&["cli", "[ ]", "{prompt}"]),
        Err(TemplateError::EmptyGroup("[ ]".into()))
    );
}

#[test]
fn deserializes_from_a_list_and_checks_it() {
    let c: PtyCommand =
        serde_json::from_str(r#"["cli", "[-r {session_id}]", "{prompt}"]"#).unwrap();
    assert_eq!(c.render("hi", Some("7")), vec!["cli", "-r", "7", "hi"]);
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!(["cli", "[-r {session_id}]", "{prompt}"])
    );
    let err = serde_json::from_str::<PtyCommand>(r#"["cli"]"#).unwrap_err();
    assert!(err.to_string().contains("never uses {prompt}"), "{err}");
}
