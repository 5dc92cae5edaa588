//! The console holds no account key: its secret store has only the console key and the console
//! session key (and neither is the operator key), and the SQLite cache holds no nsec, no
//! unencrypted private key and no unexplained 64-hex value.
//!
//! A keyring cannot list its entries, so the store is asked for the names a legacy setup would
//! have used; the evidence says which names were checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use fleet_store::checks::{self, TextCell};
use nostr::nips::nip19::ToBech32;
use nostr::secp256k1::schnorr::Signature;
use nostr::secp256k1::Message;
use nostr::{EventId, Keys, SecretKey, SECP256K1};

use super::{Check, CheckId};
use crate::admin_key::SIGNER_CLIENT;
use crate::secrets::{CONSOLE, CONSOLE_SESSION};
use crate::{Fleet, DB_FILE};

/// Secret-store names an older setup (or a hand-made one) would have used for an account key.
pub const LEGACY_SECRET_NAMES: [&str; 8] = [
    "operator",
    "operator-key",
    "operator-nsec",
    "nsec",
    "account",
    "lnbits-prvkey",
    "prvkey",
    "ATM_PRIVATE_KEY",
];

pub(super) async fn no_account_key(fleet: &Fleet) -> Check {
    let mut check = Check::new(
        CheckId::ConsoleHoldsNoAccountKey,
        "The console holds no account key",
    );
    let operator = operator_key(fleet, &mut check).await;
    let mut own: Vec<SecretKey> = Vec::new();
    let secrets = fleet.secrets();
    check.note(format!("secret store: {}", secrets.describe()));
    for name in [CONSOLE, CONSOLE_SESSION, SIGNER_CLIENT] {
        match secrets.get(name).await {
            Ok(Some(sk)) => {
                let pk = Keys::new(sk.clone()).public_key();
                if Some(pk) == operator {
                    check.fail(
                        format!("the secret store's \"{name}\" key IS the operator key"),
                        "move the operator key into the bunker and give the console its own key (`satop init` on a fresh store)",
                    );
                } else if operator.is_some() {
                    check.note(format!("\"{name}\": present, not the operator key"));
                } else {
                    check.note(format!("\"{name}\": present"));
                }
                own.push(sk);
            }
            Ok(None) => check.note(format!("\"{name}\": absent")),
            Err(e) => check.unknown(
                format!("\"{name}\" could not be read: {e}"),
                "unlock the secret store",
            ),
        }
    }
    for name in LEGACY_SECRET_NAMES {
        match secrets.get(name).await {
            Ok(Some(_)) => check.fail(
                format!("the secret store holds a key named \"{name}\""),
                "delete that entry once the key is in the bunker",
            ),
            Ok(None) => {}
            Err(e) => check.unknown(
                format!("\"{name}\" could not be read: {e}"),
                "unlock the secret store",
            ),
        }
    }
    check.note(format!(
        "checked the names {}: none present unless listed above",
        LEGACY_SECRET_NAMES.join(", ")
    ));

    let cells = match fleet.db().interact(|conn| checks::text_cells(conn)).await {
        Ok(c) => c,
        Err(e) => {
            check.unknown(
                format!("the cache could not be scanned: {e}"),
                "check the data directory",
            );
            return check;
        }
    };
    let mut public: HashSet<String> = HashSet::new();
    public.extend(
        own.iter()
            .map(|sk| Keys::new(sk.clone()).public_key().to_hex()),
    );
    public.extend(operator.map(|pk| pk.to_hex()));
    // A remote signer's address and the admin key it holds are public keys.
    if let Ok(Some(signer)) = fleet.stored_signer().await {
        public.extend([signer.signer.to_hex(), signer.admin.to_hex()]);
    }
    let own_hex: Vec<String> = own.iter().map(SecretKey::to_secret_hex).collect();
    let findings = scan_cells(&cells, &public, &own_hex);
    let raw = raw_scan(db_files(fleet.data_dir()), &own).await;
    check.note(format!(
        "scanned {} text values in the cache and the database file's bytes",
        cells.len()
    ));
    for finding in findings.into_iter().chain(raw.findings) {
        check.fail(
            finding,
            "remove the secret from the cache (delete the row, then VACUUM) and rotate that key",
        );
    }
    for reason in raw.unread {
        check.unknown(
            reason,
            "make the data directory's files readable by this user, then run the check again",
        );
    }
    check
}

