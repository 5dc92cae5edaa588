use fleet_core::qr::{decode_png, render_terminal, PairingQr, QrOptions};

use crate::support::{grid_to_image, long_relay_url, to_png, two_relay_url};

/// Half-block text back to a module grid (`true` = dark); glyphs are light modules.
fn parse_terminal(text: &str) -> Vec<Vec<bool>> {
    let mut grid = Vec::new();
    for line in text.lines() {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for ch in line.chars() {
            let (t, b) = match ch {
                '\u{2588}' => (true, true),
                '\u{2580}' => (true, false),
                '\u{2584}' => (false, true),
                ' ' => (false, false),
                other => panic!("unexpected glyph {other:?}"),
            };
            top.push(!t);
            bottom.push(!b);
        }
        grid.push(top);
        grid.push(bottom);
    }
    grid
}

#[test]
fn terminal_rendering_decodes_back_to_the_exact_url() {
    for url in [two_relay_url(), long_relay_url()] {
        let text = render_terminal(&url).unwrap();
        let mut grid = parse_terminal(&text);
        let modules = grid[0].len();
        // An odd module count leaves half a line below the symbol; drop it.
        grid.truncate(modules);
        assert_eq!(grid.len(), modules, "terminal rendering must be square");
        let png = to_png(&grid_to_image(&grid, 5));
        assert_eq!(decode_png(&png).unwrap(), url);
    }
}

#[test]
fn terminal_rendering_draws_the_same_symbol_with_its_quiet_zone() {
    let url = two_relay_url();
    let qr = PairingQr::render(&url, &QrOptions::default()).unwrap();
    let mut grid = parse_terminal(&render_terminal(&url).unwrap());
    grid.truncate(qr.modules() as usize);
    let svg_grid = crate::svg::parse_svg_grid(qr.svg());
    assert_eq!(grid, svg_grid);
    // The first two lines are four light module rows: solid blocks.
    for line in render_terminal(&url).unwrap().lines().take(2) {
        assert!(
            line.chars().all(|c| c == '\u{2588}'),
            "quiet zone line: {line:?}"
        );
    }
}
