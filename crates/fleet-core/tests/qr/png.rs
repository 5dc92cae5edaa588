use fleet_core::qr::{decode_png, PairingQr, QrOptions};
use image::ColorType;

use crate::support::{long_relay_url, png_to_grid, two_relay_url};

#[test]
fn png_decodes_back_to_the_exact_url() {
    for url in [two_relay_url(), long_relay_url()] {
        for scale in [5, 8, 13] {
            let qr = PairingQr::render(&url, &QrOptions::with_px_per_module(scale)).unwrap();
            assert_eq!(decode_png(qr.png()).unwrap(), url, "scale {scale}");
        }
    }
}

#[test]
fn png_is_grayscale_and_sized_in_whole_modules() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    let img = image::load_from_memory(qr.png()).unwrap();
    assert_eq!(img.color(), ColorType::L8);
    assert_eq!(img.width(), qr.modules() * qr.px_per_module());
    assert_eq!(img.height(), img.width());
}

#[test]
fn png_modules_are_crisp_uniform_squares() {
    let qr = PairingQr::render(&long_relay_url(), &QrOptions::with_px_per_module(6)).unwrap();
    let img = image::load_from_memory(qr.png()).unwrap().to_luma8();
    let scale = qr.px_per_module();
    for (x, y, px) in img.enumerate_pixels() {
        assert!(
            px[0] == 0 || px[0] == 255,
            "smoothed pixel {} at {x},{y}",
            px[0]
        );
        let origin = img.get_pixel(x - x % scale, y - y % scale);
        assert_eq!(px, origin, "module at {x},{y} is not one solid square");
    }
}

#[test]
fn png_quiet_zone_is_white_and_symbol_starts_right_after_it() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    let img = image::load_from_memory(qr.png()).unwrap().to_luma8();
    let margin = 4 * qr.px_per_module();
    let side = img.width();
    for (x, y, px) in img.enumerate_pixels() {
        let in_margin = x < margin || y < margin || x >= side - margin || y >= side - margin;
        if in_margin {
            assert_eq!(px[0], 255, "quiet zone pixel {x},{y} is not white");
        }
    }
    // The top-left finder pattern's corner module is dark.
    assert_eq!(img.get_pixel(margin, margin)[0], 0);
    assert_eq!(img.get_pixel(side - margin - 1, margin)[0], 0);
    assert_eq!(img.get_pixel(margin, side - margin - 1)[0], 0);
}

#[test]
fn png_module_grid_matches_the_svg_module_grid() {
    let qr = PairingQr::render(&long_relay_url(), &QrOptions::default()).unwrap();
    let from_png = png_to_grid(qr.png(), qr.modules(), qr.px_per_module());
    let from_svg = crate::svg::parse_svg_grid(qr.svg());
    assert_eq!(from_png, from_svg, "PNG and SVG must draw the same symbol");
}
