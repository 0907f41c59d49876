//! TypeScript declarations for the wire types, generated from the Rust types so the
//! browser clients never hand-copy them. The committed copy lives in `shared/ts/`:
//! one file per wire module (`chat.ts`, `coder.ts`, …, each importing the types it
//! names from the others) and `index.ts` re-exporting them all, which is what
//! `@boocode/types` resolves to. `cargo run -p boo-wire --bin boo-gen-ts` rewrites
//! them and a test fails when one is stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

const HEADER: &str =
    "// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.\n";

/// Where the committed declarations live (`shared/ts`).
pub fn committed_dir() -> PathBuf {
    // shared/wire -> shared/ts
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .join("ts")
}

/// The declarations gathered per wire module, in the order they are declared.
#[derive(Default)]
struct Gen {
    /// Module name → its declarations' text.
    modules: Vec<(&'static str, String)>,
    /// Type name → the module declaring it.
    owner: BTreeMap<String, &'static str>,
}

impl Gen {
    /// `text` (declaring `name`) into `module`'s file.
    fn push(&mut self, module: &'static str, name: String, text: &str) {
        self.owner.insert(name, module);
        match self.modules.iter_mut().find(|(m, _)| *m == module) {
            Some((_, out)) => out.push_str(text),
            None => self.modules.push((module, text.to_owned())),
        }
    }
}

/// The wire module of `T` (`boo_wire::chat::Chat` → `chat`).
fn module_of<T: ?Sized>() -> &'static str {
    std::any::type_name::<T>()
        .split("::")
        .nth(1)
        .unwrap_or("index")
}

fn decl<T: TS>(cfg: &Config, out: &mut Gen) {
    let mut text = T::docs().unwrap_or_default();
    text.push_str("export ");
    text.push_str(&T::decl(cfg));
    text.push_str("\n\n");
    let name = T::name(cfg);
    let name = name.split('<').next().unwrap_or_default().to_owned();
    out.push(module_of::<T>(), name, &text);
}

