//! Sessions kept on disk (`<state dir>/<id>.json`), so a new process of the fake
//! agent can `session/resume` or `session/load` what an earlier one started: the
//! files, and the handlers that find, resume, load and save sessions.

use std::path::{Path, PathBuf};

use agent_client_protocol::Client;
use agent_client_protocol::Error;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use serde::{Deserialize, Serialize};

use super::agent::{Fake, FakeSession, commands_update, say, update};

/// One turn the session remembers: the prompt and what the agent said.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Turn {
    pub(super) prompt: String,
    pub(super) reply: String,
}

/// What survives the process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Saved {
    pub(super) mode: String,
    pub(super) model: String,
    pub(super) turns: Vec<Turn>,
}

fn file(dir: &Path, id: &str) -> Option<PathBuf> {
    // Ids we hand out are `fake-<hex>`; anything else cannot be ours.
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        .then(|| dir.join(format!("{id}.json")))
}

/// The saved session `id`, if `dir` has it.
pub(super) fn read(dir: &Path, id: &str) -> Option<Saved> {
    let text = std::fs::read_to_string(file(dir, id)?).ok()?;
    serde_json::from_str(&text).ok()
}

/// Save session `id` (write to a temporary file, then rename).
pub(super) fn write(dir: &Path, id: &str, saved: &Saved) -> std::io::Result<()> {
    let path = file(dir, id).ok_or_else(|| std::io::Error::other("bad session id"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec(saved).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, path)
}

impl Fake {
    /// Make session `id` known to this process: already here, or saved by an
    /// earlier one in the state directory.
    pub(super) fn find(&self, id: &str) -> Result<(), Error> {
        if self.lock().contains_key(id) {
            return Ok(());
        }
        let saved = self
            .opts
            .state_dir
            .as_deref()
            .and_then(|dir| read(dir, id))
            .ok_or_else(|| Error::invalid_params().data(format!("unknown session {id}")))?;
        self.lock().insert(
            id.to_owned(),
            FakeSession::new(saved.mode, saved.model, saved.turns),
        );
        Ok(())
    }

    pub(super) fn resume_session(&self, id: &str) -> Result<acp::ResumeSessionResponse, Error> {
        if !self.opts.resume {
            return Err(Error::method_not_found());
        }
        self.find(id)?;
        Ok(acp::ResumeSessionResponse::new()
            .modes(self.modes(id))
            .config_options(self.config_options(id)))
    }

    /// `session/load`: replay the session's turns, then answer.
    pub(super) fn load_session(
        &self,
        id: &acp::SessionId,
        cx: &ConnectionTo<Client>,
    ) -> Result<acp::LoadSessionResponse, Error> {
        if !self.opts.load {
            return Err(Error::method_not_found());
        }
        self.find(&id.0)?;
        let turns = self
            .lock()
            .get(&*id.0)
            .map(|s| s.turns.clone())
            .unwrap_or_default();
        for turn in turns {
            update(
                cx,
                id,
                acp::SessionUpdate::UserMessageChunk(acp::ContentChunk::new(turn.prompt.into())),
            )?;
            say(cx, id, &turn.reply)?;
        }
        commands_update(cx, &id.0)?;
        Ok(acp::LoadSessionResponse::new()
            .modes(self.modes(&id.0))
            .config_options(self.config_options(&id.0)))
    }

    /// Write session `id` to the state directory (if there is one).
    pub(super) fn save(&self, id: &str) {
        let Some(dir) = &self.opts.state_dir else {
            return;
        };
        let saved = self.lock().get(id).map(|s| Saved {
            mode: s.mode.clone(),
            model: s.model.clone(),
            turns: s.turns.clone(),
        });
        if let Some(saved) = saved
            && let Err(e) = write(dir, id, &saved)
        {
            eprintln!("boo-fake-acp: cannot save session {id}: {e}");
        }
    }

    /// A turn ended: remember it (and save the session).
    pub(super) fn end_turn(&self, id: &str, prompt: String) {
        if let Some(s) = self.lock().get_mut(id) {
            let reply = std::mem::take(&mut s.reply);
            s.turns.push(Turn { prompt, reply });
        }
        self.save(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_saved_session_reads_back_and_foreign_ids_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let saved = Saved {
            mode: "ask".into(),
            model: "fake-smart".into(),
            turns: vec![Turn {
                prompt: "say hi".into(),
                reply: "hi".into(),
            }],
        };
        write(dir.path(), "fake-1", &saved).unwrap();
        assert_eq!(read(dir.path(), "fake-1"), Some(saved));
        assert_eq!(read(dir.path(), "fake-2"), None);
        assert_eq!(read(dir.path(), "../fake-1"), None);
    }
}
