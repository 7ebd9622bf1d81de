//! In-memory store implementations (reference behaviour, tests, benches).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use super::traits::{
    Direction, IdentityChange, IdentityKeyStore, PreKeyStore, SenderKeyStore, SessionStore,
    SignedPreKeyStore,
};
use crate::address::{ProtocolAddress, SenderKeyName};
use crate::error::Result;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::sender_keys::SenderKeyRecord;
use crate::state::{PreKeyRecord, SessionRecord, SignedPreKeyRecord};

/// How [`InMemIdentityKeyStore`] treats a peer whose identity changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TrustPolicy {
    /// Trust the first identity seen; a different one is untrusted (operations
    /// fail with `UntrustedIdentity`) until the application saves it.
    #[default]
    TrustOnFirstUse,
    /// WhatsApp behaviour: always trust, replace the stored identity on change
    /// and report the change through the hook.
    ReplaceOnChange,
}

/// Called with (address, previous identity, new identity) when a saved
/// identity replaces a different one.
pub type IdentityChangeHook =
    Arc<dyn Fn(&ProtocolAddress, &IdentityKey, &IdentityKey) + Send + Sync>;

/// In-memory [`IdentityKeyStore`].
#[derive(Clone)]
pub struct InMemIdentityKeyStore {
    key_pair: IdentityKeyPair,
    registration_id: u32,
    known_keys: HashMap<ProtocolAddress, IdentityKey>,
    policy: TrustPolicy,
    hook: Option<IdentityChangeHook>,
}

impl InMemIdentityKeyStore {
    /// A store for our identity, trusting peers on first use.
    pub fn new(key_pair: IdentityKeyPair, registration_id: u32) -> Self {
        Self {
            key_pair,
            registration_id,
            known_keys: HashMap::new(),
            policy: TrustPolicy::default(),
            hook: None,
        }
    }

    /// Sets the trust policy.
    pub fn with_policy(mut self, policy: TrustPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the hook called when an identity is replaced.
    pub fn with_change_hook(mut self, hook: IdentityChangeHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Forgets the identity of `address`.
    pub fn remove_identity(&mut self, address: &ProtocolAddress) {
        self.known_keys.remove(address);
    }
}

impl fmt::Debug for InMemIdentityKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemIdentityKeyStore")
            .field("registration_id", &self.registration_id)
            .field("known_keys", &self.known_keys.len())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl IdentityKeyStore for InMemIdentityKeyStore {
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair> {
        Ok(self.key_pair.clone())
    }

    async fn get_local_registration_id(&self) -> Result<u32> {
        Ok(self.registration_id)
    }

    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange> {
        if self.known_keys.get(address) == Some(identity) {
            return Ok(IdentityChange::NewOrUnchanged);
        }
        match self.known_keys.insert(address.clone(), *identity) {
            Some(old) if &old != identity => {
                log::info!("identity of {address} changed");
                if let Some(hook) = &self.hook {
                    hook(address, &old, identity);
                }
                Ok(IdentityChange::ReplacedExisting)
            }
            _ => Ok(IdentityChange::NewOrUnchanged),
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
            TrustPolicy::TrustOnFirstUse => self
                .known_keys
                .get(address)
                .is_none_or(|known| known == identity),
        })
    }

    async fn get_identity(&self, address: &ProtocolAddress) -> Result<Option<IdentityKey>> {
        Ok(self.known_keys.get(address).copied())
    }
}

/// In-memory [`PreKeyStore`].
#[derive(Clone, Debug, Default)]
pub struct InMemPreKeyStore {
    pre_keys: HashMap<u32, PreKeyRecord>,
}

impl InMemPreKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of pre-keys held.
    pub fn len(&self) -> usize {
        self.pre_keys.len()
    }

    /// Whether no pre-key is held.
    pub fn is_empty(&self) -> bool {
        self.pre_keys.is_empty()
    }
}

#[async_trait]
impl PreKeyStore for InMemPreKeyStore {
    async fn get_pre_key(&self, prekey_id: u32) -> Result<Option<PreKeyRecord>> {
        Ok(self.pre_keys.get(&prekey_id).cloned())
    }

    async fn save_pre_key(&mut self, prekey_id: u32, record: &PreKeyRecord) -> Result<()> {
        self.pre_keys.insert(prekey_id, record.clone());
        Ok(())
    }

    async fn remove_pre_key(&mut self, prekey_id: u32) -> Result<()> {
        self.pre_keys.remove(&prekey_id);
        Ok(())
    }
}

/// In-memory [`SignedPreKeyStore`].
#[derive(Clone, Debug, Default)]
pub struct InMemSignedPreKeyStore {
    signed_pre_keys: HashMap<u32, SignedPreKeyRecord>,
}

impl InMemSignedPreKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SignedPreKeyStore for InMemSignedPreKeyStore {
    async fn get_signed_pre_key(&self, id: u32) -> Result<Option<SignedPreKeyRecord>> {
        Ok(self.signed_pre_keys.get(&id).cloned())
    }

