//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Pair this ATM with the operator's bunker and sign kind-21000 events through it.
#[derive(Debug, Parser)]
#[command(name = "satmachine-atm", version)]
pub struct Args {
    /// Directory holding this ATM's client key and pairing (created with mode 0700). Required;
    /// accepted before or after the subcommand.
    #[arg(long, value_name = "DIR", global = true)]
    pub state_dir: Option<PathBuf>,
    /// Seconds to wait for each bunker reply.
    #[arg(long, value_name = "SECS", default_value_t = 15, global = true)]
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
        /// The socket of a running `serve` (default: `atm.sock` in the state directory); used
        /// when it answers, otherwise this command connects to the bunker itself.
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
    },
    /// Keep one warm connection to the bunker and sign for the ATM's software over a Unix
    /// socket: one JSON request per line in, one JSON line out. Also sends the heartbeat.
    Serve {
        /// Where to listen (default: `atm.sock` in the state directory); created with mode 0600.
        #[arg(long, value_name = "PATH")]
        socket: Option<PathBuf>,
        /// How often to publish the heartbeat, e.g. 30s, 5m, 1h; `off` sends none.
        #[arg(long, value_name = "EVERY", default_value = "5m")]
        heartbeat_every: String,
    },
    /// Publish one heartbeat (signed by this ATM's own key, no bunker round trip).
    Heartbeat,
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
