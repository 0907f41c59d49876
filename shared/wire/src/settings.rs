//! The owner's runtime settings (CHAT-11): `GET /api/settings` and
//! `PATCH /api/settings` of boochat, stored one row per key in the `settings`
//! table (key → jsonb). Keys are dotted (`chat.default_model`, `sampling.top_p`,
//! `ui.theme`); the JSON objects here use the same names, so what the browser
//! reads is what it patches. A key with no row has its built-in default.
//!
//! Config-file values (`BOO_*`, TOML) are deployment settings and are not here:
//! `llm.default_model` is only the fallback when `chat.default_model` is unset.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `ui.theme`: the page's colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    /// Follow the browser's `prefers-color-scheme`.
    #[default]
    System,
}

/// The default of `chat.compact_threshold`.
pub const DEFAULT_COMPACT_THRESHOLD: f64 = 0.8;

/// Every settings key, in the order the settings view lists them.
pub const KEYS: [&str; 12] = [
    "chat.default_model",
    "chat.default_agent",
    "chat.compact_threshold",
    "sampling.temperature",
    "sampling.top_p",
    "sampling.top_k",
    "sampling.min_p",
    "sampling.repeat_penalty",
    "sampling.presence_penalty",
    "sampling.frequency_penalty",
    "sampling.max_tokens",
    "ui.theme",
];

/// The owner's settings with every default applied. The `sampling.*` values are
/// llama-server's `/v1/chat/completions` fields of the same name; `null` leaves
/// the field out of the request (the model server's default), and an agent's own
/// value wins over these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerSettings {
    /// Model for chats whose agent names none (`null`: `llm.default_model` from
    /// the config file, else the model server's first model).
    #[serde(rename = "chat.default_model")]
    pub default_model: Option<String>,
    /// Agent for chats that select none (`null`: the plain model).
    #[serde(rename = "chat.default_agent")]
    pub default_agent: Option<String>,
    /// Fraction of the model's context window at which a chat is compacted,
    /// in (0, 1]; default 0.8.
    #[serde(rename = "chat.compact_threshold")]
    pub compact_threshold: f64,
    #[serde(rename = "sampling.temperature")]
    pub temperature: Option<f64>,
    #[serde(rename = "sampling.top_p")]
    pub top_p: Option<f64>,
    #[serde(rename = "sampling.top_k")]
    pub top_k: Option<u32>,
    #[serde(rename = "sampling.min_p")]
    pub min_p: Option<f64>,
    #[serde(rename = "sampling.repeat_penalty")]
    pub repeat_penalty: Option<f64>,
    #[serde(rename = "sampling.presence_penalty")]
    pub presence_penalty: Option<f64>,
    #[serde(rename = "sampling.frequency_penalty")]
    pub frequency_penalty: Option<f64>,
    /// Longest answer of one model round, in tokens.
    #[serde(rename = "sampling.max_tokens")]
    pub max_tokens: Option<u32>,
    #[serde(rename = "ui.theme")]
    pub theme: Theme,
}

impl Default for OwnerSettings {
    fn default() -> Self {
        Self {
            default_model: None,
            default_agent: None,
            compact_threshold: DEFAULT_COMPACT_THRESHOLD,
            temperature: None,
            top_p: None,
            top_k: None,
            min_p: None,
            repeat_penalty: None,
            presence_penalty: None,
            frequency_penalty: None,
            max_tokens: None,
            theme: Theme::System,
        }
    }
}

/// `GET /api/settings` (and the answer to `PATCH`): the values with defaults
/// applied, and which keys the owner has set (stored rows), sorted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsInfo {
    pub settings: OwnerSettings,
    pub set: Vec<String>,
}

/// `PATCH /api/settings`: any subset of the keys; a value sets the key, `null`
/// resets it to its default. Unknown keys and bad values are refused (400, code
/// `unknown_setting` or `invalid_<key with _ for .>`, `details.key` naming it) and
/// nothing is written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsPatch {
    #[serde(rename = "chat.default_model", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | null")]
    pub default_model: Option<Option<String>>,
    #[serde(rename = "chat.default_agent", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | null")]
    pub default_agent: Option<Option<String>>,
    #[serde(
        rename = "chat.compact_threshold",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub compact_threshold: Option<Option<f64>>,
    #[serde(
        rename = "sampling.temperature",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub temperature: Option<Option<f64>>,
    #[serde(rename = "sampling.top_p", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number | null")]
    pub top_p: Option<Option<f64>>,
    #[serde(rename = "sampling.top_k", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number | null")]
    pub top_k: Option<Option<u32>>,
    #[serde(rename = "sampling.min_p", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number | null")]
    pub min_p: Option<Option<f64>>,
    #[serde(
        rename = "sampling.repeat_penalty",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub repeat_penalty: Option<Option<f64>>,
    #[serde(
        rename = "sampling.presence_penalty",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub presence_penalty: Option<Option<f64>>,
    #[serde(
        rename = "sampling.frequency_penalty",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub frequency_penalty: Option<Option<f64>>,
    #[serde(
        rename = "sampling.max_tokens",
        skip_serializing_if = "Option::is_none"
    )]
    #[ts(optional, type = "number | null")]
    pub max_tokens: Option<Option<u32>>,
    #[serde(rename = "ui.theme", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "Theme | null")]
    pub theme: Option<Option<Theme>>,
}
