//! Timeouts and windows shared by the admin and NIP-46 clients.

use std::time::Duration;

/// Timing of a bunker link. [`Default`] suits a bunker on the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// How long a call waits for its reply. At least 15 s, so that a request nsecbunkerd holds
    /// for its 10 s admin approval ends with the bunker's answer, not ours (§6.3 C10).
    pub timeout: Duration,
    /// After a generic `"Not authorized"`, how long to wait for a more specific error with the
    /// same id: NDK 2.8.1 sends both, in no fixed order (§1.3, Appendix C).
    pub duplicate_grace: Duration,
    /// How long to wait for the relays to accept a connection.
    pub connect_timeout: Duration,
    /// How long [`crate::AdminClient::probe_nip44`] waits for an answer to its NIP-44 ping;
    /// a stock bunker never answers it (§6.3 A5).
    pub nip44_probe_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            duplicate_grace: Duration::from_millis(150),
            connect_timeout: Duration::from_secs(10),
            nip44_probe_timeout: Duration::from_secs(3),
        }
    }
}

impl ClientOptions {
    /// Timing for a bunker on this computer (the sandbox in tests and the demo): replies take
    /// milliseconds, so calls give up after 5 s, connecting after 2 s, and the NIP-44 probe of a
    /// stock bunker (which never answers it) after 300 ms.
    pub fn loopback() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            nip44_probe_timeout: Duration::from_millis(300),
            ..Self::default()
        }
    }
}
