//! Cross-crate journeys against the sandbox. This library holds what the journeys and the
//! benchmarks all start from: a console connected, as its administrator, to a sandbox bunker.
#![forbid(unsafe_code)]

pub mod secrets;

use std::time::Duration;

use fleet_core::connect::ConnectRequest;
use fleet_core::pairing::{MachineChoice, PairRequest};
use fleet_core::Fleet;
use sandbox::{Flavour, Sandbox, SandboxConfig};

/// The operator key every sandbox hosts by default.
pub const KEY: &str = "operator";

/// The nsecbunkerd line the journeys run against: `SANDBOX_FLAVOUR=0.10` (the default) or `0.11`.
/// The README's test command runs the acceptance suite once with each.
///
/// # Panics
/// When `SANDBOX_FLAVOUR` names neither line: a typo must not silently test the default.
pub fn flavour() -> Flavour {
    Flavour::from_env().unwrap_or_else(|e| panic!("SANDBOX_FLAVOUR: {e}"))
}

/// A sandbox configuration with stock defaults, its state in `state_path`, in the [`flavour`]
/// this run tests.
pub fn sandbox_config(state_path: impl Into<std::path::PathBuf>) -> SandboxConfig {
    let mut cfg = SandboxConfig::new(state_path);
    cfg.flavour = flavour();
    cfg
}

/// Starts the sandbox of `cfg` with `fleet`'s console (made when missing) as its administrator,
/// and connects the fleet to it as `satop connect` would: key [`KEY`], the sandbox relay as the
/// ATM relay.
///
/// # Errors
/// When the console key, the sandbox or the connect fails.
pub async fn connected_sandbox(fleet: &Fleet, mut cfg: SandboxConfig) -> anyhow::Result<Sandbox> {
    let (console, _) = fleet.init_console().await?;
    cfg.admin_npubs = vec![console.public_key()];
    let sandbox = Sandbox::start(cfg).await?;
    connect(fleet, &sandbox).await?;
    Ok(sandbox)
}

/// Connects `fleet` (whose console must be one of the sandbox's admins) as `satop connect`
/// would: key [`KEY`], the sandbox relay as the ATM relay.
///
/// # Errors
/// When the connect fails.
pub async fn connect(fleet: &Fleet, sandbox: &Sandbox) -> anyhow::Result<()> {
    let req = ConnectRequest {
        connection: sandbox.bunker.admin_connection_string(),
        key_name: KEY.into(),
        atm_relays: vec![sandbox.relay.url().to_string()],
        timeout: Duration::from_secs(5),
    };
    fleet.connect(&req, |_| {}).await?;
    Ok(())
}

/// A pairing of the machine `name` (created when new) that polls the bunker every 20 ms, so a
/// redemption on loopback is seen at once.
pub fn quick_pairing(name: &str) -> PairRequest {
    let mut req = PairRequest::new(MachineChoice::PickOrCreate {
        name: name.into(),
        site: None,
    });
    req.poll_every = Duration::from_millis(20);
    req
}
