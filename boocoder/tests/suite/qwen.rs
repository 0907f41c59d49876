//! A real agent: Qwen Code (`@qwen-code/qwen-code` from npm) in ACP mode, run by
//! the whole daemon against the scripted OpenAI-compatible server
//! (`boo_testkit::fake_llm`): the scenario of [`super::real_agent`]. `BOO_QWEN` is
//! the absolute path of the `qwen` executable.
//!
//! qwen runs inside the sandbox (bwrap) as `qwen --acp --auth-type openai` with `OPENAI_BASE_URL`,
//! `OPENAI_API_KEY` and `OPENAI_MODEL`, a private `HOME` (and `QWEN_HOME`), and a
//! `settings.json` there that turns off usage statistics (otherwise it posts to
//! Aliyun RUM), telemetry and update checks. `QWEN_DISABLE_AUTO_TITLE=1` keeps it
//! from spending an extra model request on a session title.

use std::path::Path;

use boo_testkit::fake_llm::{DEFAULT_MODEL, FakeLlm};

use super::real_agent::{agent_binary, provider_toml, sandboxed_fx, two_warm_turns};
use super::turns::Fx;

/// qwen's user settings: nothing phones home, nothing asks.
const QWEN_SETTINGS: &str = r#"{
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
}
"#;

/// boocoder whose `qwen` provider runs the real qwen against `llm`.
/// qwen runs inside the sandbox (`coder.sandbox.mode = "bwrap"`); its HOME (the
/// provider's env names one in the scratch dir) is made writable for it, the way
/// an owner loosens the policy for a provider.
async fn fx(qwen: &Path, llm: &FakeLlm) -> Fx {
    let write_providers = |scratch: &Path, providers: &Path| {
        let home = scratch.join("home");
        std::fs::create_dir_all(home.join(".qwen")).unwrap();
        std::fs::write(home.join(".qwen/settings.json"), QWEN_SETTINGS).unwrap();
        let home_str = home.to_str().unwrap();
        let env = [
            ("OPENAI_BASE_URL", llm.base_url()),
            ("OPENAI_API_KEY", "test".to_owned()),
            ("OPENAI_MODEL", DEFAULT_MODEL.to_owned()),
            ("HOME", home_str.to_owned()),
            ("QWEN_HOME", format!("{home_str}/.qwen")),
            ("XDG_CONFIG_HOME", format!("{home_str}/.config")),
            ("XDG_CACHE_HOME", format!("{home_str}/.cache")),
            ("XDG_DATA_HOME", format!("{home_str}/.local/share")),
            ("QWEN_DISABLE_AUTO_TITLE", "1".to_owned()),
            ("QWEN_CODE_DISABLE_PRECONNECT", "1".to_owned()),
            ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
            ("no_proxy", "127.0.0.1,localhost".to_owned()),
            ("NO_COLOR", "1".to_owned()),
        ];
        let toml = provider_toml("qwen", qwen, &["--acp", "--auth-type", "openai"], &env);
        std::fs::write(providers, toml).unwrap();
    };
    sandboxed_fx("qwen", write_providers).await
}

#[tokio::test]
async fn qwen_in_acp_mode_serves_two_turns_from_one_warm_session() {
    let Some(qwen) = agent_binary("BOO_QWEN", "@qwen-code/qwen-code") else {
        return;
    };
    let llm = FakeLlm::start().await;
    let f = fx(&qwen, &llm).await;
    two_warm_turns(f, llm, "qwen").await;
}
