//! Double Ratchet key material: root keys, chain keys and message keys.

use zeroize::Zeroize;

use crate::crypto::{HmacKey, hkdf_sha256};
use crate::curve::{PrivateKey, PublicKey};

const MESSAGE_KEY_SEED: [u8; 1] = [0x01];
const CHAIN_KEY_SEED: [u8; 1] = [0x02];

/// The keys that encrypt and authenticate one message:
/// `HKDF(seed, salt = 0^32, "WhisperMessageKeys")` split 32 / 32 / 16.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageKeys {
    cipher_key: [u8; 32],
    mac_key: [u8; 32],
    iv: [u8; 16],
    counter: u32,
}

impl MessageKeys {
    /// Derives the keys from a message-key seed.
    pub fn derive_keys(seed: &[u8; 32], counter: u32) -> Self {
        let mut okm = [0u8; 80];
        hkdf_sha256(seed, None, b"WhisperMessageKeys", &mut okm);
        let mut keys = Self {
            cipher_key: [0; 32],
            mac_key: [0; 32],
            iv: [0; 16],
            counter,
        };
        let (c, rest) = okm.split_at(32);
        let (m, iv) = rest.split_at(32);
        keys.cipher_key.copy_from_slice(c);
        keys.mac_key.copy_from_slice(m);
        keys.iv.copy_from_slice(iv);
        okm.zeroize();
        keys
    }

    /// Rebuilds keys from their stored parts.
    pub fn new(cipher_key: [u8; 32], mac_key: [u8; 32], iv: [u8; 16], counter: u32) -> Self {
        Self {
            cipher_key,
            mac_key,
            iv,
            counter,
        }
    }

    /// AES-256 key.
    pub fn cipher_key(&self) -> &[u8; 32] {
        &self.cipher_key
    }

    /// HMAC-SHA256 key.
    pub fn mac_key(&self) -> &[u8; 32] {
        &self.mac_key
    }

    /// CBC initialisation vector.
    pub fn iv(&self) -> &[u8; 16] {
        &self.iv
    }

    /// The message counter these keys belong to.
    pub fn counter(&self) -> u32 {
        self.counter
    }
}

impl std::fmt::Debug for MessageKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageKeys")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

/// A symmetric chain key and its index: each step yields a message-key seed
/// (`HMAC(key, 0x01)`) and the next chain key (`HMAC(key, 0x02)`).
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey {
    key: [u8; 32],
    index: u32,
}

impl ChainKey {
    /// Makes a chain key.
    pub fn new(key: [u8; 32], index: u32) -> Self {
        Self { key, index }
    }

    /// The raw key.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The chain index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The next chain key (index + 1).
    pub fn next_chain_key(&self) -> Self {
        Self {
            key: HmacKey::new(&self.key).mac(&CHAIN_KEY_SEED),
            index: self.index.wrapping_add(1),
        }
    }

    /// The message-key seed at this index.
    pub fn message_key_seed(&self) -> [u8; 32] {
        HmacKey::new(&self.key).mac(&MESSAGE_KEY_SEED)
    }

    /// The message keys at this index.
    pub fn message_keys(&self) -> MessageKeys {
        MessageKeys::derive_keys(&self.message_key_seed(), self.index)
    }

    /// Message-key seed at this index and the next chain key, sharing one keyed HMAC.
    pub fn step(&self) -> ([u8; 32], Self) {
        let keyed = HmacKey::new(&self.key);
        let seed = keyed.mac(&MESSAGE_KEY_SEED);
        let next = Self {
            key: keyed.mac(&CHAIN_KEY_SEED),
            index: self.index.wrapping_add(1),
        };
        (seed, next)
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainKey")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// The root key: each DH ratchet step derives a new root key and a chain key
/// with `HKDF(DH, salt = root, "WhisperRatchet")`.
#[derive(Clone, PartialEq, Eq)]
pub struct RootKey {
    key: [u8; 32],
}

impl RootKey {
    /// Makes a root key.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The raw key.
    pub fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// One DH ratchet step.
    pub fn create_chain(
        &self,
        their_ratchet_key: &PublicKey,
        our_ratchet_key: &PrivateKey,
    ) -> (RootKey, ChainKey) {
        self.chain_from_agreement(our_ratchet_key.calculate_agreement(their_ratchet_key))
    }

    /// One DH ratchet step from an already computed agreement.
    pub(crate) fn chain_from_agreement(&self, mut shared: [u8; 32]) -> (RootKey, ChainKey) {
        let mut okm = [0u8; 64];
        hkdf_sha256(&shared, Some(&self.key), b"WhisperRatchet", &mut okm);
        let (r, c) = okm.split_at(32);
        let mut root = [0u8; 32];
        let mut chain = [0u8; 32];
        root.copy_from_slice(r);
        chain.copy_from_slice(c);
        shared.zeroize();
        okm.zeroize();
        (
            RootKey { key: root },
            ChainKey {
                key: chain,
                index: 0,
            },
        )
    }
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hmac_sha256;

    #[test]
    fn step_matches_separate_derivations() {
        let ck = ChainKey::new([7; 32], 4);
        let (seed, next) = ck.step();
        assert_eq!(seed, ck.message_key_seed());
        assert_eq!(seed, hmac_sha256(&[7; 32], &[1]));
        assert_eq!(next, ck.next_chain_key());
        assert_eq!(next.index(), 5);
        assert_eq!(next.key(), &hmac_sha256(&[7; 32], &[2]));
        let mk = ck.message_keys();
        assert_eq!(mk.counter(), 4);
        assert_ne!(mk.cipher_key(), mk.mac_key());
    }
}
