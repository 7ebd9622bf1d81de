//! One Double Ratchet session state: keys, chains and skipped message keys.
//! Data and accessors only; the ratchet operations live in `session_cipher`.

use std::collections::VecDeque;

use crate::curve::{KeyPair, PublicKey};
use crate::identity::IdentityKey;
use crate::protocol::CIPHERTEXT_MESSAGE_CURRENT_VERSION;
use crate::ratchet::{ChainKey, MessageKeys, RootKey};

/// At most this many receiving chains are kept per state (oldest dropped).
pub const MAX_RECEIVER_CHAINS: usize = 5;
/// At most this many skipped message keys are kept per receiving chain (oldest dropped).
pub const MAX_MESSAGE_KEYS: usize = 2000;
/// A message may be at most this far ahead of its chain.
pub const MAX_FORWARD_JUMPS: u32 = 25_000;

/// Our current sending chain.
#[derive(Clone, Debug)]
pub(crate) struct SenderChain {
    pub(crate) ratchet_key: KeyPair,
    pub(crate) chain_key: ChainKey,
}

/// One receiving chain: the peer's ratchet key, where the chain stands, and the
/// keys of messages skipped on it.
#[derive(Clone, Debug)]
pub(crate) struct ReceiverChain {
    pub(crate) ratchet_key: PublicKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) message_keys: VecDeque<MessageKeys>,
}

/// The X3DH data an initiator keeps sending (as a `pkmsg`) until the peer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingPreKey {
    /// The one-time pre-key used, if any.
    pub pre_key_id: Option<u32>,
    /// The signed pre-key used.
    pub signed_pre_key_id: u32,
    /// Our base key.
    pub base_key: PublicKey,
}

/// The state of one session with a peer.
#[derive(Clone, Debug)]
pub struct SessionState {
    pub(crate) session_version: u32,
    pub(crate) local_identity: IdentityKey,
    pub(crate) remote_identity: IdentityKey,
    pub(crate) root_key: RootKey,
    pub(crate) previous_counter: u32,
    pub(crate) sender_chain: Option<SenderChain>,
    pub(crate) receiver_chains: Vec<ReceiverChain>,
    pub(crate) pending_pre_key: Option<PendingPreKey>,
    pub(crate) remote_registration_id: u32,
    pub(crate) local_registration_id: u32,
    pub(crate) alice_base_key: PublicKey,
}

impl SessionState {
    /// A fresh version-3 state with no chains.
    pub(crate) fn new(
        local_identity: IdentityKey,
        remote_identity: IdentityKey,
        root_key: RootKey,
        alice_base_key: PublicKey,
    ) -> Self {
        Self {
            session_version: u32::from(CIPHERTEXT_MESSAGE_CURRENT_VERSION),
            local_identity,
            remote_identity,
            root_key,
            previous_counter: 0,
            sender_chain: None,
            receiver_chains: Vec::new(),
            pending_pre_key: None,
            remote_registration_id: 0,
            local_registration_id: 0,
            alice_base_key,
        }
    }

    /// The session version (3).
    pub fn session_version(&self) -> u32 {
        self.session_version
    }

    /// Our identity key as recorded in the session.
    pub fn local_identity_key(&self) -> &IdentityKey {
        &self.local_identity
    }

    /// The peer's identity key.
    pub fn remote_identity_key(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// The peer's registration id.
    pub fn remote_registration_id(&self) -> u32 {
        self.remote_registration_id
    }

    /// Our registration id.
    pub fn local_registration_id(&self) -> u32 {
        self.local_registration_id
    }

    /// The initiator's base key: identifies the session.
    pub fn alice_base_key(&self) -> &PublicKey {
        &self.alice_base_key
    }

    /// The length of our previous sending chain.
    pub fn previous_counter(&self) -> u32 {
        self.previous_counter
    }

    /// Whether we can send on this state.
    pub fn has_sender_chain(&self) -> bool {
        self.sender_chain.is_some()
    }

    /// Our current ratchet public key.
    pub fn sender_ratchet_key(&self) -> Option<&PublicKey> {
        self.sender_chain
            .as_ref()
            .map(|c| &c.ratchet_key.public_key)
    }

    /// The index of the next message we send.
    pub fn sender_chain_index(&self) -> Option<u32> {
        self.sender_chain.as_ref().map(|c| c.chain_key.index())
    }

    /// The pending pre-key data, while the peer has not answered.
    pub fn unacknowledged_pre_key_message(&self) -> Option<&PendingPreKey> {
        self.pending_pre_key.as_ref()
    }

    /// Number of receiving chains kept.
    pub fn receiver_chain_count(&self) -> usize {
        self.receiver_chains.len()
    }

    /// Total number of skipped message keys kept over all receiving chains.
    pub fn skipped_message_key_count(&self) -> usize {
        self.receiver_chains
            .iter()
            .map(|c| c.message_keys.len())
            .sum()
    }

    pub(crate) fn set_sender_chain(&mut self, ratchet_key: KeyPair, chain_key: ChainKey) {
        self.sender_chain = Some(SenderChain {
            ratchet_key,
            chain_key,
        });
    }

    pub(crate) fn add_receiver_chain(&mut self, ratchet_key: PublicKey, chain_key: ChainKey) {
        self.receiver_chains.push(ReceiverChain {
            ratchet_key,
            chain_key,
            message_keys: VecDeque::new(),
        });
        if self.receiver_chains.len() > MAX_RECEIVER_CHAINS {
            self.receiver_chains.remove(0);
        }
    }

    pub(crate) fn receiver_chain_position(&self, ratchet_key: &PublicKey) -> Option<usize> {
        self.receiver_chains
            .iter()
            .position(|c| &c.ratchet_key == ratchet_key)
    }

    pub(crate) fn set_unacknowledged_pre_key_message(&mut self, pending: PendingPreKey) {
        self.pending_pre_key = Some(pending);
    }

    pub(crate) fn clear_unacknowledged_pre_key_message(&mut self) {
        self.pending_pre_key = None;
    }

    pub(crate) fn set_registration_ids(&mut self, local: u32, remote: u32) {
        self.local_registration_id = local;
        self.remote_registration_id = remote;
    }
}

impl ReceiverChain {
    /// Appends skipped keys, dropping the oldest beyond [`MAX_MESSAGE_KEYS`].
    pub(crate) fn add_message_keys(&mut self, keys: impl IntoIterator<Item = MessageKeys>) {
        self.message_keys.extend(keys);
        while self.message_keys.len() > MAX_MESSAGE_KEYS {
            self.message_keys.pop_front();
        }
    }

    pub(crate) fn message_key_position(&self, counter: u32) -> Option<usize> {
        self.message_keys
            .iter()
            .position(|k| k.counter() == counter)
    }
}
