//! Choosing the QR symbol (version, error correction) and exposing its modules
//! with the quiet zone included, so every renderer draws the same grid.

use qrcode::{Color, EcLevel, QrCode, Version};

use super::QrError;

/// Light modules around the symbol on every side (the minimum ISO/IEC 18004 asks for).
pub(crate) const QUIET_ZONE: usize = 4;

/// Largest version we accept at ECC M before trading error correction for size:
/// a pairing QR is scanned by an ATM camera off a laptop screen, and fewer, larger
/// modules help that camera more than the extra error correction would.
const MAX_VERSION_AT_M: u8 = 10;

/// Byte-mode capacity of a version-40 ECC-L symbol, for the error message.
const MAX_BYTES_AT_L: usize = 2953;

/// Error-correction level of a rendered symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ecc {
    /// About 7 % of codewords recoverable; used only when M would need more than version 10.
    Low,
    /// About 15 % of codewords recoverable; the default.
    Medium,
}

/// An encoded symbol plus its quiet zone.
pub(crate) struct Symbol {
    /// Modules per side without the quiet zone.
    width: usize,
    /// Row-major, `width * width`, `true` = dark.
    dark: Vec<bool>,
    version: u8,
    ecc: Ecc,
}

impl Symbol {
    /// Encodes `text` at ECC M, or at ECC L if M would exceed version 10.
    pub(crate) fn encode(text: &str) -> Result<Self, QrError> {
        if text.is_empty() {
            return Err(QrError::Empty);
        }
        let at_m = encode_at(text, EcLevel::M, Ecc::Medium)?;
        match at_m {
            Some(symbol) if symbol.version <= MAX_VERSION_AT_M => Ok(symbol),
            _ => encode_at(text, EcLevel::L, Ecc::Low)?.ok_or(QrError::TooLong {
                bytes: text.len(),
                max: MAX_BYTES_AT_L,
            }),
        }
    }

    /// QR version (1..=40).
    pub(crate) fn version(&self) -> u8 {
        self.version
    }

    /// Error-correction level.
    pub(crate) fn ecc(&self) -> Ecc {
        self.ecc
    }

    /// Modules per side including the quiet zone on both sides.
    pub(crate) fn modules(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether the module at (`x`, `y`) is dark; coordinates include the quiet zone,
    /// and anything outside the symbol (quiet zone or beyond) is light.
    pub(crate) fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(sx), Some(sy)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else {
            return false;
        };
        if sx >= self.width || sy >= self.width {
            return false;
        }
        self.dark
            .get(sy * self.width + sx)
            .copied()
            .unwrap_or(false)
    }
}

/// `Ok(None)` means "does not fit at this level"; other encoder failures are errors.
fn encode_at(text: &str, level: EcLevel, ecc: Ecc) -> Result<Option<Symbol>, QrError> {
    let code = match QrCode::with_error_correction_level(text.as_bytes(), level) {
        Ok(code) => code,
        Err(qrcode::types::QrError::DataTooLong) => return Ok(None),
        Err(other) => return Err(QrError::Encode(other.to_string())),
    };
    let version = match code.version() {
        Version::Normal(v) => {
            u8::try_from(v).map_err(|_| QrError::Encode(format!("unexpected QR version {v}")))?
        }
        // The automatic encoder only produces normal symbols; Micro QR is not scannable
        // by most phone and ATM readers, so treat it as an encoder surprise.
        Version::Micro(_) => return Err(QrError::Encode("unexpected Micro QR symbol".into())),
    };
    let width = code.width();
    let dark = code
        .into_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok(Some(Symbol {
        width,
        dark,
        version,
        ecc,
    }))
}
