//! Two consoles administering one sandbox bunker, and ATMs paired through either.

use std::time::Duration;

use fleet_core::Fleet;
use fleet_store::Machine;
use nostr::{Keys, SecretKey};
use sandbox::{Sandbox, SandboxConfig, SandboxKey};
use tempfile::TempDir;

pub use crate::shared::{open_fleet, pair_with as pair, Atm};

pub struct Consoles {
    pub a: Fleet,
    pub b: Fleet,
    pub a_dir: TempDir,
    pub sandbox: Sandbox,
    /// The operator key's secret: lets a test forge what only the bunker should sign.
    pub operator: Keys,
    _b_dir: TempDir,
    _bunker_dir: TempDir,
}

impl Consoles {
    /// Two consoles, both in the bunker's `admin.npubs`, both connected.
    pub async fn start() -> Self {
        let (a_dir, b_dir, bunker_dir) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let (a, b) = (open_fleet(a_dir.path()), open_fleet(b_dir.path()));
        let (ca, _) = a.init_console().await.unwrap();
        let (cb, _) = b.init_console().await.unwrap();
        let operator = Keys::new(SecretKey::generate());
        let mut cfg: SandboxConfig =
            acceptance::sandbox_config(bunker_dir.path().join("bunker.sqlite3"));
        cfg.approval_timeout = Duration::from_millis(300);
        cfg.admin_npubs = vec![ca.public_key(), cb.public_key()];
        cfg.keys = vec![SandboxKey::unlocked(
            acceptance::KEY,
            operator.secret_key().clone(),
        )];
        let sandbox = Sandbox::start(cfg).await.unwrap();
        acceptance::connect(&a, &sandbox).await.unwrap();
        acceptance::connect(&b, &sandbox).await.unwrap();
        Self {
            a,
            b,
            a_dir,
            sandbox,
            operator,
            _b_dir: b_dir,
            _bunker_dir: bunker_dir,
        }
    }

    /// Console A again, on its data directory with the cache deleted and the key kept (the
    /// file key store lives next to the cache), connected again.
    pub async fn wipe_a(&mut self) -> Fleet {
        for entry in std::fs::read_dir(self.a_dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().and_then(|n| n.to_str()) != Some("keys.json") {
                if path.is_dir() {
                    std::fs::remove_dir_all(&path).unwrap();
                } else {
                    std::fs::remove_file(&path).unwrap();
                }
            }
        }
        let fresh = open_fleet(self.a_dir.path());
        assert!(
            fresh.machines().await.unwrap().is_empty(),
            "the cache is gone"
        );
        acceptance::connect(&fresh, &self.sandbox).await.unwrap();
        fresh
    }
}

/// Syncs `fleet` and returns its report's lines (asserting the roster merged).
pub async fn sync(fleet: &Fleet) -> Vec<String> {
    let report = fleet.sync(|_| {}).await.unwrap();
    assert_eq!(report.roster_error, None, "{report:?}");
    report.changes()
}

pub async fn machine(fleet: &Fleet, name: &str) -> Machine {
    fleet.machine(name).await.unwrap()
}
