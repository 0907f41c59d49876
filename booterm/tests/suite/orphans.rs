//! A terminal opened in a workspace session whose session row is deleted
//! (`terminal_sessions.session_id` becomes NULL) is killed by the reconcile: its
//! tmux session goes, its row ends. A terminal opened outside any session is left
//! alone.

use boo_shared::term::CreateTerminal;
use boo_testkit::TestDb;
use boo_testkit::workspace::catalog;
use booterm::sessions::{Reconciled, Sessions};
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use uuid::Uuid;

use super::support::Sandbox;

async fn status(pool: &PgPool, id: Uuid) -> (String, Option<Uuid>, Option<Uuid>) {
    sqlx::query_as(
        "SELECT status, session_id, origin_session_id FROM terminal_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn terminals_of_a_deleted_session_are_killed_and_others_kept() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    let sandbox = Sandbox::new();
    let term = sandbox.settings(&db).term;
    let sessions = Sessions::from_settings(pool.clone(), sandbox.socket(), &term);
    let ws = catalog(&pool, sandbox.dir.path()).await;
    let cwd = Some(sandbox.dir.path().display().to_string());
    let of_session = sessions
        .create(CreateTerminal {
            cwd: cwd.clone(),
            session_id: Some(ws.session),
            ..CreateTerminal::default()
        })
        .await
        .unwrap();
    let loose = sessions
        .create(CreateTerminal {
            cwd,
            ..CreateTerminal::default()
        })
        .await
        .unwrap();
    let mut both = vec![of_session.tmux_name.clone(), loose.tmux_name.clone()];
    both.sort();
    assert_eq!(sandbox.sessions(), both);
    // Nothing to do while the session exists.
    assert_eq!(sessions.reconcile().await.unwrap(), Reconciled::default());

    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(ws.session)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        status(&pool, of_session.id).await,
        ("live".to_owned(), None, Some(ws.session))
    );
    assert_eq!(
        sessions.reconcile().await.unwrap(),
        Reconciled {
            orphaned: vec![of_session.id],
            ..Reconciled::default()
        }
    );
    assert_eq!(sandbox.sessions(), vec![loose.tmux_name.clone()]);
    assert_eq!(
        status(&pool, of_session.id).await,
        ("exited".to_owned(), None, Some(ws.session))
    );
    assert_eq!(
        status(&pool, loose.id).await,
        ("live".to_owned(), None, None)
    );
    // Done once: the next pass has nothing left.
    assert_eq!(sessions.reconcile().await.unwrap(), Reconciled::default());
    sessions.kill(loose.id).await.unwrap();
}
