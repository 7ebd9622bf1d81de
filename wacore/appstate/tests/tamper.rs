//! Every way a snapshot or patch can be wrong maps to its own error variant, and a failed
//! decode yields nothing (the API returns only the error; the caller's state is borrowed
//! immutably and stays as it was).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::HashMap;

use aes::Aes256;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use support::{KEY_ID, keys};
use wacore_appstate::{
    AppStateError, EncodedPatch, HashState, MutationInput, Operation, SyncAction,
    WA_PATCH_INTEGRITY, encode_patch, encode_snapshot, expand_app_state_keys, patch_mac,
    process_patch, process_snapshot, value_mac,
};
use waproto::whatsapp::{ExternalBlobReference, SyncdPatch, SyncdSnapshot, SyncdVersion};

const NAME: &str = "regular_low";

fn mutations() -> Vec<MutationInput> {
    ["1@s.whatsapp.net", "2@s.whatsapp.net", "3@s.whatsapp.net"]
        .into_iter()
        .map(|jid| SyncAction::pin(jid, true).to_mutation(1).unwrap())
        .collect()
}

/// A state with one patch applied, and a valid second patch on top of it.
fn setup() -> (HashState, EncodedPatch) {
    let keys = keys();
    let first = encode_patch(NAME, &HashState::default(), KEY_ID, &keys, &mutations()).unwrap();
    let next = [SyncAction::archive("1@s.whatsapp.net", true, None)
        .to_mutation(2)
        .unwrap()];
    let second = encode_patch(NAME, &first.state, KEY_ID, &keys, &next).unwrap();
    (first.state, second)
}

fn decode(state: &HashState, patch: &SyncdPatch) -> AppStateError {
    let before = state.clone();
    let err = process_patch(NAME, state, patch, &keys()).unwrap_err();
    assert_eq!(*state, before);
    err
}

fn value_blob(patch: &mut SyncdPatch, i: usize) -> &mut Vec<u8> {
    patch.mutations[i]
        .record
        .as_mut()
        .unwrap()
        .value
        .as_mut()
        .unwrap()
        .blob
        .as_mut()
        .unwrap()
}

#[test]
fn untouched_patch_decodes() {
    let (state, encoded) = setup();
    let decoded = process_patch(NAME, &state, &encoded.patch, &keys()).unwrap();
    assert_eq!(decoded.state, encoded.state);
    assert_eq!(decoded.state.version, 2);
}

