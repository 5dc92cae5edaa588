//! One fleet, many consoles (issue 13) against the sandbox bunker on loopback: two consoles
//! (two data directories, two console keys, both bunker admins) share one fleet through the
//! roster on the relays; the conflict rules; restore of a wiped console; bad rosters refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_roster;
mod conflicts;
mod consoles;
mod restore;
/// The lifecycle journeys' console and ATM helpers.
#[path = "../lifecycle/support.rs"]
#[allow(dead_code)]
mod shared;
mod support;
