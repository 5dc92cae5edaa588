//! Reading a pairing QR code from an image file (`--seed-url-from-image`): a camera
//! frame of the operator's screen, or a screenshot of the whole pairing window.
//!
//! The decoded text is a pairing URL with a bearer secret (protocol/nsecbunkerd.md §1.8);
//! no error message here ever contains it.

use std::path::{Path, PathBuf};

use image::{GrayImage, ImageReader};

/// Why no QR text could be read from an image file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// The file could not be opened, or its contents are not an image format we read.
    #[error("file unreadable: {}: {reason}", path.display())]
    Unreadable {
        /// The file we tried to read.
        path: PathBuf,
        /// What the I/O or image layer said.
        reason: String,
    },
    /// The image holds no QR code (or none that could be decoded).
    #[error("no QR code found in {}", path.display())]
    NotFound {
        /// The file we searched.
        path: PathBuf,
    },
}

/// Stable classification of [`CameraError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CameraErrorKind {
    /// The file is missing, unreadable or not an image.
    Unreadable,
    /// The image was read but has no decodable QR code.
    NotFound,
}

impl CameraError {
    /// The stable kind of this error.
    pub fn kind(&self) -> CameraErrorKind {
        match self {
            Self::Unreadable { .. } => CameraErrorKind::Unreadable,
            Self::NotFound { .. } => CameraErrorKind::NotFound,
        }
    }
}

