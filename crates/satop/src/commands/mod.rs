//! One module per subcommand; each takes its arguments, calls fleet-core, prints the result.

mod audit;
mod bulk;
mod code;
mod connect;
mod dashboard;
mod fee;
mod identity;
mod machine;
mod migration;
mod outbox;
mod pair;
mod publish;
mod repair;
mod revoke;
mod sandbox;
mod status;
mod sync;
mod term;

use crate::cli::{Cli, Command};
use crate::exit::Failure;
use crate::setup::open_fleet;

/// Runs the parsed command.
pub async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Sandbox(args) => sandbox::run(cli.data_dir, &cli.secret_store, args).await,
        command => {
            let creating = matches!(command, Command::Init);
            let fleet = open_fleet(cli.data_dir, &cli.secret_store, creating)?;
            match command {
                Command::Init => identity::init(&fleet).await,
                Command::Whoami => identity::whoami(&fleet).await,
                Command::Connect(args) => connect::run(&fleet, args).await,
                Command::Dashboard { json } => dashboard::run(&fleet, json).await,
                Command::Status { json } => status::run(&fleet, json).await,
                Command::Machine(cmd) => machine::run(&fleet, cmd).await,
                Command::Pair(args) => pair::run(&fleet, args).await,
                Command::Code(cmd) => code::run(&fleet, cmd).await,
                Command::Migration(cmd) => migration::run(&fleet, cmd).await,
                Command::Revoke(args) => revoke::run(&fleet, args).await,
                Command::Repair(args) => repair::run(&fleet, args).await,
                Command::Sync { json } => sync::run(&fleet, json).await,
                Command::Outbox(cmd) => outbox::run(&fleet, cmd).await,
                Command::Audit(args) => audit::run(&fleet, args).await,
                Command::Fee(cmd) => fee::run(&fleet, cmd).await,
                Command::Roster(cmd) => publish::roster(&fleet, cmd).await,
                Command::Config(cmd) => publish::config(&fleet, cmd).await,
                Command::Term(args) => term::run(&fleet, args).await,
                Command::Sandbox(_) => Ok(()),
            }
        }
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(crate::exit::OTHER, e.to_string()))?;
    // JSON escapes control characters itself; bidi and invisible ones too, for a terminal.
    println!("{}", crate::output::shown_json(&text));
    Ok(())
}
