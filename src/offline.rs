//! Offline-sync tracking: `<ib><offline_preview>` announces a backlog, stanzas with
//! an `offline` attribute count towards it, `<ib><offline>` ends it; a timeout
//! (60 s by default) ends it if the server never does.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use wacore::types::events::{Event, OfflineSyncCompleted, OfflineSyncPreview};

use crate::client::Client;

/// Offline-sync state of the current connection.
#[derive(Default)]
pub(crate) struct OfflineSync {
    active: AtomicBool,
    expected: AtomicI32,
    processed: AtomicI32,
    epoch: AtomicU64,
    started: Mutex<Option<std::time::Instant>>,
}

impl OfflineSync {
    /// Forgets everything (new connection).
    pub(crate) fn reset(&self) {
        self.active.store(false, Ordering::Release);
        self.expected.store(0, Ordering::Release);
        self.processed.store(0, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Called on login: nothing to do until a preview arrives.
    pub(crate) fn arm(&self, _client: &Arc<Client>) {
        self.reset();
    }

    /// Whether an offline backlog is being delivered.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub(crate) fn preview(&self, client: &Arc<Client>, preview: OfflineSyncPreview) {
        client.dispatch_event(Event::OfflineSyncPreview(preview));
        if preview.total <= 0 {
            return;
        }
        self.expected.store(preview.total, Ordering::Release);
        self.processed.store(0, Ordering::Release);
        self.active.store(true, Ordering::Release);
        if let Ok(mut s) = self.started.lock() {
            *s = Some(std::time::Instant::now());
        }
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        log::info!(target: "Client/OfflineSync", "offline sync started: {} items", preview.total);
        let c = Arc::clone(client);
        let timeout = client.config.timings.offline_sync_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let sync = &c.offline_sync;
            if sync.epoch.load(Ordering::Acquire) == epoch && sync.is_active() {
                log::warn!(
                    target: "Client/OfflineSync",
                    "offline sync timed out after {timeout:?}: {}/{} items",
                    sync.processed.load(Ordering::Acquire),
                    sync.expected.load(Ordering::Acquire)
                );
                sync.complete(&c, None);
            }
        });
    }

    /// Counts one stanza delivered from the offline queue.
    pub(crate) fn item_processed(&self, client: &Arc<Client>) {
        if !self.is_active() {
            return;
        }
        let n = self.processed.fetch_add(1, Ordering::AcqRel) + 1;
        if n >= self.expected.load(Ordering::Acquire) {
            self.complete(client, None);
        }
    }

    /// Ends the sync (end marker, all items, or timeout) and emits the event once.
    pub(crate) fn complete(&self, client: &Arc<Client>, count: Option<i32>) {
        let was_active = self.active.swap(false, Ordering::AcqRel);
        let processed = self.processed.load(Ordering::Acquire);
        if !was_active && count.is_none() {
            return;
        }
        let count = count.unwrap_or(processed);
        let elapsed = self
            .started
            .lock()
            .ok()
            .and_then(|s| s.map(|t| t.elapsed()));
        log::info!(target: "Client/OfflineSync", "offline sync completed: {count} items ({elapsed:?})");
        self.epoch.fetch_add(1, Ordering::AcqRel);
        client.dispatch_event(Event::OfflineSyncCompleted(OfflineSyncCompleted { count }));
    }
}