#[test]
fn tampered_ciphertext_is_a_value_mac_mismatch() {
    let (state, mut encoded) = setup();
    value_blob(&mut encoded.patch, 0)[20] ^= 1;
    let err = decode(&state, &encoded.patch);
    assert!(
        matches!(
            err,
            AppStateError::ValueMacMismatch {
                mutation: 0,
                version: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn tampered_patch_fields_are_a_patch_mac_mismatch() {
    let (state, encoded) = setup();
    let mut p = encoded.patch.clone();
    p.patch_mac.as_mut().unwrap()[0] ^= 1;
    let mut q = encoded.patch.clone();
    q.snapshot_mac.as_mut().unwrap()[31] ^= 1;
    let mut r = encoded.patch.clone();
    let blob = value_blob(&mut r, 0);
    let last = blob.len() - 1;
    blob[last] ^= 1; // the value MAC itself, which the patch MAC covers
    let mut s = encoded.patch.clone();
    s.version = Some(SyncdVersion { version: Some(3) }); // a skipped version
    for patch in [p, q, r, s] {
        let err = decode(&state, &patch);
        assert!(
            matches!(err, AppStateError::PatchMacMismatch { .. }),
            "{err}"
        );
    }
}

#[test]
fn wrong_local_state_is_an_lthash_mismatch() {
    let (mut state, encoded) = setup();
    state.hash[5] ^= 1;
    let err = decode(&state, &encoded.patch);
    assert!(
        matches!(err, AppStateError::LtHashMismatch { version: 2, .. }),
        "{err}"
    );
    // Also when the state forgot a value it should subtract.
    let (mut state, _) = setup();
    let overwrite = [SyncAction::pin("2@s.whatsapp.net", false)
        .to_mutation(3)
        .unwrap()];
    let patch = encode_patch(NAME, &state, KEY_ID, &keys(), &overwrite)
        .unwrap()
        .patch;
    state.index_value_map.clear();
    let err = decode(&state, &patch);
    assert!(matches!(err, AppStateError::LtHashMismatch { .. }), "{err}");
}

#[test]
fn tampered_index_mac_is_an_index_mac_mismatch() {
    let (state, mut encoded) = setup();
    // A SET on a new index: the LTHash only sees the value MAC, so only the index MAC
    // check (after decryption) can catch this.
    encoded.patch.mutations[0]
        .record
        .as_mut()
        .unwrap()
        .index
        .as_mut()
        .unwrap()
        .blob = Some(vec![0xAB; 32]);
    let err = decode(&state, &encoded.patch);
    assert!(
        matches!(err, AppStateError::IndexMacMismatch { mutation: 0, .. }),
        "{err}"
    );
}

#[test]
fn missing_key_is_key_not_found_with_its_id() {
    let (state, encoded) = setup();
    let empty: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let err = process_patch(NAME, &state, &encoded.patch, &empty).unwrap_err();
    assert!(
        matches!(err, AppStateError::KeyNotFound { ref key_id } if key_id == KEY_ID),
        "{err}"
    );
    // A mutation sealed under another key id, which the store does not hold.
    let mut other = encoded.patch.clone();
    other.mutations[0]
        .record
        .as_mut()
        .unwrap()
        .key_id
        .as_mut()
        .unwrap()
        .id = Some(b"gone".to_vec());
    let err = decode(&state, &other);
    assert!(
        matches!(err, AppStateError::KeyNotFound { ref key_id } if key_id == b"gone"),
        "{err}"
    );
}

#[test]
fn snapshot_errors_are_distinct() {
    let keys = keys();
    let (snapshot, state) = encode_snapshot(NAME, 9, KEY_ID, &keys, &mutations()).unwrap();
    let decoded = process_snapshot(NAME, &snapshot, &keys).unwrap();
    assert_eq!(decoded.state, state);
    assert_eq!(decoded.mutations.len(), 3);

    let mut bad_mac = snapshot.clone();
    bad_mac.mac.as_mut().unwrap()[3] ^= 1;
    let err = process_snapshot(NAME, &bad_mac, &keys).unwrap_err();
    assert!(
        matches!(err, AppStateError::SnapshotMacMismatch { version: 9, .. }),
        "{err}"
    );

    let err = process_snapshot("regular_high", &snapshot, &keys).unwrap_err();
    assert!(
        matches!(err, AppStateError::SnapshotMacMismatch { .. }),
        "{err}"
    );

    let mut bad_value = snapshot.clone();
    bad_value.records[2]
        .value
        .as_mut()
        .unwrap()
        .blob
        .as_mut()
        .unwrap()[0] ^= 1;
    let err = process_snapshot(NAME, &bad_value, &keys).unwrap_err();
    assert!(
        matches!(err, AppStateError::ValueMacMismatch { mutation: 2, .. }),
        "{err}"
    );

    let err = process_snapshot(NAME, &snapshot, &HashMap::<Vec<u8>, Vec<u8>>::new()).unwrap_err();
    assert!(matches!(err, AppStateError::KeyNotFound { .. }), "{err}");
}

#[test]
fn structural_problems_are_reported_before_any_crypto() {
    let (state, encoded) = setup();
    let mut stale = encoded.patch.clone();
    stale.version = Some(SyncdVersion { version: Some(1) });
    assert!(matches!(
        decode(&state, &stale),
        AppStateError::StaleVersion {
            version: 1,
            state_version: 1,
            ..
        }
    ));

    let mut external = encoded.patch.clone();
    external.mutations.clear();
    external.external_mutations = Some(ExternalBlobReference::default());
    assert!(matches!(
        decode(&state, &external),
        AppStateError::ExternalMutationsNotResolved { .. }
    ));

    let mut short = encoded.patch.clone();
    value_blob(&mut short, 0).truncate(40);
    assert!(matches!(
        decode(&state, &short),
        AppStateError::Malformed { .. }
    ));

    let empty = SyncdSnapshot::default();
    assert!(matches!(
        process_snapshot(NAME, &empty, &keys()).unwrap_err(),
        AppStateError::Malformed { .. }
    ));
}

#[test]
fn authentic_garbage_is_a_decrypt_error() {
    // A correctly MACed and sealed patch whose plaintext padding is invalid: only someone
    // holding the key could make it; it still yields an error, not data.
    let keys = keys();
    let k = expand_app_state_keys(&keys[KEY_ID]);
    let iv = [1u8; 16];
    let mut block = [0x55u8; 32];
    let (blocks, _) = block.as_chunks_mut::<16>();
    let mut enc = cbc::Encryptor::<Aes256>::new(&k.value_encryption.into(), &iv.into());
    for b in blocks {
        enc.encrypt_block(b.into());
    }
    let mut encrypted = iv.to_vec();
    encrypted.extend_from_slice(&block);
    let vmac = value_mac(&k, Operation::Set, KEY_ID, &encrypted);
    let state = HashState::default();
    let mut hash = state.hash;
    WA_PATCH_INTEGRITY.add(&mut hash, [vmac.as_slice()]);
    let next = HashState::from_parts(1, hash, []);
    let smac = next.snapshot_mac(&k, NAME);
    let mut blob = encrypted.clone();
    blob.extend_from_slice(&vmac);
    let mut patch = encode_patch(NAME, &state, KEY_ID, &keys, &mutations()[..1])
        .unwrap()
        .patch;
    let record = patch.mutations[0].record.as_mut().unwrap();
    record.value.as_mut().unwrap().blob = Some(blob);
    patch.snapshot_mac = Some(smac.to_vec());
    patch.patch_mac = Some(patch_mac(&k, &smac, [&vmac], 1, NAME).to_vec());
    let err = decode(&state, &patch);
    assert!(
        matches!(err, AppStateError::Decrypt { mutation: 0, .. }),
        "{err}"
    );
}
