//! The admin key in a remote signer (issue #11): a phone played by signers nobody on this team
//! wrote (rust-nostr's `NostrConnectRemoteSigner` in process, NDK's `NDKNip46Backend` from npm)
//! administers a sandbox bunker (both flavours: `SANDBOX_FLAVOUR`) through the console:
//! connect → pair → the ATM signs → revoke → fee policy, and nothing that can administer the
//! bunker is ever on the console's disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod faults;
mod journey;
mod logs;
mod lying;
mod ndk;
mod support;
