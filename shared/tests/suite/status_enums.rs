//! The status enums are the columns' SQL types: each one's variants are exactly
//! the values its CHECK constraint allows (read from `pg_constraint`, so the two
//! cannot drift), spelled the same on the wire, and a value outside the enum is a
//! decode error, never a default.

use boo_shared::catalog::{chats, projects, sessions};
use boo_shared::chat::{MessageStatus, PartKind, Role, Status};
use boo_shared::coder::{AgentSessionStatus, TaskStatus};
use boo_shared::db;
use boo_shared::term::TerminalStatus;
use boo_shared::transcript::store as messages;
use boo_testkit::TestDb;
use pretty_assertions::assert_eq;
use serde::Serialize;
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row};
use uuid::Uuid;

async fn migrated(db: &TestDb) -> PgPool {
    let pool = PgPool::connect(&db.url).await.unwrap();
    db::migrate(&pool).await.unwrap();
    pool
}

/// Every variant of an enum; a variant added to the enum and not listed here
/// fails to compile (the match is exhaustive).
macro_rules! variants {
    ($ty:ident: $($v:ident),+ $(,)?) => {{
        fn _every_variant_is_listed(x: $ty) {
            match x {
                $($ty::$v)|+ => {}
            }
        }
        vec![$($ty::$v),+]
    }};
}

/// The values a `col IN (...)` CHECK allows, sorted.
async fn allowed(pool: &PgPool, constraint: &str) -> Vec<String> {
    let def: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 AND contype = 'c'",
    )
    .bind(constraint)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("no CHECK constraint {constraint}: {e}"));
    // `CHECK ((status = ANY (ARRAY['open'::text, 'archived'::text])))`
    let mut values: Vec<String> = def
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    values.sort();
    values
}

/// Each variant as the database stores it (encoded by sqlx), sorted; each one
/// checked to decode back to itself and to be spelled the same in JSON.
async fn stored<T>(pool: &PgPool, all: &[T]) -> Vec<String>
where
    T: Copy + std::fmt::Debug + PartialEq + Serialize + Send + Unpin + 'static,
    T: sqlx::Type<Postgres>
        + for<'q> sqlx::Encode<'q, Postgres>
        + for<'r> sqlx::Decode<'r, Postgres>,
{
    let mut out = Vec::new();
    for &v in all {
        let row: PgRow = sqlx::query("SELECT $1::text AS s, $1::text AS back")
            .bind(v)
            .fetch_one(pool)
            .await
            .unwrap();
        let s: String = row.get("s");
        assert_eq!(row.get::<T, _>("back"), v, "{s} decodes back");
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            serde_json::json!(s),
            "{v:?} on the wire"
        );
        out.push(s);
    }
    out.sort();
    out
}

/// A value the enum does not know is a column decode error.
async fn refuses_unknown<T>(pool: &PgPool)
where
    T: std::fmt::Debug + Send + Unpin + sqlx::Type<Postgres> + for<'r> sqlx::Decode<'r, Postgres>,
{
    let err = sqlx::query_scalar::<_, T>("SELECT 'frozen'::text")
        .fetch_one(pool)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, sqlx::Error::ColumnDecode { source, .. }
            if source.to_string().starts_with("invalid value \"frozen\" for enum")),
        "{err:?}"
    );
}

