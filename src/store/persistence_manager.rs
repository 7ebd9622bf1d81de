//! [`PersistenceManager`]: the single owner of the in-memory [`Device`] state. Every change
//! goes through it, marks the state dirty and wakes the background saver.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, Notify, RwLock};
use tokio::task::JoinHandle;
use wacore::store::error::Result;
use wacore::store::{Backend, Device, DeviceCommand, DeviceStore, apply_command_to_device};

use super::cached_backend::CachedBackend;
use super::signal_cache::SignalStoreCache;

/// Owns the device state and persists it through a [`Backend`].
///
/// Reads take a snapshot ([`PersistenceManager::get_device_snapshot`]); writes go through
/// [`PersistenceManager::process_command`] or [`PersistenceManager::modify_device`], which mark
/// the state dirty. The background saver ([`PersistenceManager::run_background_saver`]) or an
/// explicit [`PersistenceManager::flush`] writes dirty state; call
/// [`PersistenceManager::shutdown`] (or `flush`) before exiting.
pub struct PersistenceManager {
    device: Arc<RwLock<Device>>,
    backend: Arc<CachedBackend>,
    dirty: Arc<AtomicBool>,
    save_notify: Arc<Notify>,
    /// Serializes saves so an older snapshot never lands after a newer one.
    save_lock: Mutex<()>,
    stopping: AtomicBool,
}

impl std::fmt::Debug for PersistenceManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistenceManager")
            .field("dirty", &self.dirty.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl PersistenceManager {
    /// Loads the device from `backend`, or creates, saves and returns a fresh one (new keys)
    /// if none was ever saved.
    ///
    /// A stored device that cannot be read is an error ([`StoreError::Serialization`] or
    /// [`StoreError::UnsupportedVersion`]): it is never replaced by a fresh device, which
    /// would throw the pairing away.
    ///
    /// [`StoreError::Serialization`]: wacore::store::StoreError::Serialization
    /// [`StoreError::UnsupportedVersion`]: wacore::store::StoreError::UnsupportedVersion
    pub async fn new(backend: Arc<dyn Backend>) -> Result<Self> {
        log::debug!(target: "whatsapp_rust::store", "PersistenceManager: ensuring device row exists");
        if !backend.exists().await? {
            let id = backend.create().await?;
            log::debug!(target: "whatsapp_rust::store", "created device row with id={id}");
        }
        let device = match backend.load().await? {
            Some(device) => {
                log::debug!(
                    target: "whatsapp_rust::store",
                    "loaded existing device (paired: {})",
                    device.is_paired()
                );
                device
            }
            None => {
                let device = Device::new();
                backend.save(&device).await?;
                log::info!(target: "whatsapp_rust::store", "created and saved a new device identity");
                device
            }
        };
        Ok(Self {
            device: Arc::new(RwLock::new(device)),
            backend: Arc::new(CachedBackend::new(backend)),
            dirty: Arc::new(AtomicBool::new(false)),
            save_notify: Arc::new(Notify::new()),
            save_lock: Mutex::new(()),
            stopping: AtomicBool::new(false),
        })
    }

    /// A copy of the current device state.
    pub async fn get_device_snapshot(&self) -> Device {
        self.device.read().await.clone()
    }

    /// Runs `modifier` on the device under the write lock, marks the state dirty and wakes the
    /// background saver. Keep the closure short: it blocks every other access.
    pub async fn modify_device<F, R>(&self, modifier: F) -> R
    where
        F: FnOnce(&mut Device) -> R,
    {
        let mut device = self.device.write().await;
        let result = modifier(&mut device);
        self.dirty.store(true, Ordering::Release);
        drop(device);
        self.save_notify.notify_one();
        result
    }

    /// Applies one [`DeviceCommand`] (the preferred way to change the device).
    pub async fn process_command(&self, command: DeviceCommand) {
        log::debug!(target: "whatsapp_rust::store", "applying device command {}", command.name());
        self.modify_device(|device| apply_command_to_device(device, command))
            .await;
    }

    /// The storage backend, as the client sees it: Signal sessions, identities and sender
    /// keys go through the [`SignalStoreCache`] (written on
    /// [`PersistenceManager::flush_signal`]), everything else straight to the backend.
    pub fn backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    /// The Signal state cache in front of the backend.
    pub fn signal_cache(&self) -> &SignalStoreCache {
        self.backend.signal_cache()
    }

    /// Persists every unflushed Signal change in one batch (see [`SignalStoreCache::flush`]).
    pub async fn flush_signal(&self) -> Result<()> {
        self.backend.flush_signal().await
    }

    /// Whether there are changes not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// Saves the device now if it has unsaved changes. On failure the state stays dirty, so
    /// a later save retries.
    pub async fn flush(&self) -> Result<()> {
        let _serialized = self.save_lock.lock().await;
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        // Until the save is known to have succeeded the state counts as unsaved, also when
        // this future is dropped half-way (a cancelled caller must not lose the changes).
        let mut unsaved = StillDirty(Some(&self.dirty));
        let snapshot = self.device.read().await.clone();
        let result = self.backend.save(&snapshot).await;
        if result.is_ok() {
            unsaved.0 = None;
            log::debug!(target: "whatsapp_rust::store", "device state saved");
        }
        result
    }

    /// Starts the background saver: it saves dirty state whenever a change is made and at
    /// least every `interval`, until [`PersistenceManager::shutdown`] is called or the manager
    /// is dropped. Save errors are logged and retried on the next wake-up.
    pub fn run_background_saver(self: Arc<Self>, interval: Duration) -> JoinHandle<()> {
        let weak = Arc::downgrade(&self);
        let notify = Arc::clone(&self.save_notify);
        drop(self);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = notify.notified() => {}
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(manager) = weak.upgrade() else {
                    break;
                };
                if let Err(e) = manager.flush().await {
                    log::error!(target: "whatsapp_rust::store", "error saving device state: {e}");
                }
                // A backstop: the send and receive paths flush the Signal cache themselves.
                if let Err(e) = manager.flush_signal().await {
                    log::error!(target: "whatsapp_rust::store", "error saving Signal state: {e}");
                }
                if manager.stopping.load(Ordering::Acquire) {
                    break;
                }
            }
            log::debug!(target: "whatsapp_rust::store", "background saver stopped");
        })
    }

    /// Stops the background saver and saves any unsaved changes.
    pub async fn shutdown(&self) -> Result<()> {
        self.stopping.store(true, Ordering::Release);
        self.save_notify.notify_one();
        let signal = self.flush_signal().await;
        self.flush().await?;
        signal
    }

    /// Saves pending changes, then asks the backend for a labelled snapshot of the storage
    /// (for debugging a failure; `extra_content` is stored beside it).
    pub async fn create_snapshot(&self, name: &str, extra_content: Option<&[u8]>) -> Result<()> {
        self.flush_signal().await?;
        self.flush().await?;
        self.backend.snapshot_db(name, extra_content).await
    }
}

