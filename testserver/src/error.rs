//! The crate's error type.

use std::io;

/// Everything that can go wrong in the test server's public API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding or accepting on the listening socket failed.
    #[error("server socket: {0}")]
    Io(#[from] io::Error),
    /// The phone number is not a plain string of 5 to 15 digits.
    #[error("invalid phone number {0:?}: expected 5 to 15 digits")]
    InvalidPhone(String),
    /// An account with that phone number already exists.
    #[error("account {0} already exists")]
    AccountExists(String),
    /// No account has that phone number (or LID).
    #[error("no account {0}")]
    UnknownAccount(String),
    /// The JID could not be parsed or names nothing the server knows.
    #[error("invalid or unknown JID {0:?}")]
    InvalidJid(String),
    /// The QR string is not `ref,noise,identity,adv[,platform]` with base64 keys.
    #[error("malformed QR string: {0}")]
    MalformedQr(String),
    /// No connected companion currently shows that QR reference.
    #[error("no companion is showing QR ref {0:?}")]
    UnknownQrRef(String),
    /// No companion asked for a pair code matching the one entered.
    #[error("no pending pair-code request matches that code")]
    UnknownPairCode,
    /// The pairing exchange with the companion failed.
    #[error("pairing failed: {0}")]
    Pairing(String),
    /// A device with that JID is not connected.
    #[error("device {0} is not connected")]
    NotConnected(String),
    /// A group with that JID does not exist.
    #[error("no group {0}")]
    UnknownGroup(String),
    /// Waiting for something timed out.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The simulated phone could not encrypt or decrypt.
    #[error("phone crypto: {0}")]
    Crypto(String),
    /// The server refused a stanza the phone sent (the ack's error code, and the target).
    #[error("the server rejected the stanza to {1} with error {0}")]
    Rejected(u16, String),
    /// Generating the TLS certificate or configuring TLS failed.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// The server has been shut down.
    #[error("the server is shut down")]
    ShutDown,
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
