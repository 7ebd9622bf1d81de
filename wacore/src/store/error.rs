//! The error type shared by every storage backend.

/// Result alias for storage operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything a storage backend can report.
///
/// Backends map their own errors onto these variants so the client can react without knowing
/// which database sits underneath.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The storage could not be opened or reached (bad path, not a database, I/O failure, pool
    /// closed).
    #[error("storage connection failed: {0}")]
    Connection(String),
    /// A query or transaction failed.
    #[error("storage operation failed: {0}")]
    Database(String),
    /// The schema could not be created or upgraded.
    #[error("storage migration failed: {0}")]
    Migration(String),
    /// A stored record could not be encoded or decoded (corrupt or truncated blob, bad JID,
    /// checksum mismatch). Only the record concerned is affected.
    #[error("stored record is invalid: {0}")]
    Serialization(String),
    /// A record or schema was written by a newer version of this library. It is refused, not
    /// misread, and left untouched.
    #[error("{kind} version {found} is newer than the newest this build supports ({supported})")]
    UnsupportedVersion {
        /// What carries the version ("schema", "device record", ...).
        kind: &'static str,
        /// The version found in storage.
        found: u64,
        /// The newest version this build understands.
        supported: u64,
    },
    /// The requested resource does not exist.
    #[error("not found")]
    NotFound,
    /// The caller passed a value the store cannot hold (for example a name with characters a
    /// snapshot file name may not contain).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}
