//! Process set-up: logging, the data directory and the secret store, from the environment.
//!
//! The same variables as the `satop` CLI, so both share one console:
//! `SATOP_DATA_DIR` (else `$XDG_DATA_HOME/satmachine-operator`, else
//! `~/.local/share/satmachine-operator`) and `SATOP_SECRET_STORE` (`keyring`, the default, or
//! `file:PATH` with the passphrase in `SATOP_PASSPHRASE`: a desktop app has no terminal to ask on).

use std::path::PathBuf;

use fleet_core::secrets::{FileStore, KeyringStore, Secrets};

use crate::Error;

/// Logs go to stderr, `warn` and up unless `RUST_LOG` says otherwise.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let filter = fleet_core::admin_key::LOG_MUTES
        .iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, tracing_subscriber::EnvFilter::add_directive);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The data directory (see the module docs).
///
/// # Errors
/// [`Error::Setup`] when neither a data dir, `XDG_DATA_HOME` nor `HOME` is set.
pub fn data_dir() -> Result<PathBuf, Error> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("SATOP_DATA_DIR") {
        return Ok(dir);
    }
    if let Some(xdg) = var("XDG_DATA_HOME") {
        return Ok(xdg.join("satmachine-operator"));
    }
    var("HOME")
        .map(|home| home.join(".local/share/satmachine-operator"))
        .ok_or_else(|| Error::Setup("cannot tell where to keep data: set SATOP_DATA_DIR".into()))
}

/// The secret store (see the module docs). `SATOP_PASSPHRASE` is removed from the environment
/// as it is read, so the processes the app starts (WebKit's web and network processes among
/// them) never inherit it: call this once, at start, before any webview or other thread runs.
///
/// # Errors
/// [`Error::Setup`] for an unknown store or a file store without a passphrase.
pub fn secrets() -> Result<Secrets, Error> {
    let spec = std::env::var("SATOP_SECRET_STORE").unwrap_or_else(|_| "keyring".into());
    secrets_from(&spec, take_env(PASSPHRASE_VAR))
}

/// The variable that carries the key file's passphrase.
pub const PASSPHRASE_VAR: &str = "SATOP_PASSPHRASE";

/// Reads `name` and removes it from this process's environment.
fn take_env(name: &str) -> Option<String> {
    let value = std::env::var(name).ok();
    // Safe in edition 2021; sound here because it runs before the app starts other threads.
    std::env::remove_var(name);
    value
}

/// Builds the store named by `spec` (`keyring` or `file:PATH`).
///
/// # Errors
/// As [`secrets`].
pub fn secrets_from(spec: &str, passphrase: Option<String>) -> Result<Secrets, Error> {
    if spec == "keyring" {
        return Ok(Secrets::new(KeyringStore::new()));
    }
    if let Some(path) = spec.strip_prefix("file:").filter(|p| !p.is_empty()) {
        let passphrase = passphrase.filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::Setup(
                "SATOP_SECRET_STORE=file:… needs the passphrase in SATOP_PASSPHRASE".into(),
            )
        })?;
        return Ok(Secrets::new(FileStore::new(
            PathBuf::from(path),
            bunker_client::Sensitive::new(passphrase),
        )));
    }
    Err(Error::Setup(format!(
        "unknown secret store {spec:?}: use `keyring` or `file:PATH`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_without_passphrase_is_refused() {
        let err = secrets_from("file:/tmp/x.json", None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("SATOP_PASSPHRASE"),
            "the message must say where the passphrase goes: {err}"
        );
    }

    #[test]
    fn unknown_secret_store_is_refused() {
        assert!(secrets_from("vault", None).is_err());
    }
}
