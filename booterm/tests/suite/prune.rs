//! Exited terminals' rows (and kept last screens) are deleted by the reconcile once
//! older than `term.exited_retention_days`, a bounded batch per pass.

use boo_testkit::TestDb;
use booterm::sessions::{PRUNE_BATCH, Reconciled, Sessions};
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use uuid::Uuid;

use super::support::Sandbox;

/// An exited row that ended `days` days ago (fractions allowed), with a kept screen.
async fn exited(pool: &PgPool, days: f64) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO terminal_sessions (cwd, status, exit_code, exited_at, final_text, created_at) \
         VALUES ('/tmp', 'exited', 0, now() - make_interval(secs => $1 * 86400), '$ done', \
                 now() - make_interval(secs => $1 * 86400) - interval '1 hour') \
         RETURNING id",
    )
    .bind(days)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn ids(pool: &PgPool) -> Vec<(Uuid, String)> {
    sqlx::query_as("SELECT id, status FROM terminal_sessions ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn exited_terminals_older_than_the_retention_are_pruned_in_batches() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    let sandbox = Sandbox::new();
    let mut term = sandbox.settings(&db).term;
    assert_eq!(term.exited_retention_days, 30, "the default");

    let old = exited(&pool, 31.0).await;
    let recent = exited(&pool, 29.5).await;
    // A live row created long ago whose tmux session is gone: ended now, kept.
    let live: Uuid = sqlx::query_scalar(
        "INSERT INTO terminal_sessions (cwd, created_at) VALUES ('/tmp', now() - interval '90 days') \
         RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    // 0 keeps them forever.
    term.exited_retention_days = 0;
    let keep = Sessions::from_settings(pool.clone(), sandbox.socket(), &term);
    assert_eq!(
        keep.reconcile().await.unwrap(),
        Reconciled {
            ended: vec![live],
            ..Reconciled::default()
        }
    );
    assert_eq!(ids(&pool).await.len(), 3);

    term.exited_retention_days = 30;
    let sessions = Sessions::from_settings(pool.clone(), sandbox.socket(), &term);
    assert_eq!(
        sessions.reconcile().await.unwrap(),
        Reconciled {
            pruned: vec![old],
            ..Reconciled::default()
        }
    );
    let mut left = vec![(recent, "exited".to_owned()), (live, "exited".to_owned())];
    left.sort();
    assert_eq!(ids(&pool).await, left);

    // More than a batch: the oldest PRUNE_BATCH go first, the rest next pass.
    let batch = usize::try_from(PRUNE_BATCH).unwrap();
    let mut many = Vec::new();
    for i in 0..batch + 2 {
        many.push(exited(&pool, 400.0 - i as f64 / 100.0).await);
    }
    let first = sessions.reconcile().await.unwrap().pruned;
    let mut oldest = many[..batch].to_vec();
    oldest.sort();
    assert_eq!(first, oldest);
    let mut rest = many[batch..].to_vec();
    rest.sort();
    assert_eq!(sessions.reconcile().await.unwrap().pruned, rest);
    assert_eq!(sessions.reconcile().await.unwrap(), Reconciled::default());
    assert_eq!(ids(&pool).await, left);
}
