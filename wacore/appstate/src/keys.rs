//! App-state sync keys: expansion of a key into the five mutation keys, and the lookup the
//! caller supplies to find a key by its id.

use std::collections::HashMap;

use hkdf::Hkdf;
use sha2::Sha256;

use crate::{AppStateError, Result};

/// HKDF info expanding an app-state sync key into the mutation keys.
const MUTATION_KEYS_INFO: &[u8] = b"WhatsApp Mutation Keys";

/// The five keys expanded from an app-state sync key: HKDF-SHA256(key, no salt,
/// `"WhatsApp Mutation Keys"`, 160 bytes), 32 bytes each in this order.
#[derive(Clone, PartialEq, Eq)]
pub struct ExpandedAppStateKeys {
    /// HMAC-SHA256 key of index MACs.
    pub index: [u8; 32],
    /// AES-256-CBC key of mutation values.
    pub value_encryption: [u8; 32],
    /// HMAC-SHA512 key of value MACs.
    pub value_mac: [u8; 32],
    /// HMAC-SHA256 key of snapshot MACs.
    pub snapshot_mac: [u8; 32],
    /// HMAC-SHA256 key of patch MACs.
    pub patch_mac: [u8; 32],
}

impl std::fmt::Debug for ExpandedAppStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExpandedAppStateKeys { .. }")
    }
}

/// Expands an app-state sync key (`AppStateSyncKeyData.keyData`, normally 32 bytes).
pub fn expand_app_state_keys(key_data: &[u8]) -> ExpandedAppStateKeys {
    let mut okm = [0u8; 160];
    // 160 bytes is far below HKDF-SHA256's limit of 8160, so expansion cannot fail.
    let _ = Hkdf::<Sha256>::new(None, key_data).expand(MUTATION_KEYS_INFO, &mut okm);
    let mut parts = okm.chunks_exact(32).map(|c| {
        let mut k = [0u8; 32];
        k.copy_from_slice(c);
        k
    });
    let mut next = || parts.next().unwrap_or_default();
    ExpandedAppStateKeys {
        index: next(),
        value_encryption: next(),
        value_mac: next(),
        snapshot_mac: next(),
        patch_mac: next(),
    }
}

/// Where decoding and encoding find app-state sync keys: the raw key data for a key id, or
/// `None` when the key is unknown. Synchronous on purpose; a client with an async store
/// loads the keys a patch names first (see [`crate::missing_key_ids`]) and hands them over.
///
/// Implemented for closures `Fn(&[u8]) -> Option<Vec<u8>>` and for `HashMap<Vec<u8>, Vec<u8>>`.
pub trait KeySource {
    /// Returns the key data of `key_id`, if known.
    fn key_data(&self, key_id: &[u8]) -> Option<Vec<u8>>;
}

impl<F: Fn(&[u8]) -> Option<Vec<u8>>> KeySource for F {
    fn key_data(&self, key_id: &[u8]) -> Option<Vec<u8>> {
        self(key_id)
    }
}

impl KeySource for HashMap<Vec<u8>, Vec<u8>> {
    fn key_data(&self, key_id: &[u8]) -> Option<Vec<u8>> {
        self.get(key_id).cloned()
    }
}

/// Expanded keys by id for the duration of one decode, so each key is looked up and
/// expanded once however many mutations use it.
pub(crate) struct KeyTable<'k, K: KeySource + ?Sized> {
    source: &'k K,
    entries: Vec<(Vec<u8>, ExpandedAppStateKeys)>,
}

impl<'k, K: KeySource + ?Sized> KeyTable<'k, K> {
    pub(crate) fn new(source: &'k K) -> Self {
        KeyTable {
            source,
            entries: Vec::new(),
        }
    }

    /// Position of `key_id`'s expanded keys in the table, loading them if needed.
    pub(crate) fn slot(&mut self, key_id: &[u8]) -> Result<usize> {
        if let Some(pos) = self.entries.iter().position(|(id, _)| id == key_id) {
            return Ok(pos);
        }
        let data = self
            .source
            .key_data(key_id)
            .ok_or_else(|| AppStateError::KeyNotFound {
                key_id: key_id.to_vec(),
            })?;
        self.entries
            .push((key_id.to_vec(), expand_app_state_keys(&data)));
        Ok(self.entries.len() - 1)
    }

    /// Hands over the expanded keys, in slot order.
    pub(crate) fn into_keys(self) -> Vec<ExpandedAppStateKeys> {
        self.entries.into_iter().map(|(_, k)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_hkdf_and_debug_hides_keys() {
        let k = expand_app_state_keys(&[1u8; 32]);
        let mut okm = [0u8; 160];
        Hkdf::<Sha256>::new(None, &[1u8; 32])
            .expand(b"WhatsApp Mutation Keys", &mut okm)
            .unwrap();
        assert_eq!(k.index, okm[..32]);
        assert_eq!(k.patch_mac, okm[128..]);
        assert_eq!(format!("{k:?}"), "ExpandedAppStateKeys { .. }");
    }

    #[test]
    fn table_looks_each_key_up_once_and_reports_missing_ids() {
        let lookups = std::cell::Cell::new(0);
        let source = |id: &[u8]| {
            lookups.set(lookups.get() + 1);
            (id == b"a").then(|| vec![9u8; 32])
        };
        let mut table = KeyTable::new(&source);
        assert_eq!(table.slot(b"a").unwrap(), 0);
        assert_eq!(table.slot(b"a").unwrap(), 0);
        assert_eq!(lookups.get(), 1);
        let err = table.slot(b"zz").unwrap_err();
        assert!(matches!(err, AppStateError::KeyNotFound { ref key_id } if key_id == b"zz"));
        assert_eq!(err.to_string(), "app state sync key 7A7A not found");
    }
}
