//! The daemon runtime the three BooCode daemons share.
//!
//! - [`config`]: figment layering (defaults → TOML at `BOO_CONFIG` → `BOO_*` env).
//! - [`db`]: the Postgres pool, the one migration set, the newer-schema guard.
//! - [`auth`]: Authelia header trust, WS Origin check.
//! - [`telemetry`]: tracing init (pretty on a terminal, JSON under systemd).
//! - [`grpc`]: the gRPC server every daemon runs (health, reflection, token);
//!   [`peers`]: the clients daemons call each other with (token sent).
//! - [`error`]: the one HTTP error shape `{"error", "code"}`.
//! - [`frames`], [`api`], [`chat`], [`coder`], [`term`], [`providers`], [`settings`], [`mcp`] and
//!   [`workspace`]: the wire types, re-exported from `boo-wire` (which also
//!   generates their TypeScript).
//! - [`metrics`]: the Prometheus registry, HTTP layer and `/metrics`.
//! - [`daemon`]: the HTTP + gRPC serving loop with graceful drain and sd_notify;
//!   [`listen`]: its HTTP listener (loopback TCP, or a systemd-activated Unix socket).

pub use boo_wire::{api, chat, coder, find, frames, mcp, providers, settings, term, workspace};

pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod db;
pub mod edit;
pub mod error;
pub mod grpc;
pub mod hub;
pub mod listen;
pub mod metrics;
pub mod netguard;
pub mod openapi;
pub mod pathguard;
pub mod peers;
pub mod session_ws;
pub mod store;
pub mod telemetry;
pub mod transcript;
pub mod web;

/// Version of the workspace, reported by `/healthz` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
