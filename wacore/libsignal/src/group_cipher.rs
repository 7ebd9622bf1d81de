//! Group (sender-key) operations: distribution, encryption and decryption.
//! The `sender_key_*` functions are synchronous and work on records; the
//! `group_*` and `*_distribution_message` functions drive a [`SenderKeyStore`].

use rand::CryptoRng;

use crate::address::SenderKeyName;
use crate::crypto::{aes_256_cbc_decrypt, aes_256_cbc_encrypt};
use crate::curve::KeyPair;
use crate::error::{Result, SignalProtocolError};
use crate::protocol::{SenderKeyDistributionMessage, SenderKeyMessage};
use crate::sender_keys::{
    MAX_SENDER_MESSAGE_KEYS, SenderKeyRecord, SenderKeyState, SenderMessageKey,
};
use crate::state::MAX_FORWARD_JUMPS;
use crate::storage::SenderKeyStore;

/// Our distribution message for `record`, creating our chain (random 31-bit
/// chain id, random chain key, fresh signing key) if the record is empty.
pub fn sender_key_distribution<R: CryptoRng + ?Sized>(
    record: &mut SenderKeyRecord,
    rng: &mut R,
) -> Result<SenderKeyDistributionMessage> {
    if record.is_empty() {
        let chain_id = rng.next_u32() >> 1;
        let mut chain_key = [0u8; 32];
        rng.fill_bytes(&mut chain_key);
        let signing = KeyPair::generate(rng);
        record.set_sender_key_state(SenderKeyState::new(
            chain_id,
            0,
            chain_key,
            signing.public_key,
            Some(signing.private_key),
        ));
    }
    let state = record
        .sender_key_state()
        .ok_or_else(|| SignalProtocolError::NoSenderKeyState("empty record".into()))?;
    Ok(SenderKeyDistributionMessage::new(
        state.chain_id(),
        state.sender_chain_key().iteration(),
        *state.sender_chain_key().seed(),
        *state.signing_key_public(),
    ))
}

/// Records a sender's chain from their distribution message.
pub fn sender_key_process_distribution(
    record: &mut SenderKeyRecord,
    message: &SenderKeyDistributionMessage,
) {
    record.add_sender_key_state(SenderKeyState::new(
        message.chain_id(),
        message.iteration(),
        *message.chain_key(),
        *message.signing_key(),
        None,
    ));
}

