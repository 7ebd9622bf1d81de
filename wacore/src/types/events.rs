//! The events the client emits, and the bus that delivers them to handlers.
//!
//! [`Event`] is one enum for every protocol happening (connection changes, pairing,
//! messages, receipts, presence, sync). Handlers implement [`EventHandler`] and are
//! registered on a [`CoreEventBus`]; dispatch is synchronous, in registration order.

mod connection;
mod pairing;
mod sync;
mod updates;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use wacore_binary::node::Node;
use waproto::whatsapp as wa;

pub use connection::{
    ClientOutdated, ConnectFailure, ConnectFailureReason, Connected, Disconnected, LoggedOut,
    QrScannedWithoutMultidevice, StreamError, StreamReplaced, TempBanReason, TemporaryBan,
};
pub use pairing::{PairError, PairSuccess};
pub use sync::{
    HistorySync, LazyConversation, OfflineSyncCompleted, OfflineSyncPreview, SharedData,
};
pub use updates::{
    ArchiveUpdate, BusinessStatusUpdate, BusinessUpdateType, ChatPresence, ChatPresenceMedia,
    ChatPresenceUpdate, ContactNumberChanged, ContactSyncRequested, ContactUpdate, ContactUpdated,
    DecryptFailMode, DeviceListUpdate, DeviceListUpdateType, DisappearingModeChanged,
    GroupNotificationAction, GroupUpdate, MarkChatAsReadUpdate, MuteUpdate, PictureUpdate,
    PinUpdate, PresenceUpdate, PushNameUpdate, Receipt, ReceiptType, SelfPushNameUpdated,
    StarUpdate, UnavailableType, UndecryptableMessage, UserAboutUpdate,
};

use crate::types::message::MessageInfo;

/// Everything the client reports to the application.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// Connected and logged in (or registered); safe to send.
    Connected(Connected),
    /// The connection was lost (the client reconnects unless told otherwise).
    Disconnected(Disconnected),
    /// Another client connected with our credentials (stream error 409 / `conflict`);
    /// auto-reconnect is disabled.
    StreamReplaced(StreamReplaced),
    /// An unrecognised stream error; auto-reconnect is disabled.
    StreamError(StreamError),
    /// The server refused the login (`<failure>`).
    ConnectFailure(ConnectFailure),
    /// The account is temporarily banned.
    TemporaryBan(TemporaryBan),
    /// A QR code to show; `code` is the QR data string, `timeout` its validity.
    PairingQrCode {
        /// QR data (`https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`).
        code: String,
        /// How long this code is valid (60 s for the first, 20 s after).
        timeout: Duration,
    },
    /// A pair code to enter on the phone.
    PairingCode {
        /// The 8-character code.
        code: String,
        /// How long it is valid (~180 s).
        timeout: Duration,
    },
    /// Pairing succeeded; the client reconnects and logs in.
    PairSuccess(PairSuccess),
    /// Pairing failed.
    PairError(PairError),
    /// The QR was scanned by a phone without multi-device support.
    QrScannedWithoutMultidevice(QrScannedWithoutMultidevice),
    /// The server says this client version is too old.
    ClientOutdated(ClientOutdated),
    /// The session is no longer valid (401, 516, logout); re-pairing is required.
    LoggedOut(LoggedOut),
    /// An incoming message.
    Message(Box<wa::Message>, MessageInfo),
    /// A delivery/read/played receipt.
    Receipt(Receipt),
    /// A message that could not be decrypted.
    UndecryptableMessage(UndecryptableMessage),
    /// A notification the client does not handle itself.
    Notification(Node),
    /// Typing/recording state in a chat.
    ChatPresence(ChatPresenceUpdate),
    /// Online/offline status of a contact.
    Presence(PresenceUpdate),
    /// A profile picture changed.
    PictureUpdate(PictureUpdate),
    /// A user's about text changed.
    UserAboutUpdate(UserAboutUpdate),
    /// A contact's push name changed.
    PushNameUpdate(PushNameUpdate),
    /// Our own push name changed.
    SelfPushNameUpdated(SelfPushNameUpdated),
    /// We joined a group (also one conversation of a history sync).
    JoinedGroup(LazyConversation),
    /// A group changed.
    GroupUpdate(GroupUpdate),
    /// A contact's profile changed (server notification).
    ContactUpdated(ContactUpdated),
    /// A contact changed phone number.
    ContactNumberChanged(ContactNumberChanged),
    /// The server asks for a contact re-sync.
    ContactSyncRequested(ContactSyncRequested),
    /// A contact changed (app-state mutation).
    ContactUpdate(ContactUpdate),
    /// A chat was pinned or unpinned.
    PinUpdate(PinUpdate),
    /// A chat was muted or unmuted.
    MuteUpdate(MuteUpdate),
    /// A chat was archived or unarchived.
    ArchiveUpdate(ArchiveUpdate),
    /// A message was starred or unstarred.
    StarUpdate(StarUpdate),
    /// A chat was marked read or unread.
    MarkChatAsReadUpdate(MarkChatAsReadUpdate),
    /// History sync data from the phone.
    HistorySync(HistorySync),
    /// The server announced how much offline data it will deliver.
    OfflineSyncPreview(OfflineSyncPreview),
    /// Offline delivery finished (or timed out).
    OfflineSyncCompleted(OfflineSyncCompleted),
    /// A user's device list changed.
    DeviceListUpdate(DeviceListUpdate),
    /// A business account changed.
    BusinessStatusUpdate(BusinessStatusUpdate),
    /// A contact changed their default disappearing-messages timer.
    DisappearingModeChanged(DisappearingModeChanged),
}

