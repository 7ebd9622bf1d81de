//! History sync: the phone's chat history, delivered in chunks announced by
//! `HISTORY_SYNC_NOTIFICATION` protocol messages.
//!
//! For each notification the client first sends the `hist_sync` receipt (so the phone stops
//! retrying), then, unless skipping is on ([`Client::set_skip_history_sync`]), processes
//! the payload in bounded memory:
//!
//! 1. the inline payload is used as is, or the external blob is streamed to an anonymous
//!    temporary file, verified and decrypted ([`Client::download_to_temp_file`]);
//! 2. on a blocking thread, the zlib stream is inflated and walked field by field
//!    ([`wacore::history_sync::HistorySyncReader`]): each conversation's bytes go through a
//!    bounded channel (4 in flight) to the async side;
//! 3. each conversation is dispatched as [`Event::JoinedGroup`] with a
//!    [`LazyConversation`] (decoded only if a handler looks at it);
//! 4. the rest (push names, PN/LID mappings, sync type, chunk order, progress...) is
//!    dispatched last as [`Event::HistorySync`], with `conversations` empty; PN/LID
//!    mappings are stored.
//!
//! Chunks are processed one at a time. Peak memory is one conversation plus the small
//! remainder plus the channel, whatever the payload size. With no event handler registered
//! conversations are skipped without being buffered.

