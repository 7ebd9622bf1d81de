//! Encoding our own mutations into a patch the server accepts (and, for primaries and
//! test tooling, a snapshot): index JSON, `SyncActionData`, AES-256-CBC with a random IV
//! in front, value and index MACs, the new LTHash, snapshot and patch MACs.

use aes::Aes256;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use prost::Message;
use rand::CryptoRng;
use waproto::whatsapp::{
    KeyId, SyncActionData, SyncActionValue, SyncdIndex, SyncdMutation, SyncdPatch, SyncdRecord,
    SyncdSnapshot, SyncdValue, SyncdVersion,
};

use crate::keys::KeyTable;
use crate::{
    AppStateError, ExpandedAppStateKeys, HashState, KeySource, MacChanges, Operation, Result, mac,
};

/// One mutation to encode.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationInput {
    /// SET or REMOVE.
    pub operation: Operation,
    /// The index, e.g. `["archive", "123@s.whatsapp.net"]`.
    pub index: Vec<String>,
    /// The value (with its timestamp).
    pub value: Option<SyncActionValue>,
    /// `SyncActionData.version` (see [`crate::SyncAction::api_version`]).
    pub api_version: i32,
}

/// An encoded patch and the state it leads to once the server accepts it.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedPatch {
    /// The patch to send (without a version: the server assigns `state.version + 1`).
    pub patch: SyncdPatch,
    /// The collection state after the patch.
    pub state: HashState,
    /// Net change of the index-to-value-MAC map.
    pub mac_changes: MacChanges,
}

struct Encrypted {
    mutation: SyncdMutation,
    index_mac: [u8; 32],
    value_mac: [u8; 32],
}

fn encrypt_mutation<R: CryptoRng + ?Sized>(
    keys: &ExpandedAppStateKeys,
    key_id: &[u8],
    i: usize,
    input: &MutationInput,
    rng: &mut R,
) -> Result<Encrypted> {
    let index = serde_json::to_vec(&input.index).map_err(|e| AppStateError::Encode {
        mutation: i,
        reason: e.to_string(),
    })?;
    let plain = SyncActionData {
        index: Some(index.clone()),
        value: input.value.clone(),
        padding: Some(Vec::new()),
        version: Some(input.api_version),
    }
    .encode_to_vec();
    let mut iv = [0u8; 16];
    rng.fill_bytes(&mut iv);
    let mut buf = plain.clone();
    buf.resize(plain.len() + 16, 0);
    let ct_len = cbc::Encryptor::<Aes256>::new(&keys.value_encryption.into(), &iv.into())
        .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
        .map_err(|_| AppStateError::Encode {
            mutation: i,
            reason: "padding".to_owned(),
        })?
        .len();
    buf.truncate(ct_len);
    let mut encrypted = Vec::with_capacity(16 + ct_len + 32);
    encrypted.extend_from_slice(&iv);
    encrypted.extend_from_slice(&buf);
    let value_mac = mac::value_mac(keys, input.operation, key_id, &encrypted);
    let index_mac = mac::index_mac(keys, &index);
    encrypted.extend_from_slice(&value_mac);
    Ok(Encrypted {
        mutation: SyncdMutation {
            operation: Some(input.operation.to_proto()),
            record: Some(SyncdRecord {
                index: Some(SyncdIndex {
                    blob: Some(index_mac.to_vec()),
                }),
                value: Some(SyncdValue {
                    blob: Some(encrypted),
                }),
                key_id: Some(KeyId {
                    id: Some(key_id.to_vec()),
                }),
            }),
        },
        index_mac,
        value_mac,
    })
}

fn key_for<K: KeySource + ?Sized>(keys: &K, key_id: &[u8]) -> Result<ExpandedAppStateKeys> {
    let mut table = KeyTable::new(keys);
    table.slot(key_id)?;
    table
        .into_keys()
        .pop()
        .ok_or_else(|| AppStateError::KeyNotFound {
            key_id: key_id.to_vec(),
        })
}

