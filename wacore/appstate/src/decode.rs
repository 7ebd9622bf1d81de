//! Decoding what the server sends: a collection's snapshot and the patches that follow it.
//! All-or-nothing: a patch whose keys, MACs or LTHash do not check out yields an error and
//! no mutations, and the caller's state is never modified (a new state is returned).

use waproto::whatsapp::{SyncActionValue, SyncdPatch, SyncdSnapshot};

use crate::phases::Received;
use crate::{HashState, KeySource, MacChanges, Operation, Result, SyncAction};

/// One decrypted, verified mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// SET or REMOVE.
    pub operation: Operation,
    /// The decoded index, e.g. `["mute", "123@s.whatsapp.net"]`.
    pub index: Vec<String>,
    /// The typed action ([`SyncAction::Other`] for anything not typed).
    pub action: SyncAction,
    /// The raw value, as decrypted.
    pub value: Option<SyncActionValue>,
    /// `SyncActionData.version`.
    pub api_version: Option<i32>,
    /// The index MAC (identifies the index in the collection).
    pub index_mac: [u8; 32],
    /// The value MAC.
    pub value_mac: [u8; 32],
    /// Version of the patch or snapshot the mutation came in.
    pub patch_version: u64,
}

impl Mutation {
    /// When the action happened (`SyncActionValue.timestamp`, Unix ms).
    pub fn timestamp(&self) -> Option<i64> {
        self.value.as_ref().and_then(|v| v.timestamp)
    }
}

/// The result of decoding a snapshot or a patch.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedPatch {
    /// Collection name.
    pub collection: String,
    /// The collection's state after applying it (persist this).
    pub state: HashState,
    /// The mutations, in order.
    pub mutations: Vec<Mutation>,
    /// Net change of the index-to-value-MAC map, for stores that persist it row by row.
    pub mac_changes: MacChanges,
}

/// Decodes a collection snapshot (the collection's full content, replacing any state):
/// verifies every value MAC, the snapshot MAC over the resulting LTHash, then decrypts.
pub fn process_snapshot<K: KeySource + ?Sized>(
    collection: &str,
    snapshot: &SyncdSnapshot,
    keys: &K,
) -> Result<DecodedPatch> {
    Received::snapshot(collection, snapshot)?
        .resolve_keys(keys)?
        .verify_macs()?
        .apply_to(HashState::default())?
        .decrypt()
}

/// Decodes one patch on top of `state`: verifies the patch MAC, every value MAC, the LTHash
/// the state reaches (against the patch's snapshot MAC), then decrypts and checks every
/// index MAC. A patch without a version is taken to be `state.version + 1`. If its
/// mutations were sent as an external blob, download and decode it (a `SyncdMutations`)
/// into `patch.mutations` first.
pub fn process_patch<K: KeySource + ?Sized>(
    collection: &str,
    state: &HashState,
    patch: &SyncdPatch,
    keys: &K,
) -> Result<DecodedPatch> {
    Received::patch(collection, state.version, patch)?
        .resolve_keys(keys)?
        .verify_macs()?
        .apply_to(state.clone())?
        .decrypt()
}

/// Every distinct key id a snapshot and patches refer to, so a client can load them from
/// its (async) store before decoding.
pub fn referenced_key_ids(
    snapshot: Option<&SyncdSnapshot>,
    patches: &[SyncdPatch],
) -> Vec<Vec<u8>> {
    let mut ids: Vec<Vec<u8>> = Vec::new();
    let mut note = |id: Option<&Vec<u8>>| {
        if let Some(id) = id
            && !ids.contains(id)
        {
            ids.push(id.clone());
        }
    };
    if let Some(s) = snapshot {
        note(s.key_id.as_ref().and_then(|k| k.id.as_ref()));
        for r in &s.records {
            note(r.key_id.as_ref().and_then(|k| k.id.as_ref()));
        }
    }
    for p in patches {
        note(p.key_id.as_ref().and_then(|k| k.id.as_ref()));
        for m in &p.mutations {
            note(
                m.record
                    .as_ref()
                    .and_then(|r| r.key_id.as_ref())
                    .and_then(|k| k.id.as_ref()),
            );
        }
    }
    ids
}