/// Encrypts and signs `plaintext` on our newest chain in `record`.
pub fn sender_key_encrypt<R: CryptoRng + ?Sized>(
    record: &mut SenderKeyRecord,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<SenderKeyMessage> {
    let state = record
        .sender_key_state_mut()
        .ok_or_else(|| SignalProtocolError::NoSenderKeyState("empty record".into()))?;
    let signing_key =
        state
            .signing_key_private
            .as_ref()
            .ok_or(SignalProtocolError::InvalidState(
                "sender key state has no private signing key",
            ))?;
    let iteration = state.chain_key.iteration();
    if iteration == u32::MAX {
        return Err(SignalProtocolError::InvalidState("sender chain exhausted"));
    }
    let (seed, next) = state.chain_key.step();
    let keys = SenderMessageKey::new(iteration, seed);
    let ciphertext = aes_256_cbc_encrypt(keys.cipher_key(), keys.iv(), plaintext);
    let message = SenderKeyMessage::new(state.chain_id, iteration, ciphertext, signing_key, rng);
    state.chain_key = next;
    Ok(message)
}

/// Verifies and decrypts a serialized `SenderKeyMessage` with `record`. The
/// record changes only when decryption succeeds.
pub fn sender_key_decrypt(record: &mut SenderKeyRecord, message_bytes: &[u8]) -> Result<Vec<u8>> {
    let message = SenderKeyMessage::deserialize(message_bytes)?;
    let state = record
        .sender_key_state_for_chain_id_mut(message.chain_id())
        .ok_or_else(|| {
            SignalProtocolError::NoSenderKeyState(format!("chain id {}", message.chain_id()))
        })?;
    if !message.verify_signature(&state.signing_key_public) {
        return Err(SignalProtocolError::InvalidSignature("sender key message"));
    }
    let iteration = message.iteration();
    let chain_iteration = state.chain_key.iteration();
    if chain_iteration > iteration {
        let slot = state
            .message_keys
            .iter()
            .position(|(i, _)| *i == iteration)
            .ok_or(SignalProtocolError::DuplicatedMessage(
                chain_iteration,
                iteration,
            ))?;
        let (_, seed) = state
            .message_keys
            .get(slot)
            .copied()
            .ok_or(SignalProtocolError::InvalidState("sender message key slot"))?;
        let keys = SenderMessageKey::new(iteration, seed);
        let plaintext = aes_256_cbc_decrypt(keys.cipher_key(), keys.iv(), message.ciphertext())?;
        state.message_keys.remove(slot);
        return Ok(plaintext);
    }
    if iteration - chain_iteration > MAX_FORWARD_JUMPS {
        return Err(SignalProtocolError::MessageTooFarInFuture {
            chain_index: chain_iteration,
            counter: iteration,
            limit: MAX_FORWARD_JUMPS,
        });
    }
    let keep_from = iteration.saturating_sub(MAX_SENDER_MESSAGE_KEYS as u32);
    let mut chain = state.chain_key.clone();
    let mut skipped = Vec::new();
    while chain.iteration() < iteration {
        let (seed, next) = chain.step();
        if chain.iteration() >= keep_from {
            skipped.push((chain.iteration(), seed));
        }
        chain = next;
    }
    let (seed, next) = chain.step();
    let keys = SenderMessageKey::new(iteration, seed);
    let plaintext = aes_256_cbc_decrypt(keys.cipher_key(), keys.iv(), message.ciphertext())?;
    state.add_message_keys(skipped);
    state.chain_key = next;
    Ok(plaintext)
}

/// Creates (if needed) our sender key for the group and returns its
/// distribution message.
pub async fn create_sender_key_distribution_message(
    sender_key_name: &SenderKeyName,
    store: &mut dyn SenderKeyStore,
) -> Result<SenderKeyDistributionMessage> {
    let mut record = store
        .load_sender_key(sender_key_name)
        .await?
        .unwrap_or_default();
    let created = record.is_empty();
    let message = sender_key_distribution(&mut record, &mut rand::rng())?;
    if created {
        store.store_sender_key(sender_key_name, record).await?;
    }
    Ok(message)
}

/// Records the chain announced by a group member.
pub async fn process_sender_key_distribution_message(
    sender_key_name: &SenderKeyName,
    message: &SenderKeyDistributionMessage,
    store: &mut dyn SenderKeyStore,
) -> Result<()> {
    let mut record = store
        .load_sender_key(sender_key_name)
        .await?
        .unwrap_or_default();
    sender_key_process_distribution(&mut record, message);
    store.store_sender_key(sender_key_name, record).await
}

/// Encrypts `plaintext` for the group with our sender key.
pub async fn group_encrypt(
    store: &mut dyn SenderKeyStore,
    sender_key_name: &SenderKeyName,
    plaintext: &[u8],
) -> Result<SenderKeyMessage> {
    let mut record = store
        .load_sender_key(sender_key_name)
        .await?
        .ok_or_else(|| SignalProtocolError::NoSenderKeyState(sender_key_name.to_string()))?;
    let message = sender_key_encrypt(&mut record, plaintext, &mut rand::rng())?;
    store.store_sender_key(sender_key_name, record).await?;
    Ok(message)
}

/// Decrypts a group message from the sender named by `sender_key_name`.
pub async fn group_decrypt(
    message_bytes: &[u8],
    store: &mut dyn SenderKeyStore,
    sender_key_name: &SenderKeyName,
) -> Result<Vec<u8>> {
    let mut record = store
        .load_sender_key(sender_key_name)
        .await?
        .ok_or_else(|| SignalProtocolError::NoSenderKeyState(sender_key_name.to_string()))?;
    let plaintext = sender_key_decrypt(&mut record, message_bytes)?;
    store.store_sender_key(sender_key_name, record).await?;
    Ok(plaintext)
}
