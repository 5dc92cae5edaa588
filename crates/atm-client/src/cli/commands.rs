//! One function per subcommand: convert the arguments, call the library, print the result.

use std::path::Path;
use std::time::Duration;

use bunker_client::ClientOptions;
use nostr::{JsonUtil, ToBech32};

use super::args::{Args, Command};
use crate::error::{Error, Result};
use crate::{check, pair, pair_from_qr, parse_tags, sign, status, PairOptions, Paired};

pub(crate) async fn dispatch(args: Args) -> Result<()> {
    let opts = client_options(args.timeout)?;
    let dir = args.state_dir.as_path();
    match args.command {
        Command::Pair {
            seed_url,
            qr_image,
            replace,
        } => run_pair(dir, seed_url, qr_image.as_deref(), replace, opts).await,
        Command::Sign {
            kind,
            content,
            tags,
        } => run_sign(dir, kind, &content, tags.as_deref(), opts).await,
        Command::Status { json, check } => run_status(dir, json, check, opts).await,
    }
}

fn client_options(timeout_secs: u64) -> Result<ClientOptions> {
    if timeout_secs == 0 {
        return Err(Error::InvalidArgument(
            "--timeout must be at least 1 second",
        ));
    }
    let timeout = Duration::from_secs(timeout_secs);
    let defaults = ClientOptions::default();
    Ok(ClientOptions {
        timeout,
        connect_timeout: defaults.connect_timeout.min(timeout),
        ..defaults
    })
}

async fn run_pair(
    dir: &Path,
    seed_url: Option<String>,
    qr_image: Option<&Path>,
    replace: bool,
    client: ClientOptions,
) -> Result<()> {
    let opts = PairOptions { replace, client };
    let paired = match (qr_image, seed_url) {
        (Some(image), _) => pair_from_qr(dir, image, &opts).await?,
        (None, Some(seed)) => pair(dir, &seed, &opts).await?,
        (None, None) => return Err(Error::MissingSeed),
    };
    print_paired(&paired);
    Ok(())
}

fn print_paired(paired: &Paired) {
    let p = &paired.pairing;
    println!("paired");
    println!("fingerprint: {}", p.fingerprint);
    println!("client: {}", npub_or_hex(&p.client_pubkey));
    println!("operator: {}", npub_or_hex(&p.operator_pubkey));
}

async fn run_sign(
    dir: &Path,
    kind: u16,
    content: &str,
    tags: Option<&str>,
    opts: ClientOptions,
) -> Result<()> {
    let tags = tags.map(parse_tags).transpose()?.unwrap_or_default();
    let event = sign(dir, kind, content, tags, opts).await?;
    println!("{}", event.as_json());
    Ok(())
}

async fn run_status(dir: &Path, json: bool, live: bool, opts: ClientOptions) -> Result<()> {
    let stored = status(dir)?;
    let reach = if live && stored.paired {
        Some(check(dir, opts).await?)
    } else {
        None
    };
    if json {
        let value = serde_json::json!({ "status": stored, "check": reach });
        println!("{value}");
        return Ok(());
    }
    if !stored.paired {
        println!("paired: no");
        if stored.pairing_in_progress {
            println!("a pairing was started and not finished: run pair again with the same QR");
        }
        return Ok(());
    }
    println!("paired: yes");
    let show = |label: &str, value: &Option<String>| {
        println!("{label}: {}", value.as_deref().unwrap_or("-"));
    };
    show("operator", &stored.operator_npub);
    println!("relays: {}", stored.relays.join(", "));
    show("client", &stored.client_npub);
    show("fingerprint", &stored.fingerprint);
    println!(
        "paired at: {} (unix seconds)",
        stored.paired_at.unwrap_or(0)
    );
    if let Some(reach) = reach {
        println!(
            "bunker reachable: yes, operator key {} (get_public_key is answered to anyone, so \
             this is not an authorisation check; only a sign shows access)",
            if reach.operator_key_matches {
                "matches"
            } else {
                "DOES NOT match"
            }
        );
    }
    Ok(())
}

fn npub_or_hex(hex: &str) -> String {
    nostr::PublicKey::from_hex(hex)
        .ok()
        .and_then(|pk| pk.to_bech32().ok())
        .unwrap_or_else(|| hex.to_owned())
}
