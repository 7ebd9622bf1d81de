//! The four storage traits and the [`Backend`] that combines them.
//!
//! Every method is async (via `async_trait`) and every implementation is `Send + Sync`, so one
//! backend can be shared by all the client's tasks behind an `Arc`. Signal records (sessions,
//! pre-keys, sender keys) are opaque bytes here: the store never parses them.

use async_trait::async_trait;
/// App-state types of the store signatures (from `wacore_appstate`).
pub use wacore_appstate::{AppStateMutationMAC, HashState};
/// The JID type of the store signatures (from `wacore_binary`).
pub use wacore_binary::jid::Jid;

use super::device::Device;
use super::error::Result;

pub use super::types::{
    AppStateSyncKey, DeviceInfo, DeviceListRecord, LidPnMappingEntry, SentMessageWrite,
    SignalRecordKind, SignalWrite, TcTokenEntry,
};

/// Signal protocol state: identities, sessions, pre-keys, signed pre-keys and sender keys.
///
/// Addresses are protocol address strings such as `"15551234567@c.us.0"`.
#[async_trait]
pub trait SignalStore: Send + Sync {
    /// Stores (or replaces) the identity key of a remote address.
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()>;
    /// Loads the identity key of a remote address.
    async fn load_identity(&self, address: &str) -> Result<Option<Vec<u8>>>;
    /// Deletes the identity key of a remote address (absent is not an error).
    async fn delete_identity(&self, address: &str) -> Result<()>;

    /// Loads the serialized session record of an address.
    async fn get_session(&self, address: &str) -> Result<Option<Vec<u8>>>;
    /// Stores (or replaces) the serialized session record of an address.
    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()>;
    /// Deletes the session of an address (absent is not an error).
    async fn delete_session(&self, address: &str) -> Result<()>;
    /// Whether a session exists for an address.
    async fn has_session(&self, address: &str) -> Result<bool> {
        Ok(self.get_session(address).await?.is_some())
    }

    /// Stores (or replaces) one pre-key record.
    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()>;
    /// Stores many pre-keys at once. Backends should do this in one transaction; the default
    /// loops over [`SignalStore::store_prekey`].
    async fn store_prekeys_batch(&self, keys: &[(u32, Vec<u8>)], uploaded: bool) -> Result<()> {
        for (id, record) in keys {
            self.store_prekey(*id, record, uploaded).await?;
        }
        Ok(())
    }
    /// Loads a pre-key record.
    async fn load_prekey(&self, id: u32) -> Result<Option<Vec<u8>>>;
    /// Removes a pre-key (absent is not an error).
    async fn remove_prekey(&self, id: u32) -> Result<()>;
    /// The highest pre-key id stored, or 0 when there is none.
    async fn get_max_prekey_id(&self) -> Result<u32>;

    /// Stores (or replaces) a signed pre-key record.
    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()>;
    /// Loads a signed pre-key record.
    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>>;
    /// Loads every signed pre-key as `(id, record)` pairs, ordered by id.
    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>>;
    /// Removes a signed pre-key (absent is not an error).
    async fn remove_signed_prekey(&self, id: u32) -> Result<()>;

    /// Stores (or replaces) a group sender-key record.
    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()>;
    /// Loads a group sender-key record.
    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>>;
    /// Deletes a group sender-key record (absent is not an error).
    async fn delete_sender_key(&self, address: &str) -> Result<()>;

    /// Applies several session, identity and sender-key writes (puts and deletes) in order.
    /// Backends should make the batch atomic (one transaction); the default applies them one
    /// by one with the single-record methods above, stopping at the first error. An identity
    /// value that is not 32 bytes is [`StoreError::InvalidInput`](super::StoreError::InvalidInput).
    async fn write_signal_batch(&self, writes: &[SignalWrite]) -> Result<()> {
        for w in writes {
            let address = &*w.address;
            match (w.kind, w.value.as_deref()) {
                (SignalRecordKind::Session, Some(v)) => self.put_session(address, v).await?,
                (SignalRecordKind::Session, None) => self.delete_session(address).await?,
                (SignalRecordKind::Identity, Some(v)) => {
                    let key = <[u8; 32]>::try_from(v).map_err(|_| {
                        super::StoreError::InvalidInput(format!(
                            "identity of {address} is {} bytes, not 32",
                            v.len()
                        ))
                    })?;
                    self.put_identity(address, key).await?
                }
                (SignalRecordKind::Identity, None) => self.delete_identity(address).await?,
                (SignalRecordKind::SenderKey, Some(v)) => self.put_sender_key(address, v).await?,
                (SignalRecordKind::SenderKey, None) => self.delete_sender_key(address).await?,
            }
        }
        Ok(())
    }

    /// [`SignalStore::write_signal_batch`] plus sent messages (as
    /// [`ProtocolStore::store_sent_message`] would store them, stamped with the current time),
    /// so a backend can commit both in one transaction. Returns `Ok(true)` when `sent` was
    /// stored too. The default writes only `writes` and returns `Ok(false)`: the caller then
    /// stores `sent` itself with [`ProtocolStore::store_sent_message`]. On error nothing of
    /// `sent` may be assumed stored.
    async fn write_signal_batch_and_sent(
        &self,
        writes: &[SignalWrite],
        sent: &[SentMessageWrite],
    ) -> Result<bool> {
        let _ = sent;
        self.write_signal_batch(writes).await?;
        Ok(false)
    }
}

