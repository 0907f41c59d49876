//! TypeScript declarations for the wire types, generated from the Rust types so the
//! browser clients never hand-copy them. The committed copy lives in
//! `shared/ts/index.ts`; `cargo run -p boo-wire --bin boo-gen-ts` rewrites it and a
//! test fails when it is stale.

use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

/// Where the committed declarations live.
pub fn committed_path() -> PathBuf {
    // shared/wire -> shared/ts
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .join("ts")
        .join("index.ts")
}

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    let docs = T::docs().unwrap_or_default();
    out.push_str(&docs);
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The whole generated file.
pub fn render() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.\n\n",
    );
    decl::<crate::api::HealthResponse>(&cfg, &mut out);
    decl::<crate::api::WhoAmI>(&cfg, &mut out);
    decl::<crate::identity::Identity>(&cfg, &mut out);
    decl::<crate::error::ErrorBody>(&cfg, &mut out);
    decl::<crate::chat::Page<()>>(&cfg, &mut out);
    decl::<crate::chat::Status>(&cfg, &mut out);
    decl::<crate::chat::Project>(&cfg, &mut out);
    decl::<crate::chat::CreateProject>(&cfg, &mut out);
    decl::<crate::chat::Session>(&cfg, &mut out);
    decl::<crate::chat::CreateSession>(&cfg, &mut out);
    decl::<crate::chat::UpdateSession>(&cfg, &mut out);
    decl::<crate::chat::TagCount>(&cfg, &mut out);
    decl::<crate::chat::TagList>(&cfg, &mut out);
    decl::<crate::chat::WorktreeReport>(&cfg, &mut out);
    decl::<crate::chat::SessionClosed>(&cfg, &mut out);
    decl::<crate::chat::SessionChange>(&cfg, &mut out);
    decl::<crate::chat::InboxKind>(&cfg, &mut out);
    decl::<crate::chat::InboxItem>(&cfg, &mut out);
    decl::<crate::chat::Inbox>(&cfg, &mut out);
    decl::<crate::chat::Chat>(&cfg, &mut out);
    decl::<crate::chat::CreateChat>(&cfg, &mut out);
    decl::<crate::chat::UpdateChat>(&cfg, &mut out);
    decl::<crate::chat::ForkChat>(&cfg, &mut out);
    decl::<crate::chat::SendMessage>(&cfg, &mut out);
    decl::<crate::chat::NewAttachment>(&cfg, &mut out);
    decl::<crate::chat::AttachmentKind>(&cfg, &mut out);
    decl::<crate::chat::AttachmentInfo>(&cfg, &mut out);
    decl::<crate::chat::MessageAccepted>(&cfg, &mut out);
    decl::<crate::chat::AnswerInput>(&cfg, &mut out);
    decl::<crate::chat::StopResult>(&cfg, &mut out);
    decl::<crate::chat::Role>(&cfg, &mut out);
    decl::<crate::chat::MessageStatus>(&cfg, &mut out);
    decl::<crate::chat::PartKind>(&cfg, &mut out);
    decl::<crate::chat::Part>(&cfg, &mut out);
    decl::<crate::chat::Usage>(&cfg, &mut out);
    decl::<crate::chat::Message>(&cfg, &mut out);
    decl::<crate::chat::MessageWindow>(&cfg, &mut out);
    decl::<crate::chat::Branch>(&cfg, &mut out);
    decl::<crate::chat::ModelsInfo>(&cfg, &mut out);
    decl::<crate::chat::ModelInfo>(&cfg, &mut out);
    decl::<crate::chat::AgentsInfo>(&cfg, &mut out);
    decl::<crate::chat::AgentSummary>(&cfg, &mut out);
    decl::<crate::settings::Theme>(&cfg, &mut out);
    decl::<crate::settings::OwnerSettings>(&cfg, &mut out);
    decl::<crate::settings::SettingsInfo>(&cfg, &mut out);
    decl::<crate::settings::SettingsPatch>(&cfg, &mut out);
    decl::<crate::mcp::McpInfo>(&cfg, &mut out);
    decl::<crate::mcp::McpTransport>(&cfg, &mut out);
    decl::<crate::mcp::McpStatus>(&cfg, &mut out);
    decl::<crate::mcp::McpServerInfo>(&cfg, &mut out);
    decl::<crate::mcp::McpToolInfo>(&cfg, &mut out);
    decl::<crate::coder::SubmitTurn>(&cfg, &mut out);
    decl::<crate::coder::TurnAccepted>(&cfg, &mut out);
    decl::<crate::coder::TaskStatus>(&cfg, &mut out);
    decl::<crate::coder::TaskInfo>(&cfg, &mut out);
    decl::<crate::coder::AgentSessionInfo>(&cfg, &mut out);
    decl::<crate::coder::AgentSessionStatus>(&cfg, &mut out);
    decl::<crate::coder::AgentPlan>(&cfg, &mut out);
    decl::<crate::coder::ChangeKind>(&cfg, &mut out);
    decl::<crate::coder::ChangeStatus>(&cfg, &mut out);
    decl::<crate::coder::PendingChange>(&cfg, &mut out);
    decl::<crate::coder::PermissionChoice>(&cfg, &mut out);
    decl::<crate::coder::PermissionAnswer>(&cfg, &mut out);
    decl::<crate::coder::ElicitAction>(&cfg, &mut out);
    decl::<crate::coder::ElicitationAnswer>(&cfg, &mut out);
    decl::<crate::coder::AgentToolCall>(&cfg, &mut out);
    decl::<crate::coder::Checkpoint>(&cfg, &mut out);
    decl::<crate::coder::RestoreCheckpoint>(&cfg, &mut out);
    decl::<crate::coder::CheckpointRestored>(&cfg, &mut out);
    decl::<crate::coder::CheckpointConflict>(&cfg, &mut out);
    decl::<crate::providers::ProviderKind>(&cfg, &mut out);
    decl::<crate::providers::Transport>(&cfg, &mut out);
    decl::<crate::providers::ProviderState>(&cfg, &mut out);
    decl::<crate::providers::ModeInfo>(&cfg, &mut out);
    decl::<crate::providers::ModelInfo>(&cfg, &mut out);
    decl::<crate::providers::CommandInfo>(&cfg, &mut out);
    decl::<crate::providers::ProviderEntry>(&cfg, &mut out);
    decl::<crate::term::Terminal>(&cfg, &mut out);
    decl::<crate::term::TerminalStatus>(&cfg, &mut out);
    decl::<crate::term::CreateTerminal>(&cfg, &mut out);
    decl::<crate::term::CommandSpec>(&cfg, &mut out);
    decl::<crate::term::RenameTerminal>(&cfg, &mut out);
    decl::<crate::term::TerminalSnapshot>(&cfg, &mut out);
    decl::<crate::term::FlowWindow>(&cfg, &mut out);
    decl::<crate::term::TermServerMsg>(&cfg, &mut out);
    decl::<crate::term::TermClientMsg>(&cfg, &mut out);
    decl::<crate::workspace::TabKind>(&cfg, &mut out);
    decl::<crate::workspace::WorkspaceTab>(&cfg, &mut out);
    decl::<crate::workspace::WorkspacePane>(&cfg, &mut out);
    decl::<crate::workspace::WorkspaceState>(&cfg, &mut out);
    decl::<crate::workspace::LegacyPane>(&cfg, &mut out);
    decl::<crate::workspace::WorkspaceWrite>(&cfg, &mut out);
    decl::<crate::workspace::WorkspaceConflict>(&cfg, &mut out);
    decl::<crate::providers::ConfigStatus>(&cfg, &mut out);
    decl::<crate::providers::ProvidersSnapshot>(&cfg, &mut out);
    decl::<crate::providers::ProviderDiagnostic>(&cfg, &mut out);
    decl::<crate::providers::SandboxStatus>(&cfg, &mut out);
    decl::<crate::find::SnippetSpan>(&cfg, &mut out);
    decl::<crate::find::SearchHit>(&cfg, &mut out);
    decl::<crate::find::EditMessage>(&cfg, &mut out);
    decl::<crate::find::SetBranch>(&cfg, &mut out);
    decl::<crate::find::BranchSet>(&cfg, &mut out);
    decl::<crate::find::ChatExport>(&cfg, &mut out);
    decl::<crate::find::ExportMessage>(&cfg, &mut out);
    decl::<crate::find::ExportPart>(&cfg, &mut out);
    decl::<crate::frames::UsagePhase>(&cfg, &mut out);
    decl::<crate::frames::PromptProgress>(&cfg, &mut out);
    decl::<crate::frames::ServerFrame>(&cfg, &mut out);
    decl::<crate::frames::Envelope>(&cfg, &mut out);
    decl::<crate::frames::ClientFrame>(&cfg, &mut out);
    out.push_str(&format!(
        "/**\n * The WebSocket close code of a socket opened for a session that does not exist: final, do not reconnect.\n */\nexport const CLOSE_NO_SUCH_SESSION = {};\n",
        crate::frames::CLOSE_NO_SUCH_SESSION
    ));
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_typescript_is_fresh() {
        let committed = std::fs::read_to_string(super::committed_path()).unwrap_or_default();
        assert!(
            committed == super::render(),
            "shared/ts/index.ts is stale: run `cargo run -p boo-wire --bin boo-gen-ts`"
        );
    }
}
