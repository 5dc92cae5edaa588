//! atm-client against the real sandbox (loopback relay + nsecbunkerd double): pairing, signing,
//! what the state directory holds, and the `satmachine-atm` binary's output and exit codes.

// Helpers outside #[test] fns are test code too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod pairing;
mod serve;
mod signing;
mod simulator;
mod support;
mod warm;
