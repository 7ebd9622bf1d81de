//! Errors of the incoming-message pipeline.

use wacore_libsignal::SignalProtocolError;

use crate::send::PaddingError;

/// Result alias for the receive pipeline.
pub type Result<T> = std::result::Result<T, MessageError>;

/// Why an incoming `<message>` could not be read or decrypted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// A required attribute is missing or malformed.
    #[error("bad <message> attributes: {0}")]
    Attrs(#[from] wacore_binary::BinaryError),
    /// The stanza has a shape we cannot read.
    #[error("bad <message> stanza: {0}")]
    Stanza(&'static str),
    /// We are not logged in (our own JIDs are unknown).
    #[error("not logged in")]
    NotLoggedIn,
    /// Signal decryption failed.
    #[error("decrypting {enc_type} failed: {source}")]
    Decrypt {
        /// `pkmsg`, `msg` or `skmsg`.
        enc_type: &'static str,
        /// The Signal error.
        #[source]
        source: SignalProtocolError,
    },
    /// The plaintext padding is invalid.
    #[error("bad plaintext padding: {0}")]
    Padding(#[from] PaddingError),
    /// The plaintext is not a valid `Message` protobuf.
    #[error("invalid message protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
}

impl MessageError {
    /// Whether this is Signal reporting a message it already decrypted (a redelivery).
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            MessageError::Decrypt {
                source: SignalProtocolError::DuplicatedMessage(..),
                ..
            }
        )
    }

    /// Whether the failure is a missing sender key (we never got the sender's SKDM).
    pub fn is_missing_sender_key(&self) -> bool {
        matches!(
            self,
            MessageError::Decrypt {
                source: SignalProtocolError::NoSenderKeyState(_),
                ..
            }
        )
    }

    /// Whether we have no session with the sender (the sender must start a new one: a retry
    /// receipt should carry our keys right away).
    pub fn is_no_session(&self) -> bool {
        matches!(
            self,
            MessageError::Decrypt {
                source: SignalProtocolError::NoSession(_),
                ..
            }
        )
    }

    /// Whether the storage backend failed (the message must not be acked: the server will
    /// deliver it again).
    pub fn is_storage(&self) -> bool {
        matches!(
            self,
            MessageError::Decrypt {
                source: SignalProtocolError::Storage(_),
                ..
            }
        )
    }
}
