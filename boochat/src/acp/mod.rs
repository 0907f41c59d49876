//! `boochat acp`: BooCode's own coding agent on stdin/stdout, speaking ACP v1
//! (`agent-client-protocol`, agent side). It is the chat engine — the local model,
//! the shared turn loop, the text tool-call parser, the AGENTS.md agents — plus
//! write and command tools ([`tools`]). boocoder drives it as the `boocode`
//! provider; editors such as Zed can drive it too. Stdout carries protocol only;
//! logs go to stderr.
//!
//! - `initialize` advertises what is true: `session/load`, `resume`, `list`,
//!   `close`; prompts of text, resource links and embedded text resources.
//! - Sessions and their model-side conversation live in files under the agent's
//!   HOME ([`store`]), so a new agent process can `session/load` (history replayed
//!   as updates) or `session/resume` one. No database: the agent runs on the
//!   [`Toolkit`] alone and holds none of BooCode's credentials.
//! - Config options: `mode` (`ask` read-only, `code` asks before writes and
//!   commands, `auto` does not ask), `model` (the model server's list), `agent`
//!   (the AGENTS.md agents). Each AGENTS.md agent is also a slash command
//!   (`/name task` runs that turn with it).
//! - `session/prompt` streams message and thought chunks, `tool_call` /
//!   `tool_call_update` (kind, locations, a diff for edits, the terminal for
//!   commands) and `usage_update`; `session/cancel` drops the model request at
//!   once and the turn ends `cancelled`.

mod command;
mod options;
mod prompt;
mod sink;
mod store;
mod tools;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::v1::{ConnectionTo, Responder};
use agent_client_protocol::{Agent, ByteStreams, Client, Error};
use boo_shared::chat::MessageStatus;
use boo_shared::config::Settings;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::engine::{ASK_USER_INPUT, Toolkit, turn_loop};
use crate::tools::SESSION_TOOLS;
pub use command::{COMMAND_OUTPUT_BYTES, COMMAND_TIMEOUT, Run, run_local};
pub use prompt::Mode;
use prompt::{prompt_text, system_prompt};
use store::Store;
use tools::{AgentTools, ClientCaps, MemOutputs};

/// The agent's name in `initialize` (boocoder's provider id is the same).
pub const NAME: &str = "boocode";

