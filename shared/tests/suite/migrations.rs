use boo_shared::db::{self, DbError, MIGRATOR};
use boo_testkit::TestDb;
use pretty_assertions::assert_eq;
use sqlx::PgPool;

async fn pool(db: &TestDb) -> PgPool {
    PgPool::connect(&db.url).await.unwrap()
}

async fn applied(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_apply_twice_idempotently() {
    let db = TestDb::create().await;
    let pool = pool(&db).await;
    assert_eq!(db::applied_version(&pool).await.unwrap(), None);
    db::migrate(&pool).await.unwrap();
    let first = applied(&pool).await;
    let all: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    assert_eq!(first, all);
    db::migrate(&pool).await.unwrap();
    assert_eq!(applied(&pool).await, first);
    assert_eq!(
        db::applied_version(&pool).await.unwrap(),
        Some(db::known_version())
    );
}

#[tokio::test]
async fn concurrent_migrators_serialise_on_the_lock() {
    let db = TestDb::create().await;
    let (a, b, c) = (pool(&db).await, pool(&db).await, pool(&db).await);
    let (ra, rb, rc) = tokio::join!(db::migrate(&a), db::migrate(&b), db::migrate(&c));
    ra.unwrap();
    rb.unwrap();
    rc.unwrap();
    assert_eq!(applied(&a).await.len(), MIGRATOR.iter().count());
}

#[tokio::test]
async fn refuses_a_schema_newer_than_it_knows() {
    let db = TestDb::create().await;
    let pool = pool(&db).await;
    db::migrate(&pool).await.unwrap();
    let future = db::known_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES ($1, 'from the future', true, '\\x00', 0)",
    )
    .bind(future)
    .execute(&pool)
    .await
    .unwrap();
    let err = db::migrate(&pool).await.unwrap_err();
    assert!(
        matches!(err, DbError::SchemaTooNew { found, known } if found == future && known == db::known_version()),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("newer than this build knows"),
        "{err}"
    );
}

#[tokio::test]
async fn schema_has_the_catalog_tables_and_views() {
    let db = TestDb::create().await;
    let pool = pool(&db).await;
    db::migrate(&pool).await.unwrap();
    let mut tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    tables.sort();
    let mut want = vec![
        "agent_sessions",
        "attachments",
        "available_agents",
        "chat_leaves",
        "chats",
        "checkpoints",
        "human_inbox",
        "message_parts",
        "messages",
        "messages_with_parts",
        "pending_changes",
        "permission_always",
        "projects",
        "provider_overrides",
        "sessions",
        "settings",
        "tasks",
        "terminal_sessions",
        "tool_cost_stats",
        "worktrees",
    ];
    want.sort();
    assert_eq!(tables, want);
    // Every CHECK constraint follows the *_chk naming rule.
    let unnamed: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND contype = 'c' AND conname NOT LIKE '%\\_chk' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(unnamed, Vec::<String>::new());
    // The views answer.
    for view in ["human_inbox", "tool_cost_stats", "messages_with_parts"] {
        sqlx::query(&format!("SELECT * FROM {view} LIMIT 1"))
            .fetch_all(&pool)
            .await
            .unwrap();
    }
}
