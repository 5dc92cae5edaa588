//! Symbol choice. Version 10 at ECC M holds 213 bytes, at ECC L 271 bytes (byte mode);
//! pairing URLs with two percent-encoded relays are 215–265 bytes, so they need ECC L to
//! stay within version 10 (M would need version 11 or 12).

use fleet_core::qr::{Ecc, PairingQr, QrOptions};

use crate::support::{long_relay_url, two_relay_url, KEY_HEX, SECRET_HEX};

#[test]
fn two_relay_pairing_url_stays_within_version_10() {
    let url = two_relay_url();
    let qr = PairingQr::render(&url, &QrOptions::default()).unwrap();
    assert!(
        qr.version() <= 10,
        "version {} is too dense for an ATM camera",
        qr.version()
    );
    assert_eq!(
        qr.ecc(),
        Ecc::Low,
        "{} bytes need version 11 at ECC M, so the rule falls back to ECC L",
        url.len()
    );
}

#[test]
fn long_two_relay_pairing_url_stays_within_version_10() {
    let qr = PairingQr::render(&long_relay_url(), &QrOptions::default()).unwrap();
    assert!(
        qr.version() <= 10,
        "version {} is too dense for an ATM camera",
        qr.version()
    );
    assert_eq!(qr.ecc(), Ecc::Low);
}

#[test]
fn one_relay_pairing_url_uses_ecc_m() {
    let url = format!("bunker://{KEY_HEX}?relay=wss%3A%2F%2Frelay.example.com&secret={SECRET_HEX}");
    let qr = PairingQr::render(&url, &QrOptions::default()).unwrap();
    assert_eq!(qr.ecc(), Ecc::Medium, "ECC M whenever version 10 suffices");
    assert!(qr.version() <= 10);
}

#[test]
fn two_relay_url_with_unencoded_relays_fits_version_10_at_ecc_m() {
    // nostr-tools and rust-nostr both parse raw relay values (protocol/nsecbunkerd.md §1.5);
    // dropping the percent-encoding saves the 14 bytes that keep ECC M.
    let url = format!(
        "bunker://{KEY_HEX}?relay=wss://relay.example.com&relay=ws://127.0.0.1:7777&secret={SECRET_HEX}"
    );
    let qr = PairingQr::render(&url, &QrOptions::default()).unwrap();
    assert_eq!(qr.ecc(), Ecc::Medium);
    assert!(qr.version() <= 10);
}

#[test]
fn text_beyond_version_10_at_ecc_l_still_renders_at_ecc_l() {
    let text = format!("{}&x={}", two_relay_url(), "abcdefghij".repeat(10));
    assert!(text.len() > 271, "test text is {} bytes", text.len());
    let qr = PairingQr::render(&text, &QrOptions::default()).unwrap();
    assert_eq!(qr.ecc(), Ecc::Low);
    assert!(qr.version() > 10);
    assert_eq!(fleet_core::qr::decode_png(qr.png()).unwrap(), text);
}

#[test]
fn modules_count_includes_a_four_module_quiet_zone() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    let symbol_width = 17 + 4 * u32::from(qr.version());
    assert_eq!(qr.modules(), symbol_width + 8);
}

#[test]
fn default_scale_is_8_px_per_module_and_5_is_accepted() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    assert_eq!(qr.px_per_module(), 8);
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::with_px_per_module(5)).unwrap();
    assert_eq!(qr.px_per_module(), 5);
}

#[test]
fn debug_output_never_contains_the_pairing_secret() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    let debug = format!("{qr:?}");
    assert!(
        !debug.contains(SECRET_HEX),
        "Debug leaked the secret: {debug}"
    );
    assert!(
        !debug.contains("bunker://"),
        "Debug leaked the URL: {debug}"
    );
}
