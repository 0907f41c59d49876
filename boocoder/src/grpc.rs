//! `boo.coder.v1.CoderService`: what boochat (and operators with grpcurl) ask of
//! boocoder — worktree risk before a session delete, closing a chat's agents,
//! submitting a turn, and watching a session's frames.

use boo_shared::grpc::uuid_field;
use std::pin::Pin;
use std::sync::Arc;

use boo_proto::coder::v1::coder_service_server::CoderService;
use boo_proto::coder::v1::{
    CloseChatRequest, CloseChatResponse, CloseReason, CloseSessionRequest, CloseSessionResponse,
    SessionEvent, SubmitTaskRequest, SubmitTaskResponse, WatchSessionRequest, WorktreePolicy,
    WorktreeRiskRequest, WorktreeRiskResponse,
};
use boo_shared::catalog::{chats, sessions};
use boo_shared::config::Settings;
use boo_shared::grpc::reject_nul;
use boo_shared::hub::{Hub, Start};
use boo_shared::store::StoreError;
use futures::{Stream, StreamExt};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

use crate::closing::{CloseError, Closer};
use crate::dispatcher::store::{self as tasks, NewTask};
use crate::runner::Runner;
use crate::runner::agent_sessions::CloseReason as Why;

pub struct CoderServiceImpl {
    pool: PgPool,
    hub: Arc<Hub>,
    runner: Arc<Runner>,
    settings: Arc<Settings>,
    closer: Arc<Closer>,
}

impl CoderServiceImpl {
    pub fn new(
        pool: PgPool,
        hub: Arc<Hub>,
        runner: Arc<Runner>,
        settings: Arc<Settings>,
        closer: Arc<Closer>,
    ) -> Self {
        Self {
            pool,
            hub,
            runner,
            settings,
            closer,
        }
    }
}

fn db(e: impl std::fmt::Display) -> Status {
    Status::unavailable(format!("database: {e}"))
}

type EventStream = Pin<Box<dyn Stream<Item = Result<SessionEvent, Status>> + Send>>;

#[tonic::async_trait]
impl CoderService for CoderServiceImpl {
    #[tracing::instrument(skip_all, err, fields(session_id = %req.get_ref().session_id))]
    async fn worktree_risk(
        &self,
        req: Request<WorktreeRiskRequest>,
    ) -> Result<Response<WorktreeRiskResponse>, Status> {
        reject_nul([("session_id", req.get_ref().session_id.as_str())])?;
        let sid = uuid_field("session_id", &req.get_ref().session_id)?;
        let risks = crate::worktree::risk(&self.pool, sid)
            .await
            .map_err(|e| Status::internal(format!("cannot inspect worktrees: {e}")))?;
        let at_risk = risks.iter().any(|r| r.at_risk());
        Ok(Response::new(WorktreeRiskResponse {
            worktrees: risks.iter().map(Into::into).collect(),
            at_risk,
        }))
    }

    #[tracing::instrument(skip_all, err, fields(chat_id = %req.get_ref().chat_id))]
    async fn close_chat(
        &self,
        req: Request<CloseChatRequest>,
    ) -> Result<Response<CloseChatResponse>, Status> {
        let req = req.into_inner();
        reject_nul([("chat_id", req.chat_id.as_str())])?;
        let chat_id = uuid_field("chat_id", &req.chat_id)?;
        // A chat alone is only ever archived (deleting one goes with its session).
        let closed = self
            .runner
            .close_chat(chat_id, Why::ChatArchived)
            .await
            .map_err(db)?;
        let mut worktree_removed = false;
        if req.remove_worktree {
            // A chat that is gone has no worktree to remove: not an error.
            let session = match chats::get(&self.pool, chat_id).await {
                Ok(chat) => Some(chat.session_id),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            };
            if let Some(sid) = session {
                worktree_removed = crate::worktree::remove_for_session(
                    &self.pool,
                    &self.settings.coder,
                    sid,
                    false,
                )
                .await
                .map_err(|e| Status::internal(format!("cannot remove the worktree: {e}")))?
                .is_some();
            }
        }
        Ok(Response::new(CloseChatResponse {
            closed_agent_sessions: closed,
            worktree_removed,
        }))
    }

