//! Plain data records the store traits read and write. The app-state ones (`HashState`,
//! `AppStateMutationMAC`) come from `wacore_appstate`.

use std::fmt;

/// An app-state sync key, as shared by the primary device in an `AppStateSyncKeyShare`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AppStateSyncKey {
    /// The 32-byte key material the app-state mutation keys are derived from.
    pub key_data: Vec<u8>,
    /// The serialized `AppStateSyncKeyFingerprint`.
    pub fingerprint: Vec<u8>,
    /// When the key was created (unix milliseconds, as the primary sends it).
    pub timestamp: i64,
}

impl fmt::Debug for AppStateSyncKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppStateSyncKey")
            .field(
                "key_data",
                &format_args!("<{} bytes redacted>", self.key_data.len()),
            )
            .field("fingerprint_len", &self.fingerprint.len())
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// Which Signal record a [`SignalWrite`] touches.
///
/// Deliberately exhaustive: a backend that implements
/// [`SignalStore::write_signal_batch`](crate::store::SignalStore::write_signal_batch) itself
/// must stop compiling when a kind is added, rather than drop its writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalRecordKind {
    /// A pairwise session record ([`SignalStore::put_session`](crate::store::SignalStore::put_session)).
    Session,
    /// A remote identity key, 32 bytes ([`SignalStore::put_identity`](crate::store::SignalStore::put_identity)).
    Identity,
    /// A group sender-key record ([`SignalStore::put_sender_key`](crate::store::SignalStore::put_sender_key)).
    SenderKey,
}

/// One write of a [`SignalStore::write_signal_batch`](crate::store::SignalStore::write_signal_batch):
/// store `value` under `address`, or delete the record when `value` is `None`.
///
/// Keys and values are reference-counted so a cache can hand its entries over without copying.
#[derive(Clone, PartialEq, Eq)]
pub struct SignalWrite {
    /// The kind of record.
    pub kind: SignalRecordKind,
    /// The protocol address (or sender-key name) string.
    pub address: std::sync::Arc<str>,
    /// The serialized record, or `None` to delete it.
    pub value: Option<std::sync::Arc<[u8]>>,
}

impl fmt::Debug for SignalWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalWrite")
            .field("kind", &self.kind)
            .field("address", &self.address)
            .field("value_len", &self.value.as_ref().map(|v| v.len()))
            .finish()
    }
}

/// A message we sent, to store with
/// [`ProtocolStore::store_sent_message`](crate::store::ProtocolStore::store_sent_message), handed
/// to [`SignalStore::write_signal_batch_and_sent`](crate::store::SignalStore::write_signal_batch_and_sent)
/// so it can ride in the same transaction as the Signal writes.
#[derive(Clone, PartialEq, Eq)]
pub struct SentMessageWrite {
    /// The chat JID the message was sent to.
    pub chat_jid: std::sync::Arc<str>,
    /// The message id.
    pub message_id: std::sync::Arc<str>,
    /// The serialized message payload.
    pub payload: std::sync::Arc<[u8]>,
}

impl fmt::Debug for SentMessageWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentMessageWrite")
            .field("chat_jid", &self.chat_jid)
            .field("message_id", &self.message_id)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// One LID <-> phone-number mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LidPnMappingEntry {
    /// The LID user part.
    pub lid: String,
    /// The phone-number user part.
    pub phone_number: String,
    /// When the mapping was first learned (unix seconds).
    pub created_at: i64,
    /// When the mapping was last confirmed (unix seconds). The most recent mapping wins the
    /// phone-number lookup.
    pub updated_at: i64,
    /// Where the mapping was learned ("usync", "peer_pn_message", "pairing", ...).
    pub learning_source: String,
}

/// A trusted-contact privacy token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TcTokenEntry {
    /// The raw token bytes.
    pub token: Vec<u8>,
    /// When the token was received (unix seconds).
    pub token_timestamp: i64,
    /// When we last sent our own token to this contact (unix seconds), if ever.
    pub sender_timestamp: Option<i64>,
}

impl fmt::Debug for TcTokenEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcTokenEntry")
            .field(
                "token",
                &format_args!("<{} bytes redacted>", self.token.len()),
            )
            .field("token_timestamp", &self.token_timestamp)
            .field("sender_timestamp", &self.sender_timestamp)
            .finish()
    }
}

/// The known device list of one user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceListRecord {
    /// The user part of the JID.
    pub user: String,
    /// The user's known devices.
    pub devices: Vec<DeviceInfo>,
    /// When the list was last updated (unix seconds).
    pub timestamp: i64,
    /// The participant hash from the usync response, if any.
    pub phash: Option<String>,
}

/// One device of a [`DeviceListRecord`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeviceInfo {
    /// The device number: 0 is the primary phone, 1 and up are companions.
    pub device_id: u32,
    /// The ADV key index, if known.
    pub key_index: Option<u32>,
}
