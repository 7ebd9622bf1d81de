//! An in-memory [`Backend`](super::traits::Backend): for tests, and for users who want nothing
//! on disk. State lives as long as the process (and any handle to it) does.
//!
//! Several devices can share one storage, exactly as several devices share one SQLite file:
//! [`InMemoryBackend::for_device`] returns a handle on another device slot of the same storage.

mod appsync;
mod device;
mod protocol;
mod signal;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use super::error::{Result, StoreError};
use super::traits::HashState;
use super::types::{AppStateSyncKey, DeviceListRecord, LidPnMappingEntry, TcTokenEntry};

/// Everything one device slot holds.
#[derive(Default)]
struct DeviceData {
    /// `None`: no device row. `Some(None)`: row created, nothing saved. `Some(Some(blob))`:
    /// the encoded device record.
    device_row: Option<Option<Vec<u8>>>,
    identities: HashMap<String, Vec<u8>>,
    sessions: HashMap<String, Vec<u8>>,
    prekeys: BTreeMap<u32, (Vec<u8>, bool)>,
    signed_prekeys: BTreeMap<u32, Vec<u8>>,
    sender_keys: HashMap<String, Vec<u8>>,
    sync_keys: HashMap<Vec<u8>, AppStateSyncKey>,
    versions: HashMap<String, HashState>,
    /// `(collection, index_mac)` -> version -> value MAC.
    mutation_macs: HashMap<(String, Vec<u8>), BTreeMap<u64, Vec<u8>>>,
    /// group -> device JID strings.
    skdm_recipients: HashMap<String, BTreeSet<String>>,
    lid_mappings: HashMap<String, LidPnMappingEntry>,
    base_keys: HashMap<(String, String), Vec<u8>>,
    device_lists: HashMap<String, DeviceListRecord>,
    forget_marks: HashMap<String, BTreeSet<String>>,
    tc_tokens: HashMap<String, TcTokenEntry>,
    /// `(chat, message id)` -> (payload, stored-at unix seconds).
    sent_messages: HashMap<(String, String), (Vec<u8>, i64)>,
}

/// A storage backend that keeps everything in process memory.
///
/// Cloning gives another handle on the same storage and device slot.
#[derive(Clone)]
pub struct InMemoryBackend {
    storage: Arc<Mutex<HashMap<i32, DeviceData>>>,
    device_id: i32,
    /// Deliberate bugs, to show the conformance suite catches them.
    #[cfg(test)]
    pub(crate) faults: Faults,
}

/// Deliberate bugs for the conformance suite's own tests.
#[cfg(test)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Faults {
    /// `get_pn_mapping` returns the oldest mapping instead of the most recent.
    pub(crate) oldest_pn_mapping: bool,
    /// `consume_forget_marks` returns the marks but keeps them.
    pub(crate) keep_forget_marks: bool,
}

impl std::fmt::Debug for InMemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryBackend")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Default for InMemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryBackend {
    /// A new, empty storage, with a handle on device slot 1.
    pub fn new() -> Self {
        Self {
            storage: Arc::default(),
            device_id: 1,
            #[cfg(test)]
            faults: Faults::default(),
        }
    }

    /// A handle on device slot `device_id` of the same storage. Slots never see each other's
    /// data.
    pub fn for_device(&self, device_id: i32) -> Self {
        Self {
            storage: Arc::clone(&self.storage),
            device_id,
            #[cfg(test)]
            faults: self.faults,
        }
    }

    /// The device slot this handle works on.
    pub fn device_id(&self) -> i32 {
        self.device_id
    }

    /// Replaces the stored device record with raw bytes, bypassing the encoder. Lets tests
    /// check how a backend user copes with a corrupt record.
    pub fn put_raw_device_record(&self, blob: Vec<u8>) -> Result<()> {
        self.with(|d| d.device_row = Some(Some(blob)))
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<i32, DeviceData>>> {
        self.storage
            .lock()
            .map_err(|_| StoreError::Database("in-memory store lock poisoned".to_string()))
    }

    /// Runs `f` on this handle's device slot under the storage lock.
    fn with<R>(&self, f: impl FnOnce(&mut DeviceData) -> R) -> Result<R> {
        let mut guard = self.lock()?;
        Ok(f(guard.entry(self.device_id).or_default()))
    }
}

/// The current time in unix seconds (0 if the clock is before 1970).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Converts a deletion count to the `u32` the traits return, saturating.
fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use crate::store::conformance;
    use crate::store::traits::DeviceStore;

    #[tokio::test]
    async fn in_memory_backend_passes_conformance() {
        let storages: Mutex<HashMap<u32, InMemoryBackend>> = Mutex::default();
        let result = conformance::run_all(|storage, device_id| {
            let handle = storages
                .lock()
                .unwrap()
                .entry(storage)
                .or_default()
                .for_device(device_id);
            async move { Ok(handle) }
        })
        .await;
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    #[tokio::test]
    async fn conformance_suite_catches_broken_backends() {
        let storages: Mutex<HashMap<u32, InMemoryBackend>> = Mutex::default();
        let err = conformance::run_all(|storage, device_id| {
            let mut handle = storages
                .lock()
                .unwrap()
                .entry(storage)
                .or_default()
                .for_device(device_id);
            handle.faults = Faults {
                oldest_pn_mapping: true,
                keep_forget_marks: true,
            };
            async move { Ok(handle) }
        })
        .await
        .expect_err("a broken backend passed the suite");
        let failed: Vec<&str> = err.failures.iter().map(|f| f.check).collect();
        assert!(failed.contains(&"protocol::lid_pn_mappings"), "{err}");
        assert!(failed.contains(&"protocol::forget_marks"), "{err}");
        assert!(err.checks_run >= 20);
        assert!(err.to_string().contains("protocol::forget_marks"));
    }

    #[tokio::test]
    async fn corrupt_device_record_is_a_serialization_error() {
        let store = InMemoryBackend::new();
        store.put_raw_device_record(b"garbage".to_vec()).unwrap();
        assert!(matches!(
            store.load().await,
            Err(StoreError::Serialization(_))
        ));
        // The other slot is unaffected.
        assert!(store.for_device(2).load().await.unwrap().is_none());
    }
}
