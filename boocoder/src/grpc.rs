//! `boo.coder.v1.CoderService`. Each method gets its body with the feature that
//! owns it (worktrees, tasks); until then the default stubs answer UNIMPLEMENTED.

use boo_proto::coder::v1::coder_service_server::CoderService;
use sqlx::PgPool;

pub struct CoderServiceImpl {
    #[allow(dead_code)] // read by the task and worktree RPCs once they land
    pool: PgPool,
}

impl CoderServiceImpl {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[tonic::async_trait]
impl CoderService for CoderServiceImpl {}
