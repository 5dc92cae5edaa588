use fleet_core::qr::{decode_png, PairingQr, QrOptions};

use crate::support::{grid_to_image, long_relay_url, to_png, two_relay_url};

/// Reads the module grid back out of our SVG: checks the document shape and replays
/// the `M x y h n v1 h-n z` runs of the single path.
pub fn parse_svg_grid(svg: &str) -> Vec<Vec<bool>> {
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "not an SVG root"
    );
    assert!(svg.ends_with("</svg>"));
    assert!(
        svg.contains(r#"shape-rendering="crispEdges""#),
        "edges must not be smoothed"
    );
    assert_eq!(
        svg.matches("<path").count(),
        1,
        "the symbol must be one path"
    );
    let view_box = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
    let modules: usize = view_box.split(' ').next().unwrap().parse().unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();

    let mut grid = vec![vec![false; modules]; modules];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let rest = run.strip_prefix('M').unwrap();
        let (xy, rest) = rest.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let (n, back) = rest.split_once("v1h-").unwrap();
        let n: usize = n.parse().unwrap();
        assert_eq!(back, n.to_string(), "each run closes on itself");
        for cell in &mut grid[y][x..x + n] {
            assert!(!*cell, "runs must not overlap");
            *cell = true;
        }
    }
    grid
}

#[test]
fn svg_rasterised_decodes_back_to_the_exact_url() {
    for url in [two_relay_url(), long_relay_url()] {
        let qr = PairingQr::render(&url, &QrOptions::default()).unwrap();
        let grid = parse_svg_grid(qr.svg());
        let png = to_png(&grid_to_image(&grid, 6));
        assert_eq!(decode_png(&png).unwrap(), url);
    }
}

#[test]
fn svg_pixel_size_matches_the_png() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::with_px_per_module(7)).unwrap();
    let px = qr.modules() * 7;
    assert!(qr.svg().contains(&format!(r#"width="{px}" height="{px}""#)));
    assert!(qr
        .svg()
        .contains(&format!(r#"viewBox="0 0 {m} {m}""#, m = qr.modules())));
}

#[test]
fn svg_quiet_zone_has_no_dark_modules() {
    let qr = PairingQr::render(&two_relay_url(), &QrOptions::default()).unwrap();
    let grid = parse_svg_grid(qr.svg());
    let m = grid.len();
    for (y, row) in grid.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if x < 4 || y < 4 || x >= m - 4 || y >= m - 4 {
                assert!(!dark, "dark module in quiet zone at {x},{y}");
            }
        }
    }
}
