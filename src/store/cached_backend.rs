//! [`CachedBackend`]: the client's view of its [`Backend`], with sessions, identities and
//! sender keys served by a [`SignalStoreCache`] and everything else passed through.
//!
//! Every part of the client that touches Signal state goes through this one object, so the
//! cache can never be bypassed (and go stale). Signal writes stay in memory until
//! [`CachedBackend::flush_signal`]; the send and receive paths flush before a stanza leaves
//! or a message is acked (see [`SignalStoreCache`] for the rule).

use std::sync::Arc;

use async_trait::async_trait;
use wacore::store::error::Result;
use wacore::store::traits::{
    AppStateMutationMAC, AppStateSyncKey, AppSyncStore, Backend, DeviceListRecord, DeviceStore,
    HashState, Jid, LidPnMappingEntry, ProtocolStore, SentMessageWrite, SignalStore, SignalWrite,
    TcTokenEntry,
};
use wacore::store::{Device, StoreError};

use super::signal_cache::SignalStoreCache;

/// A [`Backend`] whose Signal sessions, identities and sender keys live in a
/// [`SignalStoreCache`] until flushed.
pub struct CachedBackend {
    inner: Arc<dyn Backend>,
    cache: SignalStoreCache,
}

impl std::fmt::Debug for CachedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedBackend")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl CachedBackend {
    /// Puts an empty cache in front of `inner`.
    pub fn new(inner: Arc<dyn Backend>) -> Self {
        Self {
            inner,
            cache: SignalStoreCache::new(),
        }
    }

    /// The Signal cache.
    pub fn signal_cache(&self) -> &SignalStoreCache {
        &self.cache
    }

    /// The backend behind the cache.
    pub fn inner(&self) -> &Arc<dyn Backend> {
        &self.inner
    }

    /// Persists every unflushed Signal change (see [`SignalStoreCache::flush`]).
    pub async fn flush_signal(&self) -> Result<()> {
        let inner = self.inner.as_ref();
        self.cache.flush_with_sent(inner, inner).await
    }
}

fn identity_key(address: &str, bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        StoreError::InvalidInput(format!(
            "identity of {address} is {} bytes, not 32",
            bytes.len()
        ))
    })
}

