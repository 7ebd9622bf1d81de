//! The Signal protocol as WhatsApp uses it: X3DH, the Double Ratchet and sender keys.
//!
//! - Keys: [`PublicKey`] (33-byte `05`-prefixed on the wire), [`PrivateKey`],
//!   [`KeyPair`] (X25519 agreement, XEdDSA signatures), [`IdentityKeyPair`],
//!   and generation helpers ([`generate_registration_id`], [`generate_pre_keys`],
//!   [`generate_signed_pre_key`]).
//! - Records (data only, libsignal's protobuf record format):
//!   [`SessionRecord`] / [`SessionState`], [`PreKeyRecord`],
//!   [`SignedPreKeyRecord`], [`SenderKeyRecord`].
//! - Wire messages: [`SignalMessage`], [`PreKeySignalMessage`],
//!   [`SenderKeyMessage`], [`SenderKeyDistributionMessage`].
//! - Operations, synchronous over records (usable without an async runtime):
//!   [`initiate_session`], [`encrypt_message`], [`decrypt_signal_message`],
//!   [`decrypt_prekey_message`], [`sender_key_distribution`],
//!   [`sender_key_process_distribution`], [`sender_key_encrypt`],
//!   [`sender_key_decrypt`].
//! - The same, driven by the store traits (async): [`process_prekey_bundle`],
//!   [`message_encrypt`], [`message_decrypt`], [`group_encrypt`],
//!   [`group_decrypt`], [`create_sender_key_distribution_message`],
//!   [`process_sender_key_distribution_message`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
mod crypto;
mod curve;
mod error;
mod group_cipher;
mod identity;
mod keyhelper;
mod proto;
mod protocol;
mod ratchet;
mod sender_keys;
mod session_async;
mod session_builder;
mod session_cipher;
mod state;
mod storage;
mod xeddsa;

pub use address::{ProtocolAddress, SenderKeyName};
pub use curve::{
    DJB_TYPE, KEY_LENGTH, KeyPair, PrivateKey, PublicKey, SERIALIZED_PUBLIC_KEY_LENGTH,
    generate_key_pair,
};
pub use error::{Result, SignalProtocolError};
pub use group_cipher::{
    create_sender_key_distribution_message, group_decrypt, group_encrypt,
    process_sender_key_distribution_message, sender_key_decrypt, sender_key_distribution,
    sender_key_encrypt, sender_key_process_distribution,
};
pub use identity::{IdentityKey, IdentityKeyPair};
pub use keyhelper::{
    MAX_PRE_KEY_ID, generate_identity_key_pair, generate_pre_key, generate_pre_keys,
    generate_registration_id, generate_signed_pre_key,
};
pub use protocol::{
    CIPHERTEXT_MESSAGE_CURRENT_VERSION, CiphertextMessage, CiphertextMessageType, MAC_LENGTH,
    PreKeySignalMessage, SenderKeyDistributionMessage, SenderKeyMessage, SignalMessage,
};
pub use ratchet::{
    AliceSignalProtocolParameters, BobSignalProtocolParameters, ChainKey, MessageKeys, RootKey,
    initialize_alice_session, initialize_bob_session,
};
pub use sender_keys::{
    MAX_SENDER_KEY_STATES, MAX_SENDER_MESSAGE_KEYS, SenderChainKey, SenderKeyRecord,
    SenderKeyState, SenderMessageKey,
};
pub use session_async::{
    message_decrypt, message_decrypt_prekey, message_decrypt_signal, message_encrypt,
    process_prekey_bundle,
};
pub use session_builder::{build_responder_state, initiate_session};
pub use session_cipher::{
    PreKeyDecryption, PreKeyMaterial, decrypt_prekey_message, decrypt_signal_message,
    encrypt_message,
};
pub use state::{
    ARCHIVED_STATES_MAX_LENGTH, MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS,
    PendingPreKey, PreKeyBundle, PreKeyRecord, SessionRecord, SessionState, SignedPreKeyRecord,
};
pub use storage::{
    Direction, IdentityChange, IdentityChangeHook, IdentityKeyStore, InMemIdentityKeyStore,
    InMemPreKeyStore, InMemSenderKeyStore, InMemSessionStore, InMemSignalProtocolStore,
    InMemSignedPreKeyStore, PreKeyStore, ProtocolStore, SenderKeyStore, SessionStore,
    SignedPreKeyStore, TrustPolicy,
};
pub use xeddsa::SIGNATURE_LENGTH;
