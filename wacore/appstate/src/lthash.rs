//! LTHash, WhatsApp's "Patch Integrity" summation hash over value MACs: each item is
//! expanded with HKDF-SHA256 to 128 bytes and added to (or subtracted from) the running
//! hash as 64 little-endian u16 words with wrap-around, so the hash of a set does not
//! depend on the order in which items were added or removed.

use hkdf::Hkdf;
use sha2::Sha256;

/// Size of an LTHash value in bytes.
pub const LTHASH_LEN: usize = 128;

/// An LTHash instance, defined by its HKDF info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LTHash {
    info: &'static [u8],
}

/// The instance app state uses (`"WhatsApp Patch Integrity"`).
pub const WA_PATCH_INTEGRITY: LTHash = LTHash::new(b"WhatsApp Patch Integrity");

impl LTHash {
    /// An LTHash with its own HKDF info string.
    pub const fn new(info: &'static [u8]) -> Self {
        LTHash { info }
    }

    fn expand(&self, item: &[u8]) -> [u8; LTHASH_LEN] {
        let mut okm = [0u8; LTHASH_LEN];
        // 128 bytes is far below HKDF-SHA256's limit, so expansion cannot fail.
        let _ = Hkdf::<Sha256>::new(None, item).expand(self.info, &mut okm);
        okm
    }

    fn pointwise(hash: &mut [u8; LTHASH_LEN], item: &[u8; LTHASH_LEN], add: bool) {
        let (words, _) = hash.as_chunks_mut::<2>();
        let (items, _) = item.as_chunks::<2>();
        for (h, i) in words.iter_mut().zip(items) {
            let (a, b) = (u16::from_le_bytes(*h), u16::from_le_bytes(*i));
            *h = if add {
                a.wrapping_add(b)
            } else {
                a.wrapping_sub(b)
            }
            .to_le_bytes();
        }
    }

    /// Adds every item of `items` to `hash`.
    pub fn add<'a>(&self, hash: &mut [u8; LTHASH_LEN], items: impl IntoIterator<Item = &'a [u8]>) {
        for item in items {
            Self::pointwise(hash, &self.expand(item), true);
        }
    }

    /// Subtracts every item of `items` from `hash`.
    pub fn subtract<'a>(
        &self,
        hash: &mut [u8; LTHASH_LEN],
        items: impl IntoIterator<Item = &'a [u8]>,
    ) {
        for item in items {
            Self::pointwise(hash, &self.expand(item), false);
        }
    }

    /// Subtracts `remove`, then adds `add` (the order does not change the result).
    pub fn subtract_then_add<'a, 'b>(
        &self,
        hash: &mut [u8; LTHASH_LEN],
        remove: impl IntoIterator<Item = &'a [u8]>,
        add: impl IntoIterator<Item = &'b [u8]>,
    ) {
        self.subtract(hash, remove);
        self.add(hash, add);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn add_then_subtract_is_identity() {
        let mut h = [0u8; LTHASH_LEN];
        WA_PATCH_INTEGRITY.add(&mut h, [&b"one"[..], b"two"]);
        assert_ne!(h, [0u8; LTHASH_LEN]);
        WA_PATCH_INTEGRITY.subtract(&mut h, [&b"two"[..], b"one"]);
        assert_eq!(h, [0u8; LTHASH_LEN]);
    }

    proptest! {
        #[test]
        fn order_does_not_matter(items in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 32), 0..8)) {
            let mut forward = [7u8; LTHASH_LEN];
            WA_PATCH_INTEGRITY.add(&mut forward, items.iter().map(Vec::as_slice));
            let mut backward = [7u8; LTHASH_LEN];
            WA_PATCH_INTEGRITY.add(&mut backward, items.iter().rev().map(Vec::as_slice));
            prop_assert_eq!(forward, backward);
            WA_PATCH_INTEGRITY.subtract(&mut forward, items.iter().map(Vec::as_slice));
            prop_assert_eq!(forward, [7u8; LTHASH_LEN]);
        }
    }
}
