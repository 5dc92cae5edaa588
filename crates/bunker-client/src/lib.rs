//! NIP-46 client and nsecbunkerd admin-RPC client.
#![forbid(unsafe_code)]

pub mod sensitive;

pub use sensitive::Sensitive;
