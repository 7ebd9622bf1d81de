//! 1:1 encryption and decryption over session records: the Double Ratchet.
//! Synchronous and store-free; `session_async` wraps these with the stores.
//!
//! Decryption computes everything from an unmodified state and commits only
//! once the MAC has verified and the ciphertext has decrypted, so a failed
//! attempt (wrong state, forged or corrupt message) leaves the state untouched.

use rand::CryptoRng;

use crate::crypto::{aes_256_cbc_decrypt, aes_256_cbc_encrypt};
use crate::curve::KeyPair;
use crate::error::{Result, SignalProtocolError};
use crate::identity::IdentityKeyPair;
use crate::protocol::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage,
};
use crate::ratchet::{ChainKey, MessageKeys};
use crate::session_builder::build_responder_state;
use crate::state::{
    MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, PreKeyRecord, SessionRecord, SessionState,
    SignedPreKeyRecord,
};

/// Encrypts `plaintext` on the record's current state: a `PreKeySignalMessage`
/// while the peer has not answered yet, a `SignalMessage` afterwards.
pub fn encrypt_message(record: &mut SessionRecord, plaintext: &[u8]) -> Result<CiphertextMessage> {
    let state = record
        .session_state_mut()
        .ok_or_else(|| SignalProtocolError::NoSession("record has no current state".into()))?;
    encrypt_with_state(state, plaintext)
}

fn encrypt_with_state(state: &mut SessionState, plaintext: &[u8]) -> Result<CiphertextMessage> {
    let chain = state
        .sender_chain
        .as_mut()
        .ok_or(SignalProtocolError::NoSenderChain)?;
    let index = chain.chain_key.index();
    if index == u32::MAX {
        return Err(SignalProtocolError::InvalidState("sending chain exhausted"));
    }
    let (seed, next) = chain.chain_key.step();
    let keys = MessageKeys::derive_keys(&seed, index);
    let ciphertext = aes_256_cbc_encrypt(keys.cipher_key(), keys.iv(), plaintext);
    let message = SignalMessage::new(
        keys.mac_key(),
        chain.ratchet_key.public_key,
        index,
        state.previous_counter,
        ciphertext,
        &state.local_identity,
        &state.remote_identity,
    );
    chain.chain_key = next;
    Ok(match state.pending_pre_key {
        Some(p) => CiphertextMessage::PreKeySignalMessage(PreKeySignalMessage::new(
            state.local_registration_id,
            p.pre_key_id,
            p.signed_pre_key_id,
            p.base_key,
            state.local_identity,
            message,
        )),
        None => CiphertextMessage::SignalMessage(message),
    })
}

