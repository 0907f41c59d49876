//! A session's config options (`mode`, `model`, `agent`), setting them, and the
//! slash commands (one per AGENTS.md agent).

use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use agent_client_protocol::{Client, Error};
use uuid::Uuid;

use super::{Mode, State, internal, invalid, session_uuid, store};

impl State {
    /// The mode state and the three config options of a session.
    pub(super) async fn options(
        &self,
        id: Uuid,
    ) -> (acp::SessionModeState, Vec<acp::SessionConfigOption>) {
        let (mode, model, agent) = self
            .live()
            .get(&id)
            .map(|l| (l.mode, l.model.clone(), l.agent.clone()))
            .unwrap_or((Mode::Code, None, None));
        let agent_def = agent.as_deref().and_then(|a| self.kit.agents.get(a));
        let current_model = match model {
            Some(m) => m,
            None => self
                .kit
                .model_for(agent_def.as_ref())
                .await
                .unwrap_or_else(|_| "default".into()),
        };
        let mut models: Vec<(String, String)> = self
            .kit
            .llm
            .models()
            .await
            .map(|ms| ms.into_iter().map(|m| (m.id.clone(), m.id)).collect())
            .unwrap_or_default();
        if !models.iter().any(|(id, _)| *id == current_model) {
            models.insert(0, (current_model.clone(), current_model.clone()));
        }
        let mut agents = vec![("none".to_owned(), "No agent".to_owned())];
        agents.extend(
            self.kit
                .agents
                .agents()
                .iter()
                .map(|a| (a.name.clone(), a.name.clone())),
        );
        let select = |v: Vec<(String, String)>| {
            v.into_iter()
                .map(|(id, name)| acp::SessionConfigSelectOption::new(id, name))
                .collect::<Vec<_>>()
        };
        let modes = acp::SessionModeState::new(
            mode.id(),
            Mode::ALL
                .iter()
                .map(|(_, id, name)| acp::SessionMode::new(*id, *name))
                .collect(),
        );
        let options = vec![
            acp::SessionConfigOption::select(
                "mode",
                "Mode",
                mode.id(),
                select(
                    Mode::ALL
                        .iter()
                        .map(|(_, id, name)| ((*id).to_owned(), (*name).to_owned()))
                        .collect(),
                ),
            )
            .category(acp::SessionConfigOptionCategory::Mode),
            acp::SessionConfigOption::select("model", "Model", current_model, select(models))
                .category(acp::SessionConfigOptionCategory::Model),
            acp::SessionConfigOption::select(
                "agent",
                "Agent",
                agent.unwrap_or_else(|| "none".into()),
                select(agents),
            ),
        ];
        (modes, options)
    }

    pub(super) async fn set(
        &self,
        id: &acp::SessionId,
        option: &str,
        value: &str,
    ) -> Result<Vec<acp::SessionConfigOption>, Error> {
        let uuid = session_uuid(id)?;
        if !self.live().contains_key(&uuid) {
            return Err(invalid(format!("unknown session {}", id.0)));
        }
        let (column, stored) = match option {
            "mode" => {
                let mode = Mode::parse(value)
                    .ok_or_else(|| invalid(format!("mode has no value {value:?}")))?;
                if let Some(l) = self.live().get_mut(&uuid) {
                    l.mode = mode;
                }
                (store::Setting::Mode, Some(value))
            }
            "model" => {
                if let Ok(models) = self.kit.llm.models().await
                    && !models.iter().any(|m| m.id == value)
                {
                    return Err(invalid(format!("the model server has no model {value:?}")));
                }
                if let Some(l) = self.live().get_mut(&uuid) {
                    l.model = Some(value.to_owned());
                }
                (store::Setting::Model, Some(value))
            }
            "agent" => {
                let agent = (value != "none").then_some(value);
                if let Some(a) = agent
                    && self.kit.agents.get(a).is_none()
                {
                    return Err(invalid(format!("no AGENTS.md agent {a:?}")));
                }
                if let Some(l) = self.live().get_mut(&uuid) {
                    l.agent = agent.map(str::to_owned);
                }
                (store::Setting::Agent, agent)
            }
            other => return Err(invalid(format!("unknown config option {other:?}"))),
        };
        self.store
            .set(uuid, column, stored)
            .await
            .map_err(internal)?;
        Ok(self.options(uuid).await.1)
    }

    /// Each AGENTS.md agent as `/name`.
    pub(super) fn announce_commands(
        &self,
        cx: &ConnectionTo<Client>,
        id: &acp::SessionId,
    ) -> Result<(), Error> {
        let commands = self
            .kit
            .agents
            .agents()
            .iter()
            .map(|a| {
                acp::AvailableCommand::new(
                    a.name.clone(),
                    a.description.clone().unwrap_or_default(),
                )
                .input(acp::AvailableCommandInput::Unstructured(
                    acp::UnstructuredCommandInput::new("the task"),
                ))
            })
            .collect();
        cx.send_notification(acp::SessionNotification::new(
            id.clone(),
            acp::SessionUpdate::AvailableCommandsUpdate(acp::AvailableCommandsUpdate::new(
                commands,
            )),
        ))
    }
}
