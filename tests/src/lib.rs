//! Cross-crate journeys against the sandbox.
#![forbid(unsafe_code)]
