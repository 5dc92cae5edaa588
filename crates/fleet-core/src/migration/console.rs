//! The console holds no account key: its secret store has only the console key and the console
//! session key (and neither is the operator key), and the SQLite cache holds no nsec, no
//! unencrypted private key and no unexplained 64-hex value.
//!
//! A keyring cannot list its entries, so the store is asked for the names a legacy setup would
//! have used; the evidence says which names were checked.

use std::collections::HashSet;
use std::path::Path;

use fleet_store::checks::{self, TextCell};
use nostr::nips::nip19::ToBech32;
use nostr::{Keys, SecretKey};

use super::{Check, CheckId};
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
    let operator = fleet
        .profile()
        .await
        .ok()
        .flatten()
        .and_then(|p| p.key_pubkey)
        .and_then(|h| nostr::PublicKey::from_hex(&h).ok());
    let mut own: Vec<SecretKey> = Vec::new();
    let secrets = fleet.secrets();
    check.note(format!("secret store: {}", secrets.describe()));
    for name in [CONSOLE, CONSOLE_SESSION] {
        match secrets.get(name).await {
            Ok(Some(sk)) => {
                let pk = Keys::new(sk.clone()).public_key();
                if Some(pk) == operator {
                    check.fail(
                        format!("the secret store's \"{name}\" key IS the operator key"),
                        "move the operator key into the bunker and give the console its own key (`satop init` on a fresh store)",
                    );
                } else {
                    check.note(format!("\"{name}\": present, not the operator key"));
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
    let own_hex: Vec<String> = own.iter().map(SecretKey::to_secret_hex).collect();
    let findings = scan_cells(&cells, &public, &own_hex);
    let raw = raw_scan(fleet.data_dir(), &own).await;
    check.note(format!(
        "scanned {} text values in the cache and the database file's bytes",
        cells.len()
    ));
    for finding in findings.into_iter().chain(raw) {
        check.fail(
            finding,
            "remove the secret from the cache (delete the row, then VACUUM) and rotate that key",
        );
    }
    check
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
        let unexplained = hex64_tokens(&c.value).into_iter().any(|t| {
            let t = t.to_ascii_lowercase();
            !public.contains(&t) && !json_public.contains(&t)
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

/// The database file and its WAL, byte for byte: deleted rows linger in free pages until VACUUM.
async fn raw_scan(data_dir: &Path, own: &[SecretKey]) -> Vec<String> {
    let files = [
        data_dir.join(DB_FILE),
        data_dir.join(format!("{DB_FILE}-wal")),
    ];
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
        let mut out = Vec::new();
        for file in &files {
            let Ok(bytes) = std::fs::read(file) else {
                continue;
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            if contains_nsec(&text) {
                out.push(format!(
                    "an nsec is in the bytes of {name} (perhaps a deleted row)"
                ));
            }
            if needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            {
                out.push(format!("a console secret key is in the bytes of {name}"));
            }
        }
        out
    };
    tokio::task::spawn_blocking(scan).await.unwrap_or_default()
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
}
