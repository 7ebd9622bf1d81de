//! App-state sync crypto for WhatsApp multi-device: mutation-key expansion, the LTHash
//! integrity hash, index / value / snapshot / patch MACs, decoding snapshots and patches
//! into typed, verified mutations, and encoding our own mutations into patches.
//!
//! Synchronous and pure: no I/O, no clock, no async. Keys come from a [`KeySource`] the
//! caller supplies (a closure or a map); a client with an async store first loads the ids
//! [`referenced_key_ids`] lists. Collection state ([`HashState`]: version, LTHash and
//! index-to-value-MAC map) is kept apart from decoding (`state.rs` vs `phases.rs`);
//! decoding never modifies the caller's state, it returns the next one.
//!
//! ```
//! use std::collections::HashMap;
//! use wacore_appstate::{HashState, SyncAction, encode_patch, process_patch};
//!
//! let keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::from([(b"kid".to_vec(), vec![7u8; 32])]);
//! let state = HashState::default();
//! let mutation = SyncAction::pin("123@s.whatsapp.net", true).to_mutation(1_700_000_000_000).unwrap();
//! let sent = encode_patch("regular_low", &state, b"kid", &keys, &[mutation]).unwrap();
//! let got = process_patch("regular_low", &state, &sent.patch, &keys).unwrap();
//! assert_eq!(got.state, sent.state);
//! assert_eq!(got.mutations[0].action, SyncAction::pin("123@s.whatsapp.net", true));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actions;
mod collection;
mod decode;
mod encode;
mod error;
mod keys;
mod lthash;
mod mac;
mod phases;
mod state;

pub use actions::{MessageRef, SyncAction};
pub use collection::Collection;
pub use decode::{DecodedPatch, Mutation, process_patch, process_snapshot, referenced_key_ids};
pub use encode::{
    EncodedPatch, MutationInput, encode_patch, encode_patch_with_rng, encode_snapshot,
};
pub use error::{AppStateError, Result};
pub use keys::{ExpandedAppStateKeys, KeySource, expand_app_state_keys};
pub use lthash::{LTHASH_LEN, LTHash, WA_PATCH_INTEGRITY};
pub use mac::{index_mac, patch_mac, snapshot_mac, value_mac};
pub use state::{AppStateMutationMAC, HashState, MacChanges, Operation};

/// The spec's path for [`HashState`] (`wacore::appstate::hash::HashState`).
pub mod hash {
    pub use crate::state::HashState;
}

/// The spec's path for [`AppStateMutationMAC`] (`wacore_appstate::processor::AppStateMutationMAC`).
pub mod processor {
    pub use crate::state::AppStateMutationMAC;
}
