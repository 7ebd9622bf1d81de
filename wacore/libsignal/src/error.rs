//! The crate's error type: one enum, every variant documented and carrying context.

use crate::address::ProtocolAddress;
use crate::protocol::CiphertextMessageType;

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, SignalProtocolError>;

/// Everything that can go wrong in the Signal protocol layer.
///
/// Errors caused by hostile or corrupt input (bad MAC, malformed protobuf,
/// unknown version, truncated key...) are distinguished so a client can decide
/// whether to request a retry, reset the session or drop the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignalProtocolError {
    /// A caller passed an argument that cannot be used (e.g. empty plaintext bound).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// A protobuf (wire message or stored record) failed to decode.
    #[error("invalid protobuf encoding: {0}")]
    InvalidProtobuf(String),

    /// A wire message is structurally invalid (missing field, bad length...).
    #[error("invalid {0:?} message: {1}")]
    InvalidMessage(CiphertextMessageType, &'static str),

    /// A message carries a version this implementation does not speak.
    #[error("unsupported {0:?} message version {1}")]
    UnsupportedVersion(CiphertextMessageType, u8),

    /// The message authentication code did not match.
    #[error("message authentication code mismatch")]
    InvalidMac,

    /// An XEdDSA signature did not verify (signed pre-key, sender-key message).
    #[error("signature verification failed: {0}")]
    InvalidSignature(&'static str),

    /// AES-CBC decryption failed (bad padding or a length not a multiple of 16).
    #[error("invalid ciphertext (bad padding or length)")]
    InvalidCiphertext,

    /// The message key for `counter` on a chain already at `chain_index` was
    /// used or discarded: the message is a duplicate (or very late).
    #[error("duplicate message: chain index {0}, message counter {1}")]
    DuplicatedMessage(u32, u32),

    /// The message counter lies beyond the bounded skip window of its chain.
    #[error(
        "message counter {counter} is too far ahead of chain index {chain_index} (limit {limit})"
    )]
    MessageTooFarInFuture {
        /// Where the receiving chain currently stands.
        chain_index: u32,
        /// The counter the message carries.
        counter: u32,
        /// The largest accepted jump.
        limit: u32,
    },

    /// There is no session (or no usable session state) for the address.
    #[error("no session for {0}")]
    NoSession(String),

    /// A pre-key message referenced a one-time pre-key we do not have.
    #[error("invalid pre-key id {0}")]
    InvalidPreKeyId(u32),

    /// A pre-key message referenced a signed pre-key we do not have.
    #[error("invalid signed pre-key id {0}")]
    InvalidSignedPreKeyId(u32),

    /// The remote identity key is not trusted (first seen differently, or changed).
    #[error("untrusted identity for {0}")]
    UntrustedIdentity(ProtocolAddress),

    /// A key had the wrong length.
    #[error("bad {kind} length {len}")]
    BadKeyLength {
        /// Which kind of key (e.g. "public key", "private key").
        kind: &'static str,
        /// The length that was seen.
        len: usize,
    },

    /// A serialized public key carried an unknown type byte (only 0x05 is valid).
    #[error("bad key type {0:#04x}")]
    BadKeyType(u8),

    /// There is no sender-key state for the group sender (or for its chain id).
    #[error("no sender key state for {0}")]
    NoSenderKeyState(String),

    /// A stored record is internally inconsistent.
    #[error("invalid stored state: {0}")]
    InvalidState(&'static str),

    /// An operation required a session state whose sending chain is missing.
    #[error("session state has no sender chain")]
    NoSenderChain,

    /// The storage backend failed.
    #[error("storage error: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl From<prost::DecodeError> for SignalProtocolError {
    fn from(e: prost::DecodeError) -> Self {
        SignalProtocolError::InvalidProtobuf(e.to_string())
    }
}