/// App-state sync: sync keys, collection versions and mutation MACs.
#[async_trait]
pub trait AppSyncStore: Send + Sync {
    /// Loads a sync key by id.
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>>;
    /// Stores (or replaces) a sync key.
    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()>;
    /// The state of a collection (version, LT-hash and index-to-value MAC map, exactly as
    /// last set); the default (version 0, zero hash, empty map) when unknown.
    async fn get_version(&self, name: &str) -> Result<HashState>;
    /// Stores the whole state of a collection, map included, atomically.
    async fn set_version(&self, name: &str, state: HashState) -> Result<()>;
    /// Records the value MACs of a collection's mutations at `version`, atomically.
    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()>;
    /// The value MAC recorded for an index MAC (from the highest version that has one).
    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Deletes the value MACs of the given index MACs (every version), atomically.
    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()>;
    /// The id of the most recent sync key: the greatest `timestamp`, ties broken by the
    /// greatest key id. `None` when no key is stored.
    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>>;
}

/// WhatsApp Web protocol bookkeeping: SKDM recipients, LID/PN mappings, base keys, device
/// lists, sender-key forget marks, tc-tokens and the sent-message store.
#[async_trait]
pub trait ProtocolStore: Send + Sync {
    /// The devices that already received our sender-key distribution message for a group
    /// (no duplicates, order unspecified).
    async fn get_skdm_recipients(&self, group_jid: &str) -> Result<Vec<Jid>>;
    /// Records devices that received our SKDM for a group (already-present ones are kept).
    async fn add_skdm_recipients(&self, group_jid: &str, device_jids: &[Jid]) -> Result<()>;
    /// Forgets every SKDM recipient of a group (after a sender-key rotation).
    async fn clear_skdm_recipients(&self, group_jid: &str) -> Result<()>;

    /// The mapping of a LID user.
    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>>;
    /// The most recent mapping of a phone-number user: greatest `updated_at`, then greatest
    /// `created_at`, then greatest LID.
    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>>;
    /// Stores (or replaces, keyed by LID) a mapping.
    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()>;
    /// Every mapping, for cache warm-up (order unspecified).
    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>>;

    /// Saves the session base key seen for `(address, message_id)` during a retry.
    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()>;
    /// Whether a base key was saved for `(address, message_id)` and equals `current_base_key`.
    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool>;
    /// Deletes the saved base key of `(address, message_id)`.
    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()>;

    /// Stores (or replaces, keyed by user) a user's device list.
    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()>;
    /// The stored device list of a user.
    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>>;

    /// Marks a participant's sender key in a group as to be forgotten (idempotent).
    async fn mark_forget_sender_key(&self, group_jid: &str, participant: &str) -> Result<()>;
    /// Returns and deletes the forget marks of a group: each mark is returned once.
    async fn consume_forget_marks(&self, group_jid: &str) -> Result<Vec<String>>;

    /// The tc-token stored for a JID.
    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>>;
    /// Stores (or replaces) the tc-token of a JID.
    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()>;
    /// Deletes the tc-token of a JID.
    async fn delete_tc_token(&self, jid: &str) -> Result<()>;
    /// Every JID with a stored tc-token (order unspecified).
    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>>;
    /// Deletes the tc-tokens whose `token_timestamp` is strictly older than the cutoff; returns
    /// how many were deleted.
    async fn delete_expired_tc_tokens(&self, cutoff_timestamp: i64) -> Result<u32>;

    /// Stores (or replaces) the serialized payload of a message we sent, for retry receipts.
    /// The entry is stamped with the current time (unix seconds).
    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()>;
    /// Atomically reads and deletes a sent-message payload: two takes never both get it.
    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>>;
    /// Deletes the sent messages stored strictly before the cutoff (unix seconds); returns how
    /// many were deleted.
    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32>;
}

/// Persistence of this client's own [`Device`] state.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Saves the device state (creating the row if needed).
    async fn save(&self, device: &Device) -> Result<()>;
    /// Loads the device state; `None` when nothing was saved yet. A corrupt record is a
    /// [`StoreError::Serialization`](super::error::StoreError::Serialization), never `None`.
    async fn load(&self) -> Result<Option<Device>>;
    /// Whether this backend's device row exists.
    async fn exists(&self) -> Result<bool>;
    /// Creates this backend's device row (idempotent) and returns its device id.
    async fn create(&self) -> Result<i32>;
    /// Writes a labelled copy of the storage for debugging, with optional extra content.
    /// Backends that cannot snapshot may do nothing.
    async fn snapshot_db(&self, name: &str, extra_content: Option<&[u8]>) -> Result<()>;
}

/// Everything the client needs from storage. Implemented automatically for any type that
/// implements the four domain traits.
pub trait Backend: SignalStore + AppSyncStore + ProtocolStore + DeviceStore + Send + Sync {}

impl<T> Backend for T where T: SignalStore + AppSyncStore + ProtocolStore + DeviceStore + Send + Sync
{}
