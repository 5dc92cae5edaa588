//! Rasterising a symbol to an 8-bit grayscale PNG with whole-pixel modules.

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::symbol::Symbol;
use super::QrError;

const DARK: u8 = 0;
const LIGHT: u8 = 255;

/// Draws every module as an exact `px_per_module` square (no smoothing, so edges stay
/// crisp when the UI shows the image at 1:1 or an integer multiple).
pub(crate) fn render(symbol: &Symbol, px_per_module: u32) -> Result<Vec<u8>, QrError> {
    let scale = px_per_module as usize;
    let side = symbol.modules() * scale;
    let side_u32 =
        u32::try_from(side).map_err(|_| QrError::Png(format!("image side {side} too large")))?;
    let mut pixels = vec![LIGHT; side * side];
    for (y, row) in pixels.chunks_exact_mut(side).enumerate() {
        let my = y / scale;
        for (x, px) in row.iter_mut().enumerate() {
            if symbol.is_dark(x / scale, my) {
                *px = DARK;
            }
        }
    }
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, side_u32, side_u32, ExtendedColorType::L8)
        .map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out)
}
