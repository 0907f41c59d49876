//! An agent terminal that is a booterm terminal (see the parent module).

use std::sync::atomic::{AtomicBool, Ordering};

use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Error, ErrorCode};
use boo_proto::term::v1::{
    CreateSessionRequest, EnvVar, GetSessionRequest, KillSessionRequest, SnapshotRequest,
    TerminalSession, WaitSessionRequest,
};
use boo_shared::peers::{TermClient, is_unreachable};
use tonic::{Code, Status};
use uuid::Uuid;

use super::Launch;
use super::output::keep_end;

/// Window size of an agent's terminal: wide, so fewer lines wrap.
const COLS: u32 = 160;
const ROWS: u32 = 48;
/// Scrollback asked of `Snapshot`: booterm caps it at what it keeps.
const SCROLLBACK_LINES: u32 = 1_000_000;

pub(super) struct BootermTerm {
    client: TermClient,
    id: String,
    limit: usize,
    /// We killed it (kill or release): its end is reported as SIGHUP.
    killed: AtomicBool,
}

/// `CreateSession` for `launch`: the terminal, `Ok(Err(why))` when booterm is
/// unreachable (the caller falls back), `Err` when booterm refused it.
pub(super) async fn create(
    mut client: TermClient,
    session_id: Option<Uuid>,
    launch: &Launch,
) -> Result<Result<BootermTerm, String>, Error> {
    let request = CreateSessionRequest {
        session_id: session_id.map(|s| s.to_string()).unwrap_or_default(),
        title: launch.title.clone(),
        cwd: launch.cwd.to_string_lossy().into_owned(),
        cols: COLS,
        rows: ROWS,
        command: launch.argv.clone(),
        ssh: false,
        env: launch
            .env
            .iter()
            .map(|(name, value)| EnvVar {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
    };
    match client.create_session(request).await {
        Ok(resp) => {
            let Some(session) = resp.into_inner().session else {
                return Err(failed("CreateSession", &Status::internal("no session")));
            };
            tracing::info!(terminal_id = %session.id, title = %launch.title, "agent terminal created in booterm");
            Ok(Ok(BootermTerm {
                client,
                id: session.id,
                limit: launch.limit,
                killed: AtomicBool::new(false),
            }))
        }
        Err(status) if is_unreachable(&status) => Ok(Err(status.message().to_owned())),
        Err(status) => Err(failed("CreateSession", &status)),
    }
}

/// A booterm error as the agent sees it: its refusals are the agent's mistakes.
fn failed(call: &str, status: &Status) -> Error {
    let code = match status.code() {
        Code::InvalidArgument | Code::NotFound | Code::FailedPrecondition => {
            ErrorCode::INVALID_PARAMS
        }
        _ => ErrorCode::INTERNAL_ERROR,
    };
    Error::new(code, format!("booterm {call} failed: {}", status.message()))
}

impl BootermTerm {
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    async fn session(&self) -> Result<TerminalSession, Error> {
        self.client
            .clone()
            .get_session(GetSessionRequest {
                id: self.id.clone(),
            })
            .await
            .map_err(|s| failed("GetSession", &s))?
            .into_inner()
            .session
            .ok_or_else(|| failed("GetSession", &Status::internal("no session")))
    }

    /// How an exited terminal ended.
    fn exit_status(&self, t: &TerminalSession) -> Option<acp::TerminalExitStatus> {
        if t.status != "exited" {
            return None;
        }
        let status = acp::TerminalExitStatus::new();
        Some(match t.exit_code {
            Some(code) => status.exit_code(u32::try_from(code).ok()),
            None if self.killed.load(Ordering::Relaxed) => status.signal("SIGHUP".to_owned()),
            None => status,
        })
    }

    pub(super) async fn output(&self) -> Result<acp::TerminalOutputResponse, Error> {
        // The status first: output read after it holds everything an exited program wrote.
        let session = self.session().await?;
        let snapshot = self
            .client
            .clone()
            .snapshot(SnapshotRequest {
                id: self.id.clone(),
                scrollback_lines: SCROLLBACK_LINES,
            })
            .await;
        let text = match snapshot {
            Ok(s) => s.into_inner().text,
            // Exited before anything was kept.
            Err(s) if s.code() == Code::FailedPrecondition => String::new(),
            Err(s) => return Err(failed("Snapshot", &s)),
        };
        let (text, truncated) = keep_end(&text, self.limit);
        Ok(acp::TerminalOutputResponse::new(text, truncated)
            .exit_status(self.exit_status(&session)))
    }

    pub(super) async fn wait(&self) -> Result<acp::TerminalExitStatus, Error> {
        let ended = self
            .client
            .clone()
            .wait_session(WaitSessionRequest {
                id: self.id.clone(),
            })
            .await
            .map_err(|s| failed("WaitSession", &s))?
            .into_inner()
            .session
            .ok_or_else(|| failed("WaitSession", &Status::internal("no session")))?;
        Ok(self.exit_status(&ended).unwrap_or_default())
    }

    /// `KillSession` unless it has already ended (then nothing changes).
    pub(super) async fn kill(&self) -> Result<(), Error> {
        // Before the call: a concurrent wait may see the end before it returns. An
        // exit code, when there is one, still wins.
        self.killed.store(true, Ordering::Relaxed);
        self.client
            .clone()
            .kill_session(KillSessionRequest {
                id: self.id.clone(),
            })
            .await
            .map_err(|s| failed("KillSession", &s))?;
        Ok(())
    }
}
