//! The owner's runtime settings (CHAT-11) in the `settings` table (migration 0004:
//! one row per dotted key, the value as jsonb; no row = the built-in default).
//!
//! [`get`] is the typed reader everything else uses (the engine's default model,
//! agent and sampling; compaction's `chat.compact_threshold`): it applies the
//! defaults, and a stored value that no longer validates (written by hand, or by
//! an older rule) counts as unset, with a warning, so a bad row never breaks a turn.
//! [`parse_patch`] checks a `PATCH /api/settings` body key by key ([`spec`] holds
//! each key's rule and error code) and [`apply`] writes the result in one
//! transaction: a value upserts the row, `null` deletes it.

use std::collections::BTreeMap;

use boo_shared::settings::{KEYS, OwnerSettings, SettingsInfo};
use serde_json::{Map, Value, json};
use sqlx::PgPool;

mod spec;

pub use spec::{Rule, SPECS, Spec};

/// A refused `PATCH` body: which key, the stable code, what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    /// The key as the client sent it.
    pub key: String,
    /// `unknown_setting`, `invalid_settings` (not an object) or the key's own
    /// `invalid_<key>` code.
    pub code: &'static str,
    pub message: String,
}

/// One accepted change: set `key` to the value, or reset it (`None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub key: &'static str,
    pub value: Option<Value>,
}

/// Check a `PATCH` body: a JSON object whose keys are settings keys and whose
/// values pass the key's rule or are `null`. The first bad key is the error (keys
/// are checked in sorted order, so the answer does not depend on the body's order).
pub fn parse_patch(body: &Value) -> Result<Vec<Change>, SettingError> {
    let Value::Object(fields) = body else {
        return Err(SettingError {
            key: String::new(),
            code: "invalid_settings",
            message: "the body must be a JSON object of settings keys".into(),
        });
    };
    let sorted: BTreeMap<&String, &Value> = fields.iter().collect();
    let mut out = Vec::with_capacity(sorted.len());
    for (key, value) in sorted {
        let Some(spec) = spec::find(key) else {
            return Err(SettingError {
                key: key.clone(),
                code: "unknown_setting",
                message: format!("unknown setting {key:?}; the keys are: {}", KEYS.join(", ")),
            });
        };
        let value = match value {
            Value::Null => None,
            v => Some(spec.rule.check(v).map_err(|why| SettingError {
                key: key.clone(),
                code: spec.code,
                message: format!("{key}: {why}"),
            })?),
        };
        out.push(Change {
            key: spec.key,
            value,
        });
    }
    Ok(out)
}

/// The stored rows, key → value.
async fn rows(pool: &PgPool) -> Result<Vec<(String, Value)>, sqlx::Error> {
    sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(pool)
        .await
}

/// The settings from stored rows: defaults, overlaid with every known key whose
/// value passes its rule; also the keys that took effect.
pub fn from_rows(rows: &[(String, Value)]) -> (OwnerSettings, Vec<String>) {
    let mut fields = match serde_json::to_value(OwnerSettings::default()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut set = Vec::new();
    for (key, value) in rows {
        let Some(spec) = spec::find(key) else {
            continue;
        };
        match spec.rule.check(value) {
            Ok(v) => {
                fields.insert(spec.key.to_owned(), v);
                set.push(spec.key.to_owned());
            }
            Err(why) => {
                tracing::warn!(key = %key, value = %value, "ignoring a stored setting: {why}");
            }
        }
    }
    match serde_json::from_value(Value::Object(fields)) {
        Ok(s) => (s, set),
        // Unreachable while every rule yields its field's type; defaults then.
        Err(e) => {
            tracing::warn!(error = %e, "stored settings do not fit; using the defaults");
            (OwnerSettings::default(), Vec::new())
        }
    }
}

/// The owner's settings with defaults applied (the typed reader).
pub async fn get(pool: &PgPool) -> Result<OwnerSettings, sqlx::Error> {
    Ok(from_rows(&rows(pool).await?).0)
}

/// `GET /api/settings`: the settings and which keys are set.
pub async fn info(pool: &PgPool) -> Result<SettingsInfo, sqlx::Error> {
    let (settings, set) = from_rows(&rows(pool).await?);
    Ok(SettingsInfo { settings, set })
}

/// Write `changes` in one transaction, then read everything back.
pub async fn apply(pool: &PgPool, changes: &[Change]) -> Result<SettingsInfo, sqlx::Error> {
    let mut tx = pool.begin().await?;
    for c in changes {
        match &c.value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                )
                .bind(c.key)
                .bind(v)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = $1")
                    .bind(c.key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    info(pool).await
}

/// The `sampling.*` settings that are set, as chat-completions request fields
/// (`sampling.top_p` → `top_p`); an agent's own values are merged over these.
pub fn sampling_body(s: &OwnerSettings) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |name: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(name.to_owned(), v);
        }
    };
    put("temperature", s.temperature.map(|v| json!(v)));
    put("top_p", s.top_p.map(|v| json!(v)));
    put("top_k", s.top_k.map(|v| json!(v)));
    put("min_p", s.min_p.map(|v| json!(v)));
    put("repeat_penalty", s.repeat_penalty.map(|v| json!(v)));
    put("presence_penalty", s.presence_penalty.map(|v| json!(v)));
    put("frequency_penalty", s.frequency_penalty.map(|v| json!(v)));
    put("max_tokens", s.max_tokens.map(|v| json!(v)));
    out
}

#[cfg(test)]
mod tests;
