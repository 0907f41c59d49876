//! The one database: pool, migrations, and the newer-schema guard.
//!
//! Every daemon applies `migrations/` at start; sqlx serialises concurrent
//! migrators with a Postgres advisory lock, so the three may start in any order.
//! A daemon refuses to run against a schema newer than the migrations it was
//! built with: the other side of an upgrade would write rows it cannot read.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;

use crate::config::{DatabaseConfig, redact_url};

/// Every migration, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How long a health check may wait for a connection and `SELECT 1`.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot reach the database at {url} within {secs}s: {source}")]
    Unreachable {
        url: String,
        secs: u64,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "the database schema is at version {found}, newer than this build knows ({known}); \
         upgrade this daemon or point it at another database"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// Connect, retrying with backoff for up to `connect_timeout_secs` (the database
/// may still be starting when systemd starts us).
pub async fn connect(cfg: &DatabaseConfig) -> Result<PgPool, DbError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(cfg.connect_timeout_secs);
    let mut backoff = Duration::from_millis(100);
    loop {
        let attempt = PgPoolOptions::new()
            .max_connections(cfg.max_connections)
            .acquire_timeout(PING_TIMEOUT)
            .connect(&cfg.url)
            .await;
        match attempt {
            Ok(pool) => return Ok(pool),
            Err(e) if tokio::time::Instant::now() + backoff < deadline => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "database not reachable yet");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            Err(source) => {
                return Err(DbError::Unreachable {
                    url: redact_url(&cfg.url),
                    secs: cfg.connect_timeout_secs,
                    source,
                });
            }
        }
    }
}

/// Highest migration version this build carries.
pub fn known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Highest successfully applied version in the database, if any migration ran.
pub async fn applied_version(pool: &PgPool) -> Result<Option<i64>, sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !exists {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
}

/// Refuse a newer schema, then apply whatever is missing (under sqlx's lock).
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    let known = known_version();
    if let Some(found) = applied_version(pool).await?
        && found > known
    {
        return Err(DbError::SchemaTooNew { found, known });
    }
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// `SELECT 1` within [`PING_TIMEOUT`]; the error is the reason shown by `/healthz`.
pub async fn ping(pool: &PgPool) -> Result<(), String> {
    let check = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    match tokio::time::timeout(PING_TIMEOUT, check).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", PING_TIMEOUT.as_secs())),
    }
}
