//! The per-collection state the store persists, and the LTHash bookkeeping of applying
//! mutations to it. No decryption or MAC checking here (that is `phases.rs`).

use std::collections::HashMap;

use waproto::whatsapp::syncd_mutation::SyncdOperation;

use crate::{ExpandedAppStateKeys, LTHASH_LEN, WA_PATCH_INTEGRITY, mac};

/// What a mutation does to its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Sets the index to a value (replacing any previous value).
    Set,
    /// Removes the index.
    Remove,
}

impl Operation {
    /// The byte that opens the value MAC input (1 for SET, 2 for REMOVE).
    pub(crate) fn mac_byte(self) -> u8 {
        match self {
            Operation::Set => 1,
            Operation::Remove => 2,
        }
    }

    /// The protobuf value of `SyncdMutation.operation`.
    pub fn to_proto(self) -> i32 {
        match self {
            Operation::Set => SyncdOperation::Set as i32,
            Operation::Remove => SyncdOperation::Remove as i32,
        }
    }

    /// Parses `SyncdMutation.operation`; absent means SET (the proto2 default).
    pub fn from_proto(value: Option<i32>) -> Option<Operation> {
        match value.map(SyncdOperation::try_from) {
            None | Some(Ok(SyncdOperation::Set)) => Some(Operation::Set),
            Some(Ok(SyncdOperation::Remove)) => Some(Operation::Remove),
            Some(Err(_)) => None,
        }
    }
}

/// One index MAC with the value MAC currently set for it (what the store's
/// `put_mutation_macs` persists).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppStateMutationMAC {
    /// HMAC of the mutation index.
    pub index_mac: Vec<u8>,
    /// MAC of the value currently set at that index.
    pub value_mac: Vec<u8>,
}

/// The state of one collection: its version, its LTHash and the value MAC currently set
/// for every index MAC (needed to subtract a value when it is overwritten or removed).
#[derive(Clone, PartialEq, Eq)]
pub struct HashState {
    /// Version of the last patch (or snapshot) applied.
    pub version: u64,
    /// LTHash of the value MACs of all live indexes.
    pub hash: [u8; LTHASH_LEN],
    /// Index MAC to value MAC of every live index.
    pub index_value_map: HashMap<[u8; 32], [u8; 32]>,
}

impl Default for HashState {
    fn default() -> Self {
        HashState {
            version: 0,
            hash: [0; LTHASH_LEN],
            index_value_map: HashMap::new(),
        }
    }
}

impl std::fmt::Debug for HashState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashState")
            .field("version", &self.version)
            .field("indexes", &self.index_value_map.len())
            .finish_non_exhaustive()
    }
}

/// How applying mutations changed the index-to-value-MAC map: the net effect per index,
/// in first-touched order, for stores that persist the map row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MacChanges {
    /// Indexes now set, with their current value MAC.
    pub added: Vec<AppStateMutationMAC>,
    /// Index MACs no longer set.
    pub removed: Vec<Vec<u8>>,
}

impl HashState {
    /// A state restored from the store: version and hash, plus the stored MAC rows.
    pub fn from_parts(
        version: u64,
        hash: [u8; LTHASH_LEN],
        macs: impl IntoIterator<Item = ([u8; 32], [u8; 32])>,
    ) -> Self {
        HashState {
            version,
            hash,
            index_value_map: macs.into_iter().collect(),
        }
    }

    /// The snapshot MAC of this state under `keys` for `collection`.
    pub fn snapshot_mac(&self, keys: &ExpandedAppStateKeys, collection: &str) -> [u8; 32] {
        mac::snapshot_mac(keys, &self.hash, self.version, collection)
    }