/// `boochat acp`: serve ACP on stdin/stdout until the client hangs up, keeping
/// sessions in `state_dir` (default [`store::default_dir`]).
pub fn main(settings: Settings, state_dir: Option<PathBuf>) -> ExitCode {
    boo_shared::telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("boochat acp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let dir = state_dir.or_else(store::default_dir).ok_or(
            "no directory for the sessions: set HOME or XDG_STATE_HOME, or pass --state-dir",
        )?;
        let store = Store::open(dir).map_err(|e| format!("cannot open the session store: {e}"))?;
        let kit = toolkit(Arc::new(settings)).map_err(|e| e.to_string())?;
        serve(kit, store, tokio::io::stdin(), tokio::io::stdout())
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "boochat acp failed");
            eprintln!("boochat acp: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the agent runs on: the model server, the tools, the AGENTS.md agents.
pub fn toolkit(settings: Arc<Settings>) -> Result<Arc<Toolkit>, reqwest::Error> {
    let agents = match &settings.chat.agents_file {
        Some(path) => crate::agents::Registry::load(path.clone()),
        None => crate::agents::Registry::none(),
    };
    Toolkit::new(settings, agents).map(Arc::new)
}

struct State {
    kit: Arc<Toolkit>,
    store: Store,
    caps: Mutex<ClientCaps>,
    live: Mutex<HashMap<Uuid, Live>>,
}

/// A session this process has opened (new, loaded or resumed).
struct Live {
    cwd: PathBuf,
    mode: Mode,
    model: Option<String>,
    agent: Option<String>,
    always: Arc<Mutex<HashSet<String>>>,
    outputs: Arc<MemOutputs>,
    /// The running turn's cancel token.
    running: Option<CancellationToken>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::invalid_params().data(msg.into())
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::internal_error().data(e.to_string())
}

fn session_uuid(id: &acp::SessionId) -> Result<Uuid, Error> {
    Uuid::parse_str(&id.0).map_err(|_| invalid(format!("unknown session {}", id.0)))
}

/// Serve ACP over `reader`/`writer` until the client closes its end.
pub async fn serve<R, W>(kit: Arc<Toolkit>, store: Store, reader: R, writer: W) -> Result<(), Error>
where
    R: AsyncRead + Send + 'static,
    W: AsyncWrite + Send + 'static,
{
    let state = Arc::new(State {
        kit,
        store,
        caps: Mutex::new(ClientCaps::default()),
        live: Mutex::new(HashMap::new()),
    });
    let transport = ByteStreams::new(writer.compat_write(), reader.compat());
    let s = || state.clone();
    let (s_init, s_new, s_load, s_resume, s_list, s_close, s_config, s_mode, s_prompt, s_cancel) =
        (s(), s(), s(), s(), s(), s(), s(), s(), s(), s());
    Agent
        .v1()
        .name(NAME)
        .on_receive_request(
            async move |req: acp::InitializeRequest, responder, _cx: ConnectionTo<Client>| {
                s_init.initialize(req, responder)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::NewSessionRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_new.clone();
                let c = cx.clone();
                cx.spawn(async move { st.new_session(req, responder, &c).await })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::LoadSessionRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_load.clone();
                let c = cx.clone();
                cx.spawn(async move {
                    let id = req.session_id.clone();
                    responder.respond_with_result(st.open(&id, Some(&c)).await.map(|o| {
                        acp::LoadSessionResponse::new()
                            .modes(o.0)
                            .config_options(o.1)
                    }))?;
                    st.announce_commands(&c, &id)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::ResumeSessionRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_resume.clone();
                let c = cx.clone();
                cx.spawn(async move {
                    let id = req.session_id.clone();
                    responder.respond_with_result(st.open(&id, None).await.map(|o| {
                        acp::ResumeSessionResponse::new()
                            .modes(o.0)
                            .config_options(o.1)
                    }))?;
                    st.announce_commands(&c, &id)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::ListSessionsRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_list.clone();
                cx.spawn(async move { responder.respond_with_result(st.list(req).await) })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::CloseSessionRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_close.clone();
                cx.spawn(async move { responder.respond_with_result(st.close(req).await) })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::SetSessionConfigOptionRequest,
                        responder,
                        cx: ConnectionTo<Client>| {
                let st = s_config.clone();
                cx.spawn(async move {
                    let value = req.value.as_value_id().map(|v| v.0.to_string());
                    let r = match value {
                        Some(v) => st
                            .set(&req.session_id, &req.config_id.0, &v)
                            .await
                            .map(acp::SetSessionConfigOptionResponse::new),
                        None => Err(invalid("only select options here")),
                    };
                    responder.respond_with_result(r)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::SetSessionModeRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_mode.clone();
                cx.spawn(async move {
                    let r = st
                        .set(&req.session_id, "mode", &req.mode_id.0)
                        .await
                        .map(|_| acp::SetSessionModeResponse::new());
                    responder.respond_with_result(r)
                })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |req: acp::PromptRequest, responder, cx: ConnectionTo<Client>| {
                let st = s_prompt.clone();
                let c = cx.clone();
                // Spawned: the turn sends requests to the client (permission,
                // fs, terminals) and session/cancel must get through meanwhile.
                cx.spawn(async move { responder.respond_with_result(st.prompt(&c, req).await) })
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_notification(
            async move |n: acp::CancelNotification, _cx: ConnectionTo<Client>| {
                s_cancel.cancel(&n.session_id);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_with(transport, async move |cx: ConnectionTo<Client>| {
            cx.incoming_closed().await;
            Ok(())
        })
        .await
}

impl State {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Live>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn initialize(
        &self,
        req: acp::InitializeRequest,
        responder: Responder<acp::InitializeResponse>,
    ) -> Result<(), Error> {
        let c = &req.client_capabilities;
        *self.caps.lock().unwrap_or_else(|e| e.into_inner()) = ClientCaps {
            read: c.fs.read_text_file,
            write: c.fs.write_text_file,
            terminal: c.terminal,
        };
        responder.respond(
            acp::InitializeResponse::new(ProtocolVersion::V1)
                .agent_capabilities(
                    acp::AgentCapabilities::new()
                        .load_session(true)
                        .prompt_capabilities(acp::PromptCapabilities::new().embedded_context(true))
                        .session_capabilities(
                            acp::SessionCapabilities::new()
                                .list(acp::SessionListCapabilities::new())
                                .resume(acp::SessionResumeCapabilities::new())
                                .close(acp::SessionCloseCapabilities::new()),
                        ),
                )
                .agent_info(
                    acp::Implementation::new(NAME, boo_shared::VERSION).title("BooCode".to_owned()),
                ),
        )
    }

    async fn new_session(
        &self,
        req: acp::NewSessionRequest,
        responder: Responder<acp::NewSessionResponse>,
        cx: &ConnectionTo<Client>,
    ) -> Result<(), Error> {
        let r = async {
            if !req.cwd.is_absolute() || !req.cwd.is_dir() {
                return Err(invalid(format!(
                    "cwd must be an existing absolute directory, got {}",
                    req.cwd.display()
                )));
            }
            let cwd = req.cwd.to_string_lossy().into_owned();
            let row = self
                .store
                .create(&cwd, Mode::Code.id())
                .await
                .map_err(internal)?;
            self.track(&row);
            let (modes, options) = self.options(row.id).await;
            Ok(acp::NewSessionResponse::new(row.id.to_string())
                .modes(modes)
                .config_options(options))
        }
        .await;
        let id = r.as_ref().ok().map(|r| r.session_id.clone());
        responder.respond_with_result(r)?;
        match id {
            Some(id) => self.announce_commands(cx, &id),
            None => Ok(()),
        }
    }

    fn track(&self, row: &store::Row) {
        self.live().entry(row.id).or_insert_with(|| Live {
            cwd: PathBuf::from(&row.cwd),
            mode: Mode::parse(&row.mode).unwrap_or(Mode::Code),
            model: row.model.clone(),
            agent: row.agent.clone(),
            always: Arc::default(),
            outputs: Arc::default(),
            running: None,
        });
    }

    /// Load (`replay_to` set: send the history first) or resume a stored session.
    async fn open(
        &self,
        id: &acp::SessionId,
        replay_to: Option<&ConnectionTo<Client>>,
    ) -> Result<(acp::SessionModeState, Vec<acp::SessionConfigOption>), Error> {
        let uuid = session_uuid(id)?;
        let row = self
            .store
            .get(uuid)
            .await
            .map_err(internal)?
            .ok_or_else(|| invalid(format!("unknown session {}", id.0)))?;
        self.track(&row);
        if let Some(cx) = replay_to {
            let history = self.store.history(uuid).await.map_err(internal)?;
            sink::replay(cx, id, &history)?;
        }
        Ok(self.options(uuid).await)
    }

    async fn list(
        &self,
        req: acp::ListSessionsRequest,
    ) -> Result<acp::ListSessionsResponse, Error> {
        let cwd = req.cwd.as_ref().map(|c| c.to_string_lossy().into_owned());
        let rows = self
            .store
            .list(cwd.as_deref(), 200)
            .await
            .map_err(internal)?;
        Ok(acp::ListSessionsResponse::new(
            rows.into_iter()
                .map(|r| {
                    acp::SessionInfo::new(r.id.to_string(), PathBuf::from(r.cwd))
                        .title(r.title)
                        .updated_at(r.updated_at.to_rfc3339())
                })
                .collect(),
        ))
    }

    async fn close(
        &self,
        req: acp::CloseSessionRequest,
    ) -> Result<acp::CloseSessionResponse, Error> {
        let uuid = session_uuid(&req.session_id)?;
        if let Some(live) = self.live().remove(&uuid)
            && let Some(t) = live.running
        {
            t.cancel();
        }
        if !self.store.close(uuid).await.map_err(internal)? {
            return Err(invalid(format!("unknown session {}", req.session_id.0)));
        }
        Ok(acp::CloseSessionResponse::new())
    }

    fn cancel(&self, id: &acp::SessionId) {
        if let Ok(uuid) = Uuid::parse_str(&id.0)
            && let Some(t) = self.live().get(&uuid).and_then(|l| l.running.clone())
        {
            t.cancel();
        }
    }

    async fn prompt(
        &self,
        cx: &ConnectionTo<Client>,
        req: acp::PromptRequest,
    ) -> Result<acp::PromptResponse, Error> {
        let uuid = session_uuid(&req.session_id)?;
        let cancel = CancellationToken::new();
        let (cwd, mode, model, mut agent, always, outputs) = {
            let mut live = self.live();
            let l = live.get_mut(&uuid).ok_or_else(|| {
                invalid(format!(
                    "unknown session {} (load or resume it first)",
                    req.session_id.0
                ))
            })?;
            if l.running.as_ref().is_some_and(|t| !t.is_cancelled()) {
                return Err(invalid("a prompt is already running in this session"));
            }
            l.running = Some(cancel.clone());
            (
                l.cwd.clone(),
                l.mode,
                l.model.clone(),
                l.agent.clone(),
                l.always.clone(),
                l.outputs.clone(),
            )
        };
        let result = async {
            let mut text = prompt_text(&req.prompt);
            if text.trim().is_empty() {
                return Err(invalid("the prompt has no text"));
            }
            // `/agent task`: this turn with that AGENTS.md agent.
            if let Some(rest) = text.strip_prefix('/') {
                let (name, task) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                if self.kit.agents.get(name).is_some() {
                    agent = Some(name.to_owned());
                    text = task.trim().to_owned();
                }
            }
            let agent_def = agent.as_deref().and_then(|a| self.kit.agents.get(a));
            let model = match model {
                Some(m) => m,
                None => self
                    .kit
                    .model_for(agent_def.as_ref())
                    .await
                    .map_err(internal)?,
            };
            let history = self.store.history(uuid).await.map_err(internal)?;
            let user = json!({"role": "user", "content": text});
            if !self
                .store
                .append(uuid, std::slice::from_ref(&user))
                .await
                .map_err(internal)?
            {
                return Err(invalid(format!("unknown session {}", req.session_id.0)));
            }
            let title: String = text
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(80)
                .collect();
            self.store
                .title_once(uuid, &title)
                .await
                .map_err(internal)?;

            let mut specs: Vec<Value> = self
                .kit
                .tool_specs(agent_def.as_ref())
                .into_iter()
                .filter(|s| {
                    let name = s["function"]["name"].as_str().unwrap_or_default();
                    name != ASK_USER_INPUT && !SESSION_TOOLS.contains(&name)
                })
                .collect();
            if mode != Mode::Ask {
                specs.extend(tools::write_specs().into_iter().filter(|s| {
                    let name = s["function"]["name"].as_str().unwrap_or_default();
                    agent_def.as_ref().is_none_or(|a| a.allows_tool(name))
                }));
            }
            let offered = specs
                .iter()
                .filter_map(|s| s["function"]["name"].as_str().map(str::to_owned))
                .collect();
            let mut convo = vec![
                json!({"role": "system", "content": system_prompt(&cwd, mode, agent_def.as_ref())}),
            ];
            convo.extend(history);
            convo.push(user);
            let settings = &self.kit.settings.chat;
            let spec = turn_loop::Spec {
                llm: &self.kit.llm,
                model: model.clone(),
                sampling: match agent_def
                    .as_ref()
                    .map(|a| serde_json::to_value(&a.sampling))
                {
                    Some(Ok(Value::Object(m))) => m,
                    _ => serde_json::Map::new(),
                },
                tools: specs,
                budget: agent_def
                    .as_ref()
                    .and_then(|a| a.max_tool_calls)
                    .unwrap_or(settings.max_tool_calls) as usize,
                output_cap: settings.tool_output_bytes,
            };
            let caps = *self.caps.lock().unwrap_or_else(|e| e.into_inner());
            let tools = AgentTools {
                kit: self.kit.clone(),
                cx: cx.clone(),
                session: req.session_id.clone(),
                cwd,
                mode,
                caps,
                always,
                outputs,
                offered,
            };
            let mut sink = sink::AcpSink {
                cx: cx.clone(),
                session: req.session_id.clone(),
                context_size: self.kit.llm.ctx_size(&model).await,
                usage: Default::default(),
            };
            let interrupted = || "cancelled by the client".to_owned();
            let out = turn_loop::drive(spec, convo, &mut sink, &tools, &cancel, &interrupted).await;
            self.store
                .append(uuid, &out.added)
                .await
                .map_err(internal)?;
            let usage = out
                .usage
                .prompt_tokens
                .zip(out.usage.completion_tokens)
                .map(|(i, o)| {
                    let (i, o) = (i.max(0) as u64, o.max(0) as u64);
                    acp::Usage::new(i + o, i, o)
                });
            match out.status {
                MessageStatus::Cancelled => {
                    Ok(acp::PromptResponse::new(acp::StopReason::Cancelled))
                }
                MessageStatus::Failed => Err(internal(
                    out.error.unwrap_or_else(|| "the turn failed".into()),
                )),
                _ => Ok(acp::PromptResponse::new(acp::StopReason::EndTurn).usage(usage)),
            }
        }
        .await;
        if let Some(l) = self.live().get_mut(&uuid) {
            l.running = None;
        }
        result
    }
}
