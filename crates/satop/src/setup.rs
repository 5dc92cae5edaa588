//! Process set-up: logging, the data directory and the secret store from the global options.

use std::path::PathBuf;

use bunker_client::Sensitive;
use fleet_core::secrets::{FileStore, KeyringStore, Secrets};
use fleet_core::Fleet;

use crate::exit::Failure;

/// Logs go to stderr, `warn` and up unless `RUST_LOG` says otherwise. No secret is ever logged:
/// the crates below log ids, names and kinds only.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let filter = fleet_core::admin_key::LOG_MUTES
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, tracing_subscriber::EnvFilter::add_directive);
    // Colour codes only for a person at a terminal: a log file or a pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// `--data-dir`, else `$XDG_DATA_HOME/satmachine-operator`, else `~/.local/share/satmachine-operator`.
pub fn data_dir(flag: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("satmachine-operator"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".local/share/satmachine-operator"))
        .ok_or_else(|| Failure::input("cannot tell where to keep data: set --data-dir DIR"))
}

/// Builds the secret store named by `--secret-store`.
pub fn secret_store(spec: &str) -> Result<Secrets, Failure> {
    secret_store_for(spec, false)
}

/// Builds the secret store; with `creating` (`satop init`), a passphrase that would encrypt a
/// NEW key file must meet fleet-core's minimum ([`fleet_core::rules::passphrase`]). An existing
/// file is opened with whatever passphrase it was made with.
fn secret_store_for(spec: &str, creating: bool) -> Result<Secrets, Failure> {
    if spec == "keyring" {
        return Ok(Secrets::new(KeyringStore::new()));
    }
    if let Some(path) = spec.strip_prefix("file:") {
        if path.is_empty() {
            return Err(Failure::input(
                "--secret-store file: needs a path, e.g. file:/home/me/.satop-keys.json",
            ));
        }
        let passphrase = passphrase()?;
        if creating && !std::path::Path::new(path).exists() {
            fleet_core::rules::passphrase::check_new_passphrase(passphrase.expose())?;
        }
        return Ok(Secrets::new(FileStore::new(
            PathBuf::from(path),
            passphrase,
        )));
    }
    Err(Failure::input(format!(
        "unknown secret store {spec:?}: use `keyring` or `file:PATH`"
    )))
}

/// Opens the fleet with the global options; `creating` when the command may create the console
/// key (`satop init`).
pub fn open_fleet(
    data_dir_flag: Option<PathBuf>,
    store: &str,
    creating: bool,
) -> Result<Fleet, Failure> {
    let dir = data_dir(data_dir_flag)?;
    let secrets = secret_store_for(store, creating)?;
    Ok(Fleet::open(&dir, secrets)?)
}

/// The file store's passphrase: `SATOP_PASSPHRASE`, else asked for on the terminal.
fn passphrase() -> Result<Sensitive<String>, Failure> {
    if let Ok(p) = std::env::var("SATOP_PASSPHRASE") {
        if !p.is_empty() {
            return Ok(Sensitive::new(p));
        }
    }
    rpassword::prompt_password("Passphrase for the console key file: ")
        .map(Sensitive::new)
        .map_err(|_| {
            Failure::input("no passphrase: set SATOP_PASSPHRASE or run satop in a terminal")
        })
}
