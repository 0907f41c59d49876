mod acp;
mod activation;
mod attachments;
mod auth;
mod binary;
mod branches;
mod chat_rest;
mod chat_restart;
mod chat_stream;
mod chat_tools;
mod compact;
mod edge;
mod export;
mod fixture;
mod grpc;
mod health;
mod mcp;
mod mcp_npm;
mod metrics;
mod names;
mod real_llama;
mod search;
mod session_frames;
mod settings;
mod tab_tools;
mod web;
mod workspace;

use boo_shared::config::Settings;
use boo_testkit::{RunningDaemon, TestDb};

/// boochat running in-process against a fresh database.
pub async fn start(tweak: impl FnOnce(&mut Settings)) -> (RunningDaemon, TestDb) {
    let db = TestDb::create().await;
    let mut settings = boo_testkit::settings_for(&db.url);
    tweak(&mut settings);
    let daemon = RunningDaemon::spawn(settings, boochat::run).await;
    (daemon, db)
}
