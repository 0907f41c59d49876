//! A real agent: opencode (`opencode-ai` from npm) as `opencode acp`, run by the
//! whole daemon inside the sandbox against the scripted OpenAI-compatible server:
//! the scenario of [`super::real_agent`]. `BOO_OPENCODE` is the absolute path of
//! the `opencode` executable. (opencode's server mode is issue 15's.)
//!
//! Its private HOME is [`super::real_agent::opencode_home`]'s.

use std::path::Path;

use boo_testkit::fake_llm::FakeLlm;
use serde_json::json;

use super::real_agent::{agent_binary, opencode_home, provider_toml, sandboxed_fx, two_warm_turns};
use super::turns::Fx;

/// boocoder whose `opencode` provider runs the real opencode against `llm`, its
/// HOME (in the scratch dir) made writable for it.
async fn fx(opencode: &Path, llm: &FakeLlm) -> Fx {
    let write_providers = |scratch: &Path, providers: &Path| {
        let env = opencode_home(&scratch.join("home"), &llm.base_url(), json!({}));
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
