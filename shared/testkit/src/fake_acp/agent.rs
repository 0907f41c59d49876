//! The fake agent's handlers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::v1::{ConnectionTo, Responder};
use agent_client_protocol::{Agent, ByteStreams, Client, Error};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, watch};
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

use super::script::{Command, chunks, parse};
use super::store::Turn;
use super::terminal;
use super::{FakeAcpOptions, OnCrash};

const MODES: [(&str, &str); 2] = [("ask", "Ask"), ("code", "Code")];
const MODELS: [(&str, &str); 2] = [("fake-fast", "Fake fast"), ("fake-smart", "Fake smart")];

pub(super) struct Fake {
    pub(super) opts: FakeAcpOptions,
    sessions: Mutex<HashMap<String, FakeSession>>,
    next_session: AtomicU64,
    next_ask: AtomicU64,
    crash: Notify,
}

pub(super) struct FakeSession {
    pub(super) mode: String,
    pub(super) model: String,
    /// `true` once `session/cancel` arrived for the running turn.
    cancel: watch::Sender<bool>,
    /// The last terminal `start` created (what `wait`, `output`, … act on).
    terminal: Option<String>,
    /// Earlier turns (kept in the state directory, if any).
    pub(super) turns: Vec<Turn>,
    /// What the agent said so far in the running turn.
    pub(super) reply: String,
}

impl FakeSession {
    pub(super) fn new(mode: String, model: String, turns: Vec<Turn>) -> Self {
        FakeSession {
            mode,
            model,
            cancel: watch::Sender::new(false),
            terminal: None,
            turns,
            reply: String::new(),
        }
    }
}

