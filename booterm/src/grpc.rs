//! `boo.term.v1.TermService`: terminals for peer daemons (boochat's panes and its
//! `read_terminal` tool) and operators with grpcurl. Same service layer as REST.
//! `WaitSession` answers when a terminal's program has exited (boocoder waits on it
//! for an agent's `terminal/wait_for_exit`).
//! `Attach` gives a peer the same byte stream as the browser socket (TERM-2), with
//! HTTP/2 flow control in place of acknowledgements: a peer that stops reading stops
//! the PTY being read.

use boo_shared::grpc::uuid_field;
use std::sync::Arc;

use boo_proto::term::v1::attach_input::Msg;
use boo_proto::term::v1::term_service_server::TermService;
use boo_proto::term::v1::{
    AttachInput, AttachOutput, CreateSessionRequest, CreateSessionResponse, GetSessionRequest,
    GetSessionResponse, KillSessionRequest, KillSessionResponse, ListSessionsRequest,
    ListSessionsResponse, SnapshotRequest, SnapshotResponse, TerminalSession, WaitSessionRequest,
    WaitSessionResponse,
};
use boo_shared::grpc::reject_nul;
use boo_shared::term::{CommandSpec, CreateTerminal, Terminal, TerminalStatus};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::attach::Attachment;
use crate::request::dimensions;
use crate::sessions::{SessionError, Sessions};
use crate::store::{self, StatusFilter};
use crate::stream::{Opened, StreamState};
use crate::tmux::TmuxError;

type AttachStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = Result<AttachOutput, Status>> + Send + 'static>>;

/// Output messages buffered towards a peer before the PTY stops being read.
const ATTACH_QUEUE: usize = 4;

/// How often `WaitSession` looks again without an ended-terminal signal (a missed
/// signal, or an exit only a reconcile notices, still ends the wait).
const WAIT_RECHECK: std::time::Duration = std::time::Duration::from_secs(2);

pub struct TermServiceImpl {
    stream: StreamState,
    sessions: Arc<Sessions>,
}

impl TermServiceImpl {
    pub fn new(stream: StreamState) -> Self {
        let sessions = stream.sessions.clone();
        Self { stream, sessions }
    }
}

/// The one place service errors become gRPC statuses.
impl From<SessionError> for Status {
    fn from(e: SessionError) -> Self {
        let message = e.to_string();
        match e {
            SessionError::Invalid { code, .. } => {
                Status::invalid_argument(format!("{code}: {message}"))
            }
            SessionError::NotFound(_) | SessionError::UnknownSession(_) => {
                Status::not_found(message)
            }
            SessionError::Exited(_) => Status::failed_precondition(message),
            SessionError::Tmux(TmuxError::Timeout { .. }) => Status::unavailable(message),
            SessionError::Tmux(_) | SessionError::Attach(_) => Status::internal(message),
            SessionError::Db(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => {
                Status::unavailable(format!("database: {message}"))
            }
            SessionError::Db(_) => Status::internal(format!("database: {message}")),
        }
    }
}

/// Empty string = not given (proto3 scalars have no presence).
fn given(raw: &str) -> Option<&str> {
    Some(raw).filter(|s| !s.is_empty())
}

fn to_proto(t: Terminal) -> TerminalSession {
    TerminalSession {
        id: t.id.to_string(),
        tmux_name: t.tmux_name,
        session_id: t.session_id.map(|s| s.to_string()).unwrap_or_default(),
        title: t.title.unwrap_or_default(),
        cwd: t.cwd,
        cols: u32::from(t.cols),
        rows: u32::from(t.rows),
        status: match t.status {
            TerminalStatus::Live => "live",
            TerminalStatus::Exited => "exited",
        }
        .to_owned(),
        exit_code: t.exit_code,
    }
}

#[tonic::async_trait]
impl TermService for TermServiceImpl {
    #[tracing::instrument(skip_all, err, fields(session_id = %req.get_ref().session_id))]
    async fn create_session(
        &self,
        req: Request<CreateSessionRequest>,
    ) -> Result<Response<CreateSessionResponse>, Status> {
        let req = req.into_inner();
        reject_nul(
            [
                ("session_id", req.session_id.as_str()),
                ("title", &req.title),
                ("cwd", &req.cwd),
            ]
            .into_iter()
            .chain(req.command.iter().map(|arg| ("command", arg.as_str())))
            .chain(
                req.env
                    .iter()
                    .flat_map(|v| [("env", v.name.as_str()), ("env", v.value.as_str())]),
            ),
        )?;
        let session_id = given(&req.session_id)
            .map(|s| uuid_field("session_id", s))
            .transpose()?;
        let dimension = |n: u32| (n != 0).then_some(i64::from(n));
        let command = match (req.ssh, req.command.is_empty()) {
            (true, true) => Some(CommandSpec::Named("ssh".into())),
            (true, false) => {
                return Err(Status::invalid_argument(
                    "invalid_command: give ssh or command, not both",
                ));
            }
            (false, true) => None,
            (false, false) => Some(CommandSpec::Argv(req.command)),
        };
        let create = CreateTerminal {
            cwd: given(&req.cwd).map(str::to_owned),
            command,
            cols: dimension(req.cols),
            rows: dimension(req.rows),
            title: given(&req.title).map(str::to_owned),
            session_id,
        };
        let env = req.env.into_iter().map(|v| (v.name, v.value)).collect();
        let terminal = self.sessions.create_with_env(create, env).await?;
        Ok(Response::new(CreateSessionResponse {
            session: Some(to_proto(terminal)),
        }))
    }

