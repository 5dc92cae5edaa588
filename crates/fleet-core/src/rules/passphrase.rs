//! The passphrase that encrypts the console key file (NIP-49 ncryptsec).

use crate::{Error, Result};

/// The fewest characters a new passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Checks a passphrase chosen for a new key file.
///
/// # Errors
/// [`Error::InvalidInput`] when it is shorter than [`MIN_PASSPHRASE_CHARS`] characters.
pub fn check_new_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::InvalidInput(format!(
            "the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_passphrase_needs_eight_characters() {
        assert!(check_new_passphrase("1234567").is_err());
        assert!(check_new_passphrase("12345678").is_ok());
        assert!(
            check_new_passphrase("äöüäöüäö").is_ok(),
            "characters, not bytes"
        );
        let err = check_new_passphrase("short").unwrap_err().to_string();
        assert!(
            !err.contains("short\""),
            "the passphrase is never echoed: {err}"
        );
    }
}