pub(super) async fn serve<R, W>(reader: R, writer: W, opts: FakeAcpOptions) -> Result<(), Error>
where
    R: AsyncRead + Send + 'static,
    W: AsyncWrite + Send + 'static,
{
    let fake = Arc::new(Fake {
        opts,
        sessions: Mutex::new(HashMap::new()),
        next_session: AtomicU64::new(1),
        next_ask: AtomicU64::new(1),
        crash: Notify::new(),
    });
    let transport = ByteStreams::new(writer.compat_write(), reader.compat());
    let (f_resume, f_load) = (fake.clone(), fake.clone());
    let (f_init, f_new, f_config, f_mode, f_prompt, f_cancel, f_main) = (
        fake.clone(),
        fake.clone(),
        fake.clone(),
        fake.clone(),
        fake.clone(),
        fake.clone(),
        fake,
    );
    Agent
        .v1()
        .name(f_main.opts.name.clone())
        .on_receive_request(
            async move |req: acp::InitializeRequest, responder, _cx: ConnectionTo<Client>| {
                f_init.initialize(req, responder)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::NewSessionRequest, responder, cx: ConnectionTo<Client>| {
                f_new.new_session(req, responder, &cx)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::ResumeSessionRequest, responder, _cx: ConnectionTo<Client>| {
                responder.respond_with_result(f_resume.resume_session(&req.session_id.0))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::LoadSessionRequest, responder, cx: ConnectionTo<Client>| {
                responder.respond_with_result(f_load.load_session(&req.session_id, &cx))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::SetSessionConfigOptionRequest, responder, _cx: ConnectionTo<Client>| {
                responder.respond_with_result(f_config.set_config_option(req))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::SetSessionModeRequest, responder, _cx: ConnectionTo<Client>| {
                let session = req.session_id.0.to_string();
                let mode = req.mode_id.0.to_string();
                responder.respond_with_result(
                    f_mode
                        .set(&session, "mode", &mode)
                        .map(|()| acp::SetSessionModeResponse::new()),
                )
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::PromptRequest, responder, cx: ConnectionTo<Client>| {
                let fake = f_prompt.clone();
                let turn_cx = cx.clone();
                // Spawned: the turn sends requests to the client and must not
                // hold the dispatch loop (session/cancel has to get through).
                cx.spawn(async move {
                    let sid = req.session_id.0.to_string();
                    let prompt = text_of(&req.prompt);
                    let result = fake.run_turn(&turn_cx, req).await;
                    fake.end_turn(&sid, prompt);
                    responder.respond_with_result(result)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_notification(
            async move |n: acp::CancelNotification, _cx: ConnectionTo<Client>| {
                f_cancel.cancel(&n.session_id.0);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_with(transport, async move |cx: ConnectionTo<Client>| {
            tokio::select! {
                () = cx.incoming_closed() => Ok(()),
                () = f_main.crash.notified() => Err(Error::internal_error().data("crash requested")),
            }
        })
        .await
}

fn text_of(prompt: &[acp::ContentBlock]) -> String {
    prompt
        .iter()
        .filter_map(|b| match b {
            acp::ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn update(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    update: acp::SessionUpdate,
) -> Result<(), Error> {
    cx.send_notification(acp::SessionNotification::new(session.clone(), update))
}

pub(super) fn say(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    text: &str,
) -> Result<(), Error> {
    for chunk in chunks(text) {
        update(
            cx,
            session,
            acp::SessionUpdate::AgentMessageChunk(acp::ContentChunk::new(chunk.into())),
        )?;
    }
    Ok(())
}

fn cancelled() -> Result<acp::PromptResponse, Error> {
    Ok(acp::PromptResponse::new(acp::StopReason::Cancelled))
}

impl Fake {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, FakeSession>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn initialize(
        &self,
        _req: acp::InitializeRequest,
        responder: Responder<acp::InitializeResponse>,
    ) -> Result<(), Error> {
        if self.opts.fail_initialize {
            if self.opts.on_crash == OnCrash::Exit {
                eprintln!("boo-fake-acp: failing initialize as asked");
                std::process::exit(1);
            }
            return responder
                .respond_with_error(Error::internal_error().data("initialize fails as asked"));
        }
        let mut sessions = acp::SessionCapabilities::new();
        if self.opts.resume {
            sessions = sessions.resume(acp::SessionResumeCapabilities::new());
        }
        let capabilities = acp::AgentCapabilities::new()
            .load_session(self.opts.load)
            .session_capabilities(sessions);
        responder.respond(
            acp::InitializeResponse::new(ProtocolVersion::V1)
                .agent_capabilities(capabilities)
                .agent_info(
                    acp::Implementation::new(self.opts.name.clone(), self.opts.version.clone())
                        .title("Boo fake ACP agent".to_owned()),
                ),
        )
    }

    fn new_session(
        &self,
        _req: acp::NewSessionRequest,
        responder: Responder<acp::NewSessionResponse>,
        cx: &ConnectionTo<Client>,
    ) -> Result<(), Error> {
        // Ids of a process that keeps its sessions must not repeat in the next one.
        let id = match &self.opts.state_dir {
            Some(_) => format!("fake-{}", uuid::Uuid::new_v4().simple()),
            None => format!(
                "fake-session-{}",
                self.next_session.fetch_add(1, Ordering::Relaxed)
            ),
        };
        self.lock().insert(
            id.clone(),
            FakeSession::new("code".to_owned(), MODELS[0].0.to_owned(), Vec::new()),
        );
        self.save(&id);
        responder.respond(
            acp::NewSessionResponse::new(id.clone())
                .modes(self.modes(&id))
                .config_options(self.config_options(&id)),
        )?;
        commands_update(cx, &id)
    }

    pub(super) fn modes(&self, session: &str) -> acp::SessionModeState {
        let current = self
            .lock()
            .get(session)
            .map_or_else(|| "code".to_owned(), |s| s.mode.clone());
        let modes = MODES
            .iter()
            .map(|(id, name)| acp::SessionMode::new(*id, *name))
            .collect();
        acp::SessionModeState::new(current, modes)
    }

    /// Say `text` in the running turn, remembering it as part of the reply.
    fn say(
        &self,
        cx: &ConnectionTo<Client>,
        session: &acp::SessionId,
        text: &str,
    ) -> Result<(), Error> {
        if let Some(s) = self.lock().get_mut(&*session.0) {
            s.reply.push_str(text);
        }
        say(cx, session, text)
    }
}

/// The fake's slash commands (`available_commands_update`).
pub(super) fn commands_update(cx: &ConnectionTo<Client>, id: &str) -> Result<(), Error> {
    {
        let commands = vec![
            acp::AvailableCommand::new("review", "Review the pending changes"),
            acp::AvailableCommand::new("explain", "Explain some code").input(
                acp::AvailableCommandInput::Unstructured(acp::UnstructuredCommandInput::new(
                    "what to explain",
                )),
            ),
        ];
        update(
            cx,
            &acp::SessionId::new(id),
            acp::SessionUpdate::AvailableCommandsUpdate(acp::AvailableCommandsUpdate::new(
                commands,
            )),
        )
    }
}

impl Fake {
    pub(super) fn config_options(&self, session: &str) -> Vec<acp::SessionConfigOption> {
        let (mode, model) = self
            .lock()
            .get(session)
            .map(|s| (s.mode.clone(), s.model.clone()))
            .unwrap_or_default();
        let select = |values: &[(&'static str, &'static str)]| {
            values
                .iter()
                .map(|(v, n)| acp::SessionConfigSelectOption::new(*v, *n))
                .collect::<Vec<_>>()
        };
        vec![
            acp::SessionConfigOption::select("mode", "Mode", mode, select(&MODES))
                .category(acp::SessionConfigOptionCategory::Mode),
            acp::SessionConfigOption::select("model", "Model", model, select(&MODELS))
                .category(acp::SessionConfigOptionCategory::Model),
        ]
    }

    fn set(&self, session: &str, option: &str, value: &str) -> Result<(), Error> {
        let mut sessions = self.lock();
        let s = sessions
            .get_mut(session)
            .ok_or_else(|| Error::invalid_params().data(format!("unknown session {session}")))?;
        let (slot, allowed) = match option {
            "mode" => (&mut s.mode, &MODES),
            "model" => (&mut s.model, &MODELS),
            _ => {
                return Err(Error::invalid_params().data(format!("unknown config option {option}")));
            }
        };
        if !allowed.iter().any(|(v, _)| *v == value) {
            return Err(Error::invalid_params().data(format!("{option} has no value {value}")));
        }
        *slot = value.to_owned();
        drop(sessions);
        self.save(session);
        Ok(())
    }

    fn set_config_option(
        &self,
        req: acp::SetSessionConfigOptionRequest,
    ) -> Result<acp::SetSessionConfigOptionResponse, Error> {
        let session = req.session_id.0.to_string();
        let value = req
            .value
            .as_value_id()
            .ok_or_else(|| Error::invalid_params().data("only select options here"))?;
        self.set(&session, &req.config_id.0, &value.0)?;
        Ok(acp::SetSessionConfigOptionResponse::new(
            self.config_options(&session),
        ))
    }

    fn cancel(&self, session: &str) {
        if let Some(s) = self.lock().get(session) {
            s.cancel.send_replace(true);
        }
    }

    async fn run_turn(
        &self,
        cx: &ConnectionTo<Client>,
        req: acp::PromptRequest,
    ) -> Result<acp::PromptResponse, Error> {
        let session = req.session_id.clone();
        let sid = session.0.to_string();
        let cancel = {
            let mut sessions = self.lock();
            let s = sessions
                .get_mut(&sid)
                .ok_or_else(|| Error::invalid_params().data(format!("unknown session {sid}")))?;
            s.cancel.send_replace(false);
            s.reply.clear();
            s.cancel.subscribe()
        };
        let is_cancelled = || *cancel.borrow();
        let mut usage = None;
        for command in parse(&text_of(&req.prompt)) {
            if is_cancelled() {
                return cancelled();
            }
            match command {
                Command::Say(text) => self.say(cx, &session, &text)?,
                Command::Echo(line) => self.say(cx, &session, &format!("Echo: {line}"))?,
                Command::Think(text) => {
                    for chunk in chunks(&text) {
                        update(
                            cx,
                            &session,
                            acp::SessionUpdate::AgentThoughtChunk(acp::ContentChunk::new(
                                chunk.into(),
                            )),
                        )?;
                    }
                }
                Command::Tool { id, title } => self.tool(cx, &session, &id, &title)?,
                Command::Write { path, content } => {
                    let request =
                        acp::WriteTextFileRequest::new(session.clone(), path.clone(), content);
                    let said = match cx.send_request(request).block_task().await {
                        Ok(_) => format!("wrote {path}"),
                        Err(e) => format!("error: {}", e.message),
                    };
                    self.say(cx, &session, &said)?;
                }
                Command::Read { path, line, limit } => {
                    let request = acp::ReadTextFileRequest::new(session.clone(), path)
                        .line(line)
                        .limit(limit);
                    let said = match cx.send_request(request).block_task().await {
                        Ok(r) => r.content,
                        Err(e) => format!("error: {}", e.message),
                    };
                    self.say(cx, &session, &said)?;
                }
                Command::Terminal => {
                    let request = acp::CreateTerminalRequest::new(session.clone(), "true");
                    let said = match cx.send_request(request).block_task().await {
                        Ok(r) => format!("terminal: {}", r.terminal_id.0),
                        Err(e) => format!("error: {}", e.message),
                    };
                    self.say(cx, &session, &said)?;
                }
                Command::Run(spec) => {
                    self.say(cx, &session, &terminal::run(cx, &session, &spec).await)?
                }
                Command::Start(spec) => {
                    let said = match terminal::start(cx, &session, &spec).await {
                        Ok(id) => {
                            if let Some(s) = self.lock().get_mut(&sid) {
                                s.terminal = Some(id.clone());
                            }
                            format!("terminal: {id}\n")
                        }
                        Err(e) => format!("error: {e}\n"),
                    };
                    self.say(cx, &session, &said)?;
                }
                Command::TermWait(id) => self.term_act(cx, &session, "wait", id).await?,
                Command::TermOutput(id) => self.term_act(cx, &session, "output", id).await?,
                Command::TermKill(id) => self.term_act(cx, &session, "kill", id).await?,
                Command::TermRelease(id) => self.term_act(cx, &session, "release", id).await?,
                Command::Ask => {
                    let choice = self.ask(cx, &session).await?;
                    if choice.is_none() && is_cancelled() {
                        return cancelled();
                    }
                    say(
                        cx,
                        &session,
                        &format!("permission: {}", choice.as_deref().unwrap_or("cancelled")),
                    )?;
                }
                Command::Elicit => {
                    let said = elicit(cx, &session).await?;
                    if said == "elicit: cancel" && is_cancelled() {
                        return cancelled();
                    }
                    self.say(cx, &session, &said)?;
                }
                Command::Slow(ms) => {
                    let mut watch = cancel.clone();
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(ms)) => {}
                        Ok(_) = watch.wait_for(|c| *c) => return cancelled(),
                    }
                }
                Command::Refuse => return Ok(acp::PromptResponse::new(acp::StopReason::Refusal)),
                Command::Crash => match self.opts.on_crash {
                    OnCrash::Exit => {
                        eprintln!("boo-fake-acp: crashing as asked");
                        std::process::exit(3);
                    }
                    OnCrash::Disconnect => {
                        self.crash.notify_one();
                        std::future::pending::<()>().await;
                    }
                },
                Command::Pid => self.say(cx, &session, &std::process::id().to_string())?,
                Command::Hostile(attempt) => self.say(cx, &session, &attempt.run().await)?,
                Command::Session => self.say(cx, &session, &sid)?,
                Command::History => {
                    let n = self.lock().get(&sid).map_or(0, |s| s.turns.len());
                    self.say(cx, &session, &format!("history: {n} turns"))?;
                }
                Command::Plan(entries) => {
                    let entries = entries
                        .into_iter()
                        .map(|e| {
                            acp::PlanEntry::new(
                                e,
                                acp::PlanEntryPriority::Medium,
                                acp::PlanEntryStatus::Pending,
                            )
                        })
                        .collect();
                    update(
                        cx,
                        &session,
                        acp::SessionUpdate::Plan(acp::Plan::new(entries)),
                    )?;
                }
                Command::Mode(mode) => {
                    self.set(&sid, "mode", &mode)?;
                    update(
                        cx,
                        &session,
                        acp::SessionUpdate::CurrentModeUpdate(acp::CurrentModeUpdate::new(mode)),
                    )?;
                }
                Command::Config => {
                    let (mode, model) = self
                        .lock()
                        .get(&sid)
                        .map(|s| (s.mode.clone(), s.model.clone()))
                        .unwrap_or_default();
                    self.say(cx, &session, &format!("config: mode={mode} model={model}"))?;
                }
                Command::Usage { used, size, cost } => {
                    let usage = acp::UsageUpdate::new(used, size)
                        .cost(cost.map(|c| acp::Cost::new(c, "USD")));
                    update(cx, &session, acp::SessionUpdate::UsageUpdate(usage))?;
                }
                Command::Tokens { input, output } => {
                    usage = Some(acp::Usage::new(input + output, input, output));
                }
            }
        }
        if is_cancelled() {
            return cancelled();
        }
        Ok(acp::PromptResponse::new(acp::StopReason::EndTurn).usage(usage))
    }

    fn tool(
        &self,
        cx: &ConnectionTo<Client>,
        session: &acp::SessionId,
        id: &str,
        title: &str,
    ) -> Result<(), Error> {
        let call = acp::ToolCall::new(id.to_owned(), title.to_owned())
            .kind(acp::ToolKind::Execute)
            .status(acp::ToolCallStatus::Pending)
            .raw_input(json!({ "command": title }))
            .locations(vec![acp::ToolCallLocation::new(format!("{id}.txt"))]);
        update(cx, session, acp::SessionUpdate::ToolCall(call))?;
        let fields = acp::ToolCallUpdateFields::new().status(acp::ToolCallStatus::InProgress);
        update(
            cx,
            session,
            acp::SessionUpdate::ToolCallUpdate(acp::ToolCallUpdate::new(id.to_owned(), fields)),
        )?;
        let fields = acp::ToolCallUpdateFields::new()
            .status(acp::ToolCallStatus::Completed)
            .content(vec![format!("done: {title}").into()])
            .raw_output(json!({ "exit_code": 0 }));
        update(
            cx,
            session,
            acp::SessionUpdate::ToolCallUpdate(acp::ToolCallUpdate::new(id.to_owned(), fields)),
        )
    }

    /// Ask permission for tool call `ask-<n>`; the chosen option id, `None` if cancelled.
    /// `wait` / `output` / `kill` / `release` on `id`, else the session's current terminal.
    async fn term_act(
        &self,
        cx: &ConnectionTo<Client>,
        session: &acp::SessionId,
        what: &str,
        id: Option<String>,
    ) -> Result<(), Error> {
        let current = || {
            self.lock()
                .get(&*session.0)
                .and_then(|s| s.terminal.clone())
        };
        let id = id.or_else(current);
        self.say(cx, session, &terminal::act(cx, session, what, id).await)
    }

    async fn ask(
        &self,
        cx: &ConnectionTo<Client>,
        session: &acp::SessionId,
    ) -> Result<Option<String>, Error> {
        let id = format!("ask-{}", self.next_ask.fetch_add(1, Ordering::Relaxed));
        let call = acp::ToolCall::new(id.clone(), "Edit src/lib.rs")
            .kind(acp::ToolKind::Edit)
            .locations(vec![acp::ToolCallLocation::new("src/lib.rs")]);
        update(cx, session, acp::SessionUpdate::ToolCall(call))?;
        let options = vec![
            acp::PermissionOption::new(
                "allow_once",
                "Allow once",
                acp::PermissionOptionKind::AllowOnce,
            ),
            acp::PermissionOption::new(
                "allow_always",
                "Always allow",
                acp::PermissionOptionKind::AllowAlways,
            ),
            acp::PermissionOption::new(
                "reject_once",
                "Reject",
                acp::PermissionOptionKind::RejectOnce,
            ),
        ];
        let tool_call = acp::ToolCallUpdate::new(
            id.clone(),
            acp::ToolCallUpdateFields::new().raw_input(json!({ "path": "src/lib.rs" })),
        );
        let request = acp::RequestPermissionRequest::new(session.clone(), tool_call, options);
        let response = cx.send_request(request).block_task().await?;
        let choice = match response.outcome {
            acp::RequestPermissionOutcome::Selected(s) => Some(s.option_id.0.to_string()),
            _ => None,
        };
        let status = match choice.as_deref() {
            Some(c) if c.starts_with("allow") => acp::ToolCallStatus::Completed,
            _ => acp::ToolCallStatus::Failed,
        };
        update(
            cx,
            session,
            acp::SessionUpdate::ToolCallUpdate(acp::ToolCallUpdate::new(
                id,
                acp::ToolCallUpdateFields::new().status(status),
            )),
        )?;
        Ok(choice)
    }
}

/// A form elicitation; what to say about its answer.
async fn elicit(cx: &ConnectionTo<Client>, session: &acp::SessionId) -> Result<String, Error> {
    let schema = acp::ElicitationSchema::new()
        .title("Details".to_owned())
        .string("name", true)
        .integer("count", 0, 10, false);
    let mode =
        acp::ElicitationFormMode::new(acp::ElicitationSessionScope::new(session.clone()), schema);
    let request = acp::CreateElicitationRequest::new(mode, "Tell me more");
    let response = cx.send_request(request).block_task().await?;
    Ok(match response.action {
        acp::ElicitationAction::Accept(a) => format!(
            "elicit: accept {}",
            serde_json::to_string(&a.content).unwrap_or_default()
        ),
        acp::ElicitationAction::Decline => "elicit: decline".to_owned(),
        _ => "elicit: cancel".to_owned(),
    })
}
