//! fleet-store
#![forbid(unsafe_code)]
