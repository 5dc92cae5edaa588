//! fleet-core
#![forbid(unsafe_code)]
pub mod qr;
