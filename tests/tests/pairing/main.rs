//! Pairing journeys (issue #3): the operator pairs a new ATM with `fleet_core::pairing`, the
//! ATM redeems the QR's URL and signs kind 21000 through the sandbox bunker, in both encryption
//! modes; cancel and timeout burn the token; the ATM keeps signing with the operator's app gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod burn;
mod journey;
mod prepared;
mod support;
