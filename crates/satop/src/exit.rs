//! Exit codes and the one-line failure every command ends with.

use fleet_core::ErrorKind;

/// Bad input: a wrong argument, a malformed connection string, a name rule broken.
pub const BAD_INPUT: u8 = 2;
/// The bunker or a relay: unreachable, timeout, refused, not an admin, key locked.
pub const BUNKER: u8 = 3;
/// Anything else (local storage, secret store, I/O).
pub const OTHER: u8 = 1;

/// A failed command: the exit code and one line for the operator.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub code: u8,
    /// One line, no secrets.
    pub message: String,
}

impl Failure {
    /// A failure with an explicit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// Bad input.
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(BAD_INPUT, message)
    }
}

impl From<fleet_core::Error> for Failure {
    fn from(e: fleet_core::Error) -> Self {
        let code = match e.kind() {
            ErrorKind::InvalidInput | ErrorKind::NotInitialized => BAD_INPUT,
            ErrorKind::Timeout
            | ErrorKind::Unreachable
            | ErrorKind::NotAdmin
            | ErrorKind::KeyLocked
            | ErrorKind::Rejected
            | ErrorKind::Protocol => BUNKER,
            _ => OTHER,
        };
        Self::new(code, one_line(&e.to_string()))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::new(OTHER, one_line(&e.to_string()))
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}
