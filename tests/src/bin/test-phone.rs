//! `test-phone --qr-image PNG [--seconds N]`: a test signer for the e2e run, playing the phone
//! that scans the Welcome/Settings screen's `nostrconnect://` code. It decodes the code from the
//! screenshot (fleet-core's rqrr decoder, as a phone camera would read it), then serves as
//! rust-nostr's `NostrConnectRemoteSigner` with a fresh admin key for N seconds (default 60),
//! approving everything. Prints `npub: <admin npub>` and `connection-secret: <secret>` (for the
//! run's log scan) before it serves. Test keys only.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use nostr::nips::nip19::ToBech32;
use nostr::nips::nip46::{NostrConnectRequest, NostrConnectURI};
use nostr::{Keys, PublicKey};
use nostr_connect::prelude::{
    NostrConnectKeys, NostrConnectRemoteSigner, NostrConnectSignerActions,
};

struct ApproveAll;

fn secret_for_scan(url: &str) -> String {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap_or_default()
        .to_owned()
}

impl NostrConnectSignerActions for ApproveAll {
    fn approve(&self, _client: &PublicKey, _req: &NostrConnectRequest) -> bool {
        true
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let Some(image) = flag("--qr-image").map(PathBuf::from) else {
        eprintln!("usage: test-phone --qr-image PNG [--seconds N]");
        return ExitCode::from(2);
    };
    let seconds: u64 = flag("--seconds").and_then(|s| s.parse().ok()).unwrap_or(60);
    match run(&image, seconds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("test-phone: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(image: &std::path::Path, seconds: u64) -> anyhow::Result<()> {
    let png = std::fs::read(image)?;
    let url = fleet_core::qr::decode_png(&png)?;
    let uri = NostrConnectURI::parse(&url)?;
    let secret = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .ok_or_else(|| anyhow::anyhow!("the code carries no secret"))?
        .to_owned();
    let user = Keys::generate();
    let keys = NostrConnectKeys {
        signer: Keys::generate(),
        user: user.clone(),
    };
    let signer = NostrConnectRemoteSigner::from_uri(uri, keys, Some(secret), None)?;
    println!("npub: {}", user.public_key().to_bech32()?);
    // For the e2e run's log scan: the app must never log the code's secret.
    println!("connection-secret: {}", secret_for_scan(&url));
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let _ =
                tokio::time::timeout(Duration::from_secs(seconds), signer.serve(ApproveAll)).await;
        });
    Ok(())
}
