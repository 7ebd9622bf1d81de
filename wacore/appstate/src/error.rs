//! The crate's single error type. Every decode failure is a distinct variant and none of
//! them comes with decoded data: a patch either verifies completely or yields nothing.

/// Hex rendering of key ids in messages (key ids are public identifiers, not secrets).
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

/// Errors of app-state decoding and encoding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppStateError {
    /// No app-state sync key with this id is known; request it from the primary device.
    #[error("app state sync key {} not found", Hex(key_id))]
    KeyNotFound {
        /// The key id that was looked up.
        key_id: Vec<u8>,
    },
    /// A mutation's value MAC does not authenticate its operation, key id and ciphertext.
    #[error("value MAC mismatch in mutation #{mutation} of {collection} v{version}")]
    ValueMacMismatch {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot.
        version: u64,
        /// Position of the mutation (or snapshot record) in its list.
        mutation: usize,
    },
    /// A mutation's index MAC does not match the HMAC of its decrypted index.
    #[error("index MAC mismatch in mutation #{mutation} of {collection} v{version}")]
    IndexMacMismatch {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot.
        version: u64,
        /// Position of the mutation in its list.
        mutation: usize,
    },
    /// The patch MAC (over snapshot MAC, value MACs, version and name) does not match.
    #[error("patch MAC mismatch in {collection} v{version}")]
    PatchMacMismatch {
        /// Collection name.
        collection: String,
        /// Version of the patch.
        version: u64,
    },
    /// A snapshot's MAC does not match the LTHash of its records, its version and name.
    #[error("snapshot MAC mismatch in {collection} v{version}")]
    SnapshotMacMismatch {
        /// Collection name.
        collection: String,
        /// Version of the snapshot.
        version: u64,
    },
    /// An authentic patch's snapshot MAC does not match the LTHash our state reaches by
    /// applying it: our state and the server's have diverged (resync from a snapshot).
    #[error("LTHash mismatch after applying {collection} v{version}")]
    LtHashMismatch {
        /// Collection name.
        collection: String,
        /// Version of the patch.
        version: u64,
    },
    /// The patch version does not come after the version of the state it is applied to.
    #[error("{collection} v{version} does not follow the local state at v{state_version}")]
    StaleVersion {
        /// Collection name.
        collection: String,
        /// Version of the patch.
        version: u64,
        /// Version of the local state.
        state_version: u64,
    },
    /// The patch's mutations live in an external blob that the caller has not downloaded
    /// into `mutations` yet.
    #[error("{collection} v{version} has unresolved external mutations")]
    ExternalMutationsNotResolved {
        /// Collection name.
        collection: String,
        /// Version of the patch.
        version: u64,
    },
    /// A required field is missing or has an impossible size.
    #[error("malformed {collection} v{version}: {reason}")]
    Malformed {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot (0 if it carries none).
        version: u64,
        /// What is wrong.
        reason: String,
    },
    /// An authenticated mutation value does not decrypt (bad padding).
    #[error("mutation #{mutation} of {collection} v{version} does not decrypt")]
    Decrypt {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot.
        version: u64,
        /// Position of the mutation in its list.
        mutation: usize,
    },
    /// A decrypted mutation is not a valid `SyncActionData`.
    #[error("mutation #{mutation} of {collection} v{version}: bad SyncActionData: {source}")]
    Protobuf {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot.
        version: u64,
        /// Position of the mutation in its list.
        mutation: usize,
        /// The protobuf error.
        #[source]
        source: prost::DecodeError,
    },
    /// A decrypted index is not a JSON array of strings.
    #[error("mutation #{mutation} of {collection} v{version}: index is not a JSON string array")]
    InvalidIndex {
        /// Collection name.
        collection: String,
        /// Version of the patch or snapshot.
        version: u64,
        /// Position of the mutation in its list.
        mutation: usize,
    },
    /// A mutation to encode cannot be encoded (e.g. a REMOVE of an index never set).
    #[error("cannot encode mutation #{mutation}: {reason}")]
    Encode {
        /// Position of the mutation in the input.
        mutation: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Result of app-state operations.
pub type Result<T> = std::result::Result<T, AppStateError>;
