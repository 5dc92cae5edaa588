//! atm-client
#![forbid(unsafe_code)]
