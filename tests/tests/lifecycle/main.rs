//! Fleet lifecycle journeys (issue #4) against the sandbox bunker on loopback: revoke (online
//! and with the relay down), re-pair, reconcile, bunker-signed fee policy, the link surviving a
//! relay restart, and a `satop` process killed in the middle of 100 queued actions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk;
mod dashboard;
mod events;
mod kill;
mod liveness;
mod revoke;
mod support;
mod watch;
