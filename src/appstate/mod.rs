//! App-state sync on the client: fetching and applying collections (snapshots, patches,
//! external blobs), the phone's key shares and our key requests, recovery when a MAC or
//! LTHash check fails, events, and sending our own patches.
//!
//! The crypto is `wacore_appstate`; the IQs and event mapping are `wacore::iq::appstate`
//! and `wacore::appstate_sync`. Stored state (version, LTHash, index-to-value-MAC map and
//! MAC rows) lives in the [`AppSyncStore`](crate::store::AppSyncStore) and is only written
//! after a whole batch verified: a bad patch never changes it.

mod fetch;
mod hooks;
mod keys;
mod peer;
mod send;

use std::collections::HashMap;
use std::time::Instant;

pub use wacore_appstate::{Collection, MessageRef, SyncAction};

pub(crate) use hooks::{handle_server_sync, install};

use crate::error::IqError;
use crate::mediaconn::MediaTransferError;

/// Why an app-state operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppStateSyncError {
    /// The IQ failed.
    #[error("app-state IQ failed: {0}")]
    Iq(#[from] IqError),
    /// The store failed.
    #[error("app-state store failed: {0}")]
    Store(#[from] wacore::store::StoreError),
    /// Downloading a snapshot or external mutations failed.
    #[error("downloading an app-state blob failed: {0}")]
    Download(#[from] MediaTransferError),
    /// A downloaded blob does not decode.
    #[error("app-state blob unusable: {0}")]
    External(#[from] wacore::appstate_sync::ExternalBlobError),
    /// A patch or snapshot uses a key we do not have; it was requested from our other
    /// devices and the collection is retried when a key share arrives.
    #[error("{collection}: app-state key {key_id} missing (requested from the phone)")]
    MissingKey {
        /// Collection.
        collection: String,
        /// The key id, hex.
        key_id: String,
    },
    /// A MAC or LTHash check failed, also after a full resync from a snapshot.
    #[error("{collection}: verification failed: {source}")]
    Verification {
        /// Collection.
        collection: String,
        /// What failed.
        #[source]
        source: wacore_appstate::AppStateError,
    },
    /// The server refused the collection.
    #[error("{collection}: server error {code} {text}")]
    Server {
        /// Collection.
        collection: String,
        /// Code.
        code: u16,
        /// Text.
        text: String,
    },
    /// The server's answer for a collection does not decode.
    #[error("{collection}: malformed answer: {reason}")]
    Malformed {
        /// Collection.
        collection: String,
        /// Why.
        reason: String,
    },
    /// No app-state sync key yet (the phone shares one after pairing).
    #[error("no app-state sync key yet")]
    NoSyncKey,
    /// Our patch could not be encoded.
    #[error("encoding the patch failed: {0}")]
    Encode(#[source] wacore_appstate::AppStateError),
    /// The server kept refusing our patch as stale.
    #[error("{collection}: patch conflicts with newer server state")]
    Conflict {
        /// Collection.
        collection: String,
    },
    /// A caller argument is unusable.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The operation needs a logged-in session.
    #[error("not logged in")]
    NotLoggedIn,
}

/// Re-request a missing key at most this often.
const KEY_REQUEST_INTERVAL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Per-client app-state bookkeeping.
#[derive(Default)]
pub(crate) struct AppStateState {
    /// Serialises every fetch/apply/send (as whatsmeow's `appStateSyncLock`).
    pub(crate) lock: tokio::sync::Mutex<()>,
    /// When each missing key id was last requested.
    pub(crate) key_requests: std::sync::Mutex<HashMap<Vec<u8>, Instant>>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
