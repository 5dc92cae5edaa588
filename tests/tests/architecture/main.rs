//! The dependency rules of DESIGN.md §2, checked on the locked workspace's resolved graph
//! (`cargo metadata`), all the way down: protocol code stays free of storage and UI, storage
//! free of network and keyring, the core free of Tauri, the sandbox and the ATM side free of the
//! app, and the desktop shell and the CLI free of SQL except through fleet-core.
//!
//! Only normal dependencies count (what ships in the binary); dev- and build-dependencies do not.
//! A failure names the path that breaks the rule. If `cargo metadata` itself fails, every test
//! fails: a check that cannot run is not a pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The resolved dependency graph, by package name.
#[derive(Debug, Default)]
struct Graph {
    /// Normal (non-dev, non-build) dependencies of each package.
    deps: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    /// The locked workspace's graph; panics with cargo's own message when it cannot be had.
    fn workspace() -> &'static Graph {
        static GRAPH: OnceLock<Graph> = OnceLock::new();
        GRAPH.get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            // The graph as built here (the host platform): other platforms' crates are not
            // downloaded offline, and `cargo tree` checked the host graph too.
            let host = host_triple();
            let out = Command::new(&cargo)
                .current_dir(root)
                .args(["metadata", "--locked", "--offline", "--format-version", "1"])
                .args(["--filter-platform", &host])
                .output()
                .unwrap_or_else(|e| panic!("cannot run `{cargo} metadata`: {e}"));
            assert!(
                out.status.success(),
                "`cargo metadata --locked --offline` failed, so no dependency rule can be checked: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let json: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("`cargo metadata` printed no JSON: {e}"));
            Graph::from_metadata(&json)
        })
    }

    /// Reads the `resolve` section of `cargo metadata`'s output.
    fn from_metadata(json: &serde_json::Value) -> Graph {
        let names: BTreeMap<&str, &str> = json["packages"]
            .as_array()
            .expect("cargo metadata lists packages")
            .iter()
            .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
            .collect();
        let nodes = json["resolve"]["nodes"]
            .as_array()
            .expect("cargo metadata has a resolved graph");
        let mut graph = Graph::default();
        for node in nodes {
            let name = names[node["id"].as_str().unwrap()];
            let entry = graph.deps.entry(name.to_owned()).or_default();
            for dep in node["deps"].as_array().unwrap() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null());
                if normal {
                    entry.insert(names[dep["pkg"].as_str().unwrap()].to_owned());
                }
            }
        }
        graph
    }

    /// For each `forbidden` package reachable from `package` by a path that does not pass
    /// through one of the `gateways`, that path (`package -> … -> forbidden`). A gateway itself
    /// may be reached; what lies behind it is its own rule's business.
    fn forbidden_paths(&self, package: &str, gateways: &[&str], forbidden: &[&str]) -> Vec<String> {
        assert!(
            self.deps.contains_key(package),
            "{package} is not in the workspace's dependency graph: the rule would check nothing"
        );
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([package]);
        let mut found = Vec::new();
        while let Some(at) = queue.pop_front() {
            if forbidden.contains(&at) {
                let mut path = vec![at];
                let mut cur = at;
                while let Some(p) = parent.get(cur) {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                found.push(path.join(" -> "));
                continue;
            }
            if at != package && gateways.contains(&at) {
                continue;
            }
            for dep in self.deps.get(at).into_iter().flatten() {
                if dep != package && !parent.contains_key(dep.as_str()) {
                    parent.insert(dep, at);
                    queue.push_back(dep);
                }
            }
        }
        found
    }
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{rustc} -vV` to learn the host platform: {e}"));
    assert!(
        out.status.success(),
        "`{rustc} -vV` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|| panic!("`{rustc} -vV` names no host"))
}

fn assert_free_of(package: &str, gateways: &[&str], forbidden: &[&str], why: &str) {
    let bad = Graph::workspace().forbidden_paths(package, gateways, forbidden);
    assert!(
        bad.is_empty(),
        "{package} must not depend on these ({why}):\n{}",
        bad.join("\n")
    );
}

/// SQL and its drivers: only fleet-store (and the sandbox's own bunker store) hold them.
const SQL: &[&str] = &[
    "rusqlite",
    "rusqlite_migration",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "sqlx",
    "fleet-store",
];

#[test]
fn bunker_client_is_protocol_only() {
    assert_free_of(
        "bunker-client",
        &[],
        &[
            "rusqlite",
            "libsqlite3-sys",
            "keyring",
            "tauri",
            "fleet-store",
            "fleet-core",
        ],
        "protocol only: no storage, no keyring, no UI",
    );
}

#[test]
fn fleet_store_has_no_network_keyring_or_ui() {
    assert_free_of(
        "fleet-store",
        &[],
        &[
            "nostr",
            "nostr-sdk",
            "nostr-relay-pool",
            "tokio-tungstenite",
            "async-wsocket",
            "keyring",
            "tauri",
            "bunker-client",
        ],
        "the cache is storage only",
    );
}

#[test]
fn fleet_core_is_free_of_tauri_and_specta() {
    assert_free_of(
        "fleet-core",
        &[],
        &["tauri", "specta", "tauri-specta"],
        "the core is testable without a window",
    );
}

#[test]
fn sandbox_uses_no_fleet_core_internals_or_tauri() {
    assert_free_of(
        "sandbox",
        &[],
        &["fleet-core", "fleet-store", "tauri"],
        "the sandbox plays the bunker, not the app",
    );
}

#[test]
fn atm_client_knows_only_the_bunker_client() {
    assert_free_of(
        "atm-client",
        &[],
        &["fleet-core", "fleet-store", "tauri", "keyring"],
        "the ATM side never sees the operator's app",
    );
}

#[test]
fn desktop_shell_has_no_sql_or_protocol_of_its_own() {
    // bunker-client is a gateway only for its `Sensitive` wrapper (see src-tauri/Cargo.toml).
    let mut forbidden = SQL.to_vec();
    forbidden.extend(["nostr-sdk", "nostr-relay-pool", "nostr-connect"]);
    assert_free_of(
        "satmachine-operator",
        &["fleet-core", "sandbox", "bunker-client"],
        &forbidden,
        "commands are thin: SQL and protocol live below fleet-core",
    );
}

#[test]
fn cli_has_no_sql_of_its_own() {
    assert_free_of(
        "satop",
        &["fleet-core", "sandbox"],
        SQL,
        "every rule over the cache lives in fleet-core; the CLI calls it",
    );
}

/// The checker itself, on a made-up graph: a forbidden crate two levels down is found; one
/// behind an allowed gateway is not; dev-dependencies do not count.
#[test]
fn the_checker_follows_paths_all_the_way_down_but_stops_at_gateways() {
    let json = serde_json::json!({
        "packages": [
            {"id": "shell", "name": "shell"},
            {"id": "helper", "name": "helper"},
            {"id": "core", "name": "core"},
            {"id": "rusqlite", "name": "rusqlite"},
            {"id": "testkit", "name": "testkit"},
        ],
        "resolve": {"nodes": [
            {"id": "shell", "deps": [
                {"pkg": "helper", "dep_kinds": [{"kind": null, "target": null}]},
                {"pkg": "core", "dep_kinds": [{"kind": null, "target": null}]},
                {"pkg": "testkit", "dep_kinds": [{"kind": "dev", "target": null}]},
            ]},
            {"id": "helper", "deps": [{"pkg": "rusqlite", "dep_kinds": [{"kind": null, "target": null}]}]},
            {"id": "core", "deps": [{"pkg": "rusqlite", "dep_kinds": [{"kind": null, "target": null}]}]},
            {"id": "testkit", "deps": [{"pkg": "rusqlite", "dep_kinds": [{"kind": null, "target": null}]}]},
            {"id": "rusqlite", "deps": []},
        ]},
    });
    let graph = Graph::from_metadata(&json);
    assert_eq!(
        graph.forbidden_paths("shell", &["core"], &["rusqlite"]),
        ["shell -> helper -> rusqlite"]
    );
    assert!(
        graph
            .forbidden_paths("shell", &["core", "helper"], &["testkit"])
            .is_empty(),
        "dev-dependencies do not count"
    );
    assert!(graph
        .forbidden_paths("shell", &["core", "helper"], &["rusqlite"])
        .is_empty());
}
