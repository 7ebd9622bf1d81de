//! A peer's published pre-key bundle (what the server hands out for X3DH).

use crate::curve::PublicKey;
use crate::identity::IdentityKey;

/// A peer device's pre-key bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyBundle {
    registration_id: u32,
    device_id: u32,
    pre_key: Option<(u32, PublicKey)>,
    signed_pre_key_id: u32,
    signed_pre_key_public: PublicKey,
    signed_pre_key_signature: Vec<u8>,
    identity_key: IdentityKey,
}

impl PreKeyBundle {
    /// Makes a bundle; `pre_key` is the optional one-time pre-key `(id, key)`.
    pub fn new(
        registration_id: u32,
        device_id: u32,
        pre_key: Option<(u32, PublicKey)>,
        signed_pre_key_id: u32,
        signed_pre_key_public: PublicKey,
        signed_pre_key_signature: Vec<u8>,
        identity_key: IdentityKey,
    ) -> Self {
        Self {
            registration_id,
            device_id,
            pre_key,
            signed_pre_key_id,
            signed_pre_key_public,
            signed_pre_key_signature,
            identity_key,
        }
    }

    /// The peer's registration id.
    pub fn registration_id(&self) -> u32 {
        self.registration_id
    }

    /// The peer's device id.
    pub fn device_id(&self) -> u32 {
        self.device_id
    }

    /// The one-time pre-key id, if the bundle has one.
    pub fn pre_key_id(&self) -> Option<u32> {
        self.pre_key.map(|(id, _)| id)
    }

    /// The one-time pre-key, if the bundle has one.
    pub fn pre_key_public(&self) -> Option<&PublicKey> {
        self.pre_key.as_ref().map(|(_, k)| k)
    }

    /// The signed pre-key id.
    pub fn signed_pre_key_id(&self) -> u32 {
        self.signed_pre_key_id
    }

    /// The signed pre-key.
    pub fn signed_pre_key_public(&self) -> &PublicKey {
        &self.signed_pre_key_public
    }

    /// The identity's signature over the serialized signed pre-key.
    pub fn signed_pre_key_signature(&self) -> &[u8] {
        &self.signed_pre_key_signature
    }

    /// The peer's identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }
}
