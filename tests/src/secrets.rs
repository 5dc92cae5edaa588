//! Finding secrets in what the app wrote: its SQLite files, its key file, its log output.
//!
//! Two kinds of search, both reporting where and what, never the value:
//! - [`find_known`]: the exact secrets a test made or saw (token secrets, keys as hex and nsec,
//!   passphrases), hex ones in either case;
//! - [`find_shapes`]: what is a secret whoever made it, for output whose secrets the caller does
//!   not know (the desktop app's log in the e2e run): an `nsec1…` key, a pairing URL's
//!   `secret=` value.
//!
//! [`scan_files`] runs both over files and fails closed: a file that cannot be read is an error,
//! never a clean result. The `scan-secrets` binary (`src/bin/scan-secrets.rs`) runs it from the
//! command line for the e2e run.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret to search for, with what it is. `Debug` and [`Finding`]s never show the value.
#[derive(Clone)]
pub struct Secret {
    what: String,
    value: String,
}

impl Secret {
    /// `value`, described as `what` (e.g. "token secret 2", "console key (nsec)").
    pub fn new(what: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            value: value.into(),
        }
    }

    /// What the secret is.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The byte strings that count as this secret being present: the value as given, and for a
    /// hex value also its lower- and upper-case spellings.
    fn spellings(&self) -> Vec<Vec<u8>> {
        let mut out = vec![self.value.clone().into_bytes()];
        if self.value.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push(self.value.to_ascii_lowercase().into_bytes());
            out.push(self.value.to_ascii_uppercase().into_bytes());
        }
        out.retain(|s| !s.is_empty());
        out.sort();
        out.dedup();
        out
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}, {} bytes)", self.what, self.value.len())
    }
}

/// A secret found: where, and what it was (never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file or output it was found in.
    pub place: String,
    /// What was found ("token secret 0", "an nsec", …).
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} found in {}", self.what, self.place)
    }
}

/// Every `secrets` entry present in `bytes`.
pub fn find_known(place: &str, bytes: &[u8], secrets: &[Secret]) -> Vec<Finding> {
    secrets
        .iter()
        .filter(|s| s.spellings().iter().any(|n| contains(bytes, n)))
        .map(|s| Finding {
            place: place.to_owned(),
            what: s.what.clone(),
        })
        .collect()
}

/// Secrets recognisable by their shape in `bytes`: an `nsec1` followed by 58 bech32 characters,
/// and a `secret=` URL parameter with a value of 16 or more characters (a pairing URL's token
/// secret). Each shape is reported once per place.
pub fn find_shapes(place: &str, bytes: &[u8]) -> Vec<Finding> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    if has_nsec(&text) {
        out.push(Finding {
            place: place.to_owned(),
            what: "an nsec (a private key)".into(),
        });
    }
    if has_url_secret(&text) {
        out.push(Finding {
            place: place.to_owned(),
            what: "a pairing URL with its secret".into(),
        });
    }
    out
}

/// Reads each file and runs [`find_known`] and [`find_shapes`] over it.
///
/// # Errors
/// When a file cannot be read (missing included): a scan that did not look is not clean.
pub fn scan_files(files: &[PathBuf], secrets: &[Secret]) -> std::io::Result<Vec<Finding>> {
    let mut out = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{} could not be read: {e}", file.display()),
            )
        })?;
        let place = file.display().to_string();
        out.extend(find_known(&place, &bytes, secrets));
        out.extend(find_shapes(&place, &bytes));
    }
    Ok(out)
}

/// The SQLite files of a database at `db`: the file itself, and its `-wal` and `-journal` when
/// they exist (deleted rows linger in both until a checkpoint or VACUUM).
pub fn sqlite_files(db: &Path) -> Vec<PathBuf> {
    let mut out = vec![db.to_path_buf()];
    for suffix in ["-wal", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let side = PathBuf::from(name);
        if side.exists() {
            out.push(side);
        }
    }
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn has_nsec(text: &str) -> bool {
    text.match_indices("nsec1").any(|(i, _)| {
        let rest = &text[i + 5..];
        rest.chars()
            .take(58)
            .filter(|c| BECH32.contains(*c))
            .count()
            == 58
    })
}

fn has_url_secret(text: &str) -> bool {
    text.match_indices("secret=").any(|(i, _)| {
        text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '%')
            .count()
            >= 16
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn known_secrets_are_found_in_either_hex_case_and_never_quoted() {
        let hex = "0b5e1f3c2d4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let secrets = [
            Secret::new("token secret", hex),
            Secret::new("passphrase", "correct horse"),
        ];
        let log = format!("x {} y", hex.to_ascii_uppercase());
        let found = find_known("log", log.as_bytes(), &secrets);
        assert_eq!(
            found,
            [Finding {
                place: "log".into(),
                what: "token secret".into()
            }]
        );
        assert!(!found[0].to_string().contains(hex));
        assert!(!format!("{:?}", secrets[0]).contains(hex));
        assert!(find_known("log", b"correct  horse", &secrets).is_empty());
    }

    #[test]
    fn shapes_catch_an_nsec_and_a_url_secret_but_not_their_mentions() {
        let nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5";
        let url = "bunker://ab?relay=ws%3A%2F%2F127.0.0.1&secret=0b5e1f3c2d4a69788796a5b4";
        assert_eq!(find_shapes("log", nsec.as_bytes()).len(), 1);
        assert_eq!(find_shapes("log", url.as_bytes()).len(), 1);
        assert!(find_shapes("log", b"no nsec1 here; secret=<redacted>; secret=").is_empty());
    }

    #[test]
    fn a_file_that_cannot_be_read_fails_the_scan() {
        let dir = std::env::temp_dir().join(format!("scan-missing-{}", std::process::id()));
        assert!(scan_files(&[dir.join("gone.log")], &[]).is_err());
    }
}