#[async_trait]
impl SignalStore for CachedBackend {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.cache.put_identity(address, &key).await;
        Ok(())
    }

    async fn load_identity(&self, address: &str) -> Result<Option<Vec<u8>>> {
        let v = self
            .cache
            .get_identity(address, self.inner.as_ref())
            .await?;
        Ok(v.map(|v| v.to_vec()))
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.cache.delete_identity(address).await;
        Ok(())
    }

    async fn get_session(&self, address: &str) -> Result<Option<Vec<u8>>> {
        let v = self.cache.get_session(address, self.inner.as_ref()).await?;
        Ok(v.map(|v| v.to_vec()))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.cache.put_session(address, session).await;
        Ok(())
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.cache.delete_session(address).await;
        Ok(())
    }

    async fn has_session(&self, address: &str) -> Result<bool> {
        self.cache.has_session(address, self.inner.as_ref()).await
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        self.inner.store_prekey(id, record, uploaded).await
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Vec<u8>)], uploaded: bool) -> Result<()> {
        self.inner.store_prekeys_batch(keys, uploaded).await
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.inner.load_prekey(id).await
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        self.inner.remove_prekey(id).await
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        self.inner.get_max_prekey_id().await
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.inner.store_signed_prekey(id, record).await
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.inner.load_signed_prekey(id).await
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        self.inner.load_all_signed_prekeys().await
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.inner.remove_signed_prekey(id).await
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.cache.put_sender_key(address, record).await;
        Ok(())
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        let v = self
            .cache
            .get_sender_key(address, self.inner.as_ref())
            .await?;
        Ok(v.map(|v| v.to_vec()))
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.cache.delete_sender_key(address).await;
        Ok(())
    }

    async fn write_signal_batch(&self, writes: &[SignalWrite]) -> Result<()> {
        use wacore::store::traits::SignalRecordKind as K;
        for w in writes {
            let a = &*w.address;
            match (w.kind, w.value.as_deref()) {
                (K::Session, Some(v)) => self.cache.put_session(a, v).await,
                (K::Session, None) => self.cache.delete_session(a).await,
                (K::Identity, Some(v)) => self.cache.put_identity(a, &identity_key(a, v)?).await,
                (K::Identity, None) => self.cache.delete_identity(a).await,
                (K::SenderKey, Some(v)) => self.cache.put_sender_key(a, v).await,
                (K::SenderKey, None) => self.cache.delete_sender_key(a).await,
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AppSyncStore for CachedBackend {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        self.inner.get_sync_key(key_id).await
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.inner.set_sync_key(key_id, key).await
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        self.inner.get_version(name).await
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.inner.set_version(name, state).await
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        self.inner.put_mutation_macs(name, version, mutations).await
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get_mutation_mac(name, index_mac).await
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        self.inner.delete_mutation_macs(name, index_macs).await
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        self.inner.get_latest_sync_key_id().await
    }
}

#[async_trait]
impl ProtocolStore for CachedBackend {
    async fn get_skdm_recipients(&self, group_jid: &str) -> Result<Vec<Jid>> {
        self.inner.get_skdm_recipients(group_jid).await
    }

    async fn add_skdm_recipients(&self, group_jid: &str, device_jids: &[Jid]) -> Result<()> {
        self.inner.add_skdm_recipients(group_jid, device_jids).await
    }

    async fn clear_skdm_recipients(&self, group_jid: &str) -> Result<()> {
        self.inner.clear_skdm_recipients(group_jid).await
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        self.inner.get_lid_mapping(lid).await
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        self.inner.get_pn_mapping(phone).await
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.inner.put_lid_mapping(entry).await
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        self.inner.get_all_lid_mappings().await
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.inner
            .save_base_key(address, message_id, base_key)
            .await
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        self.inner
            .has_same_base_key(address, message_id, current_base_key)
            .await
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.inner.delete_base_key(address, message_id).await
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.inner.update_device_list(record).await
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        self.inner.get_devices(user).await
    }

    async fn mark_forget_sender_key(&self, group_jid: &str, participant: &str) -> Result<()> {
        self.inner
            .mark_forget_sender_key(group_jid, participant)
            .await
    }

    async fn consume_forget_marks(&self, group_jid: &str) -> Result<Vec<String>> {
        self.inner.consume_forget_marks(group_jid).await
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.inner.get_tc_token(jid).await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        self.inner.put_tc_token(jid, entry).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.inner.delete_tc_token(jid).await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        self.inner.get_all_tc_token_jids().await
    }

    async fn delete_expired_tc_tokens(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.inner.delete_expired_tc_tokens(cutoff_timestamp).await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        // Rides with the next Signal flush (the send path flushes before the stanza leaves),
        // so a send commits once instead of twice.
        self.cache.queue_sent_message(SentMessageWrite {
            chat_jid: Arc::from(chat_jid),
            message_id: Arc::from(message_id),
            payload: Arc::from(payload),
        });
        Ok(())
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let stored = self.inner.take_sent_message(chat_jid, message_id).await?;
        match self.cache.take_queued_sent(chat_jid, message_id) {
            Some(queued) => Ok(Some(queued.to_vec())),
            None => Ok(stored),
        }
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.inner
            .delete_expired_sent_messages(cutoff_timestamp)
            .await
    }
}

#[async_trait]
impl DeviceStore for CachedBackend {
    async fn save(&self, device: &Device) -> Result<()> {
        self.inner.save(device).await
    }

    async fn load(&self) -> Result<Option<Device>> {
        self.inner.load().await
    }

    async fn exists(&self) -> Result<bool> {
        self.inner.exists().await
    }

    async fn create(&self) -> Result<i32> {
        self.inner.create().await
    }

    async fn snapshot_db(&self, name: &str, extra_content: Option<&[u8]>) -> Result<()> {
        self.inner.snapshot_db(name, extra_content).await
    }
}
