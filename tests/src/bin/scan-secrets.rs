//! `scan-secrets FILE…`: scans files the app wrote (e.g. the e2e run's
//! `artifacts/e2e/tauri-driver.log`) for secrets, with [`acceptance::secrets`].
//!
//! Always searches for secret shapes (an `nsec1…`, a pairing URL's `secret=`); also for exact
//! secrets the caller knows, given one per line as `what=value` in the environment variable
//! `SCAN_SECRETS` (kept out of the argument list, which other processes can read). Prints each
//! finding (never the value). Exit 0 clean, 1 findings, 2 when a file cannot be read or no
//! file was given: a scan that did not look is not clean.

use std::path::PathBuf;
use std::process::ExitCode;

use acceptance::secrets::{scan_files, Secret};

fn main() -> ExitCode {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        eprintln!(
            "usage: scan-secrets FILE… (known secrets as `what=value` lines in SCAN_SECRETS)"
        );
        return ExitCode::from(2);
    }
    let known: Vec<Secret> = std::env::var("SCAN_SECRETS")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(what, value)| Secret::new(what.trim(), value.trim()))
        .collect();
    match scan_files(&files, &known) {
        Err(e) => {
            eprintln!("scan-secrets: {e}");
            ExitCode::from(2)
        }
        Ok(found) if found.is_empty() => {
            println!(
                "scan-secrets: no secret in {} file(s) ({} known secrets and the secret shapes searched)",
                files.len(),
                known.len()
            );
            ExitCode::SUCCESS
        }
        Ok(found) => {
            for f in &found {
                eprintln!("scan-secrets: {f}");
            }
            ExitCode::from(1)
        }
    }
}
