//! The nsecbunkerd line through fleet-core: `connect` detects and stores it, every admin session
//! speaks the stored line, status words it; and reconciliation flags a machine revoked here
//! whose client the bunker revived (0.11 `grant_permission`/`rotate_key`).

// Helpers outside #[test] fns are test code too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connect;
mod revived;
mod support;
