//! `available_agents`: the probe cache that survives restarts (migration 0007);
//! `permission_always`: the "always" answers given per project, agent and tool
//! kind (migration 0014).
//!
//! `probe_status` in the table: `unknown` (never probed, or the command changed
//! since), `ready`, `missing` (binary not found → `unavailable`), `error`.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::probe::{Outcome, ProbeReport};
use super::{CommandInfo, ModeInfo, ModelInfo, ProviderDef};

/// One row, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentRow {
    pub name: String,
    pub kind: String,
    pub display_name: Option<String>,
    pub transport: String,
    pub command: String,
    pub args: Vec<String>,
    pub install_path: Option<String>,
    pub enabled: bool,
    pub version: Option<String>,
    pub probe_status: String,
    pub modes: Vec<ModeInfo>,
    pub models: Vec<ModelInfo>,
    pub commands: Vec<CommandInfo>,
    pub probed_at: Option<DateTime<Utc>>,
    pub probe_ms: Option<i32>,
    pub error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    name: String,
    kind: String,
    display_name: Option<String>,
    transport: String,
    command: String,
    args: Vec<String>,
    install_path: Option<String>,
    enabled: bool,
    version: Option<String>,
    probe_status: String,
    modes: Json<serde_json::Value>,
    models: Json<serde_json::Value>,
    commands: Json<serde_json::Value>,
    probed_at: Option<DateTime<Utc>>,
    probe_ms: Option<i32>,
    error: Option<String>,
}

/// Array elements that do not decode are dropped rather than failing the row.
fn lenient<T: DeserializeOwned>(value: serde_json::Value) -> Vec<T> {
    match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    }
}

impl From<Row> for AgentRow {
    fn from(r: Row) -> Self {
        Self {
            name: r.name,
            kind: r.kind,
            display_name: r.display_name,
            transport: r.transport,
            command: r.command,
            args: r.args,
            install_path: r.install_path,
            enabled: r.enabled,
            version: r.version,
            probe_status: r.probe_status,
            modes: lenient(r.modes.0),
            models: lenient(r.models.0),
            commands: lenient(r.commands.0),
            probed_at: r.probed_at,
            probe_ms: r.probe_ms,
            error: r.error,
        }
    }
}

const COLUMNS: &str = "name, kind, display_name, transport, command, args, install_path, enabled, \
                       version, probe_status, modes, models, commands, probed_at, probe_ms, error";

pub async fn list(pool: &PgPool) -> Result<Vec<AgentRow>, sqlx::Error> {
    let rows = sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM available_agents ORDER BY name"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AgentRow::from).collect())
}

