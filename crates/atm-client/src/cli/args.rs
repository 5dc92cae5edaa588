//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Pair this ATM with the operator's bunker and sign kind-21000 events through it.
#[derive(Debug, Parser)]
#[command(name = "satmachine-atm", version)]
pub struct Args {
    /// Directory holding this ATM's client key and pairing (created with mode 0700).
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
    /// Seconds to wait for each bunker reply.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub timeout: u64,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Redeem a pairing URL from Satmachine Operator (once per pairing).
    Pair {
        /// The pairing URL; prefer the environment variable, which `ps` does not show.
        #[arg(
            long,
            env = "SATMACHINE_SEED_URL",
            hide_env_values = true,
            value_name = "URL"
        )]
        seed_url: Option<String>,
        /// Read the pairing URL from a QR code in this image (PNG or JPEG); wins over the URL.
        #[arg(long, value_name = "FILE")]
        qr_image: Option<PathBuf>,
        /// Replace an existing pairing with a new one (a new client key is made).
        #[arg(long)]
        replace: bool,
    },
    /// Sign an event through the bunker; prints the signed event as one JSON line.
    Sign {
        /// Event kind (an ATM pairing allows 21000 only).
        #[arg(long)]
        kind: u16,
        /// Event content.
        #[arg(long)]
        content: String,
        /// Tags as JSON, e.g. '[["t","atm"]]'.
        #[arg(long, value_name = "JSON")]
        tags: Option<String>,
    },
    /// Show the stored pairing.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also ask the bunker get_public_key (reachability only, not an authorisation check).
        #[arg(long)]
        check: bool,
    },
}
