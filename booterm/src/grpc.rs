//! `boo.term.v1.TermService`. The tmux-backed bodies land with TERM-1/TERM-5;
//! until then the default stubs answer UNIMPLEMENTED.

use boo_proto::term::v1::term_service_server::TermService;
use sqlx::PgPool;

pub struct TermServiceImpl {
    #[allow(dead_code)] // read by the session RPCs once they land
    pool: PgPool,
}

impl TermServiceImpl {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[tonic::async_trait]
impl TermService for TermServiceImpl {}
