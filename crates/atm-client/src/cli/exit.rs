//! Exit codes of `satmachine-atm`, from the error's stable kind.

use crate::error::{Error, ErrorKind};

pub(crate) const OK: u8 = 0;
pub(crate) const OTHER: u8 = 1;
pub(crate) const BAD_INPUT: u8 = 2;
pub(crate) const BUNKER: u8 = 3;

pub(crate) fn code(err: &Error) -> u8 {
    match err.kind() {
        ErrorKind::InvalidInput
        | ErrorKind::AlreadyPaired
        | ErrorKind::NotPaired
        | ErrorKind::AlreadyRunning => BAD_INPUT,
        ErrorKind::Timeout
        | ErrorKind::Unreachable
        | ErrorKind::SeedRefused
        | ErrorKind::NotAuthorized
        | ErrorKind::Protocol => BUNKER,
        _ => OTHER,
    }
}