/// The operator's public key from the stored profile. Without it no console key can be compared
/// with it, so the check cannot pass: a read error, a damaged value or no profile at all makes
/// it `unknown`.
async fn operator_key(fleet: &Fleet, check: &mut Check) -> Option<nostr::PublicKey> {
    let profile = match fleet.profile().await {
        Ok(p) => p,
        Err(e) => {
            check.unknown(
                format!("the bunker profile could not be read: {e}"),
                "check the data directory, then run the check again",
            );
            return None;
        }
    };
    let Some(hex) = profile.and_then(|p| p.key_pubkey) else {
        check.unknown(
            "no operator key is known yet: the console's keys cannot be compared with it",
            "connect to the bunker (`satop connect`), then run the check again",
        );
        return None;
    };
    match nostr::PublicKey::from_hex(&hex) {
        Ok(pk) => Some(pk),
        Err(_) => {
            check.unknown(
                "the stored operator pubkey is damaged: the console's keys cannot be compared with it",
                "run `satop connect` again, then run the check again",
            );
            None
        }
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Maximal runs of hex digits of exactly 64 characters.
fn hex64_tokens(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|t| is_hex64(t))
        .collect()
}

/// Maximal runs of hex digits of exactly 128 characters (Schnorr signatures).
fn hex128_tokens(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|t| t.len() == 128)
        .collect()
}

/// 64-hex values that a signature in the same text proves public: an event id and its author,
/// with a Schnorr signature by that author over that id (how the audit records a published
/// event, see `operator_events::completion`). Only the holder of the author's key can make such
/// a triple, and a signed id is a hash of the event, so neither value can be a stray private key.
/// A value is explained only when the signature verifies.
fn signed_tokens(s: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let sigs: Vec<Signature> = hex128_tokens(s)
        .into_iter()
        .filter_map(|t| Signature::from_str(t).ok())
        .collect();
    if sigs.is_empty() {
        return out;
    }
    let candidates = hex64_tokens(s);
    for id in &candidates {
        let Ok(event_id) = EventId::from_hex(id) else {
            continue;
        };
        let message = Message::from_digest(event_id.to_bytes());
        for author in &candidates {
            let Ok(key) = nostr::PublicKey::from_hex(author).and_then(|pk| pk.xonly()) else {
                continue;
            };
            if id != author
                && sigs
                    .iter()
                    .any(|sig| SECP256K1.verify_schnorr(sig, &message, &key).is_ok())
            {
                out.insert(id.to_ascii_lowercase());
                out.insert(author.to_ascii_lowercase());
            }
        }
    }
    out
}

/// `nsec1` followed by 58 bech32 characters.
fn contains_nsec(s: &str) -> bool {
    const CHARSET: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    s.match_indices("nsec1").any(|(i, _)| {
        let rest = &s[i + 5..];
        rest.len() >= 58 && rest.chars().take(58).all(|c| CHARSET.contains(c))
    })
}

/// Field names whose 64-hex values are public by nature (keys, ids, hashes, signatures).
fn public_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("pubkey")
        || n.contains("npub")
        || n == "id"
        || n.ends_with("_id")
        || n.ends_with("id")
        || n.contains("sig")
        || n.contains("hash")
}

