//! Fuzzes app-state decoding of hostile server input: arbitrary bytes parsed as a
//! `SyncdPatch` or a `SyncdSnapshot` never make decoding panic, and neither does a valid
//! patch with fuzzer-chosen byte flips (which reaches the later phases when the flips miss
//! the MAC-covered bytes, e.g. in the index MAC).
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run appstate_patch` (from the repository root).
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prost::Message;
use wacore_appstate::{HashState, SyncAction, encode_patch, process_patch, process_snapshot};
use waproto::whatsapp::{SyncdPatch, SyncdSnapshot};

fn keys() -> &'static HashMap<Vec<u8>, Vec<u8>> {
    static KEYS: OnceLock<HashMap<Vec<u8>, Vec<u8>>> = OnceLock::new();
    KEYS.get_or_init(|| HashMap::from([(b"k".to_vec(), vec![1u8; 32])]))
}

fn valid_patch() -> &'static [u8] {
    static PATCH: OnceLock<Vec<u8>> = OnceLock::new();
    PATCH.get_or_init(|| {
        let mutations: Vec<_> = ["a@s.whatsapp.net", "b@s.whatsapp.net"]
            .into_iter()
            .filter_map(|jid| SyncAction::pin(jid, true).to_mutation(1))
            .collect();
        encode_patch("regular_low", &HashState::default(), b"k", keys(), &mutations)
            .map(|e| e.patch.encode_to_vec())
            .unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let state = HashState::default();
    if let Ok(patch) = SyncdPatch::decode(data) {
        let _ = process_patch("regular_low", &state, &patch, keys());
    }
    if let Ok(snapshot) = SyncdSnapshot::decode(data) {
        let _ = process_snapshot("regular_low", &snapshot, keys());
    }
    // Flip bytes of a valid patch: (position hi, position lo, xor) triples.
    let mut bytes = valid_patch().to_vec();
    if bytes.is_empty() {
        return;
    }
    for t in data.chunks_exact(3) {
        let pos = usize::from(u16::from_be_bytes([t[0], t[1]])) % bytes.len();
        bytes[pos] ^= t[2];
    }
    if let Ok(patch) = SyncdPatch::decode(bytes.as_slice()) {
        let _ = process_patch("regular_low", &state, &patch, keys());
    }
});
