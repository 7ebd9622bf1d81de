//! The crate's single error type.

use std::fmt;

/// Which certificate of the server's chain an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertKind {
    /// The intermediate certificate, signed by the root key.
    Intermediate,
    /// The leaf certificate, signed by the intermediate and naming the server's static key.
    Leaf,
}

impl fmt::Display for CertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertKind::Intermediate => "intermediate",
            CertKind::Leaf => "leaf",
        })
    }
}

/// Everything that can go wrong in the handshake, the certificate checks, the frame codec or the
/// transport cipher. Network input never panics: it ends in one of these.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoiseError {
    /// AES-GCM authentication failed: wrong key, wrong counter or tampered ciphertext.
    #[error("decryption failed during {stage}")]
    Decrypt {
        /// What was being decrypted (`"server static"`, `"certificate"`, `"transport frame"`...).
        stage: &'static str,
    },
    /// A handshake message was truncated, not a valid `HandshakeMessage`, or lacks a part.
    #[error("malformed {message}: {reason}")]
    MalformedHandshake {
        /// Which message (`"server hello"`, `"client hello"`, `"client finish"`).
        message: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The decrypted certificate chain is not a valid `CertChain` or lacks a part.
    #[error("malformed certificate chain: {0}")]
    MalformedCertChain(String),
    /// A certificate's signature does not verify against its issuer's key (for the intermediate:
    /// the root key, so this is what a chain from an unknown root produces).
    #[error("{0} certificate signature does not verify against its issuer key")]
    CertSignature(CertKind),
    /// A certificate names an issuer serial other than its issuer's serial.
    #[error("{cert} certificate issuer serial is {got}, expected {expected}")]
    CertSerial {
        /// The certificate with the wrong issuer serial.
        cert: CertKind,
        /// The serial of the issuer it must name.
        expected: u32,
        /// The issuer serial it names.
        got: u32,
    },
    /// A certificate's validity window ended before `now`.
    #[error("{cert} certificate expired at {not_after} (now {now})")]
    CertExpired {
        /// The expired certificate.
        cert: CertKind,
        /// End of its validity window, Unix seconds.
        not_after: u64,
        /// The time it was checked against, Unix seconds.
        now: u64,
    },
    /// A certificate's validity window starts after `now`.
    #[error("{cert} certificate not valid before {not_before} (now {now})")]
    CertNotYetValid {
        /// The certificate that is not valid yet.
        cert: CertKind,
        /// Start of its validity window, Unix seconds.
        not_before: u64,
        /// The time it was checked against, Unix seconds.
        now: u64,
    },
    /// The leaf certificate's key is not the static key the server used in the handshake.
    #[error("leaf certificate key does not match the server's static key")]
    CertKeyMismatch,
    /// A Diffie-Hellman result was all zeros: the peer sent a low-order point.
    #[error("peer sent a weak (low-order) public key")]
    WeakKey,
    /// A frame or connection intro could not be parsed.
    #[error("bad frame: {0}")]
    BadFrame(String),
    /// A frame's length exceeds the configured maximum (or what 3 bytes can express).
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLarge {
        /// Announced or requested length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// A transport direction used all 2^32 nonces; the connection must be re-established.
    #[error("nonce counter exhausted")]
    NonceExhausted,
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, NoiseError>;
