//! The chat notice of changed files that cannot become pending changes.

use boo_shared::hub::Hub;
use boo_shared::transcript::store as messages;
use sqlx::PgPool;
use uuid::Uuid;

/// `metadata.kind` of the chat notice listing files that cannot be staged.
pub const UNSTAGED_KIND: &str = "unstaged_files";

/// Tell the owner, in the chat, which changed files cannot become pending changes:
/// a UI-only system row (`metadata.kind` = [`UNSTAGED_KIND`], `files`: path + reason),
/// never sent to a model. Not repeated while the list stays what the chat's last
/// notice said.
pub(super) async fn report(
    pool: &PgPool,
    hub: &Hub,
    session_id: Uuid,
    chat_id: Uuid,
    skipped: &[crate::pending::Skipped],
) {
    if skipped.is_empty() {
        return;
    }
    let files = serde_json::to_value(skipped).unwrap_or_default();
    let last = messages::last_notice_metadata(pool, chat_id, UNSTAGED_KIND, "files").await;
    if matches!(&last, Ok(Some(prev)) if *prev == files) {
        return;
    }
    let list: Vec<String> = skipped
        .iter()
        .map(|s| format!("{:?}: {}", s.path, s.reason))
        .collect();
    let text = format!(
        "{} changed file(s) in the worktree cannot be staged as pending changes:\n{}",
        skipped.len(),
        list.join("\n")
    );
    let meta = serde_json::json!({"kind": UNSTAGED_KIND, "files": files});
    boo_shared::transcript::writer::post_notice(pool, hub, session_id, chat_id, &text, meta).await;
}
