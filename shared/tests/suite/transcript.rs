//! The turn writer's delta offsets against what a REST reader sees: a snapshot of a
//! streaming message plus the frames, placed by offset, is exactly the text, whatever
//! the flushes, for multi-byte text too.

use std::sync::Arc;
use std::time::Duration;

use boo_shared::chat::{Message, MessageStatus, PartKind, Usage};
use boo_shared::frames::ServerFrame;
use boo_shared::hub::Hub;
use boo_shared::transcript::store;
use boo_shared::transcript::writer::{FLUSH_EVERY, TurnWriter};
use boo_testkit::TestDb;
use pretty_assertions::assert_eq;
use sqlx::PgPool;
use uuid::Uuid;

async fn chat(pool: &PgPool) -> (Uuid, Uuid) {
    let project: Uuid = sqlx::query_scalar(
        "INSERT INTO projects (name, path) VALUES ('p', '/tmp/offsets') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let session: Uuid =
        sqlx::query_scalar("INSERT INTO sessions (project_id) VALUES ($1) RETURNING id")
            .bind(project)
            .fetch_one(pool)
            .await
            .unwrap();
    let chat: Uuid = sqlx::query_scalar("INSERT INTO chats (session_id) VALUES ($1) RETURNING id")
        .bind(session)
        .fetch_one(pool)
        .await
        .unwrap();
    (session, chat)
}

enum Op {
    Text(&'static str),
    Reasoning(&'static str),
    Tool(&'static str),
    /// The batching timer's flush.
    Flush,
    /// Wait past the flush interval, so the next append flushes by itself.
    Wait,
}

/// A client's copy: text placed by offset (what the web reducer does).
#[derive(Clone, Debug, PartialEq)]
struct Copy {
    content: String,
    reasoning: String,
}

fn place(have: &mut String, offset: u32, text: &str) -> Result<(), String> {
    let len = u32::try_from(have.chars().count()).unwrap();
    if offset > len {
        return Err(format!("gap: offset {offset} after {len} chars"));
    }
    let skip = usize::try_from(len - offset).unwrap();
    have.extend(text.chars().skip(skip));
    Ok(())
}

fn reasoning_of(m: &Message) -> String {
    m.parts
        .iter()
        .filter(|p| p.kind == PartKind::Reasoning)
        .filter_map(|p| p.content.as_deref())
        .collect()
}

fn apply(snapshot: &Message, frames: &[ServerFrame]) -> Result<Copy, String> {
    let mut copy = Copy {
        content: snapshot.content.clone(),
        reasoning: reasoning_of(snapshot),
    };
    for f in frames {
        match f {
            ServerFrame::Delta { offset, text, .. } => place(&mut copy.content, *offset, text)?,
            ServerFrame::ReasoningDelta { offset, text, .. } => {
                place(&mut copy.reasoning, *offset, text)?
            }
            _ => {}
        }
    }
    Ok(copy)
}

#[tokio::test]
async fn delta_offsets_place_text_exactly_on_any_snapshot() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    boo_shared::db::migrate(&pool).await.unwrap();
    let (session, chat) = chat(&pool).await;
    let message = Uuid::new_v4();
    store::start_assistant(&pool, message, chat, Some("m"), None)
        .await
        .unwrap();
    let hub = Arc::new(Hub::new());
    let (_, mut rx) = hub.subscribe(session, None);
    let mut w = TurnWriter::new(pool.clone(), hub.clone(), session, chat, message);

    let ops = [
        Op::Reasoning("思考"),
        Op::Reasoning("中… 🤔"),
        Op::Flush,
        Op::Reasoning(" done"),
        Op::Text("Hello "),
        Op::Text("👋🏽 世界"),
        Op::Flush,
        Op::Text("!"),
        Op::Tool("c1"),
        Op::Text("après "),
        Op::Wait,
        Op::Text("🇫🇷 la fin"),
        Op::Text(" — ok"),
        Op::Reasoning("again 🧠"),
        Op::Text("end 𝄞"),
    ];
    let mut snapshots = vec![store::get(&pool, message).await.unwrap()];
    for op in &ops {
        match op {
            Op::Text(t) => w.text(t).await.unwrap(),
            Op::Reasoning(t) => w.reasoning(t).await.unwrap(),
            Op::Tool(id) => w
                .tool_call(id, "read_file", &serde_json::json!({"path": "a"}))
                .await
                .unwrap(),
            Op::Flush => w.flush().await.unwrap(),
            Op::Wait => tokio::time::sleep(FLUSH_EVERY + Duration::from_millis(20)).await,
        }
        snapshots.push(store::get(&pool, message).await.unwrap());
    }
    w.finish(MessageStatus::Complete, &Usage::default(), None)
        .await
        .unwrap();
    let last = store::get(&pool, message).await.unwrap();

    let mut frames = Vec::new();
    while let Ok((_, text)) = rx.try_recv() {
        let env: boo_shared::frames::Envelope = serde_json::from_str(&text).unwrap();
        frames.push(env.frame);
    }
    // Offsets count Unicode scalar values of what came before, per kind.
    let deltas: Vec<(&str, u32, &str)> = frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Delta { offset, text, .. } => Some(("text", *offset, text.as_str())),
            ServerFrame::ReasoningDelta { offset, text, .. } => {
                Some(("reasoning", *offset, text.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        deltas,
        vec![
            ("reasoning", 0, "思考"),
            ("reasoning", 2, "中… 🤔"),
            ("reasoning", 6, " done"),
            ("text", 0, "Hello "),
            ("text", 6, "👋🏽 世界"),
            ("text", 11, "!"),
            ("text", 12, "après "),
            ("text", 18, "🇫🇷 la fin"),
            ("text", 27, " — ok"),
            ("reasoning", 11, "again 🧠"),
            ("text", 32, "end 𝄞"),
        ]
    );
    let full = Copy {
        content: "Hello 👋🏽 世界!après 🇫🇷 la fin — okend 𝄞".into(),
        reasoning: "思考中… 🤔 doneagain 🧠".into(),
    };
    assert_eq!(
        (last.content.as_str(), reasoning_of(&last)),
        (full.content.as_str(), full.reasoning.clone())
    );
    for (i, snap) in snapshots.iter().enumerate() {
        // Any snapshot plus every frame of the turn, placed by offset, is the whole text.
        assert_eq!(apply(snap, &frames), Ok(full.clone()), "snapshot {i}");
        // Every part but the last is complete; the last is a prefix of its final text.
        let n = snap.parts.len();
        for (j, p) in snap.parts.iter().enumerate() {
            let done = &last.parts[j];
            assert_eq!(
                (p.id, p.kind),
                (done.id, done.kind),
                "snapshot {i} part {j}"
            );
            let (have, want) = (p.content.as_deref(), done.content.as_deref());
            if j + 1 < n {
                assert_eq!(have, want, "snapshot {i} part {j}");
            } else {
                assert!(
                    want.unwrap_or("").starts_with(have.unwrap_or("")),
                    "snapshot {i} last part {have:?} / {want:?}"
                );
            }
        }
    }
    // A snapshot taken at the wait (before the timer flush) lacks text the frames carry.
    assert!(
        snapshots
            .iter()
            .any(|s| s.content.chars().count() < full.content.chars().count()
                && !s.content.is_empty()),
        "some snapshot lagged the frames"
    );
    // A client missing frames between its snapshot and the next delta sees a gap.
    let from_start = &snapshots[0];
    let late: Vec<ServerFrame> = frames
        .iter()
        .filter(|f| matches!(f, ServerFrame::Delta { offset, .. } if *offset >= 12))
        .cloned()
        .collect();
    assert_eq!(
        apply(from_start, &late),
        Err("gap: offset 12 after 0 chars".to_owned())
    );
}