#[tokio::test]
async fn status_enums_match_their_check_constraints() {
    let db = TestDb::create().await;
    let pool = migrated(&db).await;

    let status = stored(&pool, &variants!(Status: Open, Archived)).await;
    for table in ["projects", "sessions", "chats"] {
        assert_eq!(allowed(&pool, &format!("{table}_status_chk")).await, status);
    }
    assert_eq!(
        allowed(&pool, "messages_role_chk").await,
        stored(&pool, &variants!(Role: User, Assistant, System, Tool)).await
    );
    assert_eq!(
        allowed(&pool, "messages_status_chk").await,
        stored(
            &pool,
            &variants!(MessageStatus: Queued, Streaming, Complete, Cancelled, Failed)
        )
        .await
    );
    assert_eq!(
        allowed(&pool, "message_parts_kind_chk").await,
        stored(
            &pool,
            &variants!(PartKind: Text, Reasoning, ToolCall, ToolResult, Plan)
        )
        .await
    );
    assert_eq!(
        allowed(&pool, "tasks_status_chk").await,
        stored(
            &pool,
            &variants!(TaskStatus: Queued, Running, Completed, Failed, Blocked, Cancelled)
        )
        .await
    );
    assert_eq!(
        allowed(&pool, "agent_sessions_status_chk").await,
        stored(
            &pool,
            &variants!(AgentSessionStatus: Active, Idle, Evicted, Crashed, Closed)
        )
        .await
    );
    assert_eq!(
        allowed(&pool, "terminal_sessions_status_chk").await,
        stored(&pool, &variants!(TerminalStatus: Live, Exited)).await
    );

    refuses_unknown::<Status>(&pool).await;
    refuses_unknown::<Role>(&pool).await;
    refuses_unknown::<MessageStatus>(&pool).await;
    refuses_unknown::<PartKind>(&pool).await;
    refuses_unknown::<TaskStatus>(&pool).await;
    refuses_unknown::<AgentSessionStatus>(&pool).await;
    refuses_unknown::<TerminalStatus>(&pool).await;
}

/// A row whose status (or a part's kind) the enum does not know fails the read
/// (500, naming the value) instead of coming back as some default.
#[tokio::test]
async fn an_unknown_stored_status_fails_the_read() {
    let db = TestDb::create().await;
    let pool = migrated(&db).await;
    let project = projects::create(&pool, "p", "/tmp").await.unwrap();
    let session = sessions::create(&pool, project.id, None).await.unwrap();
    let chat = chats::create(&pool, session.id, None, None).await.unwrap();
    let insert = |status| {
        let pool = pool.clone();
        async move {
            messages::insert(&pool, chat.id, Role::User, status, "hi", json!({}))
                .await
                .unwrap()
        }
    };
    let (queued, with_part) = (
        insert(MessageStatus::Queued).await,
        insert(MessageStatus::Complete).await,
    );
    let text = messages::NewPart {
        content: Some("hi"),
        ..Default::default()
    };
    messages::insert_part(&pool, with_part, 0, &text)
        .await
        .unwrap();
    assert_eq!(
        chats::get(&pool, chat.id).await.unwrap().status,
        Status::Open
    );
    assert_eq!(
        messages::get(&pool, queued).await.unwrap().status,
        MessageStatus::Queued
    );
    assert_eq!(
        messages::get(&pool, with_part).await.unwrap().parts[0].kind,
        PartKind::Text
    );

    sqlx::raw_sql(
        "ALTER TABLE chats DROP CONSTRAINT chats_status_chk;
         ALTER TABLE messages DROP CONSTRAINT messages_status_chk;
         ALTER TABLE message_parts DROP CONSTRAINT message_parts_kind_chk;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let frozen = |sql: &'static str, id: Uuid| {
        let pool = pool.clone();
        async move {
            let done = sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
            assert_eq!(done.rows_affected(), 1, "{sql}");
        }
    };
    frozen("UPDATE chats SET status = 'frozen' WHERE id = $1", chat.id).await;
    frozen(
        "UPDATE messages SET status = 'frozen' WHERE id = $1",
        queued,
    )
    .await;
    frozen(
        "UPDATE message_parts SET kind = 'frozen' WHERE message_id = $1",
        with_part,
    )
    .await;
    for (err, want) in [
        (
            chats::get(&pool, chat.id).await.unwrap_err(),
            "invalid value \"frozen\" for enum Status",
        ),
        (
            messages::get(&pool, queued).await.unwrap_err(),
            "invalid value \"frozen\" for enum MessageStatus",
        ),
        (
            messages::get(&pool, with_part).await.unwrap_err(),
            "unknown variant `frozen`",
        ),
    ] {
        // A store's decode error is a database error: a 500 to HTTP clients.
        let err = boo_shared::error::ApiError::from(err);
        assert_eq!(err.status, 500, "{err:?}");
        assert!(err.message.contains(want), "{want}: {err:?}");
    }
}
