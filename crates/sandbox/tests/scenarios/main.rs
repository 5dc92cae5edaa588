//! Scenario table §6.3 of protocol/nsecbunkerd.md (A1–A24, N1–N22), one test per row, run in
//! both encryption modes where the row allows, plus restart behaviour.

// Test helpers outside #[test] fns: a panic is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod nip46;
mod restart;
mod support;
