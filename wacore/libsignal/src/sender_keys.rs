//! Sender-key records for groups: chain keys, message keys and states.
//! Data, accessors and serialization only; `group_cipher` holds the operations.

use std::collections::VecDeque;

use prost::Message;

use crate::crypto::{HmacKey, hkdf_sha256};
use crate::curve::{PrivateKey, PublicKey};
use crate::error::{Result, SignalProtocolError};
use crate::proto::storage::sender_key_state_structure::{
    SenderChainKey as ChainKeyProto, SenderMessageKey as MessageKeyProto, SenderSigningKey,
};
use crate::proto::storage::{SenderKeyRecordStructure, SenderKeyStateStructure};

/// At most this many sender-key states are kept per sender (oldest dropped).
pub const MAX_SENDER_KEY_STATES: usize = 5;
/// At most this many skipped message keys are kept per sender-key state.
pub const MAX_SENDER_MESSAGE_KEYS: usize = 2000;

/// The keys for one group message: `HKDF(seed, salt = 0^32, "WhisperGroup")`
/// split into a 16-byte IV and a 32-byte AES key.
#[derive(Clone)]
pub struct SenderMessageKey {
    iteration: u32,
    iv: [u8; 16],
    cipher_key: [u8; 32],
    seed: [u8; 32],
}

impl SenderMessageKey {
    /// Derives the keys from a seed.
    pub fn new(iteration: u32, seed: [u8; 32]) -> Self {
        let mut okm = [0u8; 48];
        hkdf_sha256(&seed, None, b"WhisperGroup", &mut okm);
        let mut iv = [0u8; 16];
        let mut cipher_key = [0u8; 32];
        let (a, b) = okm.split_at(16);
        iv.copy_from_slice(a);
        cipher_key.copy_from_slice(b);
        Self {
            iteration,
            iv,
            cipher_key,
            seed,
        }
    }

    /// The iteration this key belongs to.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// CBC initialisation vector.
    pub fn iv(&self) -> &[u8; 16] {
        &self.iv
    }

    /// AES-256 key.
    pub fn cipher_key(&self) -> &[u8; 32] {
        &self.cipher_key
    }

    /// The seed the keys derive from.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }
}

impl std::fmt::Debug for SenderMessageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderMessageKey")
            .field("iteration", &self.iteration)
            .finish_non_exhaustive()
    }
}

/// A sender chain key: `HMAC(key, 0x01)` seeds the message key, `HMAC(key, 0x02)`
/// is the next chain key.
#[derive(Clone, PartialEq, Eq)]
pub struct SenderChainKey {
    iteration: u32,
    chain_key: [u8; 32],
}

impl SenderChainKey {
    /// Makes a chain key.
    pub fn new(iteration: u32, chain_key: [u8; 32]) -> Self {
        Self {
            iteration,
            chain_key,
        }
    }

    /// Current iteration.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The raw chain key (its "seed" in the record).
    pub fn seed(&self) -> &[u8; 32] {
        &self.chain_key
    }

    /// The message-key seed at this iteration and the next chain key.
    pub(crate) fn step(&self) -> ([u8; 32], SenderChainKey) {
        let keyed = HmacKey::new(&self.chain_key);
        let seed = keyed.mac(&[0x01]);
        let next = SenderChainKey {
            iteration: self.iteration.wrapping_add(1),
            chain_key: keyed.mac(&[0x02]),
        };
        (seed, next)
    }

    /// The message key at this iteration.
    pub fn sender_message_key(&self) -> SenderMessageKey {
        SenderMessageKey::new(self.iteration, self.step().0)
    }

    /// The next chain key.
    pub fn next(&self) -> SenderChainKey {
        self.step().1
    }
}

impl std::fmt::Debug for SenderChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderChainKey")
            .field("iteration", &self.iteration)
            .finish_non_exhaustive()
    }
}

/// One sender chain: its id, chain key, signing key (private half only for our
/// own chains) and skipped message keys (stored as `(iteration, seed)`).
#[derive(Clone)]
pub struct SenderKeyState {
    pub(crate) chain_id: u32,
    pub(crate) chain_key: SenderChainKey,
    pub(crate) signing_key_public: PublicKey,
    pub(crate) signing_key_private: Option<PrivateKey>,
    pub(crate) message_keys: VecDeque<(u32, [u8; 32])>,
}

