//! `satmachine-atm`: the command line an ATM's provisioning script runs.
//!
//! Exit codes: 0 ok, 2 bad input (including "not paired" / "already paired"), 3 bunker or relay
//! problem, 1 anything else; the reason is one line on stderr. No output ever holds the
//! pairing secret.

mod args;
mod commands;
mod exit;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, Command};

/// Parses the command line, runs the command, and returns the process exit code.
pub fn run() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("satmachine-atm: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match runtime.block_on(commands::dispatch(args)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("satmachine-atm: {e}");
            ExitCode::from(exit::code(&e))
        }
    }
}
