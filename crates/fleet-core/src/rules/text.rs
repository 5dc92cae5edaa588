//! Text the operator names things with (machine names, sites), and text shown back to them.
//!
//! Names and sites are refused when they hold control characters, bidirectional overrides or
//! invisible (zero-width, format) characters: such text can fake rows or colours in a terminal,
//! or show one name while storing another. Accepted text is stored in Unicode NFC, so the
//! composed and decomposed spellings of one name are the same name.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_normalization::UnicodeNormalization;

use crate::{Error, Result};

/// The most characters a machine name may have (the store's limit).
pub const MAX_NAME_CHARS: usize = fleet_store::MAX_NAME_CHARS;
/// The most characters a site may have.
pub const MAX_SITE_CHARS: usize = 100;

/// Whether `c` must never be part of a name, nor reach a terminal raw: C0/C1 controls, line and
/// paragraph separators, bidirectional controls, zero-width and other invisible format
/// characters, and the Unicode tag block.
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Checks a machine name: trimmed, NFC, 1 to [`MAX_NAME_CHARS`] characters, no control, bidi
/// or invisible characters. Returns the form to store and compare.
///
/// # Errors
/// [`Error::InvalidInput`] saying what is wrong.
pub fn machine_name(name: &str) -> Result<String> {
    let name = label("machine name", name, MAX_NAME_CHARS)?;
    if name.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the machine name is empty: use 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name)
}

/// Checks a site: like a name, at most [`MAX_SITE_CHARS`] characters; blank means none.
///
/// # Errors
/// [`Error::InvalidInput`] saying what is wrong.
pub fn site(site: Option<&str>) -> Result<Option<String>> {
    match site {
        None => Ok(None),
        Some(s) => Ok(Some(label("site", s, MAX_SITE_CHARS)?).filter(|s| !s.is_empty())),
    }
}

/// The form two names are compared in: NFC, trimmed, lower case.
pub fn name_key(name: &str) -> String {
    name.trim().nfc().collect::<String>().to_lowercase()
}

fn label(what: &str, value: &str, max: usize) -> Result<String> {
    if let Some(c) = value.chars().find(|c| is_hidden_or_control(*c)) {
        return Err(Error::InvalidInput(format!(
            "the {what} contains an invisible or control character ({}): type it again using \
             letters, digits, spaces and punctuation only",
            describe(c)
        )));
    }
    let value: String = value.trim().nfc().collect();
    let chars = value.chars().count();
    if chars > max {
        return Err(Error::InvalidInput(format!(
            "the {what} is {chars} characters long: use at most {max}"
        )));
    }
    Ok(value)
}

fn describe(c: char) -> String {
    let name = match c {
        '\u{1B}' => "escape",
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => "line break",
        '\t' => "tab",
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => "text-direction control",
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => "zero-width character",
        _ if c.is_control() => "control character",
        _ => "invisible character",
    };
    format!("{name} U+{:04X}", u32::from(c))
}

/// Stored text made safe for a terminal: every control, bidi or invisible character is shown as
/// `\u{XXXX}` (and a backslash as `\\`), so stored text can never move the cursor, recolour the
/// screen, reorder a line or fake a row. Text without such characters is returned as is.
pub fn escape_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_hidden_or_control(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_hidden_or_control(c) {
            let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a value looks like key material (an `nsec1…` key or 64 hex digits): such a value is
/// never repeated in a message.
pub fn looks_like_key(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains("nsec1") || lower.contains("ncryptsec1") {
        return true;
    }
    let mut run = 0usize;
    for c in lower.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 64 {
            return true;
        }
    }
    false
}

/// `value` quoted for a message, or a placeholder when it looks like a key, or when it is long.
pub fn quoted_for_message(value: &str) -> String {
    if looks_like_key(value) {
        return "(a value that looks like a private key or secret; not repeated here)".into();
    }
    let shown: String = value.chars().take(80).collect();
    let more = if value.chars().count() > 80 {
        "…"
    } else {
        ""
    };
    format!("\"{}{more}\"", escape_for_terminal(&shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_control_bidi_or_zero_width_characters_are_refused() {
        for bad in [
            "Lobby\u{1b}[31m ATM",
            "Lobby\nATM",
            "ATM \u{202E}MTA",
            "Lob\u{200B}by",
            "\u{2066}ATM\u{2069}",
            "Lobby\u{FEFF}",
            "tag\u{E0041}",
        ] {
            let err = machine_name(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{bad:?}");
            let text = err.to_string();
            assert!(text.contains("U+"), "names the character: {text}");
            assert!(
                !text.chars().any(is_hidden_or_control),
                "the message is clean: {text:?}"
            );
        }
        assert!(site(Some("Main St\u{202E}")).is_err());
    }

    #[test]
    fn names_are_stored_in_nfc_so_both_spellings_are_one_name() {
        let nfd = "Cafe\u{301} ATM";
        let nfc = "Caf\u{e9} ATM";
        assert_eq!(machine_name(nfd).unwrap(), nfc);
        assert_eq!(machine_name(&format!("  {nfc} ")).unwrap(), nfc);
        assert_eq!(name_key(nfd), name_key("CAF\u{c9} atm"));
    }

    #[test]
    fn name_and_site_lengths_are_bounded() {
        assert!(machine_name("   ").is_err());
        assert!(machine_name(&"a".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(machine_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert_eq!(site(Some("  ")).unwrap(), None);
        assert!(site(Some(&"s".repeat(MAX_SITE_CHARS + 1))).is_err());
        assert_eq!(site(Some(" Lobby ")).unwrap().as_deref(), Some("Lobby"));
        assert_eq!(
            machine_name("Zürich 🏧").unwrap(),
            "Zürich 🏧",
            "ordinary Unicode is fine"
        );
    }

    #[test]
    fn terminal_escaping_neutralises_every_hidden_character() {
        assert!(matches!(escape_for_terminal("Lobby ATM"), Cow::Borrowed(_)));
        assert_eq!(escape_for_terminal("a\u{1b}[2Jb"), "a\\u{001B}[2Jb");
        assert_eq!(
            escape_for_terminal("x\u{202E}y\nz"),
            "x\\u{202E}y\\u{000A}z"
        );
        assert_eq!(escape_for_terminal("back\\slash"), "back\\\\slash");
    }

    #[test]
    fn key_like_values_are_never_quoted() {
        let nsec = "nsec1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0jqgm8yyk";
        assert!(looks_like_key(nsec));
        assert!(looks_like_key(&format!("ws://{}", "ab".repeat(32))));
        assert!(!looks_like_key("wss://relay.damus.io"));
        assert!(!quoted_for_message(nsec).contains("nsec1"));
        assert_eq!(quoted_for_message("ftp://x"), "\"ftp://x\"");
    }
}
