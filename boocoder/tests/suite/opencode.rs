//! A real agent: opencode (`opencode-ai` from npm) as `opencode acp`, run by the
//! whole daemon inside the sandbox against the scripted OpenAI-compatible server:
//! the scenario of [`super::real_agent`]. `BOO_OPENCODE` is the absolute path of
//! the `opencode` executable. (opencode's server mode is issue 15's.)
//!
//! Its private HOME holds `~/.config/opencode/opencode.json`: one custom provider
//! through `@ai-sdk/openai-compatible` (bundled with opencode: nothing is
//! downloaded) at the scripted server, that model as the default, no autoupdate,
//! no sharing, and the hidden `title` agent disabled (it would spend a scripted
//! reply on a session title). `OPENCODE_DISABLE_MODELS_FETCH` keeps it from
//! fetching the models.dev catalogue.

use std::path::Path;

use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm};
use serde_json::json;

use super::real_agent::{agent_binary, provider_toml, sandboxed_fx, two_warm_turns};
use super::turns::Fx;

/// boocoder whose `opencode` provider runs the real opencode against `llm`, its
/// HOME (in the scratch dir) made writable for it.
async fn fx(opencode: &Path, llm: &FakeLlm) -> Fx {
    let write_providers = |scratch: &Path, providers: &Path| {
        let home = scratch.join("home");
        let config = home.join(".config/opencode");
        std::fs::create_dir_all(&config).unwrap();
        let settings = json!({
            "$schema": "https://opencode.ai/config.json",
            "provider": {
                "boo": {
                    "npm": "@ai-sdk/openai-compatible",
                    "name": "BooCode test model",
                    "options": { "baseURL": llm.base_url(), "apiKey": "test" },
                    "models": { DEFAULT_MODEL: { "name": DEFAULT_MODEL } },
                },
            },
            "model": format!("boo/{DEFAULT_MODEL}"),
            "autoupdate": false,
            "share": "disabled",
            "agent": { "title": { "disable": true } },
        });
        std::fs::write(config.join("opencode.json"), settings.to_string()).unwrap();
        let home_str = home.to_str().unwrap();
        let env = [
            ("HOME", home_str.to_owned()),
            ("XDG_CONFIG_HOME", format!("{home_str}/.config")),
            ("XDG_CACHE_HOME", format!("{home_str}/.cache")),
            ("XDG_DATA_HOME", format!("{home_str}/.local/share")),
            ("XDG_STATE_HOME", format!("{home_str}/.local/state")),
            ("OPENCODE_DISABLE_AUTOUPDATE", "1".to_owned()),
            ("OPENCODE_DISABLE_MODELS_FETCH", "1".to_owned()),
            ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
            ("no_proxy", "127.0.0.1,localhost".to_owned()),
        ];
        let toml = provider_toml("opencode", opencode, &["acp"], &env);
        std::fs::write(providers, toml).unwrap();
    };
    sandboxed_fx("opencode", write_providers).await
}

#[tokio::test]
async fn opencode_in_acp_mode_serves_two_turns_from_one_warm_session() {
    let Some(opencode) = agent_binary("BOO_OPENCODE", "opencode-ai") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let f = fx(&opencode, &llm).await;
    two_warm_turns(f, llm, "opencode").await;
}
