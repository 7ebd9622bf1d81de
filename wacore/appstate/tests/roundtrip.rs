//! Our encoder and decoder agree: every outgoing action round-trips typed; a snapshot
//! followed by patches (overwrites, removals, several keys) keeps the state consistent;
//! unknown actions are kept raw; typed actions survive index/value round trips.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use proptest::prelude::*;
use support::{KEY_ID, keys};
use wacore_appstate::{
    Collection, HashState, MessageRef, MutationInput, Operation, SyncAction, WA_PATCH_INTEGRITY,
    encode_patch, encode_snapshot, process_patch, process_snapshot, referenced_key_ids,
};
use waproto::whatsapp::{SyncActionValue, sync_action_value as sav};

fn msg() -> MessageRef {
    MessageRef {
        chat_jid: "120363@g.us".into(),
        message_id: "ABCD".into(),
        from_me: false,
        participant: Some("1555@s.whatsapp.net".into()),
    }
}

#[test]
fn every_outgoing_action_round_trips_typed() {
    let keys = keys();
    let actions = [
        (
            SyncAction::archive("a@s.whatsapp.net", true, Some(5)),
            "regular_low",
            3,
        ),
        (SyncAction::pin("a@s.whatsapp.net", true), "regular_low", 5),
        (
            SyncAction::mute("a@s.whatsapp.net", None),
            "regular_high",
            2,
        ),
        (SyncAction::star(msg(), true), "regular_high", 2),
        (
            SyncAction::mark_chat_as_read("a@s.whatsapp.net", false, None),
            "regular_low",
            3,
        ),
        (SyncAction::push_name("Me"), "critical_block", 1),
        (
            SyncAction::contact("a@s.whatsapp.net", Some("A B".into()), None),
            "critical_unblock_low",
            2,
        ),
        (
            SyncAction::delete_chat("a@s.whatsapp.net", Some(9)),
            "regular_high",
            6,
        ),
        (SyncAction::label_edit("1", "Work", 2, false), "regular", 3),
        (
            SyncAction::label_chat("1", "a@s.whatsapp.net", true),
            "regular",
            3,
        ),
        (SyncAction::label_message("1", msg(), false), "regular", 3),
    ];
    for (action, collection, version) in actions {
        assert_eq!(action.collection().unwrap().as_str(), collection);
        let input = action.to_mutation(77).unwrap();
        assert_eq!(input.api_version, version);
        let state = HashState::default();
        let sent = encode_patch(collection, &state, KEY_ID, &keys, &[input]).unwrap();
        assert_eq!(sent.patch.version, None, "the server assigns the version");
        let got = process_patch(collection, &state, &sent.patch, &keys).unwrap();
        assert_eq!(got.mutations[0].action, action);
        assert_eq!(got.mutations[0].timestamp(), Some(77));
        assert_eq!(got.state, sent.state);
        assert_eq!(got.mac_changes, sent.mac_changes);
    }
}

#[test]
fn snapshot_then_patches_keep_state_consistent() {
    let mut keys = keys();
    keys.insert(b"second".to_vec(), vec![0x33; 32]);
    let name = Collection::RegularLow.as_str();
    let pins: Vec<MutationInput> = (0..5)
        .map(|i| {
            SyncAction::pin(format!("{i}@s.whatsapp.net"), true)
                .to_mutation(1)
                .unwrap()
        })
        .collect();
    let (snapshot, _) = encode_snapshot(name, 10, KEY_ID, &keys, &pins).unwrap();
    let mut state = process_snapshot(name, &snapshot, &keys).unwrap().state;
    assert_eq!((state.version, state.index_value_map.len()), (10, 5));

    // Overwrite one index and remove another (same key: index MACs depend on the key).
    let mut remove = SyncAction::pin("1@s.whatsapp.net", true)
        .to_mutation(2)
        .unwrap();
    remove.operation = Operation::Remove;
    remove.value = None;
    let batch = [
        SyncAction::pin("0@s.whatsapp.net", false)
            .to_mutation(2)
            .unwrap(),
        remove,
    ];
    let sent = encode_patch(name, &state, KEY_ID, &keys, &batch).unwrap();
    let got = process_patch(name, &state, &sent.patch, &keys).unwrap();
    state = got.state;
    assert_eq!((state.version, state.index_value_map.len()), (11, 4));
    assert_eq!(got.mac_changes.added.len(), 1);
    assert_eq!(got.mac_changes.removed.len(), 1);
    assert!(matches!(
        &got.mutations[1].action,
        SyncAction::Other { value: None, .. }
    ));
    assert_eq!(got.mutations[1].operation, Operation::Remove);

    // A later patch under a newer key.
    let newer = [SyncAction::pin("9@s.whatsapp.net", true)
        .to_mutation(3)
        .unwrap()];
    let sent2 = encode_patch(name, &state, b"second", &keys, &newer).unwrap();
    let ids = referenced_key_ids(Some(&snapshot), &[sent.patch.clone(), sent2.patch.clone()]);
    assert_eq!(ids, vec![KEY_ID.to_vec(), b"second".to_vec()]);
    state = process_patch(name, &state, &sent2.patch, &keys)
        .unwrap()
        .state;
    assert_eq!((state.version, state.index_value_map.len()), (12, 5));

    // The hash always equals the LTHash of the live value MACs.
    let mut expected = [0u8; 128];
    WA_PATCH_INTEGRITY.add(
        &mut expected,
        state.index_value_map.values().map(|v| v.as_slice()),
    );
    assert_eq!(state.hash, expected);

    // Encoding a REMOVE of an index that is not set is refused.
    let mut ghost = SyncAction::pin("nobody@s.whatsapp.net", true)
        .to_mutation(3)
        .unwrap();
    ghost.operation = Operation::Remove;
    assert!(encode_patch(name, &state, KEY_ID, &keys, &[ghost]).is_err());
}