/// The identifiers in `text`.
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Every generated file: (name in `shared/ts`, contents).
pub fn render() -> Vec<(String, String)> {
    let cfg = Config::new().with_large_int("number");
    let mut g = Gen::default();
    let out = &mut g;
    decl::<crate::api::HealthResponse>(&cfg, out);
    decl::<crate::api::WhoAmI>(&cfg, out);
    decl::<crate::identity::Identity>(&cfg, out);
    decl::<crate::error::ErrorBody>(&cfg, out);
    decl::<crate::chat::Page<()>>(&cfg, out);
    decl::<crate::chat::Status>(&cfg, out);
    decl::<crate::chat::Project>(&cfg, out);
    decl::<crate::chat::CreateProject>(&cfg, out);
    decl::<crate::chat::Session>(&cfg, out);
    decl::<crate::chat::CreateSession>(&cfg, out);
    decl::<crate::chat::UpdateSession>(&cfg, out);
    decl::<crate::chat::TagCount>(&cfg, out);
    decl::<crate::chat::TagList>(&cfg, out);
    decl::<crate::chat::WorktreeReport>(&cfg, out);
    decl::<crate::chat::SessionClosed>(&cfg, out);
    decl::<crate::chat::SessionChange>(&cfg, out);
    decl::<crate::chat::InboxKind>(&cfg, out);
    decl::<crate::chat::InboxItem>(&cfg, out);
    decl::<crate::chat::Inbox>(&cfg, out);
    decl::<crate::chat::Chat>(&cfg, out);
    decl::<crate::chat::CreateChat>(&cfg, out);
    decl::<crate::chat::UpdateChat>(&cfg, out);
    decl::<crate::chat::ForkChat>(&cfg, out);
    decl::<crate::chat::SendMessage>(&cfg, out);
    decl::<crate::chat::NewAttachment>(&cfg, out);
    decl::<crate::chat::AttachmentKind>(&cfg, out);
    decl::<crate::chat::AttachmentInfo>(&cfg, out);
    decl::<crate::chat::MessageAccepted>(&cfg, out);
    decl::<crate::chat::AnswerInput>(&cfg, out);
    decl::<crate::chat::StopResult>(&cfg, out);
    decl::<crate::chat::Role>(&cfg, out);
    decl::<crate::chat::MessageStatus>(&cfg, out);
    decl::<crate::chat::PartKind>(&cfg, out);
    decl::<crate::chat::Part>(&cfg, out);
    decl::<crate::chat::Usage>(&cfg, out);
    decl::<crate::chat::Message>(&cfg, out);
    decl::<crate::chat::MessageWindow>(&cfg, out);
    decl::<crate::chat::Branch>(&cfg, out);
    decl::<crate::chat::ModelsInfo>(&cfg, out);
    decl::<crate::chat::ModelInfo>(&cfg, out);
    decl::<crate::chat::AgentsInfo>(&cfg, out);
    decl::<crate::chat::AgentSummary>(&cfg, out);
    decl::<crate::settings::Theme>(&cfg, out);
    decl::<crate::settings::OwnerSettings>(&cfg, out);
    decl::<crate::settings::SettingsInfo>(&cfg, out);
    decl::<crate::settings::SettingsPatch>(&cfg, out);
    decl::<crate::mcp::McpInfo>(&cfg, out);
    decl::<crate::mcp::McpTransport>(&cfg, out);
    decl::<crate::mcp::McpStatus>(&cfg, out);
    decl::<crate::mcp::McpServerInfo>(&cfg, out);
    decl::<crate::mcp::McpToolInfo>(&cfg, out);
    decl::<crate::coder::SubmitTurn>(&cfg, out);
    decl::<crate::coder::TurnAccepted>(&cfg, out);
    decl::<crate::coder::TaskStatus>(&cfg, out);
    decl::<crate::coder::TaskInfo>(&cfg, out);
    decl::<crate::coder::AgentSessionInfo>(&cfg, out);
    decl::<crate::coder::AgentSessionStatus>(&cfg, out);
    decl::<crate::coder::AgentPlan>(&cfg, out);
    decl::<crate::coder::ChangeKind>(&cfg, out);
    decl::<crate::coder::ChangeStatus>(&cfg, out);
    decl::<crate::coder::PendingChange>(&cfg, out);
    decl::<crate::coder::PermissionChoice>(&cfg, out);
    decl::<crate::coder::PermissionAnswer>(&cfg, out);
    decl::<crate::coder::ElicitAction>(&cfg, out);
    decl::<crate::coder::ElicitationAnswer>(&cfg, out);
    decl::<crate::coder::AgentToolCall>(&cfg, out);
    decl::<crate::coder::Checkpoint>(&cfg, out);
    decl::<crate::coder::RestoreCheckpoint>(&cfg, out);
    decl::<crate::coder::CheckpointRestored>(&cfg, out);
    decl::<crate::coder::CheckpointConflict>(&cfg, out);
    decl::<crate::providers::ProviderKind>(&cfg, out);
    decl::<crate::providers::Transport>(&cfg, out);
    decl::<crate::providers::ProviderState>(&cfg, out);
    decl::<crate::providers::ModeInfo>(&cfg, out);
    decl::<crate::providers::ModelInfo>(&cfg, out);
    decl::<crate::providers::CommandInfo>(&cfg, out);
    decl::<crate::providers::ProviderEntry>(&cfg, out);
    decl::<crate::term::Terminal>(&cfg, out);
    decl::<crate::term::TerminalStatus>(&cfg, out);
    decl::<crate::term::CreateTerminal>(&cfg, out);
    decl::<crate::term::CommandSpec>(&cfg, out);
    decl::<crate::term::RenameTerminal>(&cfg, out);
    decl::<crate::term::TerminalSnapshot>(&cfg, out);
    decl::<crate::term::FlowWindow>(&cfg, out);
    decl::<crate::term::TermServerMsg>(&cfg, out);
    decl::<crate::term::TermClientMsg>(&cfg, out);
    decl::<crate::workspace::TabKind>(&cfg, out);
    decl::<crate::workspace::WorkspaceTab>(&cfg, out);
    decl::<crate::workspace::WorkspacePane>(&cfg, out);
    decl::<crate::workspace::WorkspaceState>(&cfg, out);
    decl::<crate::workspace::LegacyPane>(&cfg, out);
    decl::<crate::workspace::WorkspaceWrite>(&cfg, out);
    decl::<crate::workspace::WorkspaceConflict>(&cfg, out);
    decl::<crate::providers::ConfigStatus>(&cfg, out);
    decl::<crate::providers::ProvidersSnapshot>(&cfg, out);
    decl::<crate::providers::ProviderDiagnostic>(&cfg, out);
    decl::<crate::providers::SandboxStatus>(&cfg, out);
    decl::<crate::find::SnippetSpan>(&cfg, out);
    decl::<crate::find::SearchHit>(&cfg, out);
    decl::<crate::find::EditMessage>(&cfg, out);
    decl::<crate::find::SetBranch>(&cfg, out);
    decl::<crate::find::BranchSet>(&cfg, out);
    decl::<crate::find::ChatExport>(&cfg, out);
    decl::<crate::find::ExportMessage>(&cfg, out);
    decl::<crate::find::ExportPart>(&cfg, out);
    decl::<crate::frames::UsagePhase>(&cfg, out);
    decl::<crate::frames::PromptProgress>(&cfg, out);
    decl::<crate::frames::ServerFrame>(&cfg, out);
    decl::<crate::frames::Envelope>(&cfg, out);
    decl::<crate::frames::ClientFrame>(&cfg, out);
    let close = format!(
        "/**\n * The WebSocket close code of a socket opened for a session that does not exist: final, do not reconnect.\n */\nexport const CLOSE_NO_SUCH_SESSION = {};\n\n",
        crate::frames::CLOSE_NO_SUCH_SESSION
    );
    if let Some((_, frames)) = g.modules.iter_mut().find(|(m, _)| *m == "frames") {
        frames.push_str(&close);
    }
    let mut files = Vec::new();
    let mut index = format!("{HEADER}\n");
    for (module, text) in &g.modules {
        // What this file names that another file declares, by file.
        let mut imports: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for w in words(text) {
            if let Some(owner) = g.owner.get(w).filter(|o| *o != module) {
                imports.entry(owner).or_default().insert(w);
            }
        }
        let mut file = format!("{HEADER}\n");
        for (from, names) in &imports {
            let names: Vec<&str> = names.iter().copied().collect();
            file.push_str(&format!(
                "import type {{ {} }} from \"./{from}\";\n",
                names.join(", ")
            ));
        }
        if !imports.is_empty() {
            file.push('\n');
        }
        file.push_str(text.trim_end());
        file.push('\n');
        files.push((format!("{module}.ts"), file));
        index.push_str(&format!("export * from \"./{module}\";\n"));
    }
    files.push(("index.ts".to_owned(), index));
    files
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_typescript_is_fresh() {
        let dir = super::committed_dir();
        for (name, text) in super::render() {
            let committed = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
            assert!(
                committed == text,
                "shared/ts/{name} is stale: run `cargo run -p boo-wire --bin boo-gen-ts`"
            );
        }
    }
}
