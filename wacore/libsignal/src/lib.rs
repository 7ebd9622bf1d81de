//! The Signal protocol as WhatsApp uses it: X3DH, the Double Ratchet and sender keys.
//!
//! Keys ([`PublicKey`], [`PrivateKey`], [`KeyPair`], [`IdentityKeyPair`]), records
//! ([`PreKeyRecord`], [`SignedPreKeyRecord`]) and generation helpers.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
#[allow(dead_code)] // used by the ciphers (next commits)
mod crypto;
mod curve;
mod error;
mod identity;
mod keyhelper;
mod proto;
mod protocol;
mod state;
mod xeddsa;

pub use address::{ProtocolAddress, SenderKeyName};
pub use curve::{
    DJB_TYPE, KEY_LENGTH, KeyPair, PrivateKey, PublicKey, SERIALIZED_PUBLIC_KEY_LENGTH,
    generate_key_pair,
};
pub use error::{Result, SignalProtocolError};
pub use identity::{IdentityKey, IdentityKeyPair};
pub use keyhelper::{
    MAX_PRE_KEY_ID, generate_identity_key_pair, generate_pre_key, generate_pre_keys,
    generate_registration_id, generate_signed_pre_key,
};
pub use protocol::CiphertextMessageType;
pub use state::{PreKeyRecord, SignedPreKeyRecord};
pub use xeddsa::SIGNATURE_LENGTH;
