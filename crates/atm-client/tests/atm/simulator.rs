//! The sandbox's ATM simulator.

use sandbox::AtmSimulator;

use crate::support::{opts, World};

#[tokio::test]
async fn simulator_redeems_a_pairing_url_and_signs_21000() {
    let world = World::start().await;
    let url = world.mint("satmachine-sim").await;

    let atm = AtmSimulator::redeem(&url, opts()).await.unwrap();
    let event = atm.sign_21000("simulated withdrawal").await.unwrap();

    assert_eq!(event.pubkey, world.operator());
    let users = world.key_users().await;
    assert_eq!(users, vec![(atm.client_public_key().to_hex(), false)]);
    let again = AtmSimulator::redeem(&url, opts()).await;
    assert!(
        again.is_err(),
        "a second simulator cannot redeem the same secret"
    );
    atm.shutdown().await;
    world.stop().await;
}
