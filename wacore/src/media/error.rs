//! Errors of media encryption and decryption.

/// Everything that can go wrong encrypting or decrypting media. A decryption that
/// returns any of these has released no plaintext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The media key is not 32 bytes long.
    #[error("media key must be 32 bytes, got {len}")]
    InvalidMediaKey {
        /// The length that was supplied.
        len: usize,
    },
    /// An expected SHA-256 (from the message) is not 32 bytes long.
    #[error("{field} must be 32 bytes, got {len}")]
    InvalidHashLength {
        /// Which hash (`file_sha256` or `file_enc_sha256`).
        field: &'static str,
        /// The length that was supplied.
        len: usize,
    },
    /// The encrypted upload cannot be AES-CBC ciphertext followed by a 10-byte MAC:
    /// it is shorter than one block plus the MAC, or not block-aligned.
    #[error("encrypted media has an impossible length of {len} bytes")]
    InvalidCiphertextLength {
        /// Length of the whole encrypted upload, MAC included.
        len: u64,
    },
    /// The 10-byte HMAC-SHA256 at the end of the upload does not authenticate it.
    #[error("media MAC mismatch")]
    MacMismatch,
    /// The SHA-256 of the encrypted upload differs from `file_enc_sha256`.
    #[error("file_enc_sha256 mismatch")]
    EncHashMismatch,
    /// The SHA-256 of the decrypted media differs from `file_sha256`.
    #[error("file_sha256 mismatch")]
    FileHashMismatch,
    /// The decrypted length differs from the `file_length` the message announced.
    #[error("file length mismatch: expected {expected}, got {actual}")]
    LengthMismatch {
        /// The announced length.
        expected: u64,
        /// The decrypted length.
        actual: u64,
    },
    /// The PKCS#7 padding of the last block is malformed (only possible with a valid
    /// MAC if the sender encrypted garbage).
    #[error("invalid PKCS#7 padding")]
    InvalidPadding,
    /// The source ended before the length verified in the first pass.
    #[error("media source shorter than verified: {missing} bytes missing")]
    SourceTruncated {
        /// How many ciphertext bytes were still expected.
        missing: u64,
    },
    /// The second streaming pass read different bytes from the ones the first pass
    /// verified. Plaintext has been written to the sink: discard it.
    #[error("media source changed between verification and decryption")]
    SourceChanged,
    /// Reading the source or writing the sink failed.
    #[error("media I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Result of media crypto operations.
pub type Result<T> = std::result::Result<T, MediaError>;
