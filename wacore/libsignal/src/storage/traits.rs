//! Store traits: one small trait per record kind, each loading and storing
//! whole records, combined by [`ProtocolStore`].
//!
//! Methods are async (via `async-trait`) so a backend may do I/O; the
//! in-memory implementations in `inmem` answer immediately.

use async_trait::async_trait;

use crate::address::{ProtocolAddress, SenderKeyName};
use crate::error::Result;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::sender_keys::SenderKeyRecord;
use crate::state::{PreKeyRecord, SessionRecord, SignedPreKeyRecord};

/// Whether an identity is being checked for sending or receiving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We are about to send to the identity.
    Sending,
    /// We received from the identity.
    Receiving,
}

/// What [`IdentityKeyStore::save_identity`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityChange {
    /// The address had no identity, or the same one.
    NewOrUnchanged,
    /// A different identity was replaced: the peer re-installed or changed
    /// device. WhatsApp clients notify the user ("security code changed").
    ReplacedExisting,
}

/// Our identity and the identities of peers.
///
/// This is the trust hook: return `false` from
/// [`is_trusted_identity`](Self::is_trusted_identity) to make an operation fail
/// with [`UntrustedIdentity`](crate::SignalProtocolError::UntrustedIdentity);
/// observe [`IdentityChange::ReplacedExisting`] from
/// [`save_identity`](Self::save_identity) to notify about a change.
#[async_trait]
pub trait IdentityKeyStore: Send + Sync {
    /// Our identity key pair.
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair>;

    /// Our registration id.
    async fn get_local_registration_id(&self) -> Result<u32>;

    /// Records `identity` for `address` (trusting it from now on).
    async fn save_identity(
        &mut self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange>;

    /// Whether `identity` is acceptable for `address` in `direction`.
    async fn is_trusted_identity(
        &self,
        address: &ProtocolAddress,
        identity: &IdentityKey,
        direction: Direction,
    ) -> Result<bool>;

    /// The identity recorded for `address`, if any.
    async fn get_identity(&self, address: &ProtocolAddress) -> Result<Option<IdentityKey>>;
}

/// Our one-time pre-keys.
#[async_trait]
pub trait PreKeyStore: Send + Sync {
    /// The pre-key with id `prekey_id`, if we still have it.
    async fn get_pre_key(&self, prekey_id: u32) -> Result<Option<PreKeyRecord>>;

    /// Stores a pre-key.
    async fn save_pre_key(&mut self, prekey_id: u32, record: &PreKeyRecord) -> Result<()>;

    /// Removes a consumed pre-key.
    async fn remove_pre_key(&mut self, prekey_id: u32) -> Result<()>;
}

/// Our signed pre-keys.
#[async_trait]
pub trait SignedPreKeyStore: Send + Sync {
    /// The signed pre-key with id `signed_prekey_id`, if we have it.
    async fn get_signed_pre_key(&self, signed_prekey_id: u32)
    -> Result<Option<SignedPreKeyRecord>>;

    /// Stores a signed pre-key.
    async fn save_signed_pre_key(
        &mut self,
        signed_prekey_id: u32,
        record: &SignedPreKeyRecord,
    ) -> Result<()>;
}

/// Session records, one per peer device.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The record for `address`, if any.
    async fn load_session(&self, address: &ProtocolAddress) -> Result<Option<SessionRecord>>;

    /// Stores the record for `address` (taking it: a backend that keeps
    /// objects need not clone it, one that keeps bytes serializes it).
    async fn store_session(
        &mut self,
        address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<()>;
}

/// Sender-key records, one per (group, sender).
#[async_trait]
pub trait SenderKeyStore: Send + Sync {
    /// Stores the record for `sender_key_name` (taking it).
    async fn store_sender_key(
        &mut self,
        sender_key_name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<()>;

    /// The record for `sender_key_name`, if any.
    async fn load_sender_key(
        &self,
        sender_key_name: &SenderKeyName,
    ) -> Result<Option<SenderKeyRecord>>;
}

/// Every store the protocol needs, in one object.
pub trait ProtocolStore:
    SessionStore + PreKeyStore + SignedPreKeyStore + IdentityKeyStore + SenderKeyStore
{
}

impl<T> ProtocolStore for T where
    T: SessionStore + PreKeyStore + SignedPreKeyStore + IdentityKeyStore + SenderKeyStore
{
}
