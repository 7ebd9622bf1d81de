//! [`SignalStoreAdapter`]: wacore-libsignal's store traits over the byte-level
//! [`SignalStore`](crate::store::SignalStore).
//!
//! The backend keeps opaque bytes keyed by strings; the adapter (de)serializes the records
//! (libsignal's protobuf record format), answers our own identity, registration id and current
//! signed pre-key from the [`Device`], and applies WhatsApp's trust rule: every identity is
//! trusted, a changed one replaces the stored one and is reported
//! ([`IdentityAdapter::take_identity_changes`]).
//!
//! libsignal's operations take each store as a separate `&mut`, so the adapter is a bundle of
//! one small adapter per trait, all sharing the backend.

use std::sync::Arc;

use async_trait::async_trait;
use wacore_libsignal::{
    Direction, IdentityChange, IdentityKey, IdentityKeyPair, IdentityKeyStore, PreKeyRecord,
    PreKeyStore, ProtocolAddress, PublicKey, Result, SenderKeyName, SenderKeyRecord,
    SenderKeyStore, SessionRecord, SessionStore, SignalProtocolError, SignedPreKeyRecord,
    SignedPreKeyStore, TrustPolicy,
};

use crate::store::{Device, SignalStore, StoreError};

fn storage(e: StoreError) -> SignalProtocolError {
    SignalProtocolError::Storage(Box::new(e))
}

/// Decodes a stored identity: 32 raw bytes (what [`SignalStore::put_identity`] takes) or the
/// 33-byte `05`-prefixed form.
fn decode_identity(bytes: &[u8]) -> Result<IdentityKey> {
    if bytes.len() == 32 {
        PublicKey::from_djb_public_key_bytes(bytes).map(IdentityKey::new)
    } else {
        IdentityKey::decode(bytes)
    }
}

/// Every libsignal store, over one [`SignalStore`] backend. Cheap to create (an `Arc` and a
/// copy of our keys): make one per operation.
#[derive(Debug)]
pub struct SignalStoreAdapter {
    /// Sessions.
    pub sessions: SessionAdapter,
    /// Identities (ours and peers').
    pub identities: IdentityAdapter,
    /// One-time pre-keys.
    pub pre_keys: PreKeyAdapter,
    /// Signed pre-keys.
    pub signed_pre_keys: SignedPreKeyAdapter,
    /// Sender keys.
    pub sender_keys: SenderKeyAdapter,
}

impl SignalStoreAdapter {
    /// Adapters for `device`'s keys over `store`, with WhatsApp's trust rule
    /// ([`TrustPolicy::ReplaceOnChange`]).
    pub fn new(store: Arc<dyn SignalStore>, device: &Device) -> Self {
        let signed_pre_key = SignedPreKeyRecord::new(
            device.signed_pre_key_id,
            0,
            device.signed_pre_key.clone(),
            device.signed_pre_key_signature.to_vec(),
        );
        Self {
            sessions: SessionAdapter(store.clone()),
            identities: IdentityAdapter {
                store: store.clone(),
                identity: IdentityKeyPair::from(device.identity_key.clone()),
                registration_id: device.registration_id,
                policy: TrustPolicy::ReplaceOnChange,
                changes: Vec::new(),
            },
            pre_keys: PreKeyAdapter(store.clone()),
            signed_pre_keys: SignedPreKeyAdapter {
                store: store.clone(),
                current: signed_pre_key,
            },
            sender_keys: SenderKeyAdapter(store),
        }
    }

    /// Sets the trust policy (tests use [`TrustPolicy::TrustOnFirstUse`] to see the error).
    #[must_use]
    pub fn with_policy(mut self, policy: TrustPolicy) -> Self {
        self.identities.policy = policy;
        self
    }

    /// Deletes the session and identity of `address` (identity reset).
    pub async fn forget(&self, address: &ProtocolAddress) -> Result<()> {
        let key = address.to_string();
        self.sessions
            .0
            .delete_session(&key)
            .await
            .map_err(storage)?;
        self.sessions.0.delete_identity(&key).await.map_err(storage)
    }

    /// Whether a session record exists for `address`.
    pub async fn has_session(&self, address: &ProtocolAddress) -> Result<bool> {
        self.sessions
            .0
            .has_session(&address.to_string())
            .await
            .map_err(storage)
    }
}

/// [`SessionStore`] over the backend.
#[derive(Clone)]
pub struct SessionAdapter(Arc<dyn SignalStore>);

impl std::fmt::Debug for SessionAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionAdapter")
    }
}

#[async_trait]
impl SessionStore for SessionAdapter {
    async fn load_session(&self, address: &ProtocolAddress) -> Result<Option<SessionRecord>> {
        match self
            .0
            .get_session(&address.to_string())
            .await
            .map_err(storage)?
        {
            Some(bytes) => SessionRecord::deserialize(&bytes).map(Some),
            None => Ok(None),
        }
    }

    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<()> {
        self.0
            .put_session(&address.to_string(), &record.serialize())
            .await
            .map_err(storage)
    }
}

/// [`IdentityKeyStore`] over the backend, with our identity from the [`Device`].
pub struct IdentityAdapter {
    store: Arc<dyn SignalStore>,
    identity: IdentityKeyPair,
    registration_id: u32,
    policy: TrustPolicy,
    changes: Vec<ProtocolAddress>,
}

