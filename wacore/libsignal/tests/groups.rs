//! Sender keys between parties of this crate: distribution, encryption,
//! out-of-order delivery, replays, the skip bound, several states, records.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rand::seq::SliceRandom;
use support::block_on;
use wacore_libsignal::*;

const GROUP: &str = "120363000000000000@g.us";

fn name(sender: &str) -> SenderKeyName {
    SenderKeyName::new(GROUP, ProtocolAddress::new(sender, 0))
}

#[test]
fn group_round_trip_with_store() {
    let mut alice = InMemSenderKeyStore::new();
    let mut bob = InMemSenderKeyStore::new();
    let alice_name = name("alice");
    let skdm = block_on(create_sender_key_distribution_message(
        &alice_name,
        &mut alice,
    ))
    .unwrap();
    // Creating again returns the same chain.
    let again = block_on(create_sender_key_distribution_message(
        &alice_name,
        &mut alice,
    ))
    .unwrap();
    assert_eq!(again.chain_id(), skdm.chain_id());
    assert!(skdm.chain_id() < (1 << 31));
    let parsed = SenderKeyDistributionMessage::deserialize(skdm.serialized()).unwrap();
    block_on(process_sender_key_distribution_message(
        &alice_name,
        &parsed,
        &mut bob,
    ))
    .unwrap();
    let mut msgs = Vec::new();
    for i in 0..50 {
        let m = block_on(group_encrypt(
            &mut alice,
            &alice_name,
            format!("g{i}").as_bytes(),
        ))
        .unwrap();
        assert_eq!(m.iteration(), i);
        msgs.push((i, m));
    }
    msgs.shuffle(&mut rand::rng());
    for (i, m) in &msgs {
        let pt = block_on(group_decrypt(m.serialized(), &mut bob, &alice_name)).unwrap();
        assert_eq!(pt, format!("g{i}").as_bytes());
    }
    // Replays are rejected.
    assert!(matches!(
        block_on(group_decrypt(msgs[0].1.serialized(), &mut bob, &alice_name)),
        Err(SignalProtocolError::DuplicatedMessage(50, _))
    ));
    // Unknown sender.
    assert!(matches!(
        block_on(group_decrypt(
            msgs[0].1.serialized(),
            &mut bob,
            &name("mallory")
        )),
        Err(SignalProtocolError::NoSenderKeyState(_))
    ));
}

#[test]
fn joining_late_uses_the_distributed_iteration() {
    let mut rng = rand::rng();
    let mut alice = SenderKeyRecord::new_empty();
    sender_key_distribution(&mut alice, &mut rng).unwrap();
    let early = sender_key_encrypt(&mut alice, b"before bob", &mut rng).unwrap();
    let skdm = sender_key_distribution(&mut alice, &mut rng).unwrap();
    assert_eq!(skdm.iteration(), 1);
    let mut bob = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut bob, &skdm);
    assert!(matches!(
        sender_key_decrypt(&mut bob, early.serialized()),
        Err(SignalProtocolError::DuplicatedMessage(1, 0))
    ));
    let m = sender_key_encrypt(&mut alice, b"after", &mut rng).unwrap();
    assert_eq!(
        sender_key_decrypt(&mut bob, m.serialized()).unwrap(),
        b"after"
    );
    // A repeated distribution message does not rewind the chain.
    sender_key_process_distribution(&mut bob, &skdm);
    assert!(matches!(
        sender_key_decrypt(&mut bob, m.serialized()),
        Err(SignalProtocolError::DuplicatedMessage(..))
    ));
}

#[test]
fn skip_bound_and_record_serialization() {
    let mut rng = rand::rng();
    let mut alice = SenderKeyRecord::new_empty();
    let skdm = sender_key_distribution(&mut alice, &mut rng).unwrap();
    let mut bob = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut bob, &skdm);
    // Advance Alice's chain to MAX_FORWARD_JUMPS without signing every message.
    let state = alice.sender_key_state().unwrap().clone();
    let mut chain = state.sender_chain_key().clone();
    for _ in 0..MAX_FORWARD_JUMPS {
        chain = chain.next();
    }
    alice.set_sender_key_state(SenderKeyState::new(
        state.chain_id(),
        chain.iteration(),
        *chain.seed(),
        *state.signing_key_public(),
        state.signing_key_private().cloned(),
    ));
    let at_bound = sender_key_encrypt(&mut alice, b"far", &mut rng).unwrap();
    let beyond = sender_key_encrypt(&mut alice, b"far", &mut rng).unwrap();
    assert_eq!(beyond.iteration(), MAX_FORWARD_JUMPS + 1);
    let snapshot = bob.serialize();
    assert!(matches!(
        sender_key_decrypt(&mut bob, beyond.serialized()),
        Err(SignalProtocolError::MessageTooFarInFuture { .. })
    ));
    assert_eq!(bob.serialize(), snapshot);
    assert_eq!(
        sender_key_decrypt(&mut bob, at_bound.serialized()).unwrap(),
        b"far"
    );
    let state = bob.sender_key_state().unwrap();
    assert_eq!(state.message_key_count(), MAX_SENDER_MESSAGE_KEYS);
    let back = SenderKeyRecord::deserialize(&bob.serialize()).unwrap();
    assert_eq!(back.serialize(), bob.serialize());
}

