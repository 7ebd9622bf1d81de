//! Offline and history sync events.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use prost::Message as _;
use waproto::whatsapp as wa;

/// The server will deliver this much offline data (`<ib><offline_preview>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfflineSyncPreview {
    /// Total items.
    pub total: i32,
    /// App-state changes.
    pub app_data_changes: i32,
    /// Messages.
    pub messages: i32,
    /// Notifications.
    pub notifications: i32,
    /// Receipts.
    pub receipts: i32,
}

/// Offline delivery finished (end marker, all items, or the 60 s timeout).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfflineSyncCompleted {
    /// Items processed.
    pub count: i32,
}

/// Cheaply clonable shared data.
#[derive(Debug, Default)]
pub struct SharedData<T>(pub Arc<T>);

impl<T> SharedData<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }
}

impl<T> Clone for SharedData<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> std::ops::Deref for SharedData<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A history-sync blob from the phone.
pub type HistorySync = SharedData<wa::HistorySync>;

/// A conversation whose protobuf is parsed only when accessed.
#[derive(Debug, Clone)]
pub struct LazyConversation {
    raw_bytes: Bytes,
    parsed: OnceLock<Option<wa::Conversation>>,
}

impl LazyConversation {
    /// From owned bytes.
    pub fn new(raw_bytes: Vec<u8>) -> Self {
        Self::from_bytes(Bytes::from(raw_bytes))
    }

    /// From shared bytes (zero copy).
    pub fn from_bytes(raw_bytes: Bytes) -> Self {
        Self {
            raw_bytes,
            parsed: OnceLock::new(),
        }
    }

    /// The raw protobuf.
    pub fn raw_bytes(&self) -> &Bytes {
        &self.raw_bytes
    }

    /// Parses on first access; `None` when the bytes do not decode or the id is empty.
    /// Embedded messages are dropped on parse to save memory.
    pub fn get(&self) -> Option<&wa::Conversation> {
        self.parsed
            .get_or_init(|| {
                let mut conv = wa::Conversation::decode(self.raw_bytes.as_ref()).ok()?;
                conv.messages.clear();
                conv.messages.shrink_to_fit();
                (!conv.id.is_empty()).then_some(conv)
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_conversation_parses_once_and_drops_messages() {
        let conv = wa::Conversation {
            id: "123@g.us".into(),
            messages: vec![wa::HistorySyncMsg::default()],
            ..Default::default()
        };
        let lazy = LazyConversation::new(conv.encode_to_vec());
        let got = lazy.get().unwrap();
        assert_eq!(got.id, "123@g.us");
        assert!(got.messages.is_empty());
        assert!(LazyConversation::new(vec![0xff, 0xff]).get().is_none());
        assert!(LazyConversation::new(Vec::new()).get().is_none());
    }
}