use std::io::{BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use wacore::history_sync::{
    HistorySyncError, HistorySyncItem, HistorySyncLimits, HistorySyncReader, inflate, lid_mappings,
};
use wacore::types::events::{Event, LazyConversation, SharedData};
use wacore::types::message::MessageInfo;
use wacore_binary::builder::NodeBuilder;
use waproto::whatsapp as wa;

use crate::client::Client;
use crate::mediaconn::MediaTransferError;

/// Conversations in flight between the parser thread and the dispatcher.
const CHANNEL_CAPACITY: usize = 4;

/// Why a history chunk could not be processed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistorySyncFailure {
    /// Downloading or decrypting the blob failed.
    #[error("history blob download failed: {0}")]
    Download(#[from] MediaTransferError),
    /// The payload does not inflate or parse.
    #[error("history payload unusable: {0}")]
    Payload(#[from] HistorySyncError),
    /// The parser thread failed.
    #[error("history worker failed: {0}")]
    Worker(String),
}

/// Counters of processed history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistorySyncStats {
    /// Chunks fully processed.
    pub chunks: u64,
    /// Conversations dispatched (or skipped without handlers).
    pub conversations: u64,
    /// Chunks that failed.
    pub failures: u64,
}

/// Per-client history-sync state.
#[derive(Default)]
pub(crate) struct HistorySyncState {
    skip: AtomicBool,
    /// One chunk at a time.
    queue: tokio::sync::Mutex<()>,
    chunks: AtomicU64,
    conversations: AtomicU64,
    failures: AtomicU64,
    in_flight: AtomicU64,
}

impl Client {
    /// Skips history sync: notifications are still acknowledged with the `hist_sync`
    /// receipt (so the phone stops retrying) but nothing is downloaded or processed.
    pub fn set_skip_history_sync(&self, enabled: bool) {
        self.history.skip.store(enabled, Ordering::Release);
    }

    /// Whether history sync is skipped.
    pub fn skip_history_sync_enabled(&self) -> bool {
        self.history.skip.load(Ordering::Acquire)
    }

    /// What history sync has processed so far.
    pub fn history_sync_stats(&self) -> HistorySyncStats {
        HistorySyncStats {
            chunks: self.history.chunks.load(Ordering::Relaxed),
            conversations: self.history.conversations.load(Ordering::Relaxed),
            failures: self.history.failures.load(Ordering::Relaxed),
        }
    }

    /// Whether history chunks are waiting or being processed.
    pub fn history_sync_busy(&self) -> bool {
        self.history.in_flight.load(Ordering::Acquire) > 0
    }

    /// `<receipt id type="hist_sync" to="our-jid"/>`.
    async fn send_history_receipt(&self, id: &str) {
        let Some(own) = self.get_pn().await else {
            return;
        };
        let receipt = NodeBuilder::new("receipt")
            .attr("id", id)
            .attr("type", "hist_sync")
            .jid_attr("to", own.to_non_ad())
            .build();
        if let Err(e) = self.send_node(receipt).await {
            log::warn!(target: "Client/HistorySync", "hist_sync receipt for {id} failed: {e}");
        }
    }

    /// Processes one history chunk (see the module docs).
    pub async fn process_history_sync(
        &self,
        mut notification: wa::message::HistorySyncNotification,
    ) -> Result<HistorySyncStats, HistorySyncFailure> {
        let source: Box<dyn Read + Send> =
            match notification.initial_hist_bootstrap_inline_payload.take() {
                Some(inline) => Box::new(Cursor::new(inline)),
                None => Box::new(BufReader::with_capacity(
                    64 * 1024,
                    self.download_to_temp_file(&notification).await?,
                )),
            };
        let want_conversations = self.event_bus.has_handlers();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(CHANNEL_CAPACITY);
        let parser = tokio::task::spawn_blocking(move || {
            let mut reader = HistorySyncReader::new(inflate(source), HistorySyncLimits::default());
            if !want_conversations {
                reader = reader.skip_conversations();
            }
            while let Some(HistorySyncItem::Conversation(bytes)) = reader.next_conversation()? {
                if tx.blocking_send(Bytes::from(bytes)).is_err() {
                    break;
                }
            }
            let seen = reader.conversations_seen();
            let rest = reader.finish()?;
            Ok::<_, HistorySyncError>((rest, seen))
        });
        while let Some(bytes) = rx.recv().await {
            self.dispatch_event(Event::JoinedGroup(LazyConversation::from_bytes(bytes)));
        }
        let (rest, seen) = parser
            .await
            .map_err(|e| HistorySyncFailure::Worker(e.to_string()))??;
        for (pn, lid) in lid_mappings(&rest) {
            self.learn_lid(&pn, &lid, "history_sync").await;
        }
        log::info!(
            target: "Client/HistorySync",
            "history chunk {:?} ({} conversations, {} push names, progress {:?})",
            rest.chunk_order, seen, rest.pushnames.len(), rest.progress
        );
        self.dispatch_event(Event::HistorySync(SharedData::new(rest)));
        Ok(HistorySyncStats {
            chunks: 1,
            conversations: seen as u64,
            failures: 0,
        })
    }
}

/// Entry point from the protocol-message hook: receipt first, then (unless skipping) the
/// chunk is processed on its own task, after any chunk before it.
pub(crate) fn handle_notification(
    client: &Arc<Client>,
    info: &MessageInfo,
    notification: wa::message::HistorySyncNotification,
) {
    let client = Arc::clone(client);
    let id = info.id.clone();
    client.history.in_flight.fetch_add(1, Ordering::AcqRel);
    tokio::spawn(async move {
        client.send_history_receipt(&id).await;
        if client.skip_history_sync_enabled() {
            log::debug!(target: "Client/HistorySync", "history chunk {id} skipped");
        } else {
            let _turn = client.history.queue.lock().await;
            match client.process_history_sync(notification).await {
                Ok(stats) => {
                    client.history.chunks.fetch_add(1, Ordering::Relaxed);
                    client
                        .history
                        .conversations
                        .fetch_add(stats.conversations, Ordering::Relaxed);
                }
                Err(e) => {
                    client.history.failures.fetch_add(1, Ordering::Relaxed);
                    log::warn!(target: "Client/HistorySync", "history chunk {id} failed: {e}");
                }
            }
        }
        client.history.in_flight.fetch_sub(1, Ordering::AcqRel);
    });
}
