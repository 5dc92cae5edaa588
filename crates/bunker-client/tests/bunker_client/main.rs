//! Integration tests of bunker-client against a real in-process relay on 127.0.0.1 and a
//! scripted bunker (protocol/nsecbunkerd.md §6.3 client-side assertions).

// Helpers outside #[test] fns are test code too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod interop;
mod lines;
mod signer;
mod support;
mod transport;
