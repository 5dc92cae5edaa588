//! atm-client against the real sandbox (loopback relay + nsecbunkerd double): pairing, signing,
//! what the state directory holds, and the `satmachine-atm` binary's output and exit codes.

mod cli;
mod pairing;
mod signing;
mod simulator;
mod support;