/// Make the table match `defs`: insert new providers, update definitions (a
/// changed command, args or transport resets the cached probe to `unknown`), and
/// delete rows of providers that are gone.
pub async fn sync_definitions(pool: &PgPool, defs: &[ProviderDef]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for def in defs {
        sqlx::query(
            "INSERT INTO available_agents (name, kind, display_name, transport, command, args, enabled)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (name) DO UPDATE SET
                 kind = EXCLUDED.kind,
                 display_name = EXCLUDED.display_name,
                 enabled = EXCLUDED.enabled,
                 transport = EXCLUDED.transport,
                 command = EXCLUDED.command,
                 args = EXCLUDED.args,
                 probe_status = CASE WHEN (available_agents.transport, available_agents.command, available_agents.args)
                                         IS DISTINCT FROM (EXCLUDED.transport, EXCLUDED.command, EXCLUDED.args)
                                    THEN 'unknown' ELSE available_agents.probe_status END,
                 probed_at = CASE WHEN (available_agents.transport, available_agents.command, available_agents.args)
                                      IS DISTINCT FROM (EXCLUDED.transport, EXCLUDED.command, EXCLUDED.args)
                                 THEN NULL ELSE available_agents.probed_at END",
        )
        .bind(&def.id)
        .bind(def.kind.as_str())
        .bind(&def.display_name)
        .bind(def.transport.as_str())
        .bind(&def.command)
        .bind(&def.args)
        .bind(def.enabled)
        .execute(&mut *tx)
        .await?;
    }
    let names: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
    sqlx::query("DELETE FROM available_agents WHERE name <> ALL($1)")
        .bind(&names)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Store the result of probing `def`.
pub async fn save_probe(
    pool: &PgPool,
    def: &ProviderDef,
    report: &ProbeReport,
) -> Result<(), sqlx::Error> {
    let status = match report.outcome {
        Outcome::Ready => "ready",
        Outcome::Unavailable => "missing",
        Outcome::Error => "error",
    };
    let facts = report.facts.clone().unwrap_or_default();
    let json = |v: serde_json::Result<serde_json::Value>| {
        Json(v.unwrap_or_else(|_| serde_json::Value::Array(Vec::new())))
    };
    sqlx::query(
        "INSERT INTO available_agents (name, kind, display_name, transport, command, args, enabled,
             install_path, version, probe_status, modes, models, commands, probed_at, probe_ms, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (name) DO UPDATE SET
             kind = EXCLUDED.kind, display_name = EXCLUDED.display_name,
             transport = EXCLUDED.transport, command = EXCLUDED.command, args = EXCLUDED.args,
             enabled = EXCLUDED.enabled, install_path = EXCLUDED.install_path,
             version = EXCLUDED.version, probe_status = EXCLUDED.probe_status,
             modes = EXCLUDED.modes, models = EXCLUDED.models, commands = EXCLUDED.commands,
             probed_at = EXCLUDED.probed_at, probe_ms = EXCLUDED.probe_ms, error = EXCLUDED.error",
    )
    .bind(&def.id)
    .bind(def.kind.as_str())
    .bind(&def.display_name)
    .bind(def.transport.as_str())
    .bind(&def.command)
    .bind(&def.args)
    .bind(def.enabled)
    .bind(
        report
            .resolution
            .path
            .as_ref()
            .map(|p| p.display().to_string()),
    )
    .bind(&report.version)
    .bind(status)
    .bind(json(serde_json::to_value(&facts.modes)))
    .bind(json(serde_json::to_value(&facts.models)))
    .bind(json(serde_json::to_value(&facts.commands)))
    .bind(report.finished_at)
    .bind(i32::try_from(report.duration_ms).unwrap_or(i32::MAX))
    .bind(persisted_error(report))
    .execute(pool)
    .await?;
    Ok(())
}

/// The error column carries what a diagnostic after a restart needs:
/// `error` (one line), then `exit: <status>` and `stderr:\n<tail>` when known.
fn persisted_error(report: &ProbeReport) -> Option<String> {
    let mut text = report.error.as_ref()?.replace('\n', " ");
    if let Some(status) = &report.exit_status {
        text.push_str(&format!("\nexit: {status}"));
    }
    if let Some(tail) = &report.stderr_tail {
        let skip = tail.chars().count().saturating_sub(PERSISTED_TAIL_CHARS);
        text.push_str("\nstderr:\n");
        text.extend(tail.chars().skip(skip));
    }
    Some(text)
}

/// Characters of stderr kept in the table.
const PERSISTED_TAIL_CHARS: usize = 4000;

/// The parts of a stored error: (error, exit status, stderr tail).
pub fn split_error(text: &str) -> (String, Option<String>, Option<String>) {
    let (head, tail) = match text.split_once("\nstderr:\n") {
        Some((head, tail)) => (head, Some(tail.to_owned())),
        None => (text, None),
    };
    let mut lines = head.lines();
    let error = lines.next().unwrap_or_default().to_owned();
    let exit = lines
        .find_map(|l| l.strip_prefix("exit: "))
        .map(str::to_owned);
    (error, exit, tail)
}

/// The owner's enable/disable choices (`provider_overrides`), applied over the
/// providers file's `enabled` (the probe never writes them).
pub async fn apply_overrides(
    pool: &PgPool,
    registry: &mut super::config::Registry,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, bool)> = sqlx::query_as("SELECT name, enabled FROM provider_overrides")
        .fetch_all(pool)
        .await?;
    for (name, enabled) in rows {
        if let Some(def) = registry.defs.iter_mut().find(|d| d.id == name) {
            def.enabled = enabled;
        }
    }
    Ok(())
}

/// Keep the owner's choice for provider `name`.
pub async fn set_override(pool: &PgPool, name: &str, enabled: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO provider_overrides (name, enabled) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET enabled = EXCLUDED.enabled",
    )
    .bind(name)
    .bind(enabled)
    .execute(pool)
    .await?;
    Ok(())
}

/// The "always" answer remembered for a tool kind of `agent` in a project
/// (`allow_always` / `reject_always`), if any.
pub async fn remembered_answer(
    pool: &PgPool,
    project_id: Uuid,
    agent: &str,
    tool_kind: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT option_kind FROM permission_always
         WHERE project_id = $1 AND agent = $2 AND tool_kind = $3",
    )
    .bind(project_id)
    .bind(agent)
    .bind(tool_kind)
    .fetch_optional(pool)
    .await
}

/// Remember (or replace) the "always" answer for a tool kind of `agent` in a project.
pub async fn remember_answer(
    pool: &PgPool,
    project_id: Uuid,
    agent: &str,
    tool_kind: &str,
    option_kind: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO permission_always (project_id, agent, tool_kind, option_kind)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, agent, tool_kind)
         DO UPDATE SET option_kind = EXCLUDED.option_kind",
    )
    .bind(project_id)
    .bind(agent)
    .bind(tool_kind)
    .bind(option_kind)
    .execute(pool)
    .await?;
    Ok(())
}
