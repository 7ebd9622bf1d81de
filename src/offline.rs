//! Offline-sync tracking: `<ib><offline_preview>` announces a backlog, stanzas with
//! an `offline` attribute count towards it, `<ib><offline>` ends it; a timeout
//! (60 s by default) ends it if the server never does.
//!
//! Message processing is gated (see `offline_gate`): from login until the offline backlog
//! is processed, one message at a time across all chats in arrival order; afterwards up
//! to 64 at once. Each connection starts with a fresh, narrow gate.

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
    /// Bumped by every `reset` (new connection or login): stale timers compare it.
    login: AtomicU64,
    /// The sync of this login completed.
    done: AtomicBool,
    started: Mutex<Option<std::time::Instant>>,
    gate: crate::offline_gate::MessageGate,
}

impl OfflineSync {
    /// Forgets everything (new connection).
    pub(crate) fn reset(&self) {
        self.active.store(false, Ordering::Release);
        self.expected.store(0, Ordering::Release);
        self.processed.store(0, Ordering::Release);
        self.done.store(false, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.login.fetch_add(1, Ordering::AcqRel);
    }

    /// Called on login: sequential processing until the sync completes (end marker,
    /// all previewed items, or the timeout, which also covers a server that never sends
    /// the end marker).
    pub(crate) fn arm(&self, client: &Arc<Client>) {
        self.reset();
        let login = self.login.load(Ordering::Acquire);
        let (generation, mut queue) = self.gate.narrow();
        let weak = Arc::downgrade(client);
        tokio::spawn(async move {
            while let Some(node) = queue.recv().await {
                let Some(c) = weak.upgrade() else { break };
                crate::message::process_message(&c, node).await;
                c.offline_sync.gate.processed_one(generation);
            }
        });
        let c = Arc::downgrade(client);
        let timeout = client.config.timings.offline_sync_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let Some(c) = c.upgrade() else { return };
            let sync = &c.offline_sync;
            if sync.login.load(Ordering::Acquire) != login {
                return;
            }
            if sync.gate.force_widen(generation) {
                log::warn!(target: "Client/OfflineSync", "offline backlog not processed after {timeout:?}; processing in parallel");
            }
            if !sync.done.load(Ordering::Acquire) {
                let processed = sync.processed.load(Ordering::Acquire);
                log::warn!(target: "Client/OfflineSync", "no offline end marker {timeout:?} after login; treating the offline sync as complete");
                sync.complete(&c, Some(processed));
            }
        });
    }

    /// While the offline backlog is processed, takes the message into the sequential
    /// queue (`None`); otherwise hands it back for its chat queue.
    pub(crate) fn try_sequential(
        &self,
        node: wacore_binary::node::Node,
    ) -> Option<wacore_binary::node::Node> {
        self.gate.try_sequential(node)
    }

    /// Whether messages are processed one at a time (offline backlog).
    #[cfg(test)]
    pub(crate) fn is_sequential(&self) -> bool {
        self.gate.is_sequential()
    }

    /// Waits for a message-processing permit (hold it while processing one message).
    pub(crate) async fn message_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.gate.permit().await
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
        self.gate.request_widen();
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
        self.done.store(true, Ordering::Release);
        client.update_state(|s| s.offline_synced = true);
        client.dispatch_event(Event::OfflineSyncCompleted(OfflineSyncCompleted { count }));
    }
}
