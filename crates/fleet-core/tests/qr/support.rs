//! Pairing URLs shaped like the ones the app builds (protocol/nsecbunkerd.md §4.1 step 5)
//! and helpers to turn module grids back into images.

use image::{GrayImage, Luma};

pub const KEY_HEX: &str = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d";
pub const SECRET_HEX: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// One public wss relay plus a loopback ws relay, percent-encoded like nostr-tools `toBunkerURL`.
pub fn two_relay_url() -> String {
    format!(
        "bunker://{KEY_HEX}?relay=wss%3A%2F%2Frelay.example.com\
         &relay=ws%3A%2F%2F127.0.0.1%3A7777&secret={SECRET_HEX}"
    )
}

/// Two wss relays with 40-character host names: the longest URL DESIGN.md §3 expects.
pub fn long_relay_url() -> String {
    let a = "relay-one.operator-fleet-nostr.example.c";
    let b = "relay-two.operator-fleet-nostr.example.c";
    assert_eq!(a.len(), 40);
    assert_eq!(b.len(), 40);
    format!("bunker://{KEY_HEX}?relay=wss%3A%2F%2F{a}&relay=wss%3A%2F%2F{b}&secret={SECRET_HEX}")
}

/// Rasterises a module grid (`true` = dark, quiet zone included) at `scale` px per module.
pub fn grid_to_image(grid: &[Vec<bool>], scale: u32) -> GrayImage {
    let side = grid.len() as u32 * scale;
    GrayImage::from_fn(side, side, |x, y| {
        let dark = grid[(y / scale) as usize][(x / scale) as usize];
        Luma([if dark { 0 } else { 255 }])
    })
}

/// Encodes a grayscale image as PNG bytes.
pub fn to_png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Samples the centre of every module of a rendered PNG back into a grid.
pub fn png_to_grid(png: &[u8], modules: u32, scale: u32) -> Vec<Vec<bool>> {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    (0..modules)
        .map(|my| {
            (0..modules)
                .map(|mx| img.get_pixel(mx * scale + scale / 2, my * scale + scale / 2)[0] < 128)
                .collect()
        })
        .collect()
}
