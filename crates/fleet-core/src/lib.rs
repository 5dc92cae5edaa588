//! fleet-core
//! - [`secrets`]: where the console keys live (OS keyring, encrypted file, memory).
//! - [`identity`]: the console identity (admin key) and the console session key.
#![forbid(unsafe_code)]
pub mod qr;
pub mod secrets;
pub mod identity;