    /// Live terminals, oldest first.
    async fn list_sessions(
        &self,
        req: Request<ListSessionsRequest>,
    ) -> Result<Response<ListSessionsResponse>, Status> {
        reject_nul([("session_id", req.get_ref().session_id.as_str())])?;
        let session_id = given(&req.get_ref().session_id)
            .map(|s| uuid_field("session_id", s))
            .transpose()?;
        let terminals = self
            .sessions
            .list(session_id, StatusFilter::Live, store::LIST_LIMIT)
            .await?;
        Ok(Response::new(ListSessionsResponse {
            sessions: terminals.into_iter().map(to_proto).collect(),
        }))
    }

    #[tracing::instrument(skip_all, err, fields(terminal_id = %req.get_ref().id))]
    async fn kill_session(
        &self,
        req: Request<KillSessionRequest>,
    ) -> Result<Response<KillSessionResponse>, Status> {
        reject_nul([("id", req.get_ref().id.as_str())])?;
        let id = uuid_field("id", &req.get_ref().id)?;
        let killed = self.sessions.kill(id).await?;
        Ok(Response::new(KillSessionResponse { killed }))
    }

    async fn get_session(
        &self,
        req: Request<GetSessionRequest>,
    ) -> Result<Response<GetSessionResponse>, Status> {
        reject_nul([("id", req.get_ref().id.as_str())])?;
        let id = uuid_field("id", &req.get_ref().id)?;
        let terminal = self.sessions.get(id).await?;
        Ok(Response::new(GetSessionResponse {
            session: Some(to_proto(terminal)),
        }))
    }

    /// Waits on the ended-terminal signal, looking again every [`WAIT_RECHECK`]
    /// (each look settles a terminal whose program exited unnoticed).
    #[tracing::instrument(skip_all, err, fields(terminal_id = %req.get_ref().id))]
    async fn wait_session(
        &self,
        req: Request<WaitSessionRequest>,
    ) -> Result<Response<WaitSessionResponse>, Status> {
        reject_nul([("id", req.get_ref().id.as_str())])?;
        let id = uuid_field("id", &req.get_ref().id)?;
        let mut ended = self.sessions.subscribe_ended();
        loop {
            let terminal = self.sessions.get(id).await?;
            if terminal.status == TerminalStatus::Exited {
                return Ok(Response::new(WaitSessionResponse {
                    session: Some(to_proto(terminal)),
                }));
            }
            let recheck = tokio::time::sleep(WAIT_RECHECK);
            tokio::pin!(recheck);
            loop {
                tokio::select! {
                    () = self.stream.closing.cancelled() => {
                        return Err(Status::unavailable("booterm is stopping"));
                    }
                    () = &mut recheck => break,
                    gone = ended.recv() => match gone {
                        Ok(other) if other != id => {}
                        // Ours, or signals were missed: look.
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            (&mut recheck).await;
                            break;
                        }
                    },
                }
            }
        }
    }

