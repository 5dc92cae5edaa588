//! Text rendering for `--qr-terminal`: two module rows per line with Unicode half blocks.

use super::symbol::Symbol;

/// Light modules are drawn as block glyphs and dark ones as spaces, as `qrencode -t UTF8`
/// does: on the usual light-on-dark terminal the glyphs show light, so the code appears
/// dark-on-light with its quiet zone, which is what phone and ATM scanners expect.
pub(crate) fn render(symbol: &Symbol) -> String {
    let modules = symbol.modules();
    let light = |x: usize, y: usize| y < modules && !symbol.is_dark(x, y);
    let mut out = String::with_capacity((modules + 1) * modules.div_ceil(2) * 3);
    for y in (0..modules).step_by(2) {
        for x in 0..modules {
            out.push(match (light(x, y), light(x, y + 1)) {
                (true, true) => '\u{2588}',  // █ full block
                (true, false) => '\u{2580}', // ▀ upper half
                (false, true) => '\u{2584}', // ▄ lower half
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    out
}
