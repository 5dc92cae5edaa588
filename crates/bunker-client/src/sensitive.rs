//! A wrapper that keeps secrets out of logs, errors and serialised output.

use std::fmt;

/// A secret value: a pairing secret, a private key, a passphrase.
///
/// `Debug` and `Display` print `<redacted>`, and the type deliberately implements neither
/// `Serialize` nor `Clone`-by-accident semantics beyond an explicit [`Sensitive::clone_secret`]:
/// reaching the inner value always takes a visible call to [`Sensitive::expose`].
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Borrows the secret. Every call site is a place a secret is handled: keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Takes the secret out of the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Clone> Sensitive<T> {
    /// Copies the secret; spelled out so that copies are visible in review.
    pub fn clone_secret(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: PartialEq> PartialEq for Sensitive<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Eq> Eq for Sensitive<T> {}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Sensitive;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let s = Sensitive::new(String::from("deadbeef-secret"));
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(s.expose(), "deadbeef-secret");
    }
}
