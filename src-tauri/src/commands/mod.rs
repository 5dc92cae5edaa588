//! The Tauri commands, one file per feature. Each is thin: take the [`crate::App`], convert the
//! input, call one core method, convert the output (STYLE.md item 2).

pub mod activity;
pub mod bulk;
pub mod codes;
pub mod config;
pub mod connect;
pub mod console;
pub mod dashboard;
pub mod fee;
pub mod fleet;
pub mod machine;
pub mod migration;
pub mod outbox;
pub mod pairing;
pub mod roster;
pub mod sandbox;
pub mod settings;
pub mod status;
