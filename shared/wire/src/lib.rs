//! BooCode's wire types: what crosses a daemon's HTTP, WebSocket or gRPC-JSON
//! boundary, and the TypeScript the browser clients get from them. Data and the
//! few pure helpers that shape it, no behaviour: no I/O, no database, no HTTP
//! framework. `boo-shared` (the daemon runtime) re-exports every module, so
//! `boo_shared::chat::Message` and `boo_wire::chat::Message` are the same type.
//!
//! - [`api`]: health and whoami; [`identity`]: the authenticated caller;
//!   [`error`]: the one error body.
//! - [`chat`], [`coder`], [`term`], [`providers`], [`workspace`], [`mcp`]: REST DTOs and
//!   rows of each daemon; [`settings`]: the owner's runtime settings;
//!   [`frames`]: WebSocket frames; [`find`]: search, export/import and message branches.
//! - [`ts`]: the generated TypeScript (`shared/ts/index.ts`).
//!
//! Features: `openapi` derives utoipa's `ToSchema` on every type (the daemons'
//! OpenAPI documents); `sqlx` makes the status enums Postgres `text` columns.

pub mod api;
pub mod chat;
pub mod coder;
pub mod error;
pub mod find;
pub mod frames;
pub mod identity;
pub mod mcp;
pub mod providers;
pub mod settings;
pub mod term;
pub mod ts;
pub mod workspace;

#[cfg(test)]
mod tests;
