//! Vector rendering: one `<path>` of horizontal runs, in module units.

use std::fmt::Write;

use super::symbol::Symbol;

/// An SVG whose `viewBox` counts modules (quiet zone included) and whose `width`/`height`
/// are the pixel size of the PNG, so both renderings look the same. Each run of dark
/// modules in a row is one `M x y h n v1 h-n z` sub-path; `shape-rendering="crispEdges"`
/// keeps browsers from anti-aliasing the seams between runs.
pub(crate) fn render(symbol: &Symbol, px_per_module: u32) -> String {
    let modules = symbol.modules();
    let px = modules as u64 * u64::from(px_per_module);
    let mut d = String::new();
    for y in 0..modules {
        let mut x = 0;
        while x < modules {
            if !symbol.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < modules && symbol.is_dark(x, y) {
                x += 1;
            }
            let run = x - start;
            // Writing into a String cannot fail.
            let _ = write!(d, "M{start} {y}h{run}v1h-{run}z");
        }
    }
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" "#,
            r#"width="{px}" height="{px}" viewBox="0 0 {m} {m}" shape-rendering="crispEdges">"#,
            r##"<rect width="{m}" height="{m}" fill="#ffffff"/>"##,
            r##"<path fill="#000000" d="{d}"/>"##,
            "</svg>"
        ),
        px = px,
        m = modules,
        d = d
    )
}