impl std::fmt::Debug for IdentityAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityAdapter")
            .field("registration_id", &self.registration_id)
            .field("identity", self.identity.public_key())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl IdentityAdapter {
    /// The addresses whose stored identity was replaced by a different one since the last call.
    pub fn take_identity_changes(&mut self) -> Vec<ProtocolAddress> {
        std::mem::take(&mut self.changes)
    }
}

#[async_trait]
impl IdentityKeyStore for IdentityAdapter {
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair> {
        Ok(self.identity.clone())
    }

    async fn get_local_registration_id(&self) -> Result<u32> {
        Ok(self.registration_id)
    }

    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange> {
        let existing = self.get_identity(address).await?;
        if existing.as_ref() == Some(identity) {
            return Ok(IdentityChange::NewOrUnchanged);
        }
        self.store
            .put_identity(
                &address.to_string(),
                *identity.public_key().public_key_bytes(),
            )
            .await
            .map_err(storage)?;
        if existing.is_some() {
            log::info!(target: "Signal", "identity of {address} changed");
            self.changes.push(address.clone());
            Ok(IdentityChange::ReplacedExisting)
        } else {
            Ok(IdentityChange::NewOrUnchanged)
        }
    }

    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
        _direction: Direction,
    ) -> Result<bool> {
        Ok(match self.policy {
            TrustPolicy::ReplaceOnChange => true,
            _ => self
                .get_identity(address)
                .await?
                .is_none_or(|known| &known == identity),
        })
    }

    async fn get_identity(&self, address: &ProtocolAddress) -> Result<Option<IdentityKey>> {
        match self
            .store
            .load_identity(&address.to_string())
            .await
            .map_err(storage)?
        {
            Some(bytes) => decode_identity(&bytes).map(Some),
            None => Ok(None),
        }
    }
}

/// [`PreKeyStore`] over the backend.
#[derive(Clone)]
pub struct PreKeyAdapter(Arc<dyn SignalStore>);

impl std::fmt::Debug for PreKeyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreKeyAdapter")
    }
}

#[async_trait]
impl PreKeyStore for PreKeyAdapter {
    async fn get_pre_key(&self, prekey_id: u32) -> Result<Option<PreKeyRecord>> {
        match self.0.load_prekey(prekey_id).await.map_err(storage)? {
            Some(bytes) => PreKeyRecord::deserialize(&bytes).map(Some),
            None => Ok(None),
        }
    }

    async fn save_pre_key(&mut self, prekey_id: u32, record: &PreKeyRecord) -> Result<()> {
        self.0
            .store_prekey(prekey_id, &record.serialize(), false)
            .await
            .map_err(storage)
    }

    async fn remove_pre_key(&mut self, prekey_id: u32) -> Result<()> {
        self.0.remove_prekey(prekey_id).await.map_err(storage)
    }
}

/// [`SignedPreKeyStore`]: our current signed pre-key from the [`Device`], older ones from the
/// backend.
pub struct SignedPreKeyAdapter {
    store: Arc<dyn SignalStore>,
    current: SignedPreKeyRecord,
}

impl std::fmt::Debug for SignedPreKeyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedPreKeyAdapter")
            .field("current_id", &self.current.id())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl SignedPreKeyStore for SignedPreKeyAdapter {
    async fn get_signed_pre_key(
        &self,
        signed_prekey_id: u32,
    ) -> Result<Option<SignedPreKeyRecord>> {
        if signed_prekey_id == self.current.id() {
            return Ok(Some(self.current.clone()));
        }
        match self
            .store
            .load_signed_prekey(signed_prekey_id)
            .await
            .map_err(storage)?
        {
            Some(bytes) => SignedPreKeyRecord::deserialize(&bytes).map(Some),
            None => Ok(None),
        }
    }

    async fn save_signed_pre_key(
        &mut self,
        signed_prekey_id: u32,
        record: &SignedPreKeyRecord,
    ) -> Result<()> {
        self.store
            .store_signed_prekey(signed_prekey_id, &record.serialize())
            .await
            .map_err(storage)
    }
}

/// [`SenderKeyStore`] over the backend.
#[derive(Clone)]
pub struct SenderKeyAdapter(Arc<dyn SignalStore>);

impl std::fmt::Debug for SenderKeyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SenderKeyAdapter")
    }
}

impl SenderKeyAdapter {
    /// Deletes a sender key (our own, before a rotation).
    pub async fn delete(&self, name: &SenderKeyName) -> Result<()> {
        self.0
            .delete_sender_key(&name.to_string())
            .await
            .map_err(storage)
    }
}

#[async_trait]
impl SenderKeyStore for SenderKeyAdapter {
    async fn store_sender_key(
        &mut self,
        sender_key_name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<()> {
        self.0
            .put_sender_key(&sender_key_name.to_string(), &record.serialize())
            .await
            .map_err(storage)
    }

    async fn load_sender_key(
        &self,
        sender_key_name: &SenderKeyName,
    ) -> Result<Option<SenderKeyRecord>> {
        match self
            .0
            .get_sender_key(&sender_key_name.to_string())
            .await
            .map_err(storage)?
        {
            Some(bytes) => SenderKeyRecord::deserialize(&bytes).map(Some),
            None => Ok(None),
        }
    }
}
