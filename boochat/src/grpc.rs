//! `boo.chat.v1.ChatService`. `GetTranscript` gets its body with the chat engine;
//! until then the default stub answers UNIMPLEMENTED.

use boo_proto::chat::v1::chat_service_server::ChatService;
use sqlx::PgPool;

pub struct ChatServiceImpl {
    #[allow(dead_code)] // read by GetTranscript once the chat engine lands
    pool: PgPool,
}

impl ChatServiceImpl {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[tonic::async_trait]
impl ChatService for ChatServiceImpl {}
