//! Offline-sync tracking: `<ib><offline_preview>` announces a backlog, stanzas with
//! an `offline` attribute count towards it, `<ib><offline>` ends it; a timeout
//! (60 s by default) ends it if the server never does.
//!
//! Message processing is gated: from login until the offline sync completes, one message
//! is processed at a time (across all chats, in arrival order); afterwards up to
//! [`PARALLEL_PERMITS`] run at once. Each connection starts with a fresh, narrow gate.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wacore::types::events::{Event, OfflineSyncCompleted, OfflineSyncPreview};

use crate::client::Client;

/// Messages processed at once after the offline sync.
pub(crate) const PARALLEL_PERMITS: usize = 64;

/// The message-processing gate of one connection: 1 permit while the offline backlog is
/// delivered, widened to [`PARALLEL_PERMITS`] once it completes.
struct Gate {
    semaphore: Arc<Semaphore>,
    widened: bool,
}

impl Default for Gate {
    fn default() -> Self {
        // Before any login (e.g. unit tests driving the router directly) nothing is gated.
        Self {
            semaphore: Arc::new(Semaphore::new(PARALLEL_PERMITS)),
            widened: true,
        }
    }
}

/// Offline-sync state of the current connection.
#[derive(Default)]
pub(crate) struct OfflineSync {
    active: AtomicBool,
    expected: AtomicI32,
    processed: AtomicI32,
    epoch: AtomicU64,
    started: Mutex<Option<std::time::Instant>>,
    gate: Mutex<Gate>,
}

impl OfflineSync {
    /// Forgets everything (new connection).
    pub(crate) fn reset(&self) {
        self.active.store(false, Ordering::Release);
        self.expected.store(0, Ordering::Release);
        self.processed.store(0, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Called on login: sequential processing until the sync completes (end marker,
    /// all previewed items, or the timeout, which also covers a server that never sends
    /// the end marker).
    pub(crate) fn arm(&self, client: &Arc<Client>) {
        self.reset();
        self.narrow();
        let epoch = self.epoch.load(Ordering::Acquire);
        let c = Arc::clone(client);
        let timeout = client.config.timings.offline_sync_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let sync = &c.offline_sync;
            if sync.epoch.load(Ordering::Acquire) == epoch && !sync.is_widened() {
                log::warn!(target: "Client/OfflineSync", "no offline-sync end marker after {timeout:?}; processing in parallel");
                sync.widen();
            }
        });
    }

    /// A fresh gate with one permit (a new connection's backlog is processed in order).
    fn narrow(&self) {
        let mut gate = self
            .gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *gate = Gate {
            semaphore: Arc::new(Semaphore::new(1)),
            widened: false,
        };
    }

    /// Lets [`PARALLEL_PERMITS`] messages run at once.
    fn widen(&self) {
        let mut gate = self
            .gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !gate.widened {
            gate.widened = true;
            gate.semaphore
                .add_permits(PARALLEL_PERMITS.saturating_sub(1));
            log::debug!(target: "Client/OfflineSync", "message processing: {PARALLEL_PERMITS} in parallel");
        }
    }

    fn is_widened(&self) -> bool {
        self.gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .widened
    }

    /// Waits for a message-processing permit (hold it while processing one message).
    pub(crate) async fn message_permit(&self) -> Option<OwnedSemaphorePermit> {
        let semaphore = Arc::clone(
            &self
                .gate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .semaphore,
        );
        semaphore.acquire_owned().await.ok()
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
        self.widen();
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
