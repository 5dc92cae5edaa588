//! Scenario table §6.3 of protocol/nsecbunkerd.md (A1–A24, N1–N22), one test per row, run in
//! both encryption modes where the row allows, plus restart behaviour.

mod admin;
mod nip46;
mod restart;
mod support;
