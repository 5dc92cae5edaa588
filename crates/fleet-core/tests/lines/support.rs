//! A fleet on a temporary directory, connected to a sandbox bunker.

use std::time::Duration;

use bunker_client::ClientOptions;
use fleet_core::connect::{Capabilities, ConnectRequest};
use fleet_core::secrets::Secrets;
use fleet_core::Fleet;
use sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

pub const KEY: &str = "operator";

pub fn options() -> ClientOptions {
    ClientOptions::loopback()
}

pub struct Connected {
    pub fleet: Fleet,
    pub sandbox: Sandbox,
    pub caps: Capabilities,
    pub _dir: TempDir,
}

/// A fresh fleet, its console the admin of a fresh sandbox made by `configure`, connected.
pub async fn connected(configure: impl FnOnce(&mut SandboxConfig)) -> Connected {
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::open_with(dir.path(), Secrets::memory(), options()).unwrap();
    let (console, _) = fleet.init_console().await.unwrap();
    let mut cfg = SandboxConfig::new(dir.path().join("bunker.sqlite3"));
    cfg.admin_npubs = vec![console.public_key()];
    configure(&mut cfg);
    let sandbox = Sandbox::start(cfg).await.unwrap();
    let req = ConnectRequest {
        connection: sandbox.bunker.admin_connection_string(),
        key_name: KEY.into(),
        atm_relays: vec![sandbox.relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    let caps = fleet.connect(&req, |_| {}).await.unwrap();
    Connected {
        fleet,
        sandbox,
        caps,
        _dir: dir,
    }
}

/// A second handle on the fleet's cache file (the fleet keeps its own private).
pub fn db_of(fleet: &Fleet) -> fleet_store::Db {
    fleet_store::Db::open(fleet.data_dir().join(fleet_core::DB_FILE)).unwrap()
}

/// A fleet with no bunker, for reconcile-only tests.
pub fn offline() -> (Fleet, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::open_with(dir.path(), Secrets::memory(), options()).unwrap();
    (fleet, dir)
}
