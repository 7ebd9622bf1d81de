//! Interop with npm baileys 6.17.16 (interop/appstate/peer.cjs): patches baileys encodes
//! decode in ours with every MAC and the LTHash verified, patches (and a snapshot) we encode
//! decode in baileys, and both reach identical states; LTHash values agree.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::HashMap;

use prost::Message;
use serde_json::json;
use support::{KEY_ID, Peer, keys, keys_json, state_from_json, state_to_json};
use wacore_appstate::{
    Collection, HashState, LTHash, MessageRef, MutationInput, Operation, SyncAction,
    WA_PATCH_INTEGRITY, encode_patch, encode_snapshot, process_patch,
};
use waproto::whatsapp::{SyncActionValue, SyncdPatch};

const CHAT: &str = "15551234567@s.whatsapp.net";
const GROUP: &str = "120363012345678901@g.us";
const TS: i64 = 1_717_171_717_000;

fn actions() -> Vec<SyncAction> {
    let msg = |from_me, participant: Option<&str>| MessageRef {
        chat_jid: GROUP.to_owned(),
        message_id: "3EB0C0FFEE".to_owned(),
        from_me,
        participant: participant.map(str::to_owned),
    };
    vec![
        SyncAction::archive(CHAT, true, Some(1_717_000_000)),
        SyncAction::pin(CHAT, true),
        SyncAction::pin(CHAT, false),
        SyncAction::mute(CHAT, Some(1_800_000_000_000)),
        SyncAction::unmute(GROUP),
        SyncAction::star(msg(false, Some("15559876543@s.whatsapp.net")), true),
        SyncAction::star(msg(true, None), false),
        SyncAction::mark_chat_as_read(CHAT, true, Some(1_717_000_500)),
        SyncAction::push_name("Rusty Crab"),
        SyncAction::contact(CHAT, Some("Alice Example".into()), Some("Alice".into())),
        SyncAction::delete_chat(GROUP, Some(1_717_000_900)),
        SyncAction::label_edit("7", "Important", 3, false),
        SyncAction::label_chat("7", CHAT, true),
        SyncAction::label_message("7", msg(false, Some("15559876543@s.whatsapp.net")), true),
    ]
}

fn value_hex(v: &SyncActionValue) -> String {
    hex::encode(v.encode_to_vec())
}

fn value_from_hex(h: &serde_json::Value) -> SyncActionValue {
    SyncActionValue::decode(hex::decode(h.as_str().unwrap()).unwrap().as_slice()).unwrap()
}

#[test]
fn lthash_agrees_with_baileys() {
    let mut peer = Peer::spawn("interop/appstate/peer.cjs");
    let items: Vec<Vec<u8>> = (0u8..6).map(|i| vec![i.wrapping_mul(37); 32]).collect();
    let mut base = [0u8; 128];
    base.iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = (i * 7) as u8);
    for (add, sub) in [(0..3, 0..0), (2..6, 0..2), (0..0, 1..5), (0..6, 0..6)] {
        let mut ours = base;
        WA_PATCH_INTEGRITY.subtract_then_add(
            &mut ours,
            items[sub.clone()].iter().map(Vec::as_slice),
            items[add.clone()].iter().map(Vec::as_slice),
        );
        let theirs = peer.call(json!({
            "op": "lthash",
            "base": hex::encode(base),
            "add": items[add].iter().map(hex::encode).collect::<Vec<_>>(),
            "sub": items[sub].iter().map(hex::encode).collect::<Vec<_>>(),
        }));
        assert_eq!(theirs["hash"], hex::encode(ours));
    }
    // A different info string gives a different hash: the comparison above is not vacuous.
    let mut other = base;
    LTHash::new(b"Something Else").add(&mut other, [items[0].as_slice()]);
    let mut ours = base;
    WA_PATCH_INTEGRITY.add(&mut ours, [items[0].as_slice()]);
    assert_ne!(other, ours);
}

