//! `satop init` (where the admin key lives) and `satop whoami`.

use std::io::BufRead;
use std::sync::Arc;
use std::time::Duration;

use bunker_client::Sensitive;
use fleet_core::admin_key::{admin_npubs_line, AdminKeyHome, SignerSetup, AUTO_APPROVE_HINT};
use fleet_core::Fleet;

use crate::cli::InitArgs;
use crate::exit::Failure;

/// Every remote signer call is announced on stderr: a person may have to tap "approve".
pub async fn announce_signer_calls(fleet: &Fleet) {
    fleet
        .set_signer_prompt(Arc::new(|a| {
            eprintln!(
                "Approve on your signer: {} (waiting up to {} s)",
                a.what,
                a.timeout.as_secs()
            );
        }))
        .await;
}

pub async fn init(fleet: &Fleet, args: InitArgs) -> Result<(), Failure> {
    if let Some(secs) = args.approval_timeout {
        fleet.set_signer_approval_timeout(secs).await?;
    }
    match args.signer.as_deref() {
        None if args.delete_local_key => delete_local_key(fleet).await,
        None => init_local(fleet).await,
        Some("nostrconnect") => {
            let setup = nostrconnect(fleet, &args).await?;
            after_setup(fleet, &setup, &args).await
        }
        Some(url) => {
            let url = if url == "-" {
                read_stdin_line()?
            } else {
                url.to_owned()
            };
            let setup = fleet.use_remote_signer(&Sensitive::new(url)).await?;
            after_setup(fleet, &setup, &args).await
        }
    }
}

async fn init_local(fleet: &Fleet) -> Result<(), Failure> {
    if let AdminKeyHome::RemoteSigner { address } = fleet.admin_key_home().await? {
        println!("{}", fleet.admin_npub().await?);
        eprintln!("The admin key lives in a remote signer ({address}); nothing to create.");
        return Ok(());
    }
    let (console, created) = fleet.init_console().await?;
    if created {
        println!("Created the console key in {}.", fleet.secrets().describe());
    } else {
        println!(
            "The console key already exists in {}; kept it.",
            fleet.secrets().describe()
        );
    }
    println!("{}", console.npub());
    print_admin_hint(&console.npub());
    eprintln!("Safer: keep the admin key in a remote signer: `satop init --signer nostrconnect` or `--signer 'bunker://…'`.");
    Ok(())
}

async fn nostrconnect(fleet: &Fleet, args: &InitArgs) -> Result<SignerSetup, Failure> {
    let relays = if args.relays.is_empty() {
        fleet
            .profile()
            .await?
            .map(|p| p.admin_relays)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                Failure::input(
                    "give the relay your signer and this console meet on: --relay wss://…",
                )
            })?
    } else {
        args.relays.clone()
    };
    let offer = fleet.offer_nostrconnect(&relays).await?;
    let url = offer.url();
    println!("Scan this with your signer app (Amber, nsec.app, …), or paste the URL into it:");
    println!("{}", url.expose());
    match fleet_core::qr::render_terminal(url.expose()) {
        Ok(qr) => println!("{qr}"),
        Err(e) => eprintln!("(no QR: {e}; use the URL above)"),
    }
    eprintln!("Waiting up to {} s for your signer…", args.wait);
    Ok(fleet
        .accept_nostrconnect(offer, Duration::from_secs(args.wait))
        .await?)
}

async fn after_setup(fleet: &Fleet, setup: &SignerSetup, args: &InitArgs) -> Result<(), Failure> {
    println!("The admin key lives in your signer ({}).", setup.address);
    println!("{}", setup.admin_npub);
    print_admin_hint(&setup.admin_npub);
    eprintln!("Tip: {AUTO_APPROVE_HINT}.");
    if let Some(local) = &setup.local_npub {
        eprintln!("The old console key ({local}) is still stored on this computer.");
    }
    if fleet.profile().await?.is_none() || args.probe_wait == 0 {
        if args.delete_local_key {
            return Err(Failure::input("connect the bunker first (`satop connect …`): the local key is deleted only once the bunker accepts the signer's key"));
        }
        return Ok(());
    }
    eprintln!(
        "Waiting for the bunker to accept {} (add it to admin.npubs and restart the bunker)…",
        setup.admin_npub
    );
    fleet
        .wait_until_bunker_accepts(
            Duration::from_secs(args.probe_wait),
            Duration::from_secs(5),
            |e| eprintln!("  not yet: {e}"),
        )
        .await?;
    println!("The bunker accepts the signer's key.");
    if args.delete_local_key {
        delete_local_key(fleet).await
    } else {
        if setup.local_npub.is_some() {
            eprintln!("Delete the old console key once its npub is out of admin.npubs: `satop init --delete-local-key`.");
        }
        Ok(())
    }
}

async fn delete_local_key(fleet: &Fleet) -> Result<(), Failure> {
    fleet.delete_local_admin_key().await?;
    println!("Deleted the local console key: no admin key is stored on this computer now.");
    Ok(())
}

pub async fn whoami(fleet: &Fleet) -> Result<(), Failure> {
    let npub = fleet.admin_npub().await?;
    println!("{npub}");
    match fleet.admin_key_home().await? {
        AdminKeyHome::RemoteSigner { address } => {
            eprintln!("The admin key lives in a remote signer ({address}).");
        }
        AdminKeyHome::Local { store } => {
            eprintln!("The admin key lives on this computer ({store}).")
        }
    }
    print_admin_hint(&npub);
    Ok(())
}

fn print_admin_hint(npub: &str) {
    eprintln!("To let this console administer your bunker, add it to nsecbunker.json and restart the bunker:");
    eprintln!("  {}", admin_npubs_line(npub));
}

fn read_stdin_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err(Failure::input(
            "--signer - reads the signer's bunker:// URL from stdin, but stdin was empty",
        ));
    }
    Ok(line)
}
