//! booterm integration tests: the real daemon, real tmux and real Postgres (a
//! throwaway database in the test cluster), each test on its own tmux socket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod suite;
