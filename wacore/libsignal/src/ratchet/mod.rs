//! X3DH session initialisation (both roles) and the ratchet key types.

mod keys;

pub use keys::{ChainKey, MessageKeys, RootKey};

use rand::CryptoRng;
use zeroize::Zeroize;

use crate::crypto::hkdf_sha256;
use crate::curve::{KeyPair, PublicKey, calculate_agreements};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::state::SessionState;

/// Derives the initial root and chain keys from the X3DH secret.
fn derive_keys(secret_input: &[u8]) -> (RootKey, ChainKey) {
    let mut okm = [0u8; 64];
    hkdf_sha256(secret_input, None, b"WhisperText", &mut okm);
    let mut root = [0u8; 32];
    let mut chain = [0u8; 32];
    root.copy_from_slice(okm.get(..32).unwrap_or(&[0; 32]));
    chain.copy_from_slice(okm.get(32..).unwrap_or(&[0; 32]));
    okm.zeroize();
    (RootKey::new(root), ChainKey::new(chain, 0))
}

/// The initiator's ("Alice's") X3DH inputs.
#[derive(Debug)]
pub struct AliceSignalProtocolParameters {
    /// Our identity.
    pub our_identity_key_pair: IdentityKeyPair,
    /// Our fresh base (ephemeral) key.
    pub our_base_key_pair: KeyPair,
    /// Their identity key.
    pub their_identity_key: IdentityKey,
    /// Their signed pre-key.
    pub their_signed_pre_key: PublicKey,
    /// Their one-time pre-key, if the bundle had one.
    pub their_one_time_pre_key: Option<PublicKey>,
    /// Their initial ratchet key (their signed pre-key).
    pub their_ratchet_key: PublicKey,
}

/// The responder's ("Bob's") X3DH inputs.
#[derive(Debug)]
pub struct BobSignalProtocolParameters<'a> {
    /// Our identity.
    pub our_identity_key_pair: &'a IdentityKeyPair,
    /// Our signed pre-key pair.
    pub our_signed_pre_key_pair: &'a KeyPair,
    /// Our one-time pre-key pair, if the message used one.
    pub our_one_time_pre_key_pair: Option<&'a KeyPair>,
    /// Our initial ratchet key (the signed pre-key).
    pub our_ratchet_key_pair: &'a KeyPair,
    /// Their identity key.
    pub their_identity_key: IdentityKey,
    /// Their base key.
    pub their_base_key: PublicKey,
}

/// Builds the initiator's session state.
pub fn initialize_alice_session<R: CryptoRng + ?Sized>(
    parameters: &AliceSignalProtocolParameters,
    rng: &mut R,
) -> SessionState {
    let our_identity = parameters.our_identity_key_pair.private_key();
    let our_base = &parameters.our_base_key_pair.private_key;
    let sending_ratchet_key = KeyPair::generate(rng);
    let their_identity = parameters.their_identity_key.public_key();
    let their_signed = &parameters.their_signed_pre_key;
    // All five agreements (four X3DH, one for the first sending chain) at once.
    let otpk = parameters
        .their_one_time_pre_key
        .as_ref()
        .unwrap_or(their_signed);
    let [dh1, dh2, dh3, dh4, ratchet_dh] = calculate_agreements([
        (our_identity, their_signed),
        (our_base, their_identity),
        (our_base, their_signed),
        (our_base, otpk),
        (
            &sending_ratchet_key.private_key,
            &parameters.their_ratchet_key,
        ),
    ]);

    let mut secrets = [0u8; 32 * 5];
    let mut len = 32 * 4;
    secrets[..32].fill(0xFF);
    secrets[32..64].copy_from_slice(&dh1);
    secrets[64..96].copy_from_slice(&dh2);
    secrets[96..128].copy_from_slice(&dh3);
    if parameters.their_one_time_pre_key.is_some() {
        secrets[128..].copy_from_slice(&dh4);
        len = 32 * 5;
    }
    let (root_key, chain_key) = derive_keys(secrets.get(..len).unwrap_or(&secrets));
    secrets.zeroize();

    let (sending_root, sending_chain) = root_key.chain_from_agreement(ratchet_dh);

    let mut state = SessionState::new(
        *parameters.our_identity_key_pair.identity_key(),
        parameters.their_identity_key,
        sending_root,
        parameters.our_base_key_pair.public_key,
    );
    state.add_receiver_chain(parameters.their_ratchet_key, chain_key);
    state.set_sender_chain(sending_ratchet_key, sending_chain);
    state
}

/// Builds the responder's session state.
pub fn initialize_bob_session(parameters: &BobSignalProtocolParameters<'_>) -> SessionState {
    let our_identity = parameters.our_identity_key_pair.private_key();
    let our_signed = &parameters.our_signed_pre_key_pair.private_key;
    let their_base = &parameters.their_base_key;
    let our_one_time = parameters
        .our_one_time_pre_key_pair
        .map_or(our_signed, |k| &k.private_key);
    let [dh1, dh2, dh3, dh4] = calculate_agreements([
        (our_signed, parameters.their_identity_key.public_key()),
        (our_identity, their_base),
        (our_signed, their_base),
        (our_one_time, their_base),
    ]);

    let mut secrets = [0u8; 32 * 5];
    let mut len = 32 * 4;
    secrets[..32].fill(0xFF);
    secrets[32..64].copy_from_slice(&dh1);
    secrets[64..96].copy_from_slice(&dh2);
    secrets[96..128].copy_from_slice(&dh3);
    if parameters.our_one_time_pre_key_pair.is_some() {
        secrets[128..].copy_from_slice(&dh4);
        len = 32 * 5;
    }
    let (root_key, chain_key) = derive_keys(secrets.get(..len).unwrap_or(&secrets));
    secrets.zeroize();

    let mut state = SessionState::new(
        *parameters.our_identity_key_pair.identity_key(),
        parameters.their_identity_key,
        root_key,
        parameters.their_base_key,
    );
    state.set_sender_chain(parameters.our_ratchet_key_pair.clone(), chain_key);
    state
}