/// Decrypts a `SignalMessage` with the record: the current state first, then
/// the archived states (most recent first). A state that decrypts is promoted
/// to current. The record is unchanged when decryption fails.
pub fn decrypt_signal_message<R: CryptoRng + ?Sized>(
    record: &mut SessionRecord,
    message: &SignalMessage,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let mut first_error = None;
    if let Some(state) = record.session_state_mut() {
        match decrypt_with_state(state, message, rng) {
            Ok(plaintext) => return Ok(plaintext),
            Err(e @ SignalProtocolError::DuplicatedMessage(..)) => return Err(e),
            Err(e) => first_error = Some(e),
        }
    }
    for i in 0..record.previous_session_count() {
        let Some(state) = record.previous_state_mut(i) else {
            break;
        };
        match decrypt_with_state(state, message, rng) {
            Ok(plaintext) => {
                log::info!("decrypted with archived session state {i}; promoting it");
                record.promote_previous(i);
                return Ok(plaintext);
            }
            Err(e @ SignalProtocolError::DuplicatedMessage(..)) => return Err(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let err = first_error
        .unwrap_or_else(|| SignalProtocolError::NoSession("record has no session state".into()));
    log::debug!("decryption failed with every session state: {err}");
    Err(err)
}

/// Our keys needed to answer a `PreKeySignalMessage`.
#[derive(Clone, Copy, Debug)]
pub struct PreKeyMaterial<'a> {
    /// Our identity.
    pub our_identity: &'a IdentityKeyPair,
    /// Our registration id.
    pub our_registration_id: u32,
    /// The signed pre-key the message names (`None` if we do not have it).
    pub signed_pre_key: Option<&'a SignedPreKeyRecord>,
    /// The one-time pre-key the message names, if it names one and we have it.
    pub one_time_pre_key: Option<&'a PreKeyRecord>,
}

/// What decrypting a `PreKeySignalMessage` produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyDecryption {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The one-time pre-key that was consumed (to delete from the store), if a
    /// new session was built from one.
    pub used_pre_key_id: Option<u32>,
}

/// Decrypts a `PreKeySignalMessage`. If the record already holds the session it
/// starts (same base key), that state decrypts it; otherwise a new responder
/// state is built from `keys` and, once the message decrypts, becomes current.
pub fn decrypt_prekey_message<R: CryptoRng + ?Sized>(
    record: &mut SessionRecord,
    message: &PreKeySignalMessage,
    keys: &PreKeyMaterial<'_>,
    rng: &mut R,
) -> Result<PreKeyDecryption> {
    let version = u32::from(message.message_version());
    if record.has_session_state(version, message.base_key()) {
        let plaintext = decrypt_known_base_key(record, message, rng)?;
        return Ok(PreKeyDecryption {
            plaintext,
            used_pre_key_id: None,
        });
    }
    let signed_pre_key = keys
        .signed_pre_key
        .ok_or(SignalProtocolError::InvalidSignedPreKeyId(
            message.signed_pre_key_id(),
        ))?;
    let mut state = build_responder_state(
        message,
        keys.our_identity,
        keys.our_registration_id,
        signed_pre_key,
        keys.one_time_pre_key,
    )?;
    let plaintext = decrypt_with_state(&mut state, message.message(), rng)?;
    record.promote_state(state);
    Ok(PreKeyDecryption {
        plaintext,
        used_pre_key_id: message.pre_key_id(),
    })
}

/// A repeated `pkmsg` for a session we already have: decrypt with that state.
fn decrypt_known_base_key<R: CryptoRng + ?Sized>(
    record: &mut SessionRecord,
    message: &PreKeySignalMessage,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let version = u32::from(message.message_version());
    let matches =
        |s: &SessionState| s.session_version == version && &s.alice_base_key == message.base_key();
    if let Some(state) = record.session_state_mut().filter(|s| matches(s)) {
        return decrypt_with_state(state, message.message(), rng);
    }
    let i = record
        .previous_session_states()
        .position(matches)
        .ok_or_else(|| SignalProtocolError::NoSession("base key not found".into()))?;
    let state = record
        .previous_state_mut(i)
        .ok_or_else(|| SignalProtocolError::NoSession("base key not found".into()))?;
    let plaintext = decrypt_with_state(state, message.message(), rng)?;
    record.promote_previous(i);
    Ok(plaintext)
}

/// Where the message key comes from, decided before anything is committed.
enum KeySource {
    /// A skipped key stored on the receiving chain, at `slot`.
    Stored { slot: usize },
    /// Derived by advancing the chain: keys skipped on the way and the chain's
    /// next position.
    Derived {
        skipped: Vec<MessageKeys>,
        next: ChainKey,
    },
}

/// Decrypts with one state; the state is modified only on success.
fn decrypt_with_state<R: CryptoRng + ?Sized>(
    state: &mut SessionState,
    message: &SignalMessage,
    rng: &mut R,
) -> Result<Vec<u8>> {
    if u32::from(message.message_version()) != state.session_version {
        return Err(SignalProtocolError::UnsupportedVersion(
            CiphertextMessageType::Whisper,
            message.message_version(),
        ));
    }
    let sender = state
        .sender_chain
        .as_ref()
        .ok_or(SignalProtocolError::NoSenderChain)?;
    let their_ratchet_key = message.sender_ratchet_key();
    let counter = message.counter();
    let last_sent = sender.chain_key.index().saturating_sub(1);

    // Which receiving chain: an existing one, or a new one from a DH ratchet step.
    let existing = state.receiver_chain_position(their_ratchet_key);
    let new_chain = match existing {
        Some(_) => None,
        None => Some(
            state
                .root_key
                .create_chain(their_ratchet_key, &sender.ratchet_key.private_key),
        ),
    };
    let chain_key = match (existing, &new_chain) {
        (Some(i), _) => state
            .receiver_chains
            .get(i)
            .map(|c| &c.chain_key)
            .ok_or(SignalProtocolError::InvalidState("receiver chain index"))?,
        (None, Some((_, ck))) => ck,
        (None, None) => return Err(SignalProtocolError::InvalidState("no receiving chain")),
    };

    let (keys, source) = if chain_key.index() > counter {
        let chain_idx = existing.ok_or(SignalProtocolError::InvalidState("new chain ahead"))?;
        let chain = state
            .receiver_chains
            .get(chain_idx)
            .ok_or(SignalProtocolError::InvalidState("receiver chain index"))?;
        match chain.message_key_position(counter) {
            Some(slot) => (
                chain
                    .message_keys
                    .get(slot)
                    .cloned()
                    .ok_or(SignalProtocolError::InvalidState("message key slot"))?,
                KeySource::Stored { slot },
            ),
            None => {
                return Err(SignalProtocolError::DuplicatedMessage(
                    chain_key.index(),
                    counter,
                ));
            }
        }
    } else {
        let jump = counter - chain_key.index();
        if jump > MAX_FORWARD_JUMPS {
            return Err(SignalProtocolError::MessageTooFarInFuture {
                chain_index: chain_key.index(),
                counter,
                limit: MAX_FORWARD_JUMPS,
            });
        }
        // Only the newest MAX_MESSAGE_KEYS skipped keys would be kept anyway.
        let keep_from = counter.saturating_sub(MAX_MESSAGE_KEYS as u32);
        let mut ck = chain_key.clone();
        let mut skipped = Vec::new();
        while ck.index() < counter {
            let (seed, next) = ck.step();
            if ck.index() >= keep_from {
                skipped.push(MessageKeys::derive_keys(&seed, ck.index()));
            }
            ck = next;
        }
        let (seed, next) = ck.step();
        (
            MessageKeys::derive_keys(&seed, counter),
            KeySource::Derived { skipped, next },
        )
    };

    if !message.verify_mac(
        &state.remote_identity,
        &state.local_identity,
        keys.mac_key(),
    ) {
        return Err(SignalProtocolError::InvalidMac);
    }
    let plaintext = aes_256_cbc_decrypt(keys.cipher_key(), keys.iv(), message.body())?;

    // Commit.
    let chain_idx = match (existing, new_chain) {
        (Some(i), _) => i,
        (None, Some((root, receiver_chain_key))) => {
            let our_new_ratchet = KeyPair::generate(rng);
            let (new_root, sending_chain_key) =
                root.create_chain(their_ratchet_key, &our_new_ratchet.private_key);
            state.root_key = new_root;
            state.add_receiver_chain(*their_ratchet_key, receiver_chain_key);
            state.previous_counter = last_sent;
            state.set_sender_chain(our_new_ratchet, sending_chain_key);
            state.receiver_chains.len().saturating_sub(1)
        }
        (None, None) => return Err(SignalProtocolError::InvalidState("no receiving chain")),
    };
    let chain = state
        .receiver_chains
        .get_mut(chain_idx)
        .ok_or(SignalProtocolError::InvalidState("receiver chain index"))?;
    match source {
        KeySource::Stored { slot } => {
            chain.message_keys.remove(slot);
        }
        KeySource::Derived { skipped, next } => {
            chain.add_message_keys(skipped);
            chain.chain_key = next;
        }
    }
    state.clear_unacknowledged_pre_key_message();
    Ok(plaintext)
}
