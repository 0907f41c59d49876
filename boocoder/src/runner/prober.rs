//! The real ACP step of a provider probe: spawn, `initialize`, `session/new`, learn
//! modes, models and commands, stop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::acp::{ClientHooks, Connection, PermissionOutcome, PermissionRequest};
use crate::process::Spec;
use crate::providers::{AcpProbeFailure, AcpProber, CommandInfo, ModeInfo, ModelInfo, ProbeFacts};

/// A probe never edits anything and answers no questions.
struct ProbeHooks(PathBuf);

#[async_trait::async_trait]
impl ClientHooks for ProbeHooks {
    async fn request_permission(&self, _: PermissionRequest) -> PermissionOutcome {
        PermissionOutcome::Cancelled
    }

    fn worktree(&self) -> PathBuf {
        self.0.clone()
    }
}

pub struct AcpProbe;

fn failure(conn: Option<&Connection>, e: crate::acp::AcpError) -> AcpProbeFailure {
    AcpProbeFailure {
        message: e.to_string(),
        stderr_tail: e
            .stderr_tail()
            .map(String::from)
            .or_else(|| conn.map(Connection::stderr_tail))
            .unwrap_or_default(),
        exit_status: None,
    }
}

#[async_trait::async_trait]
impl AcpProber for AcpProbe {
    async fn probe(&self, spec: &Spec, cwd: &Path) -> Result<ProbeFacts, AcpProbeFailure> {
        let conn = Connection::spawn(spec, Arc::new(ProbeHooks(cwd.to_path_buf())))
            .await
            .map_err(|e| failure(None, e))?;
        let result = async {
            let info = conn.initialize().await?;
            let session = conn.new_session(cwd).await?;
            let commands = conn
                .wait_for_commands(&session.id, Duration::from_millis(500))
                .await;
            Ok::<_, crate::acp::AcpError>((info, session, commands))
        }
        .await;
        let facts = match result {
            Err(e) => Err(failure(Some(&conn), e)),
            Ok((info, session, commands)) => {
                let (models, current_model) = match session.models() {
                    Some((choices, current)) => (
                        choices
                            .iter()
                            .map(|c| ModelInfo {
                                id: c.value.clone(),
                                name: c.name.clone(),
                                description: c.description.clone(),
                            })
                            .collect(),
                        Some(current.to_owned()),
                    ),
                    None => (Vec::new(), None),
                };
                Ok(ProbeFacts {
                    agent_name: info.name,
                    agent_version: info.version,
                    protocol_version: Some(info.protocol_version),
                    modes: session
                        .modes
                        .iter()
                        .map(|m| ModeInfo {
                            id: m.id.clone(),
                            name: m.name.clone(),
                            description: m.description.clone(),
                        })
                        .collect(),
                    current_mode: session.current_mode.clone(),
                    models,
                    current_model,
                    config_options: session
                        .config_options
                        .iter()
                        .filter_map(|o| serde_json::to_value(o).ok())
                        .collect(),
                    commands: commands
                        .iter()
                        .map(|c| CommandInfo {
                            name: c
                                .get("name")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_owned(),
                            description: c
                                .get("description")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_owned(),
                            input_hint: c
                                .pointer("/input/hint")
                                .and_then(|v| v.as_str())
                                .map(String::from),
                        })
                        .collect(),
                })
            }
        };
        conn.shutdown().await;
        facts
    }
}
