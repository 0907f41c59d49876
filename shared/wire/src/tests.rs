/// The crate stays behaviour-free: its manifest names only data libraries, and
/// the two that bring a framework (utoipa, sqlx) only behind features.
#[test]
fn depends_only_on_data_libraries() {
    let manifest = include_str!("../Cargo.toml");
    let section = |name: &str| -> Vec<String> {
        let start = manifest
            .find(&format!("\n[{name}]\n"))
            .unwrap_or_else(|| panic!("no [{name}] in Cargo.toml"));
        manifest[start + name.len() + 4..]
            .lines()
            .take_while(|l| !l.starts_with('['))
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split([' ', '=']).next().unwrap_or_default().to_owned())
            .collect()
    };
    let deps = section("dependencies");
    pretty_assertions::assert_eq!(
        deps,
        [
            "chrono",
            "serde",
            "serde_json",
            "ts-rs",
            "uuid",
            "sqlx",
            "utoipa"
        ]
    );
    for optional in ["sqlx", "utoipa"] {
        assert!(
            manifest.contains(&format!(
                "{optional} = {{ workspace = true, optional = true }}"
            )),
            "{optional} must stay optional"
        );
    }
}
