//! `satop sandbox`: a loopback relay and a sandbox bunker in the foreground.

use std::path::PathBuf;

use fleet_core::connect::npub;
use nostr::PublicKey;
use sandbox::{EncryptionMode, Flavour, Sandbox, SandboxConfig};

use crate::cli::SandboxArgs;
use crate::exit::Failure;
use crate::setup::{data_dir, secret_store};

pub async fn run(
    data_dir_flag: Option<PathBuf>,
    store: &str,
    args: SandboxArgs,
) -> Result<(), Failure> {
    let dir = data_dir(data_dir_flag.clone())?.join("sandbox");
    std::fs::create_dir_all(&dir)?;
    let admins = admins(&args.admins, data_dir_flag, store).await?;
    let port_file = dir.join("port");
    let port = args.port.or_else(|| {
        std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse().ok())
    });

    let mut config = SandboxConfig::new(dir.join("bunker.sqlite3"));
    config.port = port;
    config.admin_npubs = admins.clone();
    config.encryption = if args.auto_encryption {
        EncryptionMode::Auto
    } else {
        EncryptionMode::Nip04Only
    };
    config.flavour = args.flavour;
    let sandbox = match Sandbox::start(config.clone()).await {
        Ok(s) => s,
        // The remembered port may be taken now; a fresh one is better than no sandbox.
        Err(_) if args.port.is_none() && port.is_some() => {
            config.port = None;
            Sandbox::start(config)
                .await
                .map_err(|e| Failure::new(crate::exit::BUNKER, e.to_string()))?
        }
        Err(e) => return Err(Failure::new(crate::exit::BUNKER, e.to_string())),
    };
    let relay = sandbox.relay.url();
    if let Some(p) = relay
        .as_str()
        .rsplit(':')
        .next()
        .map(|p| p.trim_end_matches('/'))
    {
        let _ = std::fs::write(&port_file, p);
    }
    let key = sandbox
        .bunker
        .key_pubkey("operator")
        .as_ref()
        .map(npub)
        .unwrap_or_default();
    let behaves_like = match args.flavour {
        Flavour::V0_10 => "stock nsecbunkerd 0.10.5",
        Flavour::V0_11 => "nsecbunkerd 0.11.2, the 398ja fork",
    };
    println!("SANDBOX bunker, flavour {} (behaves like {behaves_like}; test keys only, never real funds)", args.flavour);
    println!(
        "  admin connection string: {}",
        sandbox.bunker.admin_connection_string()
    );
    println!("  operator key name:       operator ({key})");
    println!("  relay (ATM relay too):   {relay}");
    println!(
        "  admins:                  {}",
        admins.iter().map(npub).collect::<Vec<_>>().join(", ")
    );
    println!("Connect this console with:");
    println!(
        "  satop connect '{}' --key operator --atm-relay {relay}",
        sandbox.bunker.admin_connection_string()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}

/// `--admin` npubs, else this console's npub when `init` has run.
async fn admins(
    flags: &[String],
    data_dir_flag: Option<PathBuf>,
    store: &str,
) -> Result<Vec<PublicKey>, Failure> {
    if !flags.is_empty() {
        return flags
            .iter()
            .map(|n| {
                PublicKey::parse(n.trim()).map_err(|_| {
                    Failure::input(format!("--admin {n:?} is not an npub or hex pubkey"))
                })
            })
            .collect();
    }
    let fleet = fleet_core::Fleet::open(&data_dir(data_dir_flag)?, secret_store(store)?)?;
    match fleet.status().await?.console_npub {
        Some(npub) => Ok(vec![PublicKey::parse(&npub)
            .map_err(|_| Failure::input("the console npub does not parse"))?]),
        None => Err(Failure::input(
            "no admin for the sandbox: run `satop init` first, or pass --admin NPUB",
        )),
    }
}
