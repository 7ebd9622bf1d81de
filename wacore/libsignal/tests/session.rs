//! 1:1 sessions between two parties of this crate: X3DH with and without a
//! one-time pre-key, the ratchet in both directions, out-of-order delivery,
//! replays, the skip bound, record serialization and archived states.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rand::seq::SliceRandom;
use support::{Party, block_on, established_pair};
use wacore_libsignal::*;

#[test]
fn x3dh_with_and_without_one_time_pre_key() {
    for with_otpk in [true, false] {
        let mut alice = Party::new("alice");
        let mut bob = Party::new("bob");
        let (a, b) = (alice.address.clone(), bob.address.clone());
        let bundle = bob.bundle(with_otpk);
        alice.start_session(&b, &bundle).unwrap();
        let m1 = alice.encrypt(&b, b"one").unwrap();
        let m2 = alice.encrypt(&b, b"two").unwrap();
        assert_eq!(m1.message_type(), CiphertextMessageType::PreKey);
        assert_eq!(m2.message_type(), CiphertextMessageType::PreKey);
        let before = bob.store.pre_key_store.len();
        assert_eq!(bob.decrypt(&a, &m1).unwrap(), b"one");
        // The one-time pre-key is consumed.
        assert_eq!(
            bob.store.pre_key_store.len(),
            before - usize::from(with_otpk)
        );
        // A second pkmsg of the same session reuses the state (pre-key already gone).
        assert_eq!(bob.decrypt(&a, &m2).unwrap(), b"two");
        let r = bob.encrypt(&a, b"reply").unwrap();
        assert_eq!(r.message_type(), CiphertextMessageType::Whisper);
        assert_eq!(alice.decrypt(&b, &r).unwrap(), b"reply");
        // Once answered, Alice sends plain messages.
        let m3 = alice.encrypt(&b, b"three").unwrap();
        assert_eq!(m3.message_type(), CiphertextMessageType::Whisper);
        assert_eq!(bob.decrypt(&a, &m3).unwrap(), b"three");
        let rec = bob.session(&a).unwrap();
        assert_eq!(rec.remote_registration_id().unwrap(), alice.registration_id);
    }
}