    async fn snapshot(
        &self,
        req: Request<SnapshotRequest>,
    ) -> Result<Response<SnapshotResponse>, Status> {
        let req = req.into_inner();
        reject_nul([("id", req.id.as_str())])?;
        let id = uuid_field("id", &req.id)?;
        let snap = self.sessions.snapshot(id, req.scrollback_lines).await?;
        Ok(Response::new(SnapshotResponse {
            text: snap.text,
            cols: u32::from(snap.cols),
            rows: u32::from(snap.rows),
        }))
    }

    #[tracing::instrument(skip_all, err)]
    async fn attach(
        &self,
        req: Request<Streaming<AttachInput>>,
    ) -> Result<Response<AttachStream>, Status> {
        let mut input = req.into_inner();
        let id = match input.message().await? {
            Some(AttachInput {
                msg: Some(Msg::Id(id)),
            }) => {
                reject_nul([("id", id.as_str())])?;
                uuid_field("id", &id)?
            }
            _ => {
                return Err(Status::invalid_argument(
                    "the first Attach message must carry the terminal id",
                ));
            }
        };
        let Opened {
            repaint,
            attachment,
            ..
        } = crate::stream::open(
            &self.sessions,
            id,
            false,
            None,
            self.stream.scrollback_lines,
        )
        .await?;
        let Attachment {
            mut output,
            control,
        } = attachment;
        let (tx, rx) = mpsc::channel(ATTACH_QUEUE);
        let sessions = self.sessions.clone();
        let closing = self.stream.closing.clone();
        let mut gone = sessions.subscribe_ended();
        tokio::spawn(async move {
            if tx.send(Ok(AttachOutput { data: repaint })).await.is_err() {
                return;
            }
            let ended = loop {
                tokio::select! {
                    () = closing.cancelled() => {
                        break Err(Status::unavailable("booterm is stopping"));
                    }
                    ended_id = gone.recv() => match ended_id {
                        Ok(other) if other != id => {}
                        Ok(_) | Err(_) => break ended(&sessions, id).await,
                    },
                    batch = crate::stream::next_batch(&mut output) => match batch {
                        Some(data) => {
                            if tx.send(Ok(AttachOutput { data })).await.is_err() {
                                return;
                            }
                        }
                        None => break ended(&sessions, id).await,
                    },
                    incoming = input.next() => match incoming {
                        Some(Ok(AttachInput { msg: Some(Msg::Data(bytes)) })) => {
                            if !control.send_input(bytes).await {
                                break ended(&sessions, id).await;
                            }
                        }
                        Some(Ok(AttachInput { msg: Some(Msg::Resize(r)) })) => {
                            let (cols, rows) = match dimensions(r.cols.into(), r.rows.into()) {
                                Ok(size) => size,
                                Err(e) => break Err(e.into()),
                            };
                            if let Err(e) = control.resize(cols, rows) {
                                tracing::warn!(error = %e, "cannot resize an attach");
                            }
                        }
                        Some(Ok(AttachInput { msg: Some(Msg::Id(_)) | None })) => {
                            break Err(Status::invalid_argument(
                                "only the first Attach message carries an id",
                            ));
                        }
                        // The peer hung up (or half-closed): detach.
                        Some(Err(_)) | None => return,
                    },
                }
            };
            drop(control);
            if let Err(status) = ended {
                let _ = tx.send(Err(status)).await;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// The tmux client ended: OK when the program exited, else UNAVAILABLE.
async fn ended(sessions: &Sessions, id: Uuid) -> Result<(), Status> {
    match sessions.get(id).await {
        Ok(t) if t.status == TerminalStatus::Exited => Ok(()),
        Ok(_) => Err(Status::unavailable(
            "the terminal's tmux client was detached; attach again",
        )),
        Err(e) => Err(e.into()),
    }
}
