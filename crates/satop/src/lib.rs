//! `satop`: the operator's command line over `fleet-core`.
//!
//! Exit codes: 0 ok, 2 bad input, 3 bunker or relay problem, 1 anything else; every failure
//! prints one line saying what went wrong and what to do.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod exit;
mod output;
mod setup;

use std::process::ExitCode;

use clap::Parser;

pub use exit::Failure;

/// Parses the command line, runs the command, and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    output::exit_quietly_on_closed_pipe();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: clap's own text on stdout.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("satop: {}", exit::usage_line(&e));
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    setup::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("satop: cannot start the async runtime: {e}");
            return ExitCode::from(exit::OTHER);
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.code == 0 => ExitCode::SUCCESS,
        Err(failure) => {
            // Messages can quote stored or typed text: escaped like every other output.
            eprintln!("satop: {}", output::shown_message(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}
