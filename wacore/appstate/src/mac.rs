//! The four MACs of app state (facts: whatsmeow `appstate/hash.go`, Baileys
//! `chat-utils.ts`):
//!
//! - index MAC = HMAC-SHA256(index key, index JSON bytes);
//! - value MAC = HMAC-SHA512(value MAC key, op byte || key id || IV+ciphertext ||
//!   u64be(len(op byte || key id)))[..32], where the op byte is 1 for SET and 2 for REMOVE;
//! - snapshot MAC = HMAC-SHA256(snapshot MAC key, LTHash || u64be(version) || name);
//! - patch MAC = HMAC-SHA256(patch MAC key, snapshot MAC || value MACs... ||
//!   u64be(version) || name).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};

use crate::{ExpandedAppStateKeys, LTHASH_LEN, Operation};

/// HMAC-SHA256 keyed with a 32-byte key. HMAC zero-pads short keys to the hash block
/// (64 bytes), so padding here is exactly HMAC with `key`, with no fallible constructor.
fn hmac_sha256(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    block.iter_mut().zip(key).for_each(|(d, s)| *d = *s);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// HMAC-SHA512 keyed with a 32-byte key (zero-padded to the 128-byte block, as HMAC does).
fn hmac_sha512(key: &[u8; 32]) -> Hmac<Sha512> {
    let mut block = [0u8; 128];
    block.iter_mut().zip(key).for_each(|(d, s)| *d = *s);
    <Hmac<Sha512> as KeyInit>::new(&block.into())
}

fn first_32(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.iter_mut().zip(bytes).for_each(|(d, s)| *d = *s);
    out
}

/// The index MAC of a mutation's index JSON.
pub fn index_mac(keys: &ExpandedAppStateKeys, index: &[u8]) -> [u8; 32] {
    first_32(
        &hmac_sha256(&keys.index)
            .chain_update(index)
            .finalize()
            .into_bytes(),
    )
}

/// The value MAC of an encrypted value (IV followed by ciphertext).
pub fn value_mac(
    keys: &ExpandedAppStateKeys,
    operation: Operation,
    key_id: &[u8],
    encrypted_value: &[u8],
) -> [u8; 32] {
    let op_byte = [operation.mac_byte()];
    let key_data_len = (key_id.len() as u64 + 1).to_be_bytes();
    let full = hmac_sha512(&keys.value_mac)
        .chain_update(op_byte)
        .chain_update(key_id)
        .chain_update(encrypted_value)
        .chain_update(key_data_len)
        .finalize()
        .into_bytes();
    first_32(&full)
}

/// The snapshot MAC of a collection state: its LTHash, version and name.
pub fn snapshot_mac(
    keys: &ExpandedAppStateKeys,
    lthash: &[u8; LTHASH_LEN],
    version: u64,
    collection: &str,
) -> [u8; 32] {
    let mac = hmac_sha256(&keys.snapshot_mac)
        .chain_update(lthash)
        .chain_update(version.to_be_bytes())
        .chain_update(collection.as_bytes())
        .finalize()
        .into_bytes();
    first_32(&mac)
}

/// The patch MAC over the patch's snapshot MAC, its mutations' value MACs in order, its
/// version and the collection name.
pub fn patch_mac<'a>(
    keys: &ExpandedAppStateKeys,
    snapshot_mac: &[u8],
    value_macs: impl IntoIterator<Item = &'a [u8; 32]>,
    version: u64,
    collection: &str,
) -> [u8; 32] {
    let mut mac = hmac_sha256(&keys.patch_mac);
    mac.update(snapshot_mac);
    for v in value_macs {
        mac.update(v);
    }
    mac.update(&version.to_be_bytes());
    mac.update(collection.as_bytes());
    first_32(&mac.finalize().into_bytes())
}

/// Constant-time equality of a computed MAC and a received one.
pub(crate) fn macs_equal(computed: &[u8; 32], received: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(computed.as_slice().ct_eq(received))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand_app_state_keys;

    #[test]
    fn padded_keys_equal_slice_keys() {
        let key = [0x42u8; 32];
        let a = hmac_sha512(&key).chain_update(b"x").finalize().into_bytes();
        let b = <Hmac<Sha512> as KeyInit>::new_from_slice(&key)
            .unwrap()
            .chain_update(b"x")
            .finalize()
            .into_bytes();
        assert_eq!(a, b);
        let a = hmac_sha256(&key).chain_update(b"x").finalize().into_bytes();
        let b = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap()
            .chain_update(b"x")
            .finalize()
            .into_bytes();
        assert_eq!(a, b);
    }

    #[test]
    fn value_mac_binds_operation_key_id_and_data() {
        let keys = expand_app_state_keys(&[3u8; 32]);
        let base = value_mac(&keys, Operation::Set, b"kid", b"data");
        assert_ne!(base, value_mac(&keys, Operation::Remove, b"kid", b"data"));
        assert_ne!(base, value_mac(&keys, Operation::Set, b"kie", b"data"));
        assert_ne!(base, value_mac(&keys, Operation::Set, b"kid", b"datb"));
        // The length suffix is of op byte + key id, not of the data.
        let manual = <Hmac<Sha512> as KeyInit>::new_from_slice(&keys.value_mac)
            .unwrap()
            .chain_update([1u8])
            .chain_update(b"kid")
            .chain_update(b"data")
            .chain_update(4u64.to_be_bytes())
            .finalize()
            .into_bytes();
        assert_eq!(base[..], manual[..32]);
    }

    #[test]
    fn snapshot_and_patch_macs_bind_version_and_name() {
        let keys = expand_app_state_keys(&[5u8; 32]);
        let h = [1u8; LTHASH_LEN];
        let s = snapshot_mac(&keys, &h, 7, "regular");
        assert_ne!(s, snapshot_mac(&keys, &h, 8, "regular"));
        assert_ne!(s, snapshot_mac(&keys, &h, 7, "regular_low"));
        let p = patch_mac(&keys, &s, [&[2u8; 32]], 7, "regular");
        assert_ne!(p, patch_mac(&keys, &s, [&[2u8; 32]], 7, "regular_high"));
        assert_ne!(p, patch_mac(&keys, &s, [], 7, "regular"));
        assert!(macs_equal(&p, &p));
        assert!(!macs_equal(&p, &p[..31]));
    }
}
