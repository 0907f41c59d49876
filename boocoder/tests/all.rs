//! boocoder integration tests: the real daemon and its parts against a throwaway
//! database in the test cluster.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may panic

mod suite;
