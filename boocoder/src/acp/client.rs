//! The client side of ACP: how boocoder answers the agent.
//!
//! Every handler that does I/O or waits on a person moves its work into
//! `cx.spawn`, so the SDK's dispatch loop keeps delivering `session/update`s
//! (and `session/cancel` can reach us) while a permission card is open.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Agent, Client, ConnectTo, Error, ErrorCode, RequestCancellation};
use boo_shared::pathguard::{PathError, resolve};
use tokio::sync::oneshot;

use super::state::{Shared, cancelled};
use super::types::{ElicitOutcome, ElicitRequest, PermissionOutcome, PermissionRequest};
use crate::pending::agent_write::{self, Refused};

/// The capabilities boocoder advertises in `initialize`: text-file access,
/// form elicitation, boolean config options, terminals (`terminals/`).
pub(crate) fn capabilities() -> acp::ClientCapabilities {
    acp::ClientCapabilities::new()
        .fs(acp::FileSystemCapabilities::new()
            .read_text_file(true)
            .write_text_file(true))
        .terminal(true)
        .elicitation(
            acp::ElicitationCapabilities::new().form(acp::ElicitationFormCapabilities::new()),
        )
        .session(
            acp::ClientSessionCapabilities::new().config_options(
                acp::SessionConfigOptionsCapabilities::new()
                    .boolean(acp::BooleanConfigOptionCapabilities::new()),
            ),
        )
}

