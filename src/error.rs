//! The client's error types.

use wacore::net::TransportError;
use wacore::request::IqParseError;
use wacore::store::StoreError;

/// Result of client operations.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// There is no Noise socket (not connected).
    #[error("not connected")]
    NotConnected,
    /// `connect` was called while connected.
    #[error("already connected")]
    AlreadyConnected,
    /// The operation needs a logged-in session.
    #[error("not logged in")]
    NotLoggedIn,
    /// Opening or using the transport failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The transport did not connect within the connect timeout.
    #[error("transport connect timed out after {0:?}")]
    ConnectTimeout(std::time::Duration),
    /// The version fetch did not finish within the connect timeout.
    #[error("version fetch timed out after {0:?}")]
    VersionTimeout(std::time::Duration),
    /// The Noise handshake failed.
    #[error("noise handshake failed: {0}")]
    Handshake(String),
    /// Encrypting or framing an outgoing stanza failed.
    #[error("encrypt/send failed: {0}")]
    EncryptSend(String),
    /// Encoding a node failed.
    #[error("failed to encode node: {0}")]
    Marshal(#[from] wacore_binary::BinaryError),
    /// The device store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Why an IQ failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IqError {
    /// No response within the timeout.
    #[error("IQ timed out")]
    Timeout,
    /// Not connected when sending.
    #[error("not connected")]
    NotConnected,
    /// The connection closed before the response arrived.
    #[error("disconnected while waiting for the IQ response")]
    Disconnected,
    /// The server answered `type="error"`.
    #[error("server returned IQ error {code}: {text}")]
    ServerError {
        /// The error code (e.g. 404).
        code: u16,
        /// The error text.
        text: String,
    },
    /// The response could not be parsed.
    #[error("unexpected IQ response: {0}")]
    Parse(#[from] IqParseError),
    /// Sending the request failed.
    #[error("failed to send IQ: {0}")]
    Socket(#[source] Box<ClientError>),
    /// An internal channel closed (the client is shutting down).
    #[error("internal channel closed")]
    InternalChannelClosed,
}

impl IqError {
    /// Whether the error means the connection is unusable (vs. a one-off failure).
    /// Exhaustive on purpose: a new variant must be classified here.
    pub fn is_fatal(&self) -> bool {
        match self {
            Self::Socket(_)
            | Self::Disconnected
            | Self::NotConnected
            | Self::InternalChannelClosed => true,
            Self::Timeout | Self::ServerError { .. } | Self::Parse(_) => false,
        }
    }

    /// The server error code, if this is a server error.
    pub fn server_code(&self) -> Option<u16> {
        match self {
            Self::ServerError { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<ClientError> for IqError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::NotConnected => Self::NotConnected,
            other => Self::Socket(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert!(!IqError::Timeout.is_fatal());
        assert!(IqError::Disconnected.is_fatal());
        assert!(IqError::from(ClientError::NotConnected).is_fatal());
        assert!(matches!(
            IqError::from(ClientError::NotConnected),
            IqError::NotConnected
        ));
        let e = IqError::ServerError {
            code: 404,
            text: "item-not-found".into(),
        };
        assert_eq!(e.server_code(), Some(404));
        assert!(!e.is_fatal());
    }
}
