//! Wire messages: parsing and encoding only (no session logic).
//!
//! Every message starts with a version byte `(version << 4) | current_version`;
//! this crate speaks version 3 only.

mod sender_key;
mod signal;

pub use sender_key::{SenderKeyDistributionMessage, SenderKeyMessage};
pub use signal::{CiphertextMessage, PreKeySignalMessage, SignalMessage};

use crate::error::{Result, SignalProtocolError};

/// The only message version this crate produces and accepts.
pub const CIPHERTEXT_MESSAGE_CURRENT_VERSION: u8 = 3;

/// Length of the truncated MAC that ends a `SignalMessage`.
pub const MAC_LENGTH: usize = 8;

/// The kinds of ciphertext message (libsignal's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CiphertextMessageType {
    /// A `SignalMessage` (WhatsApp `msg`).
    Whisper = 2,
    /// A `PreKeySignalMessage` (WhatsApp `pkmsg`).
    PreKey = 3,
    /// A `SenderKeyMessage` (WhatsApp `skmsg`).
    SenderKey = 7,
    /// A `SenderKeyDistributionMessage`.
    SenderKeyDistribution = 8,
}

impl CiphertextMessageType {
    /// The `type` attribute WhatsApp puts on the `<enc>` node for this kind
    /// (`msg`, `pkmsg`, `skmsg`); `None` for distribution messages, which travel
    /// inside an encrypted message.
    pub fn wa_enc_type(self) -> Option<&'static str> {
        match self {
            Self::Whisper => Some("msg"),
            Self::PreKey => Some("pkmsg"),
            Self::SenderKey => Some("skmsg"),
            Self::SenderKeyDistribution => None,
        }
    }
}

/// The version byte this crate writes.
pub(crate) const fn version_byte() -> u8 {
    (CIPHERTEXT_MESSAGE_CURRENT_VERSION << 4) | CIPHERTEXT_MESSAGE_CURRENT_VERSION
}

/// Splits off and checks the version byte; returns the rest.
pub(crate) fn check_version(kind: CiphertextMessageType, bytes: &[u8]) -> Result<(u8, &[u8])> {
    let (&first, rest) = bytes
        .split_first()
        .ok_or(SignalProtocolError::InvalidMessage(kind, "empty message"))?;
    let version = first >> 4;
    if version != CIPHERTEXT_MESSAGE_CURRENT_VERSION {
        return Err(SignalProtocolError::UnsupportedVersion(kind, version));
    }
    Ok((version, rest))
}

pub(crate) fn required<T>(
    kind: CiphertextMessageType,
    value: Option<T>,
    what: &'static str,
) -> Result<T> {
    value.ok_or(SignalProtocolError::InvalidMessage(kind, what))
}