/// Decodes the first readable QR code in the image at `path`.
///
/// The format is detected from the contents, not the extension (PNG, plus whatever
/// other formats the workspace's `image` features enable). The search runs over the
/// whole image, so the code may be anywhere in a larger frame; if the frame looks
/// inverted (light modules on dark, e.g. a dark-themed screenshot) the inverse is tried.
///
/// # Errors
/// [`CameraError::Unreadable`] if the file cannot be read or decoded as an image,
/// [`CameraError::NotFound`] if no QR code in it decodes.
pub fn decode_qr_image(path: &Path) -> Result<String, CameraError> {
    let unreadable = |reason: String| CameraError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let image = ImageReader::open(path)
        .map_err(|e| unreadable(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| unreadable(e.to_string()))?
        .decode()
        .map_err(|e| unreadable(e.to_string()))?;
    let mut luma = image.to_luma8();
    if let Some(text) = first_decoded(luma.clone()) {
        return Ok(text);
    }
    image::imageops::invert(&mut luma);
    first_decoded(luma).ok_or_else(|| CameraError::NotFound {
        path: path.to_path_buf(),
    })
}

/// Tries every candidate grid: noise and window chrome can produce finder-like
/// shapes that fail to decode before the real code is reached.
fn first_decoded(luma: GrayImage) -> Option<String> {
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_meta, text)| text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Luma};
    use qrcode::{EcLevel, QrCode};

    const URL: &str = "bunker://3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d\
        ?relay=wss%3A%2F%2Frelay.example.com&relay=ws%3A%2F%2F127.0.0.1%3A7777\
        &secret=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    /// `text` as a black-on-white QR with a 4-module quiet zone at `scale` px per module.
    fn qr_image(text: &str, scale: u32) -> GrayImage {
        let code = QrCode::with_error_correction_level(text, EcLevel::L).unwrap();
        let width = code.width() as u32;
        let colors = code.to_colors();
        let side = (width + 8) * scale;
        GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark = mx < width
                && my < width
                && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
            Luma([if dark { 0 } else { 255 }])
        })
    }

    fn save(dir: &tempfile::TempDir, name: &str, img: &GrayImage, format: ImageFormat) -> PathBuf {
        let path = dir.path().join(name);
        img.save_with_format(&path, format).unwrap();
        path
    }

    /// Deterministic pseudo-random numbers (xorshift) so the "noise" is reproducible.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// A 1280×800 "window": grey chrome, a title bar, text-like bars, filled squares that
    /// resemble finder patterns, speckle noise, and the QR placed off-centre.
    fn screenshot_with(qr: &GrayImage) -> GrayImage {
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
        let mut img = GrayImage::from_fn(1280, 800, |_, y| Luma([if y < 40 { 60 } else { 235 }]));
        for line in 0..12u32 {
            let (y, len) = (80 + line * 28, 200 + (noise.next() % 400) as u32);
            for x in 40..40 + len {
                for dy in 0..10 {
                    img.put_pixel(x, y + dy, Luma([30]));
                }
            }
        }
        for (ox, oy) in [(60u32, 500u32), (200, 520), (1150, 700)] {
            for y in oy..oy + 40 {
                for x in ox..ox + 40 {
                    let ring = x < ox + 6 || x >= ox + 34 || y < oy + 6 || y >= oy + 34;
                    let core = (12..28).contains(&(x - ox)) && (12..28).contains(&(y - oy));
                    img.put_pixel(x, y, Luma([if ring || core { 0 } else { 255 }]));
                }
            }
        }
        for _ in 0..4000 {
            let (x, y) = (
                (noise.next() % 1280) as u32,
                (40 + noise.next() % 760) as u32,
            );
            img.put_pixel(x, y, Luma([(noise.next() % 256) as u8]));
        }
        image::imageops::overlay(&mut img, qr, 760, 150);
        img
    }

    #[test]
    fn decodes_a_plain_png_to_the_exact_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(&dir, "qr.png", &qr_image(URL, 6), ImageFormat::Png);
        assert_eq!(decode_qr_image(&path).unwrap(), URL);
    }

    #[test]
    fn decodes_a_qr_placed_off_centre_in_a_noisy_window_screenshot() {
        let dir = tempfile::tempdir().unwrap();
        let shot = screenshot_with(&qr_image(URL, 5));
        let path = save(&dir, "window.png", &shot, ImageFormat::Png);
        assert_eq!(decode_qr_image(&path).unwrap(), URL);
    }

    #[test]
    fn decodes_a_jpeg_camera_frame() {
        let dir = tempfile::tempdir().unwrap();
        let shot = screenshot_with(&qr_image(URL, 5));
        let path = save(&dir, "frame.jpg", &shot, ImageFormat::Jpeg);
        assert_eq!(decode_qr_image(&path).unwrap(), URL);
    }

    #[test]
    fn detects_the_format_from_contents_not_the_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(&dir, "frame.dat", &qr_image(URL, 5), ImageFormat::Png);
        assert_eq!(decode_qr_image(&path).unwrap(), URL);
    }

    #[test]
    fn decodes_an_inverted_light_on_dark_code() {
        let dir = tempfile::tempdir().unwrap();
        let mut img = qr_image(URL, 5);
        image::imageops::invert(&mut img);
        let path = save(&dir, "dark.png", &img, ImageFormat::Png);
        assert_eq!(decode_qr_image(&path).unwrap(), URL);
    }

    #[test]
    fn image_without_a_qr_code_says_no_qr_code_found_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blank = GrayImage::from_pixel(300, 200, Luma([255]));
        let path = save(
            &dir,
            "blank.png",
            &screenshot_with(&blank),
            ImageFormat::Png,
        );
        let err = decode_qr_image(&path).unwrap_err();
        assert_eq!(err.kind(), CameraErrorKind::NotFound);
        assert_eq!(
            err.to_string(),
            format!("no QR code found in {}", path.display())
        );
    }

    #[test]
    fn missing_file_is_reported_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.png");
        let err = decode_qr_image(&path).unwrap_err();
        assert_eq!(err.kind(), CameraErrorKind::Unreadable);
        assert!(err.to_string().starts_with("file unreadable: "), "{err}");
    }

    #[test]
    fn non_image_file_is_reported_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.png");
        std::fs::write(&path, b"this is not an image").unwrap();
        let err = decode_qr_image(&path).unwrap_err();
        assert_eq!(err.kind(), CameraErrorKind::Unreadable);
    }
}
