//! The one error type of the pairing-QR module.
//!
//! No variant carries the encoded text: a pairing URL holds a bearer secret
//! (protocol/nsecbunkerd.md §1.8), so neither `Display` nor `Debug` may leak it.

/// What went wrong while rendering or reading a pairing QR code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// Nothing to encode.
    #[error("the text to encode is empty")]
    Empty,
    /// The text does not fit into the largest QR symbol (version 40, ECC L).
    #[error("text too long for a QR code: {bytes} bytes (at most {max} fit at ECC L)")]
    TooLong {
        /// Length of the rejected text in bytes.
        bytes: usize,
        /// Capacity of a version-40 ECC-L symbol in byte mode.
        max: usize,
    },
    /// The requested scale is outside the range that scans reliably and stays a sane size.
    #[error("px_per_module must be between {min} and {max}, got {got}")]
    ScaleOutOfRange {
        /// Requested pixels per module.
        got: u32,
        /// Smallest allowed scale.
        min: u32,
        /// Largest allowed scale.
        max: u32,
    },
    /// The QR encoder refused the text for another reason.
    #[error("QR encoder failed: {0}")]
    Encode(String),
    /// Writing the PNG failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// The rendered image did not decode back to exactly the input text.
    #[error("self-check failed: the rendered QR code does not decode back to the input")]
    SelfCheckFailed,
    /// The bytes are not a readable image.
    #[error("image unreadable: {0}")]
    Unreadable(String),
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NotFound,
    /// A QR code was found but could not be decoded.
    #[error("a QR code was found but could not be decoded: {0}")]
    Undecodable(String),
}

/// Stable classification of [`QrError`] for callers (the UI branches on this, never on messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QrErrorKind {
    /// The caller's input (text or options) cannot be rendered.
    InvalidInput,
    /// An image could not be read, or holds no decodable QR code.
    NotFound,
    /// The renderer produced something that does not round-trip; a bug, never shown as a QR.
    SelfCheckFailed,
    /// A library failed unexpectedly.
    Internal,
}

impl QrError {
    /// The stable kind of this error.
    pub fn kind(&self) -> QrErrorKind {
        match self {
            Self::Empty | Self::TooLong { .. } | Self::ScaleOutOfRange { .. } => {
                QrErrorKind::InvalidInput
            }
            Self::Unreadable(_) | Self::NotFound | Self::Undecodable(_) => QrErrorKind::NotFound,
            Self::SelfCheckFailed => QrErrorKind::SelfCheckFailed,
            Self::Encode(_) | Self::Png(_) => QrErrorKind::Internal,
        }
    }
}
