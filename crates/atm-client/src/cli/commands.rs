//! One function per subcommand: convert the arguments, call the library, print the result.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bunker_client::heartbeat::HeartbeatStatus;
use bunker_client::ClientOptions;
use nostr::{JsonUtil, ToBech32};

use super::args::{Args, Command};
use crate::error::{Error, Result};
use crate::serve::{default_socket, parse_interval};
use crate::{
    check, pair, pair_from_qr, parse_tags, publish_heartbeat, serve, sign, sign_via_daemon, status,
    AtmState, PairOptions, Paired, ServeOptions, WarmOptions,
};

pub(crate) async fn dispatch(args: Args) -> Result<()> {
    let opts = client_options(args.timeout)?;
    let dir = args.state_dir.as_deref().ok_or(Error::MissingStateDir)?;
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
            socket,
        } => run_sign(dir, kind, &content, tags.as_deref(), socket, opts).await,
        Command::Status { json, check } => run_status(dir, json, check, opts).await,
        Command::Serve {
            socket,
            heartbeat_every,
        } => run_serve(dir, socket, &heartbeat_every, opts).await,
        Command::Heartbeat => run_heartbeat(dir, opts).await,
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

/// Through a running `serve` when its socket answers, else with a connection of its own; the
/// output and exit codes are the same either way.
async fn run_sign(
    dir: &Path,
    kind: u16,
    content: &str,
    tags: Option<&str>,
    socket: Option<PathBuf>,
    opts: ClientOptions,
) -> Result<()> {
    let tags = tags.map(parse_tags).transpose()?.unwrap_or_default();
    let state = AtmState::load(dir)?;
    let socket = socket.unwrap_or_else(|| default_socket(dir));
    // The daemon has its own per-request deadline; allow it that plus a margin.
    let wait = opts.timeout + Duration::from_secs(2);
    let event = match sign_via_daemon(&socket, &state, kind, content, &tags, wait).await? {
        Some(event) => event,
        None => sign(dir, kind, content, tags, opts).await?,
    };
    println!("{}", event.as_json());
    Ok(())
}

async fn run_serve(
    dir: &Path,
    socket: Option<PathBuf>,
    heartbeat_every: &str,
    opts: ClientOptions,
) -> Result<()> {
    let options = ServeOptions {
        socket,
        warm: WarmOptions::with_client(opts),
        heartbeat_every: parse_interval(heartbeat_every)?,
    };
    let ready = |path: &Path| {
        println!("serving on {}", path.display());
    };
    serve(dir, options, ready, shutdown_signal()).await
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn run_heartbeat(dir: &Path, opts: ClientOptions) -> Result<()> {
    let state = AtmState::load(dir)?;
    let event = publish_heartbeat(&state, HeartbeatStatus::Ok, None, opts).await?;
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
