//! X3DH: starting a session from a peer's bundle (initiator) or from a
//! `PreKeySignalMessage` (responder). Synchronous and store-free.

use rand::CryptoRng;

use crate::curve::KeyPair;
use crate::error::{Result, SignalProtocolError};
use crate::identity::IdentityKeyPair;
use crate::protocol::PreKeySignalMessage;
use crate::ratchet::{
    AliceSignalProtocolParameters, BobSignalProtocolParameters, initialize_alice_session,
    initialize_bob_session,
};
use crate::state::{
    PendingPreKey, PreKeyBundle, PreKeyRecord, SessionRecord, SessionState, SignedPreKeyRecord,
};

/// Starts a session with the owner of `bundle`: verifies the signed pre-key
/// signature, runs X3DH as the initiator and makes the new state current in
/// `record` (archiving any previous one). Messages encrypted on it are
/// `PreKeySignalMessage`s until the peer answers.
pub fn initiate_session<R: CryptoRng + ?Sized>(
    record: &mut SessionRecord,
    bundle: &PreKeyBundle,
    our_identity: &IdentityKeyPair,
    our_registration_id: u32,
    rng: &mut R,
) -> Result<()> {
    let their_identity = *bundle.identity_key();
    if !their_identity.public_key().verify_signature(
        &bundle.signed_pre_key_public().serialize(),
        bundle.signed_pre_key_signature(),
    ) {
        log::warn!("pre-key bundle has an invalid signed pre-key signature");
        return Err(SignalProtocolError::InvalidSignature("signed pre-key"));
    }
    let our_base_key_pair = KeyPair::generate(rng);
    let base_key = our_base_key_pair.public_key;
    let parameters = AliceSignalProtocolParameters {
        our_identity_key_pair: our_identity.clone(),
        our_base_key_pair,
        their_identity_key: their_identity,
        their_signed_pre_key: *bundle.signed_pre_key_public(),
        their_one_time_pre_key: bundle.pre_key_public().copied(),
        their_ratchet_key: *bundle.signed_pre_key_public(),
    };
    let mut state = initialize_alice_session(&parameters, rng);
    state.set_unacknowledged_pre_key_message(PendingPreKey {
        pre_key_id: bundle.pre_key_id(),
        signed_pre_key_id: bundle.signed_pre_key_id(),
        base_key,
    });
    state.set_registration_ids(our_registration_id, bundle.registration_id());
    record.promote_state(state);
    Ok(())
}

/// The responder's side of X3DH for `message`: builds the new session state
/// from our signed pre-key and (if the message names one) one-time pre-key.
///
/// The state is returned rather than stored so the caller can commit it only
/// once the embedded message has decrypted.
pub fn build_responder_state(
    message: &PreKeySignalMessage,
    our_identity: &IdentityKeyPair,
    our_registration_id: u32,
    signed_pre_key: &SignedPreKeyRecord,
    one_time_pre_key: Option<&PreKeyRecord>,
) -> Result<SessionState> {
    if signed_pre_key.id() != message.signed_pre_key_id() {
        return Err(SignalProtocolError::InvalidSignedPreKeyId(
            message.signed_pre_key_id(),
        ));
    }
    let one_time = match (message.pre_key_id(), one_time_pre_key) {
        (None, _) => None,
        (Some(id), Some(pk)) if pk.id() == id => Some(pk.key_pair()),
        (Some(id), _) => return Err(SignalProtocolError::InvalidPreKeyId(id)),
    };
    let parameters = BobSignalProtocolParameters {
        our_identity_key_pair: our_identity,
        our_signed_pre_key_pair: signed_pre_key.key_pair(),
        our_one_time_pre_key_pair: one_time,
        our_ratchet_key_pair: signed_pre_key.key_pair(),
        their_identity_key: *message.identity_key(),
        their_base_key: *message.base_key(),
    };
    let mut state = initialize_bob_session(&parameters);
    state.set_registration_ids(our_registration_id, message.registration_id());
    Ok(state)
}
