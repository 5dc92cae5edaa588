//! atm-client
#![forbid(unsafe_code)]
pub mod camera;