impl std::fmt::Debug for SenderKeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderKeyState")
            .field("chain_id", &self.chain_id)
            .field("chain_key", &self.chain_key)
            .field("signing_key_public", &self.signing_key_public)
            .field(
                "has_private_signing_key",
                &self.signing_key_private.is_some(),
            )
            .field("skipped_keys", &self.message_keys.len())
            .finish()
    }
}

impl SenderKeyState {
    /// Makes a state.
    pub fn new(
        chain_id: u32,
        iteration: u32,
        chain_key: [u8; 32],
        signing_key_public: PublicKey,
        signing_key_private: Option<PrivateKey>,
    ) -> Self {
        Self {
            chain_id,
            chain_key: SenderChainKey::new(iteration, chain_key),
            signing_key_public,
            signing_key_private,
            message_keys: VecDeque::new(),
        }
    }

    /// The chain id.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The current chain key.
    pub fn sender_chain_key(&self) -> &SenderChainKey {
        &self.chain_key
    }

    /// The public signing key.
    pub fn signing_key_public(&self) -> &PublicKey {
        &self.signing_key_public
    }

    /// The private signing key (our own chains only).
    pub fn signing_key_private(&self) -> Option<&PrivateKey> {
        self.signing_key_private.as_ref()
    }

    /// Number of skipped message keys kept.
    pub fn message_key_count(&self) -> usize {
        self.message_keys.len()
    }

    pub(crate) fn add_message_keys(&mut self, keys: impl IntoIterator<Item = (u32, [u8; 32])>) {
        self.message_keys.extend(keys);
        while self.message_keys.len() > MAX_SENDER_MESSAGE_KEYS {
            self.message_keys.pop_front();
        }
    }

    fn to_proto(&self) -> SenderKeyStateStructure {
        SenderKeyStateStructure {
            sender_key_id: Some(self.chain_id),
            sender_chain_key: Some(ChainKeyProto {
                iteration: Some(self.chain_key.iteration),
                seed: Some(self.chain_key.chain_key.to_vec()),
            }),
            sender_signing_key: Some(SenderSigningKey {
                public: Some(self.signing_key_public.serialize().to_vec()),
                private: self
                    .signing_key_private
                    .as_ref()
                    .map(|k| k.serialize().to_vec()),
            }),
            sender_message_keys: self
                .message_keys
                .iter()
                .map(|(iteration, seed)| MessageKeyProto {
                    iteration: Some(*iteration),
                    seed: Some(seed.to_vec()),
                })
                .collect(),
        }
    }

    fn from_proto(s: SenderKeyStateStructure) -> Result<Self> {
        let bad = SignalProtocolError::InvalidState;
        let seed32 = |b: Option<Vec<u8>>, what: &'static str| -> Result<[u8; 32]> {
            b.as_deref()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or(bad(what))
        };
        let chain = s
            .sender_chain_key
            .ok_or(bad("sender key state without chain key"))?;
        let signing = s
            .sender_signing_key
            .ok_or(bad("sender key state without signing key"))?;
        let public = signing
            .public
            .ok_or(bad("sender key state without public signing key"))?;
        let mut message_keys = VecDeque::with_capacity(s.sender_message_keys.len());
        for k in s.sender_message_keys {
            message_keys.push_back((
                k.iteration.unwrap_or(0),
                seed32(k.seed, "sender message key seed")?,
            ));
        }
        Ok(Self {
            chain_id: s.sender_key_id.unwrap_or(0),
            chain_key: SenderChainKey::new(
                chain.iteration.unwrap_or(0),
                seed32(chain.seed, "sender chain key seed")?,
            ),
            signing_key_public: PublicKey::deserialize(&public)?,
            signing_key_private: signing
                .private
                .map(|p| PrivateKey::deserialize(&p))
                .transpose()?,
            message_keys,
        })
    }
}