    #[tracing::instrument(skip_all, err, fields(session_id = %req.get_ref().session_id))]
    async fn close_session(
        &self,
        req: Request<CloseSessionRequest>,
    ) -> Result<Response<CloseSessionResponse>, Status> {
        let req = req.into_inner();
        reject_nul([("session_id", req.session_id.as_str())])?;
        let sid = uuid_field("session_id", &req.session_id)?;
        let reason = match CloseReason::try_from(req.reason) {
            Ok(CloseReason::Archived) => Why::SessionArchived,
            Ok(CloseReason::Deleted) => Why::SessionDeleted,
            _ => {
                return Err(Status::invalid_argument(
                    "reason must be CLOSE_REASON_ARCHIVED or CLOSE_REASON_DELETED",
                ));
            }
        };
        let policy = match WorktreePolicy::try_from(req.worktree) {
            Ok(WorktreePolicy::Keep) => crate::closing::WorktreePolicy::Keep,
            Ok(WorktreePolicy::RemoveIfClean) => crate::closing::WorktreePolicy::RemoveIfClean,
            Ok(WorktreePolicy::Remove) => crate::closing::WorktreePolicy::Remove,
            _ => {
                return Err(Status::invalid_argument(
                    "worktree must be WORKTREE_POLICY_KEEP, _REMOVE_IF_CLEAN or _REMOVE",
                ));
            }
        };
        let closed = self
            .closer
            .close_session(sid, reason, policy)
            .await
            .map_err(|e| match e {
                CloseError::Db(e) => db(e),
                CloseError::Store(e) => e.into(),
                CloseError::TasksStillRunning { .. } => Status::aborted(e.to_string()),
                CloseError::Worktree(_) => Status::internal(e.to_string()),
            })?;
        Ok(Response::new(CloseSessionResponse {
            cancelled_tasks: closed.cancelled_tasks,
            closed_agent_sessions: closed.closed_agent_sessions,
            worktree_removed: closed.worktree_removed,
            kept: closed.kept.iter().map(Into::into).collect(),
        }))
    }

    #[tracing::instrument(skip_all, err)]
    async fn submit_task(
        &self,
        req: Request<SubmitTaskRequest>,
    ) -> Result<Response<SubmitTaskResponse>, Status> {
        let req = req.into_inner();
        reject_nul([
            ("session_id", req.session_id.as_str()),
            ("chat_id", &req.chat_id),
            ("agent", &req.agent),
            ("prompt", &req.prompt),
        ])?;
        let sid = uuid_field("session_id", &req.session_id)?;
        let chat = if req.chat_id.is_empty() {
            None
        } else {
            Some(uuid_field("chat_id", &req.chat_id)?)
        };
        if req.prompt.trim().is_empty() {
            return Err(Status::invalid_argument("prompt must not be empty"));
        }
        if req.agent.is_empty() {
            return Err(Status::invalid_argument("agent must name a provider"));
        }
        let project = sessions::get(&self.pool, sid).await?.project_id;
        let task = tasks::submit(
            &self.pool,
            &NewTask {
                project_id: project,
                session_id: Some(sid),
                chat_id: chat,
                agent: &req.agent,
                prompt: &req.prompt,
                ..NewTask::default()
            },
        )
        .await?;
        Ok(Response::new(SubmitTaskResponse {
            task_id: task.id.to_string(),
            message_id: String::new(),
        }))
    }

    /// The session's frames as JSON, replaying those after `after_seq` first; a gap
    /// the ring cannot fill is OUT_OF_RANGE, a watcher that falls behind ends with
    /// DATA_LOSS (watch again from its last seq).
    async fn watch_session(
        &self,
        req: Request<WatchSessionRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let req = req.into_inner();
        reject_nul([("session_id", req.session_id.as_str())])?;
        let sid = uuid_field("session_id", &req.session_id)?;
        let last = (req.after_seq > 0).then_some(req.after_seq);
        let (start, rx) = self.hub.subscribe(sid, last);
        let replay = match start {
            Start::Replay(frames) => frames,
            Start::Resync(reason) => {
                return Err(Status::out_of_range(format!(
                    "cannot replay: {reason}; watch with after_seq 0"
                )));
            }
        };
        let event = |(seq, json): (u64, Arc<str>)| SessionEvent {
            seq,
            frame_json: json.to_string(),
        };
        let live = tokio_stream::wrappers::BroadcastStream::new(rx).map(move |r| match r {
            Ok(f) => Ok(event(f)),
            Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
                Err(Status::data_loss(format!("watcher fell {n} frames behind")))
            }
        });
        let stream =
            futures::stream::iter(replay.into_iter().map(move |f| Ok(event(f)))).chain(live);
        Ok(Response::new(Box::pin(stream)))
    }
}