#[test]
fn patches_encoded_by_baileys_decode_in_ours() {
    let mut peer = Peer::spawn("interop/appstate/peer.cjs");
    let keys = keys();
    let mut states: HashMap<Collection, HashState> = HashMap::new();
    let mut inputs: Vec<(Collection, MutationInput)> = actions()
        .iter()
        .map(|a| (a.collection().unwrap(), a.to_mutation(TS).unwrap()))
        .collect();
    // Finally a REMOVE of an index set earlier (the label on the chat).
    let mut remove = SyncAction::label_chat("7", CHAT, true)
        .to_mutation(TS)
        .unwrap();
    remove.operation = Operation::Remove;
    inputs.push((Collection::Regular, remove));

    for (collection, input) in inputs {
        let state = states.entry(collection).or_default();
        let reply = peer.call(json!({
            "op": "encode",
            "name": collection.as_str(),
            "keyId": hex::encode(KEY_ID),
            "keys": keys_json(&keys),
            "state": state_to_json(state),
            "index": input.index,
            "value": value_hex(input.value.as_ref().unwrap()),
            "apiVersion": input.api_version,
            "operation": input.operation.to_proto(),
        }));
        let bytes = hex::decode(reply["patch"].as_str().unwrap()).unwrap();
        let patch = SyncdPatch::decode(bytes.as_slice()).unwrap();
        let decoded = process_patch(collection.as_str(), state, &patch, &keys).unwrap();
        let theirs = state_from_json(&reply["state"]);
        assert_eq!(decoded.state.version, theirs.version);
        assert_eq!(decoded.state.hash, theirs.hash, "{:?}", input.index);
        if input.operation == Operation::Set {
            assert_eq!(decoded.state, theirs);
        } else {
            // baileys 6's encodeSyncdPatch writes the index back into its map after a REMOVE
            // (its LTHash is right; its map is not). Ours drops it.
            assert_eq!(
                theirs.index_value_map.len(),
                decoded.state.index_value_map.len() + 1
            );
        }
        let [m] = decoded.mutations.as_slice() else {
            panic!("one mutation expected")
        };
        assert_eq!(m.operation, input.operation);
        assert_eq!(m.index, input.index);
        assert_eq!(m.value, input.value);
        assert_eq!(m.api_version, Some(input.api_version));
        assert_eq!(m.timestamp(), Some(TS));
        assert_eq!(
            m.action,
            SyncAction::from_parts(&input.index, input.value.as_ref()),
            "typed action"
        );
        assert!(
            !matches!(m.action, SyncAction::Other { .. }),
            "{:?} left untyped",
            m.index
        );
        *state = decoded.state;
    }
    let regular = &states[&Collection::Regular];
    assert_eq!(
        regular.version, 4,
        "label_edit, label_chat, label_message, remove"
    );
    assert_eq!(
        regular.index_value_map.len(),
        2,
        "the removed label association is gone"
    );
}

#[test]
fn patches_we_encode_decode_in_baileys() {
    let mut peer = Peer::spawn("interop/appstate/peer.cjs");
    let keys = keys();
    let mut states: HashMap<Collection, HashState> = HashMap::new();
    let mut batches: Vec<(Collection, Vec<MutationInput>)> = actions()
        .iter()
        .map(|a| (a.collection().unwrap(), vec![a.to_mutation(TS).unwrap()]))
        .collect();
    // A multi-mutation patch as WhatsApp sends when archiving: archive + unpin, and an
    // overwrite of the same index within one patch.
    batches.push((
        Collection::RegularLow,
        vec![
            SyncAction::archive(GROUP, true, None)
                .to_mutation(TS)
                .unwrap(),
            SyncAction::pin(GROUP, false).to_mutation(TS).unwrap(),
            SyncAction::pin(GROUP, true).to_mutation(TS + 1).unwrap(),
        ],
    ));
    let mut remove = SyncAction::pin(CHAT, true).to_mutation(TS).unwrap();
    remove.operation = Operation::Remove;
    batches.push((Collection::RegularLow, vec![remove]));

    for (collection, inputs) in batches {
        let state = states.entry(collection).or_default();
        let encoded = encode_patch(collection.as_str(), state, KEY_ID, &keys, &inputs).unwrap();
        let reply = peer.call(json!({
            "op": "decode",
            "name": collection.as_str(),
            "patch": hex::encode(encoded.patch.encode_to_vec()),
            "state": state_to_json(state),
            "keys": keys_json(&keys),
        }));
        assert_eq!(state_from_json(&reply["state"]), encoded.state);
        // baileys reports the last mutation per index.
        let mutations = reply["mutations"].as_array().unwrap();
        let last = inputs.last().unwrap();
        let theirs = mutations
            .iter()
            .find(|m| m["index"] == json!(last.index))
            .unwrap_or_else(|| panic!("baileys lost {:?}", last.index));
        assert_eq!(
            value_from_hex(&theirs["value"]),
            *last.value.as_ref().unwrap()
        );
        *state = encoded.state;
    }
}

#[test]
fn snapshot_we_encode_decodes_in_baileys() {
    let mut peer = Peer::spawn("interop/appstate/peer.cjs");
    let keys = keys();
    let records: Vec<MutationInput> = (0..20)
        .map(|i| SyncAction::pin(format!("1555000{i:04}@s.whatsapp.net"), i % 2 == 0))
        .map(|a| a.to_mutation(TS).unwrap())
        .collect();
    let (snapshot, state) = encode_snapshot("regular_low", 42, KEY_ID, &keys, &records).unwrap();
    let reply = peer.call(json!({
        "op": "decode_snapshot",
        "name": "regular_low",
        "snapshot": hex::encode(snapshot.encode_to_vec()),
        "keys": keys_json(&keys),
    }));
    assert_eq!(state_from_json(&reply["state"]), state);
    assert_eq!(reply["mutations"].as_array().unwrap().len(), 20);
    // And baileys rejects it under another collection name (the MAC binds the name).
    let err = peer
        .try_call(json!({
            "op": "decode_snapshot",
            "name": "regular_high",
            "snapshot": hex::encode(snapshot.encode_to_vec()),
            "keys": keys_json(&keys),
        }))
        .unwrap_err();
    assert!(err.contains("failed to verify LTHash"), "{err}");
}
