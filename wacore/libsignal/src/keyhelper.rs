//! Generation helpers: registration ids, identities, one-time and signed pre-keys.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::CryptoRng;

use crate::curve::KeyPair;
use crate::identity::IdentityKeyPair;
use crate::state::{PreKeyRecord, SignedPreKeyRecord};

/// Largest pre-key id (pre-key ids are 24-bit on the WhatsApp wire).
pub const MAX_PRE_KEY_ID: u32 = 0x00FF_FFFF;

/// A random registration id in `1..=16380`, as libsignal's key helper makes.
pub fn generate_registration_id<R: CryptoRng + ?Sized>(rng: &mut R) -> u32 {
    (rng.next_u32() % 16380) + 1
}

/// A fresh identity key pair.
pub fn generate_identity_key_pair<R: CryptoRng + ?Sized>(rng: &mut R) -> IdentityKeyPair {
    IdentityKeyPair::generate(rng)
}

/// A single one-time pre-key with id `id`.
pub fn generate_pre_key<R: CryptoRng + ?Sized>(id: u32, rng: &mut R) -> PreKeyRecord {
    PreKeyRecord::new(id, KeyPair::generate(rng))
}

/// `count` one-time pre-keys with consecutive ids from `start`, wrapping within
/// `1..=MAX_PRE_KEY_ID`.
pub fn generate_pre_keys<R: CryptoRng + ?Sized>(
    start: u32,
    count: u32,
    rng: &mut R,
) -> Vec<PreKeyRecord> {
    let base = start.saturating_sub(1) % MAX_PRE_KEY_ID;
    (0..count)
        .map(|i| {
            let id = ((base + i % MAX_PRE_KEY_ID) % MAX_PRE_KEY_ID) + 1;
            generate_pre_key(id, rng)
        })
        .collect()
}

/// A signed pre-key with id `id`: a fresh key pair whose 33-byte serialized public
/// key is signed (XEdDSA) by `identity`.
pub fn generate_signed_pre_key<R: CryptoRng + ?Sized>(
    identity: &IdentityKeyPair,
    id: u32,
    rng: &mut R,
) -> SignedPreKeyRecord {
    let key_pair = KeyPair::generate(rng);
    let signature = identity
        .private_key()
        .calculate_signature(&key_pair.public_key.serialize(), rng);
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    SignedPreKeyRecord::new(id, timestamp, key_pair, signature.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_ids_in_range() {
        let mut rng = rand::rng();
        for _ in 0..1000 {
            let id = generate_registration_id(&mut rng);
            assert!((1..=16380).contains(&id));
        }
    }

    #[test]
    fn pre_key_ids_wrap() {
        let mut rng = rand::rng();
        let keys = generate_pre_keys(MAX_PRE_KEY_ID - 1, 4, &mut rng);
        let ids: Vec<u32> = keys.iter().map(|k| k.id()).collect();
        assert_eq!(ids, vec![MAX_PRE_KEY_ID - 1, MAX_PRE_KEY_ID, 1, 2]);
        let keys = generate_pre_keys(1, 3, &mut rng);
        assert_eq!(
            keys.iter().map(|k| k.id()).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_ne!(keys[0].key_pair().public_key, keys[1].key_pair().public_key);
    }

    #[test]
    fn signed_pre_key_verifies() {
        let mut rng = rand::rng();
        let identity = generate_identity_key_pair(&mut rng);
        let spk = generate_signed_pre_key(&identity, 7, &mut rng);
        assert_eq!(spk.id(), 7);
        assert!(
            identity
                .public_key()
                .verify_signature(&spk.key_pair().public_key.serialize(), spk.signature())
        );
    }
}
