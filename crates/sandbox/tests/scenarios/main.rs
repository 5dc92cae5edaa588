//! Scenario table §6.3 of protocol/nsecbunkerd.md (A1–A24, N1–N22), one test per row, run in
//! both encryption modes where the row allows, plus restart behaviour; and the 0.11 rows V1–V74
//! of protocol/nsecbunkerd-0.11.md §8.2 (files `v11_*`).

// Test helpers outside #[test] fns: a panic is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod nip46;
mod restart;
mod support;
mod v11_admin;
mod v11_crash;
mod v11_nip46;
