//! Input rules shared by both fronts (`satop` and the desktop app): each rule lives here once,
//! and both call it.
//!
//! - [`text`]: machine names and sites (no control, bidi or zero-width characters; NFC), the
//!   escaping of stored text for a terminal, and keeping key-like values out of messages.
//! - [`connection`]: the admin connection string, with words for connecting.
//! - [`relay`]: relay URLs given by the operator (ATM relays).
//! - [`passphrase`]: the minimum length of a new passphrase for the console key file.
//!
//! The fee rules are [`crate::operator_events::FeePolicy`]'s (`MAX_BPS`, `MAX_FIXED_SATS`).

pub mod connection;
pub mod passphrase;
pub mod relay;
pub mod text;