#[test]
fn unknown_actions_are_kept_raw() {
    let keys = keys();
    let value = SyncActionValue {
        timestamp: Some(5),
        nux_action: Some(sav::NuxAction {
            acknowledged: Some(true),
        }),
        ..Default::default()
    };
    let input = MutationInput {
        operation: Operation::Set,
        index: vec!["nux".into(), "x".into()],
        value: Some(value.clone()),
        api_version: 7,
    };
    let state = HashState::default();
    let sent = encode_patch("regular_low", &state, KEY_ID, &keys, &[input]).unwrap();
    let got = process_patch("regular_low", &state, &sent.patch, &keys).unwrap();
    let SyncAction::Other {
        index,
        value: Some(raw),
    } = &got.mutations[0].action
    else {
        panic!("expected Other, got {:?}", got.mutations[0].action)
    };
    assert_eq!(index, &["nux", "x"]);
    assert_eq!(**raw, value);
    // A known index whose value lacks its field is not silently mistyped.
    let pin_without_value = SyncAction::from_parts(
        &["pin_v1".into(), "a".into()],
        Some(&SyncActionValue::default()),
    );
    assert!(matches!(pin_without_value, SyncAction::Other { .. }));
}

fn jid() -> impl Strategy<Value = String> {
    "[0-9]{5,15}@(s\\.whatsapp\\.net|g\\.us|lid)"
}

fn message() -> impl Strategy<Value = MessageRef> {
    (
        jid(),
        "[A-F0-9]{8,20}",
        any::<bool>(),
        proptest::option::of(jid()),
    )
        .prop_map(|(chat_jid, message_id, from_me, participant)| MessageRef {
            chat_jid,
            message_id,
            from_me,
            participant,
        })
}

fn action() -> impl Strategy<Value = SyncAction> {
    prop_oneof![
        (jid(), any::<bool>()).prop_map(|(j, p)| SyncAction::pin(j, p)),
        (jid(), proptest::option::of(any::<i64>())).prop_map(|(j, t)| SyncAction::mute(j, t)),
        (jid(), any::<bool>(), proptest::option::of(any::<i64>()))
            .prop_map(|(j, a, t)| SyncAction::archive(j, a, t)),
        (message(), any::<bool>()).prop_map(|(m, s)| SyncAction::star(m, s)),
        ("\\PC{0,40}").prop_map(SyncAction::push_name),
        (
            jid(),
            proptest::option::of("\\PC{0,20}"),
            proptest::option::of("\\PC{0,20}")
        )
            .prop_map(|(j, f, g)| SyncAction::contact(j, f, g)),
        ("[0-9]{1,3}", "\\PC{0,20}", any::<i32>(), any::<bool>())
            .prop_map(|(id, n, c, d)| SyncAction::label_edit(id, n, c, d)),
        ("[0-9]{1,3}", message(), any::<bool>())
            .prop_map(|(id, m, l)| SyncAction::label_message(id, m, l)),
    ]
}

proptest! {
    #[test]
    fn typed_actions_survive_index_and_value(a in action()) {
        let back = SyncAction::from_parts(&a.index(), a.value().as_ref());
        prop_assert_eq!(back, a);
    }

    #[test]
    fn random_batches_round_trip_through_encode_and_decode(actions in proptest::collection::vec(action(), 1..6)) {
        let keys = keys();
        let inputs: Vec<MutationInput> = actions.iter().map(|a| a.to_mutation(1).unwrap()).collect();
        let state = HashState::default();
        let sent = encode_patch("regular", &state, KEY_ID, &keys, &inputs).unwrap();
        let got = process_patch("regular", &state, &sent.patch, &keys).unwrap();
        prop_assert_eq!(got.state, sent.state);
        let typed: Vec<SyncAction> = got.mutations.into_iter().map(|m| m.action).collect();
        prop_assert_eq!(typed, actions);
    }
}