/// All sender-key states of one group sender, newest first.
#[derive(Clone, Debug, Default)]
pub struct SenderKeyRecord {
    states: VecDeque<SenderKeyState>,
}

impl SenderKeyRecord {
    /// An empty record.
    pub fn new_empty() -> Self {
        Self::default()
    }

    /// Whether the record has no state.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The newest state.
    pub fn sender_key_state(&self) -> Option<&SenderKeyState> {
        self.states.front()
    }

    pub(crate) fn sender_key_state_mut(&mut self) -> Option<&mut SenderKeyState> {
        self.states.front_mut()
    }

    /// The state with chain id `chain_id`.
    pub fn sender_key_state_for_chain_id(&self, chain_id: u32) -> Option<&SenderKeyState> {
        self.states.iter().find(|s| s.chain_id == chain_id)
    }

    pub(crate) fn sender_key_state_for_chain_id_mut(
        &mut self,
        chain_id: u32,
    ) -> Option<&mut SenderKeyState> {
        self.states.iter_mut().find(|s| s.chain_id == chain_id)
    }

    /// All states, newest first.
    pub fn states(&self) -> impl Iterator<Item = &SenderKeyState> {
        self.states.iter()
    }

    /// Adds a state as the newest. A state with the same chain id and signing
    /// key is kept as it is (moved to the front), so a repeated distribution
    /// message cannot rewind a chain; one with the same id but another signing
    /// key is replaced. At most [`MAX_SENDER_KEY_STATES`] are kept.
    pub fn add_sender_key_state(&mut self, state: SenderKeyState) {
        let existing = self.states.iter().position(|s| {
            s.chain_id == state.chain_id && s.signing_key_public == state.signing_key_public
        });
        let state = match existing.and_then(|i| self.states.remove(i)) {
            Some(existing) => existing,
            None => state,
        };
        let before = self.states.len();
        self.states.retain(|s| s.chain_id != state.chain_id);
        if self.states.len() != before {
            log::warn!(
                "replaced sender key chain {} that had a different signing key",
                state.chain_id
            );
        }
        self.states
            .truncate(MAX_SENDER_KEY_STATES.saturating_sub(1));
        self.states.push_front(state);
    }

    /// Replaces every state with `state` (used for our own chain).
    pub fn set_sender_key_state(&mut self, state: SenderKeyState) {
        self.states.clear();
        self.states.push_front(state);
    }

    /// Serializes as libsignal's `SenderKeyRecordStructure`.
    pub fn serialize(&self) -> Vec<u8> {
        SenderKeyRecordStructure {
            sender_key_states: self.states.iter().map(SenderKeyState::to_proto).collect(),
        }
        .encode_to_vec()
    }

    /// Parses a `SenderKeyRecordStructure`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let r = SenderKeyRecordStructure::decode(bytes)?;
        let states = r
            .sender_key_states
            .into_iter()
            .take(MAX_SENDER_KEY_STATES)
            .map(SenderKeyState::from_proto)
            .collect::<Result<VecDeque<_>>>()?;
        Ok(Self { states })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::KeyPair;

    #[test]
    fn debug_output_has_no_key_material() {
        let kp = KeyPair::generate(&mut rand::rng());
        let mut state = SenderKeyState::new(7, 3, [0xAB; 32], kp.public_key, Some(kp.private_key));
        state.add_message_keys([(1, [0xCD; 32])]);
        let mut record = SenderKeyRecord::new_empty();
        record.set_sender_key_state(state);
        let dbg = format!("{record:?}");
        assert!(dbg.contains("chain_id: 7"));
        assert!(!dbg.to_lowercase().contains("abab"), "{dbg}");
        assert!(!dbg.contains("205, 205"), "{dbg}");
        assert!(!dbg.contains("171, 171"), "{dbg}");
    }

    #[test]
    fn group_key_derivation_splits_iv_then_key() {
        let key = SenderMessageKey::new(0, [1; 32]);
        let mut okm = [0u8; 48];
        hkdf_sha256(&[1; 32], None, b"WhisperGroup", &mut okm);
        assert_eq!(&okm[..16], key.iv());
        assert_eq!(&okm[16..], key.cipher_key());
    }
}