    async fn save_signed_pre_key(&mut self, id: u32, record: &SignedPreKeyRecord) -> Result<()> {
        self.signed_pre_keys.insert(id, record.clone());
        Ok(())
    }
}

/// In-memory [`SessionStore`].
#[derive(Clone, Debug, Default)]
pub struct InMemSessionStore {
    sessions: HashMap<ProtocolAddress, SessionRecord>,
}

impl InMemSessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SessionStore for InMemSessionStore {
    async fn load_session(&self, address: &ProtocolAddress) -> Result<Option<SessionRecord>> {
        Ok(self.sessions.get(address).cloned())
    }

    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<()> {
        match self.sessions.get_mut(address) {
            Some(slot) => *slot = record,
            None => {
                self.sessions.insert(address.clone(), record);
            }
        }
        Ok(())
    }
}

/// In-memory [`SenderKeyStore`].
#[derive(Clone, Debug, Default)]
pub struct InMemSenderKeyStore {
    keys: HashMap<SenderKeyName, SenderKeyRecord>,
}

impl InMemSenderKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SenderKeyStore for InMemSenderKeyStore {
    async fn store_sender_key(
        &mut self,
        name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<()> {
        match self.keys.get_mut(name) {
            Some(slot) => *slot = record,
            None => {
                self.keys.insert(name.clone(), record);
            }
        }
        Ok(())
    }

    async fn load_sender_key(&self, name: &SenderKeyName) -> Result<Option<SenderKeyRecord>> {
        Ok(self.keys.get(name).cloned())
    }
}

/// All in-memory stores in one [`ProtocolStore`](super::ProtocolStore).
#[derive(Clone, Debug)]
pub struct InMemSignalProtocolStore {
    /// Sessions.
    pub session_store: InMemSessionStore,
    /// One-time pre-keys.
    pub pre_key_store: InMemPreKeyStore,
    /// Signed pre-keys.
    pub signed_pre_key_store: InMemSignedPreKeyStore,
    /// Identities.
    pub identity_store: InMemIdentityKeyStore,
    /// Sender keys.
    pub sender_key_store: InMemSenderKeyStore,
}

impl InMemSignalProtocolStore {
    /// Empty stores for our identity and registration id.
    pub fn new(key_pair: IdentityKeyPair, registration_id: u32) -> Self {
        Self {
            session_store: InMemSessionStore::new(),
            pre_key_store: InMemPreKeyStore::new(),
            signed_pre_key_store: InMemSignedPreKeyStore::new(),
            identity_store: InMemIdentityKeyStore::new(key_pair, registration_id),
            sender_key_store: InMemSenderKeyStore::new(),
        }
    }
}

#[async_trait]
impl IdentityKeyStore for InMemSignalProtocolStore {
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair> {
        self.identity_store.get_identity_key_pair().await
    }

    async fn get_local_registration_id(&self) -> Result<u32> {
        self.identity_store.get_local_registration_id().await
    }

    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange> {
        self.identity_store.save_identity(address, identity).await
    }

    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
        direction: Direction,
    ) -> Result<bool> {
        self.identity_store
            .is_trusted_identity(address, identity, direction)
            .await
    }

    async fn get_identity(&self, address: &ProtocolAddress) -> Result<Option<IdentityKey>> {
        self.identity_store.get_identity(address).await
    }
}

#[async_trait]
impl PreKeyStore for InMemSignalProtocolStore {
    async fn get_pre_key(&self, id: u32) -> Result<Option<PreKeyRecord>> {
        self.pre_key_store.get_pre_key(id).await
    }

    async fn save_pre_key(&mut self, id: u32, record: &PreKeyRecord) -> Result<()> {
        self.pre_key_store.save_pre_key(id, record).await
    }

    async fn remove_pre_key(&mut self, id: u32) -> Result<()> {
        self.pre_key_store.remove_pre_key(id).await
    }
}

#[async_trait]
impl SignedPreKeyStore for InMemSignalProtocolStore {
    async fn get_signed_pre_key(&self, id: u32) -> Result<Option<SignedPreKeyRecord>> {
        self.signed_pre_key_store.get_signed_pre_key(id).await
    }

    async fn save_signed_pre_key(&mut self, id: u32, record: &SignedPreKeyRecord) -> Result<()> {
        self.signed_pre_key_store
            .save_signed_pre_key(id, record)
            .await
    }
}

#[async_trait]
impl SessionStore for InMemSignalProtocolStore {
    async fn load_session(&self, address: &ProtocolAddress) -> Result<Option<SessionRecord>> {
        self.session_store.load_session(address).await
    }

    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<()> {
        self.session_store.store_session(address, record).await
    }
}

#[async_trait]
impl SenderKeyStore for InMemSignalProtocolStore {
    async fn store_sender_key(
        &mut self,
        name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<()> {
        self.sender_key_store.store_sender_key(name, record).await
    }

    async fn load_sender_key(&self, name: &SenderKeyName) -> Result<Option<SenderKeyRecord>> {
        self.sender_key_store.load_sender_key(name).await
    }
}