#[test]
fn ping_pong_and_bursts_with_out_of_order_delivery() {
    let (mut alice, mut bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let mut rng = rand::rng();
    for round in 0..30 {
        let n = 1 + round % 7;
        let mut msgs: Vec<(usize, CiphertextMessage)> = (0..n)
            .map(|i| {
                (
                    i,
                    alice
                        .encrypt(&b, format!("a{round}-{i}").as_bytes())
                        .unwrap(),
                )
            })
            .collect();
        msgs.shuffle(&mut rng);
        for (i, m) in &msgs {
            assert_eq!(
                bob.decrypt(&a, m).unwrap(),
                format!("a{round}-{i}").as_bytes()
            );
        }
        let mut replies: Vec<(usize, CiphertextMessage)> = (0..n)
            .map(|i| {
                (
                    i,
                    bob.encrypt(&a, format!("b{round}-{i}").as_bytes()).unwrap(),
                )
            })
            .collect();
        replies.shuffle(&mut rng);
        for (i, m) in &replies {
            assert_eq!(
                alice.decrypt(&b, m).unwrap(),
                format!("b{round}-{i}").as_bytes()
            );
        }
    }
}

#[test]
fn late_message_from_previous_chain_after_ratchet() {
    let (mut alice, mut bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let early = alice.encrypt(&b, b"early").unwrap();
    let on_time = alice.encrypt(&b, b"on time").unwrap();
    assert_eq!(bob.decrypt(&a, &on_time).unwrap(), b"on time");
    // Ratchet twice so `early` belongs to an old receiving chain.
    let r = bob.encrypt(&a, b"r").unwrap();
    alice.decrypt(&b, &r).unwrap();
    let m = alice.encrypt(&b, b"m").unwrap();
    bob.decrypt(&a, &m).unwrap();
    assert_eq!(bob.decrypt(&a, &early).unwrap(), b"early");
}

#[test]
fn replayed_message_is_rejected() {
    let (mut alice, mut bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let m = alice.encrypt(&b, b"once").unwrap();
    assert_eq!(bob.decrypt(&a, &m).unwrap(), b"once");
    match bob.decrypt(&a, &m) {
        Err(SignalProtocolError::DuplicatedMessage(chain_index, counter)) => {
            assert_eq!(counter, 0);
            assert_eq!(chain_index, 1);
        }
        other => panic!("expected DuplicatedMessage, got {other:?}"),
    }
    // A replayed skipped-then-used key is also rejected.
    let m1 = alice.encrypt(&b, b"x").unwrap();
    let m2 = alice.encrypt(&b, b"y").unwrap();
    bob.decrypt(&a, &m2).unwrap();
    bob.decrypt(&a, &m1).unwrap();
    assert!(matches!(
        bob.decrypt(&a, &m1),
        Err(SignalProtocolError::DuplicatedMessage(..))
    ));
    // The session still works afterwards.
    let m3 = alice.encrypt(&b, b"z").unwrap();
    assert_eq!(bob.decrypt(&a, &m3).unwrap(), b"z");
}

#[test]
fn message_beyond_skip_bound_is_rejected() {
    let (alice, bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    // Work on Alice's record directly (the sync core) for speed.
    let mut record = alice.session(&b).unwrap();
    let mut last_ok = None;
    let mut too_far = None;
    for i in 0..=MAX_FORWARD_JUMPS + 1 {
        let m = encrypt_message(&mut record, b"far").unwrap();
        if i == MAX_FORWARD_JUMPS {
            last_ok = Some(m);
        } else if i == MAX_FORWARD_JUMPS + 1 {
            too_far = Some(m);
        }
    }
    let mut bob_record = bob.session(&a).unwrap();
    let snapshot = bob_record.serialize();
    let CiphertextMessage::SignalMessage(far) = too_far.unwrap() else {
        panic!("expected a SignalMessage")
    };
    match decrypt_signal_message(&mut bob_record, &far, &mut rand::rng()) {
        Err(SignalProtocolError::MessageTooFarInFuture { limit, counter, .. }) => {
            assert_eq!(limit, MAX_FORWARD_JUMPS);
            assert_eq!(counter, far.counter());
        }
        other => panic!("expected MessageTooFarInFuture, got {other:?}"),
    }
    // The failed attempt did not change the record.
    assert_eq!(bob_record.serialize(), snapshot);
    // Exactly at the bound is accepted, and only MAX_MESSAGE_KEYS skipped keys are kept.
    let CiphertextMessage::SignalMessage(ok) = last_ok.unwrap() else {
        panic!("expected a SignalMessage")
    };
    assert_eq!(
        decrypt_signal_message(&mut bob_record, &ok, &mut rand::rng()).unwrap(),
        b"far"
    );
    let state = bob_record.session_state().unwrap();
    assert_eq!(state.skipped_message_key_count(), MAX_MESSAGE_KEYS);
}

#[test]
fn session_survives_serialization_at_every_step() {
    let mut alice = Party::new("alice");
    let mut bob = Party::new("bob");
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let bundle = bob.bundle(true);
    alice.start_session(&b, &bundle).unwrap();
    let round_trip = |p: &mut Party, peer: &ProtocolAddress| {
        let Some(rec) = p.session(peer) else {
            return;
        };
        let bytes = rec.serialize();
        let back = SessionRecord::deserialize(&bytes).unwrap();
        assert_eq!(back.serialize(), bytes, "serialization is stable");
        p.put_session(peer, &back);
    };
    let mut pending: Vec<(usize, CiphertextMessage)> = Vec::new();
    let mut rng = rand::rng();
    for step in 0..200usize {
        round_trip(&mut alice, &b);
        round_trip(&mut bob, &a);
        let from_alice = step % 5 < 3;
        if from_alice {
            let m = alice.encrypt(&b, format!("s{step}").as_bytes()).unwrap();
            pending.push((step, m));
        }
        // Deliver Alice's pending messages in random order, sometimes holding one back.
        if !from_alice || pending.len() > 3 {
            pending.shuffle(&mut rng);
            let keep = usize::from(pending.len() > 1 && step % 3 == 0);
            while pending.len() > keep {
                let (s, m) = pending.pop().unwrap();
                round_trip(&mut bob, &a);
                assert_eq!(bob.decrypt(&a, &m).unwrap(), format!("s{s}").as_bytes());
            }
        }
        if !from_alice {
            let m = bob.encrypt(&a, format!("s{step}").as_bytes()).unwrap();
            round_trip(&mut bob, &a);
            round_trip(&mut alice, &b);
            assert_eq!(
                alice.decrypt(&b, &m).unwrap(),
                format!("s{step}").as_bytes()
            );
        }
    }
    for (s, m) in pending.drain(..) {
        round_trip(&mut bob, &a);
        assert_eq!(bob.decrypt(&a, &m).unwrap(), format!("s{s}").as_bytes());
    }
}

#[test]
fn archived_state_decrypts_late_messages() {
    let (mut alice, mut bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    // Messages of the first session, delivered late.
    let late_msg = alice.encrypt(&b, b"late from session 1").unwrap();
    assert_eq!(late_msg.message_type(), CiphertextMessageType::Whisper);
    // Alice starts a new session (e.g. after reinstalling the peer); Bob accepts it.
    let bundle = bob.bundle(true);
    alice.start_session(&b, &bundle).unwrap();
    let fresh = alice.encrypt(&b, b"session 2").unwrap();
    assert_eq!(fresh.message_type(), CiphertextMessageType::PreKey);
    assert_eq!(bob.decrypt(&a, &fresh).unwrap(), b"session 2");
    let rec = bob.session(&a).unwrap();
    assert_eq!(rec.previous_session_count(), 1);
    // The late message decrypts with the archived state, which becomes current.
    assert_eq!(bob.decrypt(&a, &late_msg).unwrap(), b"late from session 1");
    let rec = bob.session(&a).unwrap();
    assert_eq!(rec.previous_session_count(), 1);
    // Late pkmsg of an archived session (peer never answered) also decrypts.
    let mut carol = Party::new("carol");
    let c = carol.address.clone();
    let bundle = bob.bundle(true);
    carol.start_session(&b, &bundle).unwrap();
    let first = carol.encrypt(&b, b"c1").unwrap();
    let held = carol.encrypt(&b, b"c2 held").unwrap();
    assert_eq!(bob.decrypt(&c, &first).unwrap(), b"c1");
    let bundle = bob.bundle(true);
    carol.start_session(&b, &bundle).unwrap();
    let second = carol.encrypt(&b, b"c3 new session").unwrap();
    assert_eq!(bob.decrypt(&c, &second).unwrap(), b"c3 new session");
    assert_eq!(bob.decrypt(&c, &held).unwrap(), b"c2 held");
}

#[test]
fn archive_is_bounded() {
    let mut alice = Party::new("alice");
    let mut bob = Party::new("bob");
    let b = bob.address.clone();
    for _ in 0..ARCHIVED_STATES_MAX_LENGTH + 5 {
        let bundle = bob.bundle(false);
        alice.start_session(&b, &bundle).unwrap();
    }
    let rec = alice.session(&b).unwrap();
    assert_eq!(rec.previous_session_count(), ARCHIVED_STATES_MAX_LENGTH);
}

#[test]
fn changed_identity_is_untrusted_under_tofu_and_reported_under_replace() {
    let (mut alice, _bob) = established_pair();
    // Bob reinstalls: same address, new identity.
    let mut bob2 = Party::new("bob");
    let b = bob2.address.clone();
    let bundle = bob2.bundle(true);
    match alice.start_session(&b, &bundle) {
        Err(SignalProtocolError::UntrustedIdentity(addr)) => assert_eq!(addr, b),
        other => panic!("expected UntrustedIdentity, got {other:?}"),
    }
    // WhatsApp behaviour: replace and notify through the hook.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let identity_store = alice.store.identity_store.clone();
    alice.store.identity_store = identity_store
        .with_policy(TrustPolicy::ReplaceOnChange)
        .with_change_hook(std::sync::Arc::new(move |addr, old, new| {
            seen2.lock().unwrap().push((addr.clone(), *old, *new));
        }));
    alice.start_session(&b, &bundle).unwrap();
    let m = alice.encrypt(&b, b"after change").unwrap();
    assert_eq!(
        bob2.decrypt(&alice.address.clone(), &m).unwrap(),
        b"after change"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, b);
    assert_eq!(seen[0].2, *bob2.identity.identity_key());
    assert_eq!(
        block_on(alice.store.get_identity(&b)).unwrap(),
        Some(*bob2.identity.identity_key())
    );
}

#[test]
fn missing_pre_keys_are_typed_errors() {
    let mut alice = Party::new("alice");
    let mut bob = Party::new("bob");
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let bundle = bob.bundle(true);
    alice.start_session(&b, &bundle).unwrap();
    let m = alice.encrypt(&b, b"x").unwrap();
    let id = bundle.pre_key_id().unwrap();
    block_on(bob.store.remove_pre_key(id)).unwrap();
    assert!(matches!(
        bob.decrypt(&a, &m),
        Err(SignalProtocolError::InvalidPreKeyId(i)) if i == id
    ));
    // Unknown signed pre-key.
    let mut bundle = bob.bundle(false);
    bundle = PreKeyBundle::new(
        bundle.registration_id(),
        0,
        None,
        99,
        *bundle.signed_pre_key_public(),
        bundle.signed_pre_key_signature().to_vec(),
        *bundle.identity_key(),
    );
    alice.start_session(&b, &bundle).unwrap();
    let m = alice.encrypt(&b, b"y").unwrap();
    assert!(matches!(
        bob.decrypt(&a, &m),
        Err(SignalProtocolError::InvalidSignedPreKeyId(99))
    ));
    // No session at all.
    let mut carol = Party::new("carol");
    assert!(matches!(
        carol.encrypt(&b, b"z"),
        Err(SignalProtocolError::NoSession(_))
    ));
}
