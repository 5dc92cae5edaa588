//! Reading a QR code back out of image bytes (self-check and tests).

use image::ImageFormat;

use super::QrError;

/// Decodes the first readable QR code in a PNG.
///
/// # Errors
/// [`QrError::Unreadable`] if the bytes are not a PNG, [`QrError::NotFound`] if no QR
/// finder pattern is present, [`QrError::Undecodable`] if a code was found but none decoded.
pub fn decode_png(bytes: &[u8]) -> Result<String, QrError> {
    let luma = image::load_from_memory_with_format(bytes, ImageFormat::Png)
        .map_err(|e| QrError::Unreadable(e.to_string()))?
        .to_luma8();
    decode_luma(luma)
}

/// Decodes the first readable QR code in a grayscale image.
fn decode_luma(luma: image::GrayImage) -> Result<String, QrError> {
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let grids = prepared.detect_grids();
    let mut last_error = None;
    for grid in grids {
        match grid.decode() {
            Ok((_meta, text)) => return Ok(text),
            Err(e) => last_error = Some(e),
        }
    }
    match last_error {
        Some(e) => Err(QrError::Undecodable(e.to_string())),
        None => Err(QrError::NotFound),
    }
}
