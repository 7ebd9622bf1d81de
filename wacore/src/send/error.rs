//! Errors of preparing an outgoing message.

use wacore_binary::jid::Jid;
use wacore_libsignal::SignalProtocolError;

use crate::store::StoreError;

/// Result alias for the send pipeline.
pub type Result<T> = std::result::Result<T, SendError>;

/// Why an outgoing message could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Signal encryption failed for a device.
    #[error("encrypting for {device} failed: {source}")]
    Encrypt {
        /// The device.
        device: Jid,
        /// The Signal error.
        #[source]
        source: SignalProtocolError,
    },
    /// Sender-key (group) encryption or distribution failed.
    #[error("sender-key operation for {group} failed: {source}")]
    SenderKey {
        /// The group.
        group: Jid,
        /// The Signal error.
        #[source]
        source: SignalProtocolError,
    },
    /// There is no session with a device and no pre-key bundle was available for it.
    #[error("no session with {0} and no pre-key bundle")]
    NoSession(Jid),
    /// The storage backend failed.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    /// The message cannot be sent this way (e.g. admin revoke outside a group).
    #[error("invalid message: {0}")]
    Invalid(&'static str),
}
