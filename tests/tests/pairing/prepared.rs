//! Prepared codes (issue 12): codes minted at the desk, shown at the site by a `satop` process
//! with no network at all (its own network namespace), redeemed by the ATM, recorded at the
//! next sync; expired codes burned; unexpected redemptions flagged; no secret in SQLite or logs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use acceptance::secrets::{find_known, scan_files, sqlite_files, Secret};
use bunker_client::{BunkerUri, Refusal, Sensitive};
use fleet_core::codes::{secret_name, BurnSelection, PrepareRequest};
use fleet_core::secrets::{FileStore, Secrets};
use fleet_core::Fleet;
use fleet_store::MachineState;
use sandbox::{AtmSimulator, Sandbox, SandboxBunker, SandboxRelay};
use tempfile::TempDir;

use crate::support::options;

const PASSPHRASE: &str = "prepared codes passphrase";

struct Site {
    fleet: Fleet,
    relay: Option<SandboxRelay>,
    port: u16,
    bunker_node: SandboxBunker,
    data: TempDir,
    _bunker: TempDir,
}

impl Site {
    async fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let bunker = tempfile::tempdir().unwrap();
        let store = FileStore::new(
            data.path().join("keys.json"),
            Sensitive::new(PASSPHRASE.to_string()),
        );
        let fleet = Fleet::open_with(data.path(), Secrets::new(store), options()).unwrap();
        let mut cfg = acceptance::sandbox_config(bunker.path().join("bunker.sqlite3"));
        cfg.approval_timeout = Duration::from_millis(300);
        // A burn asked offline runs once the relay is back: that tests our queue, not the 0.11
        // daemon's deafness after a relay restart (0.11 doc §0.3 item 9; sandbox row V70).
        cfg.deaf_after_relay_drop = Some(false);
        let Sandbox {
            relay,
            bunker: node,
        } = acceptance::connected_sandbox(&fleet, cfg).await.unwrap();
        Self {
            fleet,
            port: relay.port(),
            relay: Some(relay),
            bunker_node: node,
            data,
            _bunker: bunker,
        }
    }

    async fn prepare(&self, count: usize, valid: Duration) -> Vec<i64> {
        let mut req = PrepareRequest::new(count);
        req.valid = valid;
        let made = self.fleet.prepare_codes(&req).await.unwrap();
        assert_eq!(made.len(), count);
        made.iter().map(|c| c.id).collect()
    }

    /// A code's secret, read from the secret store (what only the console has).
    async fn secret(&self, id: i64) -> String {
        let code = self
            .fleet
            .codes()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == id)
            .unwrap();
        self.fleet
            .secrets()
            .get(&secret_name(&code.client_name))
            .await
            .unwrap()
            .expect("the secret is in the secret store")
            .to_secret_hex()
    }

    fn url(&self, secret: &str) -> String {
        BunkerUri {
            signer: self.bunker_node.key_pubkey(acceptance::KEY).unwrap(),
            relays: vec![nostr::RelayUrl::parse(&format!("ws://127.0.0.1:{}", self.port)).unwrap()],
            secret: Some(Sensitive::new(secret.to_string())),
        }
        .to_compact_url_string()
    }

    async fn state_of(&self, id: i64) -> String {
        let all = self.fleet.codes().await.unwrap();
        all.into_iter().find(|c| c.id == id).unwrap().state
    }

    /// `satop` on this console's data dir, in a network namespace of its own: no network at all.
    fn satop_offline(&self, args: &[&str]) -> Output {
        self.satop_offline_logging(args, "debug")
    }

    fn satop_offline_logging(&self, args: &[&str], rust_log: &str) -> Output {
        let exe = std::env::current_exe().unwrap();
        let bin: PathBuf = exe.parent().and_then(Path::parent).unwrap().join("satop");
        assert!(
            bin.exists(),
            "{} is not built: run `cargo build -p satop` first",
            bin.display()
        );
        Command::new("unshare")
            .arg("-n")
            .arg(bin)
            .arg("--data-dir")
            .arg(self.data.path())
            .arg("--secret-store")
            .arg(format!(
                "file:{}",
                self.data.path().join("keys.json").display()
            ))
            .args(args)
            .env("SATOP_PASSPHRASE", PASSPHRASE)
            .env("RUST_LOG", rust_log)
            .env_remove("SATOP_DATA_DIR")
            .env_remove("SATOP_SECRET_STORE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_shown_with_no_network_pairs_the_machine_at_the_next_sync_with_the_term_from_redemption(
) {
    let site = Site::start().await;
    let ids = site.prepare(2, Duration::from_secs(7 * 24 * 3600)).await;
    assert_eq!(site.fleet.codes_summary().await.unwrap().live, 2);
    let secrets: Vec<String> = futures_secrets(&site, &ids).await;

    // At the site: the console's process has no network at all.
    let probe = Command::new("unshare")
        .args(["-n", "sh", "-c", "cat /proc/net/dev | grep -c ':'"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout).trim(),
        "1",
        "only loopback (down) in the namespace"
    );
    let status = site.satop_offline_logging(&["status"], "off");
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("2 prepared pairing code(s) live"),
        "status shows the live codes offline: {}",
        String::from_utf8_lossy(&status.stdout)
    );
    let png = site.data.path().join("pair.png");
    let shown = site.satop_offline(&[
        "code",
        "show",
        "Harbour ATM",
        "--qr-png",
        png.to_str().unwrap(),
    ]);
    assert!(
        shown.status.success(),
        "satop code show must work offline: {}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let machine = site.fleet.machine("Harbour ATM").await.unwrap();
    assert_eq!(
        machine.state,
        MachineState::Unpaired,
        "nothing is paired before the sync"
    );
    let listed = site.satop_offline(&["machine", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("Harbour ATM") && l.contains("pairing (offline)")),
        "machine list reads 'pairing (offline)' until the sync: {listed}"
    );
    let url = fleet_core::qr::decode_png(&std::fs::read(&png).unwrap()).unwrap();
    std::fs::remove_file(&png).unwrap();

    // The ATM has its own uplink: it redeems and signs.
    let before = fleet_core::unix_now();
    let atm = AtmSimulator::redeem(&url, options()).await.unwrap();
    atm.sign_21000("dispense 1000 sats").await.unwrap();
    let after = fleet_core::unix_now();

    // Back at the desk: the sync records the pairing.
    let report = site.fleet.sync(|_| {}).await.unwrap();
    let codes = report.codes.expect("the prepared-codes step ran");
    assert_eq!(codes.paired, ["Harbour ATM"]);
    let machine = site.fleet.machine("Harbour ATM").await.unwrap();
    assert_eq!(machine.state, MachineState::Active);
    assert_eq!(
        machine.atm_client_pubkey,
        Some(atm.client_public_key().to_hex())
    );
    let paired_at = machine.paired_at.unwrap();
    assert!(
        paired_at >= before - 1 && paired_at <= after + 1,
        "the term starts at the redemption"
    );
    assert_eq!(
        machine.bunker_token_expires_at,
        Some(paired_at + 30 * 24 * 3600)
    );
    let used = site.fleet.codes().await.unwrap();
    assert_eq!(used.iter().filter(|c| c.state == "redeemed").count(), 1);
    let reconcile = report.reconcile.expect("the reconcile ran");
    assert!(
        reconcile.unknown_clients.is_empty(),
        "the ATM's client is the machine's: {:?}",
        reconcile.unknown_clients
    );
    assert!(
        reconcile.live_tokens.is_empty(),
        "prepared codes are expected on the bunker"
    );
    atm.shutdown().await;

    // A paired machine gets no second code: exit 2, nothing changed.
    let again = site.satop_offline_logging(&["code", "show", "Harbour ATM"], "off");
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already paired"));
    assert_eq!(site.fleet.codes_summary().await.unwrap().live, 1);

    // No prepared code's secret in SQLite or in the offline process's output/logs.
    let known: Vec<Secret> = secrets
        .iter()
        .enumerate()
        .map(|(i, s)| Secret::new(format!("prepared code secret {i}"), s.clone()))
        .collect();
    let db = site.data.path().join(fleet_core::DB_FILE);
    let findings = scan_files(&sqlite_files(&db), &known).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    let mut out = shown.stdout.clone();
    out.extend(&shown.stderr);
    let findings = find_known("satop code show output", &out, &known);
    assert!(findings.is_empty(), "{findings:?}");
}

async fn futures_secrets(site: &Site, ids: &[i64]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        out.push(site.secret(*id).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_code_past_its_expiry_is_burned_at_sync() {
    let site = Site::start().await;
    let ids = site.prepare(1, Duration::from_secs(3600)).await;
    let url = site.url(&site.secret(ids[0]).await);
    let later = fleet_core::unix_now() + 2 * 3600;
    let synced = site.fleet.sync_codes(later).await.unwrap();
    assert_eq!(synced.burns.burned, ids);
    assert_eq!(site.state_of(ids[0]).await, "burned");
    let late = crate::support::Atm::new()
        .connect_once(&url)
        .await
        .expect_err("a burned code must not pair");
    assert_eq!(
        late.refusal(),
        Some(&Refusal::TokenAlreadyRedeemed),
        "{late}"
    );
    assert_eq!(site.fleet.codes_summary().await.unwrap().live, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_round_burns_a_code_once_it_is_due_and_leaves_it_alone_before() {
    let site = Site::start().await;
    let ids = site.prepare(1, Duration::from_secs(3600)).await;
    let now = fleet_core::unix_now();
    assert!(
        site.fleet.burn_due_codes(now).await.unwrap().is_none(),
        "a code within its validity is not due"
    );
    assert_eq!(site.state_of(ids[0]).await, "live");
    let burned = site
        .fleet
        .burn_due_codes(now + 2 * 3600)
        .await
        .unwrap()
        .expect("an expired code is due");
    assert_eq!(burned.burns.burned, ids);
    assert_eq!(site.state_of(ids[0]).await, "burned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_redeemed_but_never_shown_or_by_another_atm_is_flagged() {
    let site = Site::start().await;
    let ids = site.prepare(2, Duration::from_secs(24 * 3600)).await;

    // Shown to a machine whose screen showed another fingerprint.
    let shown = site.fleet.show_code("Depot ATM").await.unwrap();
    assert_eq!(shown.code.id, ids[0]);
    site.fleet
        .note_code_fingerprint("Depot ATM", "not-the-same")
        .await
        .unwrap();
    // Never shown, yet redeemed: someone has the secret.
    let thief = AtmSimulator::redeem(&site.url(&site.secret(ids[1]).await), options())
        .await
        .unwrap();
    let other = AtmSimulator::redeem(shown.pairing_url().expose(), options())
        .await
        .unwrap();

    let synced = site.fleet.sync_codes(fleet_core::unix_now()).await.unwrap();
    let flagged: Vec<i64> = synced.flagged.iter().map(|(id, _)| *id).collect();
    assert_eq!(flagged, ids);
    assert!(synced.paired.is_empty());
    assert_eq!(site.state_of(ids[0]).await, "flagged");
    assert_eq!(site.state_of(ids[1]).await, "flagged");
    let machine = site.fleet.machine("Depot ATM").await.unwrap();
    assert_eq!(
        machine.state,
        MachineState::Unpaired,
        "a flagged redemption pairs nothing"
    );

    // The one action on a flagged code: revoke the client that redeemed it.
    thief
        .sign_21000("before")
        .await
        .expect("the thief can sign until revoked");
    for id in &ids {
        site.fleet.revoke_flagged_code(*id).await.unwrap();
        assert_eq!(
            site.state_of(*id).await,
            "flagged",
            "the code stays flagged"
        );
    }
    for atm in [&thief, &other] {
        let refused = atm
            .sign_21000("after")
            .await
            .expect_err("a revoked redeemer must be refused");
        assert!(refused.refusal().is_some(), "{refused}");
    }
    let live = site.fleet.codes_summary().await.unwrap().live;
    let again = site.fleet.revoke_flagged_code(ids[0]).await;
    assert!(
        again.is_ok(),
        "revoking twice confirms, not fails: {again:?}"
    );
    let not_flagged = site.fleet.revoke_flagged_code(9_999).await.unwrap_err();
    assert!(
        not_flagged.to_string().contains("no prepared code #9999"),
        "{not_flagged}"
    );
    assert_eq!(site.fleet.codes_summary().await.unwrap().live, live);
    thief.shutdown().await;
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_changes_nothing() {
    let site = Site::start().await;
    for bad in [
        &["code", "prepare", "--count", "0"][..],
        &["code", "prepare", "--count", "51"],
        &["code", "prepare", "--count", "1", "--valid", "15d"],
        &["code", "show", "Nowhere ATM"],
    ] {
        let out = site.satop_offline_logging(bad, "off");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim().lines().count(),
            1,
            "{bad:?}"
        );
    }
    assert!(site.fleet.codes().await.unwrap().is_empty());
    assert!(
        site.fleet.machines().await.unwrap().is_empty(),
        "no machine made when no code is left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burn_asked_offline_waits_and_runs_at_the_next_sync() {
    let mut site = Site::start().await;
    let ids = site.prepare(2, Duration::from_secs(24 * 3600)).await;
    let url = site.url(&site.secret(ids[0]).await);
    site.relay.take().expect("the relay is up").stop().await;
    let report = site
        .fleet
        .burn_codes(&BurnSelection::Ids(vec![ids[0]]))
        .await
        .unwrap();
    assert_eq!(report.pending, [ids[0]], "offline, the burn waits");
    let listed = site.fleet.codes().await.unwrap();
    assert!(listed.iter().any(|c| c.id == ids[0] && c.burn_pending));
    assert_eq!(
        site.fleet.codes_summary().await.unwrap().live,
        1,
        "a code waiting for its burn is not counted live"
    );
    assert!(
        site.fleet.show_code("Next ATM").await.unwrap().code.id == ids[1],
        "a code waiting for its burn is never shown"
    );
    site.relay = Some(SandboxRelay::start(Some(site.port)).await.unwrap());
    let mut synced = None;
    for _ in 0..100 {
        match site.fleet.sync_codes(fleet_core::unix_now()).await {
            Ok(s) => {
                synced = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let synced = synced.expect("the bunker is reachable again");
    assert_eq!(synced.burns.burned, [ids[0]]);
    assert_eq!(site.state_of(ids[0]).await, "burned");
    let late = crate::support::Atm::new()
        .connect_once(&url)
        .await
        .expect_err("a burned code must not pair");
    assert_eq!(
        late.refusal(),
        Some(&Refusal::TokenAlreadyRedeemed),
        "{late}"
    );
}
