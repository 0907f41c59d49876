//! boo-shared integration tests against the real Postgres the test runner started.
mod suite;