/// Encodes `mutations` as the next patch of `collection` after `state`, encrypted and
/// MACed with the key `key_id` (normally the newest app-state sync key).
pub fn encode_patch<K: KeySource + ?Sized>(
    collection: &str,
    state: &HashState,
    key_id: &[u8],
    keys: &K,
    mutations: &[MutationInput],
) -> Result<EncodedPatch> {
    encode_patch_with_rng(collection, state, key_id, keys, mutations, &mut rand::rng())
}

/// [`encode_patch`] with a caller-supplied random number generator for the IVs.
pub fn encode_patch_with_rng<K: KeySource + ?Sized, R: CryptoRng + ?Sized>(
    collection: &str,
    state: &HashState,
    key_id: &[u8],
    keys: &K,
    mutations: &[MutationInput],
    rng: &mut R,
) -> Result<EncodedPatch> {
    let keys = key_for(keys, key_id)?;
    let mut encrypted = Vec::with_capacity(mutations.len());
    let mut live = state
        .index_value_map
        .keys()
        .copied()
        .collect::<std::collections::HashSet<_>>();
    for (i, input) in mutations.iter().enumerate() {
        let e = encrypt_mutation(&keys, key_id, i, input, rng)?;
        let known = match input.operation {
            Operation::Set => {
                live.insert(e.index_mac);
                true
            }
            Operation::Remove => live.remove(&e.index_mac),
        };
        if !known {
            return Err(AppStateError::Encode {
                mutation: i,
                reason: "REMOVE of an index that is not set".to_owned(),
            });
        }
        encrypted.push(e);
    }
    let mut next = state.clone();
    let mac_changes = next.apply(
        encrypted
            .iter()
            .zip(mutations)
            .map(|(e, m)| (m.operation, &e.index_mac, &e.value_mac)),
    );
    next.version = state.version.saturating_add(1);
    let snapshot_mac = next.snapshot_mac(&keys, collection);
    let patch_mac = mac::patch_mac(
        &keys,
        &snapshot_mac,
        encrypted.iter().map(|e| &e.value_mac),
        next.version,
        collection,
    );
    let patch = SyncdPatch {
        mutations: encrypted.into_iter().map(|e| e.mutation).collect(),
        snapshot_mac: Some(snapshot_mac.to_vec()),
        patch_mac: Some(patch_mac.to_vec()),
        key_id: Some(KeyId {
            id: Some(key_id.to_vec()),
        }),
        ..Default::default()
    };
    Ok(EncodedPatch {
        patch,
        state: next,
        mac_changes,
    })
}

/// Encodes a snapshot of `collection` at `version` holding `records` (all SET), as a
/// primary device uploads it; returns the snapshot and its state.
pub fn encode_snapshot<K: KeySource + ?Sized>(
    collection: &str,
    version: u64,
    key_id: &[u8],
    keys: &K,
    records: &[MutationInput],
) -> Result<(SyncdSnapshot, HashState)> {
    let keys = key_for(keys, key_id)?;
    let mut rng = rand::rng();
    let mut encrypted = Vec::with_capacity(records.len());
    for (i, input) in records.iter().enumerate() {
        if input.operation != Operation::Set {
            return Err(AppStateError::Encode {
                mutation: i,
                reason: "snapshots hold SET records only".to_owned(),
            });
        }
        encrypted.push(encrypt_mutation(&keys, key_id, i, input, &mut rng)?);
    }
    let mut state = HashState::default();
    state.apply(
        encrypted
            .iter()
            .map(|e| (Operation::Set, &e.index_mac, &e.value_mac)),
    );
    state.version = version;
    let snapshot = SyncdSnapshot {
        version: Some(SyncdVersion {
            version: Some(version),
        }),
        mac: Some(state.snapshot_mac(&keys, collection).to_vec()),
        key_id: Some(KeyId {
            id: Some(key_id.to_vec()),
        }),
        records: encrypted
            .into_iter()
            .filter_map(|e| e.mutation.record)
            .collect(),
    };
    Ok((snapshot, state))
}