/// 64-hex values in a JSON document that sit under a public field name or in a `p`/`e` tag.
fn json_public_tokens(v: &serde_json::Value, under: Option<&str>, out: &mut HashSet<String>) {
    match v {
        serde_json::Value::String(s) if under.is_some_and(public_name) => {
            out.extend(hex64_tokens(s).into_iter().map(str::to_owned));
        }
        serde_json::Value::Array(items) => {
            let tag = items
                .first()
                .and_then(|t| t.as_str())
                .filter(|t| matches!(*t, "p" | "e" | "a" | "P"));
            for item in items {
                match (tag, item) {
                    (Some(_), serde_json::Value::String(s)) => {
                        out.extend(hex64_tokens(s).into_iter().map(str::to_owned))
                    }
                    _ => json_public_tokens(item, under, out),
                }
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                json_public_tokens(item, Some(k), out);
            }
        }
        _ => {}
    }
}

/// Findings in the cache's text values, naming table and column, never the value.
fn scan_cells(
    cells: &[TextCell],
    public: &HashSet<String>,
    own_secret_hex: &[String],
) -> Vec<String> {
    let mut public = public.clone();
    for c in cells.iter().filter(|c| public_name(&c.column)) {
        public.extend(
            hex64_tokens(&c.value)
                .into_iter()
                .map(|t| t.to_ascii_lowercase()),
        );
    }
    let mut out = Vec::new();
    for c in cells {
        let at = format!("{}.{}", c.table, c.column);
        if contains_nsec(&c.value) {
            out.push(format!("an nsec is stored in {at}"));
        }
        let lower = c.value.to_ascii_lowercase();
        if own_secret_hex.iter().any(|h| lower.contains(h.as_str())) {
            out.push(format!("a console secret key is stored in {at}"));
            continue;
        }
        if public_name(&c.column) {
            continue;
        }
        let mut json_public = HashSet::new();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&c.value) {
            json_public_tokens(&v, None, &mut json_public);
        }
        let signed = signed_tokens(&c.value);
        let unexplained = hex64_tokens(&c.value).into_iter().any(|t| {
            let t = t.to_ascii_lowercase();
            !public.contains(&t) && !json_public.contains(&t) && !signed.contains(&t)
        });
        if unexplained {
            out.push(format!(
                "an unexplained 64-hex value (possibly a private key) is stored in {at}"
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The database file and its WAL: the files the raw scan reads.
fn db_files(data_dir: &Path) -> Vec<PathBuf> {
    vec![
        data_dir.join(DB_FILE),
        data_dir.join(format!("{DB_FILE}-wal")),
    ]
}

/// What the raw scan found, and what it could not read.
#[derive(Debug, Default, PartialEq, Eq)]
struct RawScan {
    /// Secrets found, naming the file, never the value.
    findings: Vec<String>,
    /// Why a file (or the whole scan) could not be read: the check cannot pass then.
    unread: Vec<String>,
}

/// The database file and its WAL, byte for byte: deleted rows linger in free pages until VACUUM.
/// A missing WAL is normal (checkpointed); any other file that cannot be read is reported, never
/// skipped.
async fn raw_scan(files: Vec<PathBuf>, own: &[SecretKey]) -> RawScan {
    let needles: Vec<Vec<u8>> = own
        .iter()
        .flat_map(|sk| {
            [
                sk.to_secret_hex().into_bytes(),
                sk.to_bech32().map(String::into_bytes).unwrap_or_default(),
            ]
        })
        .filter(|n| !n.is_empty())
        .collect();
    let scan = move || {
        let mut out = RawScan::default();
        for (i, file) in files.iter().enumerate() {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = match std::fs::read(file) {
                Ok(b) => b,
                Err(e) if i > 0 && e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    out.unread.push(format!("{name} could not be read: {e}"));
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            if contains_nsec(&text) {
                out.findings.push(format!(
                    "an nsec is in the bytes of {name} (perhaps a deleted row)"
                ));
            }
            if needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            {
                out.findings
                    .push(format!("a console secret key is in the bytes of {name}"));
            }
        }
        out
    };
    tokio::task::spawn_blocking(scan)
        .await
        .unwrap_or_else(|e| RawScan {
            findings: Vec::new(),
            unread: vec![format!(
                "the scan of the database files did not finish: {e}"
            )],
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cell(table: &str, column: &str, value: &str) -> TextCell {
        TextCell {
            table: table.into(),
            column: column.into(),
            value: value.into(),
        }
    }

    #[test]
    fn pubkeys_and_ids_pass_but_stray_hex_and_nsec_fail() {
        let keys = Keys::generate();
        let pk = keys.public_key().to_hex();
        let stray = Keys::generate().secret_key().to_secret_hex();
        let nsec = Keys::generate().secret_key().to_bech32().unwrap();
        let cells = vec![
            cell("machines", "atm_client_pubkey", &pk),
            cell("outbox", "payload", &format!("{{\"client\":\"{pk}\"}}")),
            cell("events", "json", &format!("{{\"id\":\"{stray}\"}}")),
            cell("audit_log", "detail", &format!("paired {pk}")),
            cell("audit_log", "detail", &format!("oops {stray}")),
            cell("settings", "value", &nsec),
        ];
        let found = scan_cells(&cells, &HashSet::new(), &[]);
        assert_eq!(
            found,
            [
                "an nsec is stored in settings.value",
                "an unexplained 64-hex value (possibly a private key) is stored in audit_log.detail",
            ],
            "a pubkey recorded in a pubkey column explains itself elsewhere; an event id is public"
        );
        assert!(
            found
                .iter()
                .all(|f| !f.contains(&stray) && !f.contains(&nsec)),
            "findings never quote the value"
        );
    }

    #[test]
    fn a_known_console_secret_is_found_even_under_a_public_name() {
        let sk = Keys::generate().secret_key().to_secret_hex();
        let found = scan_cells(
            &[cell("machines", "atm_client_pubkey", &sk)],
            &HashSet::new(),
            std::slice::from_ref(&sk),
        );
        assert_eq!(
            found,
            ["a console secret key is stored in machines.atm_client_pubkey"]
        );
    }

    #[test]
    fn an_event_id_signed_by_its_author_is_explained_but_not_a_bad_signature() {
        let author = Keys::generate();
        let event = nostr::EventBuilder::text_note("fee")
            .sign_with_keys(&author)
            .unwrap();
        let detail = format!(
            "satmachine:super-fee event {} published; author {}, signature {}",
            event.id.to_hex(),
            author.public_key().to_hex(),
            event.sig
        );
        assert!(
            scan_cells(
                &[cell("audit_log", "detail", &detail)],
                &HashSet::new(),
                &[]
            )
            .is_empty(),
            "a verified signature proves the id and the author public"
        );
        let other = nostr::EventBuilder::text_note("other")
            .sign_with_keys(&author)
            .unwrap();
        let stray = Keys::generate().secret_key().to_secret_hex();
        for forged in [
            detail.replace(&event.sig.to_string(), &other.sig.to_string()),
            format!(
                "event {stray}; author {}, signature {}",
                author.public_key().to_hex(),
                event.sig
            ),
        ] {
            assert_eq!(
                scan_cells(&[cell("audit_log", "detail", &forged)], &HashSet::new(), &[]),
                ["an unexplained 64-hex value (possibly a private key) is stored in audit_log.detail"],
                "a signature that does not verify explains nothing: {forged}"
            );
        }
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_read_is_reported_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        std::fs::write(&db, b"SQLite format 3").unwrap();
        let wal = dir.path().join(format!("{DB_FILE}-wal"));

        let clean = raw_scan(vec![db.clone(), wal.clone()], &[]).await;
        assert_eq!(clean, RawScan::default(), "a missing WAL is normal");

        std::fs::create_dir(&wal).unwrap();
        let scan = raw_scan(vec![db.clone(), wal], &[]).await;
        assert!(scan.findings.is_empty());
        assert_eq!(scan.unread.len(), 1, "{scan:?}");
        assert!(scan.unread[0].starts_with(&format!("{DB_FILE}-wal could not be read")));

        let missing = raw_scan(vec![dir.path().join("gone.sqlite3")], &[]).await;
        assert_eq!(
            missing.unread.len(),
            1,
            "a missing database is not clean: {missing:?}"
        );
    }
}
