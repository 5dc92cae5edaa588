//! Pairing QR codes: symbol choice, PNG/SVG/terminal round trips, errors.
// Test helpers outside #[test] fns may panic too: a failed parse is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod png;
mod support;
mod svg;
mod symbol;
mod terminal;