    /// Applies mutations, in order, to the map and the LTHash: a SET adds its value MAC and
    /// replaces the index's previous one (subtracted); a REMOVE subtracts the previous value.
    /// A REMOVE of an index that is not set changes nothing but is logged (whatsmeow does
    /// the same; WhatsApp sends such removals, e.g. for one's own contact entry).
    pub(crate) fn apply<'a>(
        &mut self,
        mutations: impl IntoIterator<Item = (Operation, &'a [u8; 32], &'a [u8; 32])>,
    ) -> MacChanges {
        let mut add: Vec<[u8; 32]> = Vec::new();
        let mut sub: Vec<[u8; 32]> = Vec::new();
        let mut touched: Vec<[u8; 32]> = Vec::new();
        for (op, index_mac, value_mac) in mutations {
            let previous = match op {
                Operation::Set => {
                    add.push(*value_mac);
                    self.index_value_map.insert(*index_mac, *value_mac)
                }
                Operation::Remove => self.index_value_map.remove(index_mac),
            };
            match previous {
                Some(p) => sub.push(p),
                None if op == Operation::Remove => {
                    log::warn!(target: "AppState", "REMOVE of an index that is not set; ignored");
                }
                None => {}
            }
            if !touched.contains(index_mac) {
                touched.push(*index_mac);
            }
        }
        WA_PATCH_INTEGRITY.subtract_then_add(
            &mut self.hash,
            sub.iter().map(|m| m.as_slice()),
            add.iter().map(|m| m.as_slice()),
        );
        let mut changes = MacChanges::default();
        for index_mac in touched {
            match self.index_value_map.get(&index_mac) {
                Some(v) => changes.added.push(AppStateMutationMAC {
                    index_mac: index_mac.to_vec(),
                    value_mac: v.to_vec(),
                }),
                None => changes.removed.push(index_mac.to_vec()),
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(values: &[[u8; 32]]) -> [u8; LTHASH_LEN] {
        let mut h = [0u8; LTHASH_LEN];
        WA_PATCH_INTEGRITY.add(&mut h, values.iter().map(|v| v.as_slice()));
        h
    }

    #[test]
    fn overwrite_and_remove_keep_the_hash_equal_to_the_live_set() {
        let (i1, i2) = ([1u8; 32], [2u8; 32]);
        let (v1, v2, v3) = ([10u8; 32], [20u8; 32], [30u8; 32]);
        let mut s = HashState::default();
        let c = s.apply([(Operation::Set, &i1, &v1), (Operation::Set, &i2, &v2)]);
        assert_eq!(c.added.len(), 2);
        assert_eq!(s.hash, hash_of(&[v1, v2]));
        // Overwrite i1, remove i2, in one batch.
        let c = s.apply([(Operation::Set, &i1, &v3), (Operation::Remove, &i2, &v2)]);
        assert_eq!(s.hash, hash_of(&[v3]));
        assert_eq!(c.removed, vec![i2.to_vec()]);
        assert_eq!(
            c.added,
            vec![AppStateMutationMAC {
                index_mac: i1.to_vec(),
                value_mac: v3.to_vec()
            }]
        );
        // Removing what is not there changes nothing.
        let before = s.clone();
        s.apply([(Operation::Remove, &i2, &v2)]);
        assert_eq!(s, before);
    }

    #[test]
    fn set_then_remove_in_one_batch_nets_out() {
        let mut s = HashState::default();
        let c = s.apply([
            (Operation::Set, &[1; 32], &[9; 32]),
            (Operation::Remove, &[1; 32], &[8; 32]),
        ]);
        assert_eq!(s.hash, [0u8; LTHASH_LEN]);
        assert!(c.added.is_empty());
        assert_eq!(c.removed.len(), 1);
    }

    #[test]
    fn operation_proto_mapping() {
        assert_eq!(Operation::from_proto(None), Some(Operation::Set));
        assert_eq!(Operation::from_proto(Some(1)), Some(Operation::Remove));
        assert_eq!(Operation::from_proto(Some(7)), None);
        assert_eq!(Operation::Remove.to_proto(), 1);
    }
}
