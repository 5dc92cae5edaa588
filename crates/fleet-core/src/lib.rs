//! fleet-core
#![forbid(unsafe_code)]
