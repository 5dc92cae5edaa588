//! NIP-46 client and nsecbunkerd admin-RPC client.
//!
//! Protocol only: no storage, no UI. Written against the wire contract in
//! `protocol/nsecbunkerd.md`: NIP-04 unless NIP-44 is proven safe (a NIP-44 request crashes a
//! stock nsecbunkerd), replies matched by id only, no waiting for relay `OK`s, explicit
//! timeouts, and raw bunker error text never shown or logged.
//!
//! ```no_run
//! use bunker_client::{AdminClient, AdminConnection, BunkerUri, ClientOptions, SignerClient};
//! use nostr::Keys;
//!
//! # async fn demo(console: Keys, atm: Keys) -> bunker_client::Result<()> {
//! let conn = AdminConnection::parse("bunker://npub1…@relay.example.com")?;
//! let admin = AdminClient::connect(console, &conn, ClientOptions::default()).await?;
//! admin.ping().await?;
//! let keys = admin.get_keys().await?;
//!
//! let uri = BunkerUri::parse("bunker://<64 hex>?relay=wss%3A%2F%2Frelay.example.com&secret=…")?;
//! let signer = SignerClient::new(atm, &uri, ClientOptions::default()).await?;
//! if let Some(secret) = &uri.secret {
//!     signer.connect_resuming(secret).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! Modules:
//! - [`uri`] — `bunker://` pairing URLs and admin connection strings;
//! - [`crypto`] — NIP-04 / NIP-44 content encryption;
//! - [`admin`] — [`AdminClient`], the nsecbunkerd admin RPC;
//! - [`line`] — [`BunkerLine`], nsecbunkerd 0.10 vs 0.11 and the safe probe telling them apart;
//! - [`request_signer`] — [`RequestSigner`], the key behind our requests: local or a remote
//!   NIP-46 signer;
//! - [`signer`] — [`SignerClient`], NIP-46 signing;
//! - [`types`] — admin results and prompts;
//! - [`options`] — [`ClientOptions`];
//! - [`error`] — [`Error`], [`ErrorKind`], [`Refusal`];
//! - [`fingerprint`] — [`fingerprint()`], the short key fingerprint shown at pairing;
//! - [`sensitive`] — [`Sensitive`], the secret wrapper.
#![forbid(unsafe_code)]

pub mod admin;
pub mod crypto;
pub mod error;
pub mod fingerprint;
pub mod heartbeat;
pub mod line;
mod link;
pub mod options;
pub mod request_signer;
pub mod sensitive;
pub mod signer;
pub mod types;
pub mod uri;
mod wire;

pub use admin::{AdminClient, LineDetection, Nip44Capable};
pub use crypto::Encryption;
pub use error::{Error, ErrorKind, Refusal, Result};
pub use fingerprint::fingerprint;
pub use line::BunkerLine;
pub use options::ClientOptions;
pub use request_signer::{Approval, ApprovalPrompt, RequestSigner};
pub use sensitive::Sensitive;
pub use signer::{EventTemplate, Redemption, SignerClient};
pub use types::{
    AclRequest, KeyInfo, KeyToken, KeyUser, NewPolicy, PingReply, Policy, PolicyRule,
    SigningCondition, TokenAdvice,
};
pub use uri::{AdminConnection, BunkerUri, UriProblem};
