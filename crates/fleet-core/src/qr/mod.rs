//! Pairing QR codes (DESIGN.md §3 "Pair", step 5).
//!
//! A pairing URL (`bunker://<key hex>?relay=…&secret=<hex>`, protocol/nsecbunkerd.md §4.1)
//! is shown as a QR code for the ATM's camera: ECC M (ECC L only if M would need more
//! than version 10), a 4-module quiet zone, whole-pixel modules of at least 5 px. Every
//! rendering is decoded back and compared to the input before anyone sees it.
//!
//! The URL holds a single-use bearer secret (§1.8), so [`PairingQr`] does not keep the
//! text, and neither its `Debug` nor any [`QrError`] prints it.
//!
//! ```
//! use fleet_core::qr::{PairingQr, QrOptions};
//! let qr = PairingQr::render("bunker://example", &QrOptions::default())?;
//! assert_eq!(fleet_core::qr::decode_png(qr.png())?, "bunker://example");
//! # Ok::<(), fleet_core::qr::QrError>(())
//! ```

mod decode;
mod error;
mod png;
mod svg;
mod symbol;
mod terminal;

pub use decode::decode_png;
pub use error::{QrError, QrErrorKind};
pub use symbol::Ecc;

use symbol::Symbol;

/// How to draw a pairing QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QrOptions {
    /// Pixels per module side in the PNG (and the SVG's nominal size);
    /// [`QrOptions::MIN_PX_PER_MODULE`]..=[`QrOptions::MAX_PX_PER_MODULE`].
    pub px_per_module: u32,
}

impl QrOptions {
    /// Below 5 px per module a camera across the counter struggles (DESIGN.md §3).
    pub const MIN_PX_PER_MODULE: u32 = 5;
    /// Above this the image only gets big, not more readable.
    pub const MAX_PX_PER_MODULE: u32 = 40;
    /// The default scale.
    pub const DEFAULT_PX_PER_MODULE: u32 = 8;

    /// Options with the given scale.
    pub fn with_px_per_module(px_per_module: u32) -> Self {
        Self { px_per_module }
    }
}

impl Default for QrOptions {
    fn default() -> Self {
        Self::with_px_per_module(Self::DEFAULT_PX_PER_MODULE)
    }
}

/// A rendered, self-checked pairing QR code: PNG bytes and an SVG of the same symbol.
#[derive(Clone)]
pub struct PairingQr {
    png: Vec<u8>,
    svg: String,
    version: u8,
    ecc: Ecc,
    modules: u32,
    px_per_module: u32,
}

impl PairingQr {
    /// Encodes `text` and renders it as PNG and SVG, then decodes the PNG again.
    ///
    /// # Errors
    /// [`QrError::Empty`], [`QrError::TooLong`] and [`QrError::ScaleOutOfRange`] for bad
    /// input; [`QrError::SelfCheckFailed`] if the PNG does not decode to exactly `text`.
    pub fn render(text: &str, opts: &QrOptions) -> Result<Self, QrError> {
        let px_per_module = opts.px_per_module;
        if !(QrOptions::MIN_PX_PER_MODULE..=QrOptions::MAX_PX_PER_MODULE).contains(&px_per_module) {
            return Err(QrError::ScaleOutOfRange {
                got: px_per_module,
                min: QrOptions::MIN_PX_PER_MODULE,
                max: QrOptions::MAX_PX_PER_MODULE,
            });
        }
        let symbol = Symbol::encode(text)?;
        let png = png::render(&symbol, px_per_module)?;
        match decode_png(&png) {
            Ok(decoded) if decoded == text => {}
            // Never show a QR we could not read ourselves, and never echo the text.
            _ => return Err(QrError::SelfCheckFailed),
        }
        let modules = u32::try_from(symbol.modules())
            .map_err(|_| QrError::Encode("symbol too large".into()))?;
        Ok(Self {
            svg: svg::render(&symbol, px_per_module),
            png,
            version: symbol.version(),
            ecc: symbol.ecc(),
            modules,
            px_per_module,
        })
    }

    /// The PNG: 8-bit grayscale, black on white, `modules() * px_per_module()` px square.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// The SVG: one path, `shape-rendering="crispEdges"`, viewBox in modules.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// QR version, 1..=40 (at most 10 whenever the ECC is [`Ecc::Medium`]).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Error-correction level used.
    pub fn ecc(&self) -> Ecc {
        self.ecc
    }

    /// Modules per side, quiet zone included.
    pub fn modules(&self) -> u32 {
        self.modules
    }

    /// Pixels per module side in the PNG.
    pub fn px_per_module(&self) -> u32 {
        self.px_per_module
    }
}

impl std::fmt::Debug for PairingQr {
    // Shape only: the image data encodes the pairing secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairingQr")
            .field("version", &self.version)
            .field("ecc", &self.ecc)
            .field("modules", &self.modules)
            .field("px_per_module", &self.px_per_module)
            .field("png_bytes", &self.png.len())
            .finish_non_exhaustive()
    }
}

/// Renders `text` for a terminal (`--qr-terminal`) with Unicode half blocks, quiet zone
/// included; same symbol choice as [`PairingQr::render`]. Light modules are glyphs, so it
/// reads correctly on a light-on-dark terminal.
///
/// # Errors
/// [`QrError::Empty`] or [`QrError::TooLong`].
pub fn render_terminal(text: &str) -> Result<String, QrError> {
    Ok(terminal::render(&Symbol::encode(text)?))
}
