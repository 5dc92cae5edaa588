//! Our `SignerClient` in NIP-44 mode against rust-nostr's `NostrConnectRemoteSigner` (a NIP-46
//! signer nobody on this team wrote, which speaks NIP-44 only) on a loopback relay. NIP-44 is
//! switched on the only way there is: a proof from an admin probe that found nsecbunkerd 0.11
//! listing that key.

use std::time::Duration;

use bunker_client::{
    AdminClient, AdminConnection, BunkerLine, BunkerUri, ClientOptions, Encryption, EventTemplate,
    PingReply, SignerClient,
};
use nostr::nips::nip19::ToBech32;
use nostr::{Keys, Kind, PublicKey, Tag, Timestamp};
use nostr_connect::prelude::{
    NostrConnectKeys, NostrConnectRemoteSigner, NostrConnectRequest, NostrConnectSignerActions,
};

use crate::support::{fast_options, start_relay, Out, Responder, Seen};

struct ApproveAll;

impl NostrConnectSignerActions for ApproveAll {
    fn approve(&self, _: &PublicKey, _: &NostrConnectRequest) -> bool {
        true
    }
}

#[tokio::test]
async fn nip44_signer_client_talks_to_rust_nostr_remote_signer() {
    let (_relay, url) = start_relay().await.unwrap();
    let user = Keys::generate();
    let remote = NostrConnectRemoteSigner::new(
        NostrConnectKeys {
            signer: user.clone(),
            user: user.clone(),
        },
        [url.clone()],
        None,
        None,
    )
    .unwrap();
    tokio::spawn(async move { remote.serve(ApproveAll).await });

    // A 0.11 admin interface listing the remote signer's key: the proof for that key.
    let npub = user.public_key().to_bech32().unwrap();
    let bunker = Responder::start(&url, Keys::generate(), &[24133], move |r: &Seen| {
        match r.method.as_str() {
            "ping" => vec![Out::result(24133, &r.id, "pong")],
            "get_keys" => vec![Out::result(
                24133,
                &r.id,
                &format!(r#"[{{"name":"k","npub":"{npub}","userCount":0,"tokenCount":0}}]"#),
            )],
            _ => vec![],
        }
    })
    .await
    .unwrap();
    let conn = AdminConnection {
        admin: bunker.keys.public_key(),
        relays: vec![url.clone()],
    };
    let admin = AdminClient::connect(Keys::generate(), &conn, fast_options())
        .await
        .unwrap();
    let found = admin.detect_line().await.unwrap();
    assert_eq!(found.line, BunkerLine::V0_11);

    let uri = BunkerUri {
        signer: user.public_key(),
        relays: vec![url.clone()],
        secret: None,
    };
    let opts = ClientOptions {
        timeout: Duration::from_millis(700),
        ..fast_options()
    };
    let mut signer = SignerClient::new(Keys::generate(), &uri, opts)
        .await
        .unwrap();
    signer.use_nip44(&found.nip44.unwrap()).unwrap();
    assert_eq!(signer.encryption(), Encryption::Nip44);

    // Ready when the remote signer's subscription is up: ask until it answers.
    let mut answered = None;
    for _ in 0..15 {
        if let Ok(pk) = signer.get_public_key().await {
            answered = Some(pk);
            break;
        }
    }
    assert_eq!(
        answered,
        Some(user.public_key()),
        "the remote signer answered"
    );
    signer.connect(None).await.unwrap();
    assert_eq!(signer.ping().await.unwrap(), PingReply::Pong);
    let event = signer
        .sign_event(EventTemplate {
            kind: Kind::from(21000),
            content: "pay".into(),
            tags: vec![Tag::parse(["machine", "lobby"]).unwrap()],
            created_at: Timestamp::from(1_800_000_000),
        })
        .await
        .unwrap();
    assert_eq!(event.pubkey, user.public_key());
    event.verify().unwrap();
}
