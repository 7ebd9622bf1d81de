//! Conversion between [`SessionState`] and libsignal's `SessionStructure` protobuf.

use std::collections::VecDeque;

use crate::curve::{KeyPair, PrivateKey, PublicKey};
use crate::error::{Result, SignalProtocolError};
use crate::identity::IdentityKey;
use crate::proto::storage::SessionStructure;
use crate::proto::storage::session_structure::{Chain, PendingPreKey as PendingProto, chain};
use crate::ratchet::{ChainKey, MessageKeys, RootKey};

use super::session::{PendingPreKey, ReceiverChain, SenderChain, SessionState};

fn bad(what: &'static str) -> SignalProtocolError {
    SignalProtocolError::InvalidState(what)
}

fn array<const N: usize>(bytes: Option<Vec<u8>>, what: &'static str) -> Result<[u8; N]> {
    bytes
        .as_deref()
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| bad(what))
}

fn chain_key_to_proto(ck: &ChainKey) -> chain::ChainKey {
    chain::ChainKey {
        index: Some(ck.index()),
        key: Some(ck.key().to_vec()),
    }
}

fn chain_key_from_proto(ck: Option<chain::ChainKey>) -> Result<ChainKey> {
    let ck = ck.ok_or_else(|| bad("chain without chain key"))?;
    Ok(ChainKey::new(
        array(ck.key, "chain key length")?,
        ck.index.unwrap_or(0),
    ))
}

impl SessionState {
    /// Converts to the protobuf record structure.
    pub(crate) fn to_proto(&self) -> SessionStructure {
        let sender_chain = self.sender_chain.as_ref().map(|c| Chain {
            sender_ratchet_key: Some(c.ratchet_key.public_key.serialize().to_vec()),
            sender_ratchet_key_private: Some(c.ratchet_key.private_key.serialize().to_vec()),
            chain_key: Some(chain_key_to_proto(&c.chain_key)),
            message_keys: Vec::new(),
        });
        let receiver_chains = self
            .receiver_chains
            .iter()
            .map(|c| Chain {
                sender_ratchet_key: Some(c.ratchet_key.serialize().to_vec()),
                sender_ratchet_key_private: None,
                chain_key: Some(chain_key_to_proto(&c.chain_key)),
                message_keys: c
                    .message_keys
                    .iter()
                    .map(|k| chain::MessageKey {
                        index: Some(k.counter()),
                        cipher_key: Some(k.cipher_key().to_vec()),
                        mac_key: Some(k.mac_key().to_vec()),
                        iv: Some(k.iv().to_vec()),
                    })
                    .collect(),
            })
            .collect();
        SessionStructure {
            session_version: Some(self.session_version),
            local_identity_public: Some(self.local_identity.serialize().to_vec()),
            remote_identity_public: Some(self.remote_identity.serialize().to_vec()),
            root_key: Some(self.root_key.key().to_vec()),
            previous_counter: Some(self.previous_counter),
            sender_chain,
            receiver_chains,
            pending_pre_key: self.pending_pre_key.map(|p| PendingProto {
                pre_key_id: p.pre_key_id,
                signed_pre_key_id: Some(p.signed_pre_key_id as i32),
                base_key: Some(p.base_key.serialize().to_vec()),
            }),
            remote_registration_id: Some(self.remote_registration_id),
            local_registration_id: Some(self.local_registration_id),
            needs_refresh: None,
            alice_base_key: Some(self.alice_base_key.serialize().to_vec()),
        }
    }

    /// Parses the protobuf record structure, validating every key.
    pub(crate) fn from_proto(s: SessionStructure) -> Result<Self> {
        let public = |b: Option<Vec<u8>>, what: &'static str| -> Result<PublicKey> {
            PublicKey::deserialize(b.as_deref().ok_or_else(|| bad(what))?)
        };
        let sender_chain = match s.sender_chain {
            None => None,
            Some(c) => {
                let pub_key = public(c.sender_ratchet_key, "sender chain without ratchet key")?;
                let priv_bytes: [u8; 32] =
                    array(c.sender_ratchet_key_private, "sender chain private key")?;
                Some(SenderChain {
                    ratchet_key: KeyPair::new(pub_key, PrivateKey::from_bytes(priv_bytes)),
                    chain_key: chain_key_from_proto(c.chain_key)?,
                })
            }
        };
        let mut receiver_chains = Vec::with_capacity(s.receiver_chains.len());
        for c in s.receiver_chains {
            let mut message_keys = VecDeque::with_capacity(c.message_keys.len());
            for k in c.message_keys {
                message_keys.push_back(MessageKeys::new(
                    array(k.cipher_key, "message cipher key")?,
                    array(k.mac_key, "message mac key")?,
                    array(k.iv, "message iv")?,
                    k.index.unwrap_or(0),
                ));
            }
            receiver_chains.push(ReceiverChain {
                ratchet_key: public(c.sender_ratchet_key, "receiver chain without ratchet key")?,
                chain_key: chain_key_from_proto(c.chain_key)?,
                message_keys,
            });
        }
        let pending_pre_key = match s.pending_pre_key {
            None => None,
            Some(p) => Some(PendingPreKey {
                pre_key_id: p.pre_key_id,
                // Stored as int32 by libsignal; ids are 24-bit on the WhatsApp wire.
                signed_pre_key_id: p.signed_pre_key_id.unwrap_or(0) as u32,
                base_key: public(p.base_key, "pending pre-key without base key")?,
            }),
        };
        Ok(Self {
            session_version: s.session_version.unwrap_or(0),
            local_identity: IdentityKey::new(public(s.local_identity_public, "local identity")?),
            remote_identity: IdentityKey::new(public(s.remote_identity_public, "remote identity")?),
            root_key: RootKey::new(array(s.root_key, "root key")?),
            previous_counter: s.previous_counter.unwrap_or(0),
            sender_chain,
            receiver_chains,
            pending_pre_key,
            remote_registration_id: s.remote_registration_id.unwrap_or(0),
            local_registration_id: s.local_registration_id.unwrap_or(0),
            alice_base_key: public(s.alice_base_key, "alice base key")?,
        })
    }
}
