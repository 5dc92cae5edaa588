use fleet_core::qr::{decode_png, render_terminal, PairingQr, QrError, QrErrorKind, QrOptions};

use crate::support::{grid_to_image, to_png, two_relay_url};

#[test]
fn too_long_input_is_a_clear_invalid_input_error_without_the_text() {
    let text = format!("{}{}", two_relay_url(), "abcdefghij".repeat(300));
    let err = PairingQr::render(&text, &QrOptions::default()).unwrap_err();
    assert!(
        matches!(err, QrError::TooLong { bytes, .. } if bytes == text.len()),
        "{err:?}"
    );
    assert_eq!(err.kind(), QrErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(
        message.contains("too long"),
        "message should say why: {message}"
    );
    assert!(
        !message.contains(crate::support::SECRET_HEX),
        "message leaked the secret"
    );
    assert!(matches!(
        render_terminal(&text),
        Err(QrError::TooLong { .. })
    ));
}

#[test]
fn empty_input_is_rejected() {
    let err = PairingQr::render("", &QrOptions::default()).unwrap_err();
    assert!(matches!(err, QrError::Empty));
    assert_eq!(err.kind(), QrErrorKind::InvalidInput);
}

#[test]
fn scale_below_5_px_per_module_is_rejected() {
    let err = PairingQr::render(&two_relay_url(), &QrOptions::with_px_per_module(4)).unwrap_err();
    assert!(
        matches!(err, QrError::ScaleOutOfRange { got: 4, min: 5, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), QrErrorKind::InvalidInput);
}

#[test]
fn decoding_garbage_bytes_says_unreadable() {
    let err = decode_png(b"definitely not a png").unwrap_err();
    assert!(matches!(err, QrError::Unreadable(_)), "{err:?}");
    assert_eq!(err.kind(), QrErrorKind::NotFound);
}

#[test]
fn decoding_a_blank_image_says_no_qr_code_found() {
    let blank = vec![vec![false; 40]; 40];
    let err = decode_png(&to_png(&grid_to_image(&blank, 5))).unwrap_err();
    assert!(matches!(err, QrError::NotFound), "{err:?}");
}
