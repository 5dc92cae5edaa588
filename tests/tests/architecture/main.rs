//! The dependency rules of DESIGN.md §2, checked with `cargo tree` on the locked workspace:
//! protocol code stays free of storage and UI, storage free of network and keyring, the core
//! free of Tauri, and the desktop shell free of SQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Package names reachable from `package` through normal (non-dev, non-build) dependencies,
/// down to `depth` (None = all the way).
fn deps(package: &str, depth: Option<u32>) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["tree", "--locked", "--offline", "-e", "normal", "--prefix", "none", "--format", "{p}", "-p", package]);
    if let Some(d) = depth {
        cmd.args(["--depth", &d.to_string()]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != package)
        .map(String::from)
        .collect()
}

fn workspace_has(package: &str) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["metadata", "--locked", "--offline", "--no-deps", "--format-version", "1"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains(&format!("\"name\":\"{package}\""))
}

fn assert_free_of(package: &str, depth: Option<u32>, forbidden: &[&str], why: &str) {
    let found = deps(package, depth);
    let bad: Vec<&&str> = forbidden.iter().filter(|f| found.contains(**f)).collect();
    assert!(bad.is_empty(), "{package} must not depend on {bad:?}: {why}");
}

#[test]
fn bunker_client_is_protocol_only() {
    assert_free_of("bunker-client", None, &["rusqlite", "keyring", "tauri", "fleet-store", "fleet-core"], "protocol only: no storage, no keyring, no UI");
}

#[test]
fn fleet_store_has_no_network_keyring_or_ui() {
    assert_free_of(
        "fleet-store",
        None,
        &["nostr", "nostr-sdk", "nostr-relay-pool", "tokio-tungstenite", "keyring", "tauri", "bunker-client"],
        "the cache is storage only",
    );
}

#[test]
fn fleet_core_is_free_of_tauri_and_specta() {
    assert_free_of("fleet-core", None, &["tauri", "specta", "tauri-specta"], "the core is testable without a window");
}

#[test]
fn sandbox_uses_no_fleet_core_internals_or_tauri() {
    assert_free_of("sandbox", None, &["fleet-core", "fleet-store", "tauri"], "the sandbox plays the bunker, not the app");
}

#[test]
fn atm_client_knows_only_the_bunker_client() {
    assert_free_of("atm-client", None, &["fleet-core", "fleet-store", "tauri", "keyring"], "the ATM side never sees the operator's app");
}

#[test]
fn desktop_shell_has_no_sql_of_its_own() {
    let shell = "satmachine-operator";
    if !workspace_has(shell) {
        // The shell lands with the desktop-app issue; until then there is nothing to check.
        eprintln!("{shell} is not in the workspace yet: nothing to check");
        return;
    }
    assert_free_of(shell, Some(1), &["rusqlite", "rusqlite_migration", "postgres", "nostr-sdk"], "commands are thin: SQL and protocol live below fleet-core");
}