/// Receives events. Called synchronously on the client's task: keep it quick, or
/// hand the event to a task of your own.
pub trait EventHandler: Send + Sync {
    /// Handles one event.
    fn handle_event(&self, event: &Event);
}

/// A thread-safe list of handlers. Cloning shares the list.
#[derive(Default, Clone)]
pub struct CoreEventBus {
    handlers: Arc<RwLock<Vec<Arc<dyn EventHandler>>>>,
}

impl std::fmt::Debug for CoreEventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreEventBus")
            .field("handlers", &self.snapshot().len())
            .finish()
    }
}

impl CoreEventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a handler.
    pub fn add_handler(&self, handler: Arc<dyn EventHandler>) {
        match self.handlers.write() {
            Ok(mut h) => h.push(handler),
            Err(poisoned) => poisoned.into_inner().push(handler),
        }
    }

    fn snapshot(&self) -> Vec<Arc<dyn EventHandler>> {
        match self.handlers.read() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Delivers `event` to every handler, in registration order. Handlers may
    /// register further handlers while being called.
    pub fn dispatch(&self, event: &Event) {
        for handler in self.snapshot() {
            handler.handle_event(event);
        }
    }

    /// Whether any handler is registered.
    pub fn has_handlers(&self) -> bool {
        !self.snapshot().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Recorder(Mutex<Vec<String>>, &'static str);
    impl EventHandler for Recorder {
        fn handle_event(&self, event: &Event) {
            self.0.lock().unwrap().push(format!("{}:{event:?}", self.1));
        }
    }

    #[test]
    fn dispatches_to_all_handlers_in_order() {
        let bus = CoreEventBus::new();
        assert!(!bus.has_handlers());
        let a = Arc::new(Recorder(Mutex::new(Vec::new()), "a"));
        let b = Arc::new(Recorder(Mutex::new(Vec::new()), "b"));
        bus.add_handler(a.clone());
        bus.clone().add_handler(b.clone());
        assert!(bus.has_handlers());
        bus.dispatch(&Event::Connected(Connected));
        bus.dispatch(&Event::PairingQrCode {
            code: "x".into(),
            timeout: Duration::from_secs(60),
        });
        assert_eq!(a.0.lock().unwrap().len(), 2);
        assert_eq!(b.0.lock().unwrap().len(), 2);
        assert!(a.0.lock().unwrap()[0].starts_with("a:Connected"));
    }

    struct Reentrant(CoreEventBus, Mutex<u32>);
    impl EventHandler for Reentrant {
        fn handle_event(&self, _event: &Event) {
            *self.1.lock().unwrap() += 1;
            // Registering from inside a handler must not deadlock.
            self.0
                .add_handler(Arc::new(Recorder(Mutex::new(Vec::new()), "late")));
        }
    }

    #[test]
    fn handlers_can_register_handlers() {
        let bus = CoreEventBus::new();
        let r = Arc::new(Reentrant(bus.clone(), Mutex::new(0)));
        bus.add_handler(r.clone());
        bus.dispatch(&Event::Disconnected(Disconnected));
        assert_eq!(*r.1.lock().unwrap(), 1);
    }
}