#[test]
fn several_states_are_kept_and_bounded() {
    let mut rng = rand::rng();
    let mut bob = SenderKeyRecord::new_empty();
    let mut senders = Vec::new();
    for _ in 0..MAX_SENDER_KEY_STATES + 2 {
        let mut rec = SenderKeyRecord::new_empty();
        let skdm = sender_key_distribution(&mut rec, &mut rng).unwrap();
        sender_key_process_distribution(&mut bob, &skdm);
        senders.push(rec);
    }
    assert_eq!(bob.states().count(), MAX_SENDER_KEY_STATES);
    // The newest chains decrypt, the oldest were dropped.
    let newest = sender_key_encrypt(senders.last_mut().unwrap(), b"new", &mut rng).unwrap();
    assert_eq!(
        sender_key_decrypt(&mut bob, newest.serialized()).unwrap(),
        b"new"
    );
    let oldest = sender_key_encrypt(&mut senders[0], b"old", &mut rng).unwrap();
    assert!(matches!(
        sender_key_decrypt(&mut bob, oldest.serialized()),
        Err(SignalProtocolError::NoSenderKeyState(_))
    ));
    // Records survive serialization with all states.
    let back = SenderKeyRecord::deserialize(&bob.serialize()).unwrap();
    assert_eq!(back.states().count(), MAX_SENDER_KEY_STATES);
}

#[test]
fn forged_or_corrupt_group_messages() {
    let mut rng = rand::rng();
    let mut alice = SenderKeyRecord::new_empty();
    let skdm = sender_key_distribution(&mut alice, &mut rng).unwrap();
    let mut bob = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut bob, &skdm);
    let m = sender_key_encrypt(&mut alice, b"genuine", &mut rng).unwrap();
    // A flipped ciphertext bit breaks the signature.
    let mut bytes = m.serialized().to_vec();
    bytes[10] ^= 0x40;
    assert!(matches!(
        sender_key_decrypt(&mut bob, &bytes),
        Err(SignalProtocolError::InvalidSignature(_))
            | Err(SignalProtocolError::InvalidProtobuf(_))
    ));
    // Same chain id, another signing key: signature fails.
    let mut mallory = SenderKeyRecord::new_empty();
    let st = alice.sender_key_state().unwrap();
    let fake = KeyPair::generate(&mut rng);
    mallory.set_sender_key_state(SenderKeyState::new(
        st.chain_id(),
        st.sender_chain_key().iteration(),
        *st.sender_chain_key().seed(),
        fake.public_key,
        Some(fake.private_key),
    ));
    let forged = sender_key_encrypt(&mut mallory, b"forged", &mut rng).unwrap();
    assert!(matches!(
        sender_key_decrypt(&mut bob, forged.serialized()),
        Err(SignalProtocolError::InvalidSignature(_))
    ));
    // The genuine message still decrypts.
    assert_eq!(
        sender_key_decrypt(&mut bob, m.serialized()).unwrap(),
        b"genuine"
    );
    // Wrong version, truncated, garbage.
    let mut v = m.serialized().to_vec();
    v[0] = 0x23;
    assert!(matches!(
        sender_key_decrypt(&mut bob, &v),
        Err(SignalProtocolError::UnsupportedVersion(_, 2))
    ));
    assert!(matches!(
        sender_key_decrypt(&mut bob, &v[..20]),
        Err(SignalProtocolError::InvalidMessage(..))
    ));
    // A receiver cannot encrypt on a chain it has no private key for.
    assert!(matches!(
        sender_key_encrypt(&mut bob, b"x", &mut rng),
        Err(SignalProtocolError::InvalidState(_))
    ));
}
