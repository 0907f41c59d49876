//! boo-shared integration tests against the real Postgres the test runner started.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic
mod suite;