/// Run the client end of a connection over `transport` until `stop` fires (or
/// is dropped). The connection handle is sent on `ready` first.
pub(crate) async fn drive(
    shared: Arc<Shared>,
    transport: impl ConnectTo<Client> + 'static,
    ready: oneshot::Sender<ConnectionTo<Agent>>,
    stop: oneshot::Receiver<()>,
) -> Result<(), Error> {
    let on_update = shared.clone();
    let on_read = shared.clone();
    let on_write = shared.clone();
    let on_permission = shared.clone();
    let on_elicit = shared.clone();
    let on_create = shared.clone();
    let on_output = shared.clone();
    let on_wait = shared.clone();
    let on_kill = shared.clone();
    let on_release = shared;
    Client
        .v1()
        .name("boocoder")
        .on_receive_notification(
            async move |n: acp::SessionNotification, _cx: ConnectionTo<Agent>| {
                // In the dispatch loop on purpose: updates reach the turn in order,
                // and all of them before the prompt's response.
                on_update.on_update(n).await;
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .on_receive_request(
            async move |req: acp::ReadTextFileRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_read.clone();
                cx.spawn(async move {
                    responder.respond_with_result(read_text_file(&shared, req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::WriteTextFileRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_write.clone();
                cx.spawn(async move {
                    responder.respond_with_result(write_text_file(&shared, req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::RequestPermissionRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_permission.clone();
                cx.spawn(async move {
                    let response = request_permission(&shared, req, responder.cancellation()).await;
                    responder.respond(response)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::CreateElicitationRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_elicit.clone();
                cx.spawn(async move {
                    let response = elicit(&shared, req, responder.cancellation()).await;
                    responder.respond_with_result(response)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::CreateTerminalRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_create.clone();
                cx.spawn(async move {
                    let worktree = shared.hooks.worktree();
                    responder.respond_with_result(shared.terminals.create(&worktree, req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::TerminalOutputRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_output.clone();
                cx.spawn(async move {
                    responder.respond_with_result(shared.terminals.output(req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::WaitForTerminalExitRequest,
                        responder,
                        cx: ConnectionTo<Agent>| {
                let shared = on_wait.clone();
                cx.spawn(async move {
                    responder.respond_with_result(shared.terminals.wait_for_exit(req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::KillTerminalRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_kill.clone();
                cx.spawn(
                    async move { responder.respond_with_result(shared.terminals.kill(req).await) },
                )
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::ReleaseTerminalRequest, responder, cx: ConnectionTo<Agent>| {
                let shared = on_release.clone();
                cx.spawn(async move {
                    responder.respond_with_result(shared.terminals.release(req).await)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(transport, async move |cx: ConnectionTo<Agent>| {
            if ready.send(cx).is_err() {
                return Ok(());
            }
            // Dropping the sender (the Connection went away) stops us too.
            let _ = stop.await;
            Ok(())
        })
        .await
}

fn refused(e: &PathError) -> Error {
    Error::new(
        ErrorCode::INVALID_PARAMS,
        format!("refused: {e}; file access is confined to the session worktree"),
    )
}

fn io_failed(what: &str, path: &Path, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        acp::Error::resource_not_found(Some(format!("file://{}", path.display()))).into()
    } else {
        Error::new(
            ErrorCode::INTERNAL_ERROR,
            format!("cannot {what} {}: {e}", path.display()),
        )
    }
}

fn requested(path: &Path) -> Result<&str, Error> {
    path.to_str()
        .ok_or_else(|| Error::new(ErrorCode::INVALID_PARAMS, "path is not valid UTF-8"))
}

async fn read_text_file(
    shared: &Shared,
    req: acp::ReadTextFileRequest,
) -> Result<acp::ReadTextFileResponse, Error> {
    let root = shared.hooks.worktree();
    let path = resolve(&root, requested(&req.path)?).map_err(|e| refused(&e))?;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| io_failed("read", &req.path, &e))?;
    Ok(acp::ReadTextFileResponse::new(slice_lines(
        &text, req.line, req.limit,
    )))
}

/// Lines `line..line+limit` (1-based; both optional) of `text`, newlines kept.
pub(crate) fn slice_lines(text: &str, line: Option<u32>, limit: Option<u32>) -> String {
    if line.is_none() && limit.is_none() {
        return text.to_owned();
    }
    let skip = line.map_or(0, |l| l.saturating_sub(1) as usize);
    let take = limit.map_or(usize::MAX, |l| l as usize);
    text.split_inclusive('\n').skip(skip).take(take).collect()
}

async fn write_text_file(
    shared: &Shared,
    req: acp::WriteTextFileRequest,
) -> Result<acp::WriteTextFileResponse, Error> {
    let root = shared.hooks.worktree();
    let requested = requested(&req.path)?.to_owned();
    // Only what the worktree diff can stage lands (see `pending::agent_write`).
    let landed = tokio::task::spawn_blocking(move || {
        agent_write::write(&root, &requested, req.content.as_bytes())
    })
    .await
    .map_err(|e| Error::new(ErrorCode::INTERNAL_ERROR, format!("write task failed: {e}")))?
    .map_err(|e| match e {
        Refused::Outside(e) => refused(&e),
        Refused::Unstageable { .. } => Error::new(ErrorCode::INVALID_PARAMS, e.to_string()),
        // A parent that is a file, a target that is a directory: the agent's mistake.
        Refused::Io { ref source, .. }
            if matches!(
                source.kind(),
                std::io::ErrorKind::NotADirectory
                    | std::io::ErrorKind::IsADirectory
                    | std::io::ErrorKind::AlreadyExists
            ) =>
        {
            Error::new(ErrorCode::INVALID_PARAMS, e.to_string())
        }
        Refused::Io { .. } => Error::new(ErrorCode::INTERNAL_ERROR, e.to_string()),
    })?;
    shared.hooks.on_file_written(&landed.full);
    Ok(acp::WriteTextFileResponse::new())
}

async fn request_permission(
    shared: &Shared,
    req: acp::RequestPermissionRequest,
    cancellation: RequestCancellation,
) -> acp::RequestPermissionResponse {
    let session = req.session_id.0.to_string();
    let pending = shared.pending(&session);
    let outcome = if pending.already_cancelled {
        PermissionOutcome::Cancelled
    } else {
        let request = PermissionRequest {
            tool_call: shared.preview_tool_call(&session, &req.tool_call),
            options: req.options.iter().map(Into::into).collect(),
            session_id: session,
        };
        tokio::select! {
            outcome = shared.hooks.request_permission(request) => outcome,
            () = cancelled(pending.cancel) => PermissionOutcome::Cancelled,
            () = cancellation.cancelled() => PermissionOutcome::Cancelled,
        }
    };
    acp::RequestPermissionResponse::new(match outcome {
        PermissionOutcome::Selected { option_id }
            if req.options.iter().any(|o| *o.option_id.0 == *option_id) =>
        {
            acp::RequestPermissionOutcome::Selected(acp::SelectedPermissionOutcome::new(option_id))
        }
        PermissionOutcome::Selected { option_id } => {
            tracing::warn!(%option_id, "permission answer names no offered option; answering cancelled");
            acp::RequestPermissionOutcome::Cancelled
        }
        PermissionOutcome::Cancelled => acp::RequestPermissionOutcome::Cancelled,
    })
}

async fn elicit(
    shared: &Shared,
    req: acp::CreateElicitationRequest,
    cancellation: RequestCancellation,
) -> Result<acp::CreateElicitationResponse, Error> {
    let acp::ElicitationMode::Form(form) = &req.mode else {
        // Only form mode is advertised; decline anything else.
        return Ok(acp::CreateElicitationResponse::new(
            acp::ElicitationAction::Decline,
        ));
    };
    let (session, tool_call_id) = match &form.scope {
        acp::ElicitationScope::Session(s) => (
            s.session_id.0.to_string(),
            s.tool_call_id.as_ref().map(|t| t.0.to_string()),
        ),
        acp::ElicitationScope::Request(r) => {
            let id = serde_json::to_value(&r.request_id).unwrap_or_default();
            (shared.session_of_request(&id).unwrap_or_default(), None)
        }
        _ => (String::new(), None),
    };
    let pending = shared.pending(&session);
    let outcome = if pending.already_cancelled {
        ElicitOutcome::Cancel
    } else {
        let request = ElicitRequest {
            session_id: session,
            tool_call_id,
            message: req.message.clone(),
            schema: serde_json::to_value(&form.requested_schema).unwrap_or_default(),
        };
        tokio::select! {
            outcome = shared.hooks.elicit(request) => outcome,
            () = cancelled(pending.cancel) => ElicitOutcome::Cancel,
            () = cancellation.cancelled() => ElicitOutcome::Cancel,
        }
    };
    let action = match outcome {
        ElicitOutcome::Accept { content } => {
            let mut values = BTreeMap::new();
            for (name, value) in content {
                let v: acp::ElicitationContentValue = serde_json::from_value(value).map_err(|_| {
                    Error::new(
                        ErrorCode::INTERNAL_ERROR,
                        format!("form field {name:?} is not a string, number, boolean or list of strings"),
                    )
                })?;
                values.insert(name, v);
            }
            acp::ElicitationAction::Accept(acp::ElicitationAcceptAction::new().content(values))
        }
        ElicitOutcome::Decline => acp::ElicitationAction::Decline,
        ElicitOutcome::Cancel => acp::ElicitationAction::Cancel,
    };
    Ok(acp::CreateElicitationResponse::new(action))
}
