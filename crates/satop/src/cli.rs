//! The command line: global options and subcommands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Satmachine Operator: pair, manage and revoke Bitcoin ATMs whose operator key lives in an
/// nsecbunkerd bunker.
#[derive(Debug, Parser)]
#[command(name = "satop", version, about)]
pub struct Cli {
    /// Where the local cache lives (default: $XDG_DATA_HOME/satmachine-operator).
    #[arg(long, global = true, env = "SATOP_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Where the console key is kept: `keyring` (the OS keyring) or `file:PATH` (a NIP-49
    /// ncryptsec file; passphrase from SATOP_PASSPHRASE or asked for).
    #[arg(
        long,
        global = true,
        env = "SATOP_SECRET_STORE",
        default_value = "keyring"
    )]
    pub secret_store: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the console key (this app's identity) and print its npub.
    Init,
    /// Print the console npub and how to make it a bunker admin.
    Whoami,
    /// Probe a bunker as its administrator and store its profile.
    Connect(ConnectArgs),
    /// Is anything wrong? Counts by state, what needs attention (and the command that fixes
    /// it), bunker, relays and outbox, from the cache as of the last sync.
    Dashboard {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show what is stored locally: console, bunker profile, machines.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a loopback relay and a sandbox bunker (behaves like nsecbunkerd 0.10 or 0.11) in the foreground.
    Sandbox(SandboxArgs),
    /// Add or list machines (ATMs).
    #[command(subcommand)]
    Machine(MachineCommand),
    /// Pair an ATM: mint a pairing code (kind-21000 signing only) and show it as a QR.
    Pair(PairArgs),
    /// Pairing codes prepared in advance, to pair an ATM where this laptop has no network.
    #[command(subcommand)]
    Code(CodeCommand),
    /// Is the move to the bunker complete? (migration status checklist)
    #[command(subcommand)]
    Migration(MigrationCommand),
    /// Revoke machines' access on the bunker: one by name, several by name, or every machine at
    /// a site (offline: `revoke pending` until it can run).
    Revoke(RevokeArgs),
    /// Renew a machine: pair a NEW ATM key, then revoke the old one once the new one is redeemed.
    Repair(RepairArgs),
    /// Reconcile with the bunker, enforce access terms, and run the outbox.
    Sync {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show or run the queued network actions.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Show the audit log (newest first), or export it as JSON lines.
    Audit(AuditArgs),
    /// Show or change the super-fee policy (a bunker-signed kind-30078 event).
    #[command(subcommand)]
    Fee(FeeCommand),
    /// Publish the fleet roster (paired machines' names, sites, ATM keys) as a bunker-signed
    /// kind-30078 event.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Publish an app-config document (NIP-78, `satmachine:config:<name>`) signed by the bunker.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// List machines whose access term ends within 7 days; turn automatic revoke on or off.
    Term(TermArgs),
}

#[derive(Debug, Subcommand)]
pub enum CodeCommand {
    /// Mint pairing codes ahead (online); their secrets go only into the secret store.
    Prepare {
        /// How many codes, 1 to 50.
        #[arg(long)]
        count: usize,
        /// How long each can be redeemed, e.g. 7d, 36h (default 7d, at most 14d).
        #[arg(long, value_name = "DURATION")]
        valid: Option<String>,
        /// The site they are for (machines at that site get them first).
        #[arg(long)]
        site: Option<String>,
    },
    /// List the prepared codes (never their secrets).
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give the next unused code to a machine (created if new) and show its QR; needs no network.
    Show {
        /// The machine's name.
        machine: String,
        /// Write the pairing QR as a PNG to this file (it holds the pairing secret: delete it after use).
        #[arg(long, value_name = "FILE")]
        qr_png: Option<std::path::PathBuf>,
        /// Print the pairing QR in the terminal.
        #[arg(long)]
        qr_terminal: bool,
        /// Print the pairing URL itself (a bearer secret).
        #[arg(long)]
        show_secret: bool,
    },
    /// Note the fingerprint the ATM shows after scanning; the next sync flags a mismatch.
    Note {
        /// The machine's name.
        machine: String,
        /// The fingerprint as the ATM shows it.
        fingerprint: String,
    },
    /// Burn codes (redeem-and-revoke); offline, the burn runs at the next sync.
    Burn {
        /// Burn every code that can still be redeemed.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// The codes' ids (see `satop code list`).
        #[arg(required_unless_present = "all")]
        ids: Vec<i64>,
    },
    /// Revoke, on the bunker, the client that redeemed a flagged code (needs the bunker).
    Revoke {
        /// The flagged code's id (see `satop code list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum MachineCommand {
    /// Add an unpaired machine.
    Add {
        /// Its name: 1 to 50 characters, unique ignoring case.
        name: String,
        /// Where it stands.
        #[arg(long)]
        site: Option<String>,
    },
    /// List the machines.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show or set after how long without a sign of life a paired machine is called silent
    /// (default 24h; 1h to 30d).
    SilentAfter {
        /// The new threshold, e.g. 24h or 3d; omit to show the current one.
        duration: Option<String>,
    },
    /// List the sites and how many machines stand at each.
    Sites {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The machines to pair again at the next visit: add, remove, list.
    #[command(subcommand)]
    RepairQueue(RepairQueueCommand),
    /// Import the machines of LNbits' satmachineadmin (`dca_machines`) as legacy machines
    /// (re-pair required). The LNbits database is only read.
    Import {
        /// LNbits data directory, a .sqlite3 file, or a postgres:// URL.
        #[arg(long, value_name = "PATH|URL")]
        lnbits_db: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RepairQueueCommand {
    /// Queue machines for re-pair (by name, or every machine at a site).
    Add {
        /// The machines' names.
        #[arg(required_unless_present = "site", conflicts_with = "site")]
        machines: Vec<String>,
        /// Every machine at this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// Take machines off the re-pair queue.
    Remove {
        /// The machines' names.
        #[arg(required_unless_present = "site", conflicts_with = "site")]
        machines: Vec<String>,
        /// Every machine at this site.
        #[arg(long)]
        site: Option<String>,
    },
    /// The machines waiting to be re-paired, oldest first, with what to do at each.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrationCommand {
    /// Run the checklist; exit 0 only when every check passes (4 otherwise, listing what is left).
    Check {
        /// LNbits data directory, a .sqlite3 file, or a postgres:// URL (read-only).
        #[arg(long, value_name = "PATH|URL")]
        lnbits_db: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Skip the test signature through the bunker (that check is then `unknown`).
        #[arg(long)]
        no_test_signature: bool,
        /// Show the last cached result instead of running the checks (works offline).
        #[arg(long, conflicts_with_all = ["lnbits_db", "no_test_signature"])]
        cached: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct PairArgs {
    /// The machine's name (see `satop machine list`).
    pub machine: String,
    /// Write the pairing QR as a PNG to this file (it holds the pairing secret: delete it after use).
    #[arg(long, value_name = "FILE")]
    pub qr_png: Option<std::path::PathBuf>,
    /// Print the pairing QR in the terminal.
    #[arg(long)]
    pub qr_terminal: bool,
    /// Wait for the ATM to redeem the code, then record the pairing; Ctrl-C cancels and burns
    /// the code.
    #[arg(long)]
    pub wait: bool,
    /// How long the code can be redeemed, e.g. 30m, 2h (default 1h).
    #[arg(long, value_name = "DURATION")]
    pub redeem_window: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print the pairing URL itself (a bearer secret: anyone holding it can pair as this ATM).
    #[arg(long)]
    pub show_secret: bool,
}

#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// The bunker's admin connection string: `bunker://npub1…@relay,relay` (nsecbunkerd's
    /// connection.txt) or `bunker://<hex>?relay=…`.
    pub connection: String,
    /// The bunker key name that holds the operator key.
    #[arg(long = "key", default_value = "operator")]
    pub key_name: String,
    /// A relay the ATMs use (the bunker's `nostr.relays`; no RPC exposes them). Repeat for two.
    #[arg(long = "atm-relay", required = true)]
    pub atm_relays: Vec<String>,
    /// Seconds to wait for each bunker reply.
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
}

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Loopback port for the relay (default: a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// An npub allowed to administrate the sandbox (default: this console's npub, if initialised).
    #[arg(long = "admin")]
    pub admins: Vec<String>,
    /// Answer NIP-44 requests too (NDK >= 2.10.6 style) instead of stock NIP-04 only (0.10 flavour).
    #[arg(long)]
    pub auto_encryption: bool,
    /// Which nsecbunkerd line the sandbox imitates: 0.10 (stock 0.10.5) or 0.11 (the 398ja fork).
    #[arg(long, default_value = "0.10", value_parser = parse_flavour)]
    pub flavour: sandbox::Flavour,
}

fn parse_flavour(text: &str) -> Result<sandbox::Flavour, String> {
    text.parse()
        .map_err(|_| format!("unknown flavour {text:?}: use 0.10 or 0.11"))
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The machine's name; several names revoke them all (confirm with their number).
    #[arg(required_unless_present = "site", conflicts_with = "site")]
    pub machines: Vec<String>,
    /// Revoke every machine at this site (confirm with the site's name).
    #[arg(long)]
    pub site: Option<String>,
    /// The typed confirmation of a revoke of several machines: the site's name, or how many
    /// machines were named. Asked for when left out.
    #[arg(long, value_name = "TEXT")]
    pub confirm: Option<String>,
    /// Don't ask to type the machine's name (one machine only).
    #[arg(long)]
    pub yes: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    /// The machine's name.
    pub machine: String,
    /// Write the pairing QR as a PNG to this file (it holds the pairing secret: delete it after use).
    #[arg(long, value_name = "FILE")]
    pub qr_png: Option<std::path::PathBuf>,
    /// Print the pairing QR in the terminal.
    #[arg(long)]
    pub qr_terminal: bool,
    /// How long the code can be redeemed, e.g. 30m, 2h (default 1h).
    #[arg(long, value_name = "DURATION")]
    pub redeem_window: Option<String>,
    /// Print the pairing URL itself (a bearer secret).
    #[arg(long)]
    pub show_secret: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Actions not done yet: pending, running, failed (with the reason).
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run every pending action now, in order.
    Run {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Put a failed action back in the queue.
    Retry {
        /// The action's id (see `satop outbox list`).
        id: i64,
    },
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// How many entries to show.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Export the whole log, oldest first, as JSON lines to this file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub export: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum FeeCommand {
    /// The published super-fee policy and changes waiting in the outbox.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change the policy; recorded only once the bunker-signed event is verified and published.
    Set {
        /// Super fee in percent, e.g. 2.5.
        #[arg(long)]
        percent: String,
        /// Fixed fee per transaction, in whole sats (at most 100000000, i.e. 1 BTC).
        #[arg(long, default_value = "0", value_name = "SATS")]
        fixed_sats: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Sign and publish the roster; recorded only once verified and published (offline it
    /// waits in the outbox). Nothing is sent when it equals the published roster.
    Publish {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Sign and publish the document NAME with a JSON value.
    Set {
        /// The document's name (the `d` tag is `satmachine:config:NAME`).
        name: String,
        /// Its content, as JSON, e.g. '{"max_withdraw_sats":500000}'.
        value: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct TermArgs {
    /// Revoke machines automatically when their term ends: on or off.
    #[arg(long, value_name = "on|off")]
    pub auto_revoke: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
