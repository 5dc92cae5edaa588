//! Foundation journeys (issue: workspace, bunker client, sandbox, store, CLI): our bunker client
//! against the nsecbunkerd-faithful sandbox in both encryption modes (C1–C10 of
//! protocol/nsecbunkerd.md §6.3), the `satop` CLI as a new user runs it, interop with clients
//! nobody on this team wrote, and a scan proving no secret reaches SQLite or the logs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod client;
mod interop;
mod secrets_scan;
mod support;