impl Drop for PersistenceManager {
    fn drop(&mut self) {
        if self.dirty.load(Ordering::Acquire) {
            log::warn!(
                target: "whatsapp_rust::store",
                "PersistenceManager dropped with unsaved device changes (call flush or shutdown)"
            );
        }
    }
}

/// Marks the device state dirty again when dropped while armed: a save that failed or
/// never finished must be retried.
struct StillDirty<'a>(Option<&'a AtomicBool>);

impl Drop for StillDirty<'_> {
    fn drop(&mut self) {
        if let Some(flag) = self.0 {
            flag.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore::store::{DeviceStore, InMemoryBackend, StoreError};

    #[tokio::test]
    async fn damaged_device_record_stops_startup_and_is_kept() {
        let store = InMemoryBackend::new();
        store
            .put_raw_device_record(b"WADV\x01\x00damaged".to_vec())
            .unwrap();
        let err = PersistenceManager::new(Arc::new(store.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Serialization(_)), "{err:?}");
        // Not replaced by a fresh identity.
        assert!(matches!(
            store.load().await,
            Err(StoreError::Serialization(_))
        ));
    }

    #[tokio::test]
    async fn clean_flush_does_not_write() {
        let store = InMemoryBackend::new();
        let pm = PersistenceManager::new(Arc::new(store.clone()))
            .await
            .unwrap();
        pm.process_command(DeviceCommand::SetPushName("x".into()))
            .await;
        pm.flush().await.unwrap();
        assert!(!pm.is_dirty());
        assert_eq!(store.load().await.unwrap().unwrap().push_name, "x");
        // flush without changes does not write.
        store.put_raw_device_record(b"sentinel".to_vec()).unwrap();
        pm.flush().await.unwrap();
        assert!(
            store.load().await.is_err(),
            "clean flush rewrote the record"
        );
    }

    #[tokio::test]
    async fn concurrent_modifications_are_all_saved() {
        let store = InMemoryBackend::new();
        let pm = Arc::new(
            PersistenceManager::new(Arc::new(store.clone()))
                .await
                .unwrap(),
        );
        let mut tasks = Vec::new();
        for i in 0..50u32 {
            let pm = pm.clone();
            tasks.push(tokio::spawn(async move {
                pm.process_command(DeviceCommand::SetNextPreKeyId(i * 10))
                    .await;
                pm.flush().await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        pm.flush().await.unwrap();
        assert_eq!(store.load().await.unwrap().unwrap().next_pre_key_id, 490);
    }
}
