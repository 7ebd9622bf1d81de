//! Interop scenarios shared by the node and python oracle tests: this crate on
//! one side, a third-party implementation on the other, both directions.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use wacore_libsignal::*;

use super::oracle::{Oracle, hex_field};
use super::{Party, block_on};

/// Our JID as the oracle sees it, and the oracle's JID.
pub const OUR_JID: &str = "1111@s.whatsapp.net";
pub const THEIR_JID: &str = "2222@s.whatsapp.net";
pub const GROUP: &str = "120363000000000000@g.us";

pub fn their_address() -> ProtocolAddress {
    ProtocolAddress::new("2222@c.us", 0)
}

pub fn us() -> Party {
    Party::new("1111@c.us")
}

/// A seeded RNG; the seed is printed (set SIGNAL_INTEROP_SEED to replay).
pub fn seeded_rng(test: &str) -> StdRng {
    let seed = std::env::var("SIGNAL_INTEROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random::<u64>());
    eprintln!("{test}: SIGNAL_INTEROP_SEED={seed}");
    StdRng::seed_from_u64(seed)
}

pub fn bundle_from_json(v: &Value) -> PreKeyBundle {
    let spk = &v["signedPreKey"];
    let pre_key = v.get("preKey").map(|p| {
        (
            p["keyId"].as_u64().unwrap() as u32,
            PublicKey::deserialize(&hex_field(p, "publicKey")).unwrap(),
        )
    });
    PreKeyBundle::new(
        v["registrationId"].as_u64().unwrap() as u32,
        0,
        pre_key,
        spk["keyId"].as_u64().unwrap() as u32,
        PublicKey::deserialize(&hex_field(spk, "publicKey")).unwrap(),
        hex_field(spk, "signature"),
        IdentityKey::decode(&hex_field(v, "identityKey")).unwrap(),
    )
}

pub fn bundle_to_json(b: &PreKeyBundle) -> Value {
    let mut v = json!({
        "registrationId": b.registration_id(),
        "identityKey": hex::encode(b.identity_key().serialize()),
        "signedPreKey": {
            "keyId": b.signed_pre_key_id(),
            "publicKey": hex::encode(b.signed_pre_key_public().serialize()),
            "signature": hex::encode(b.signed_pre_key_signature()),
        },
    });
    if let (Some(id), Some(k)) = (b.pre_key_id(), b.pre_key_public()) {
        v["preKey"] = json!({"keyId": id, "publicKey": hex::encode(k.serialize())});
    }
    v
}

fn enc_op(data: &[u8]) -> Value {
    json!({"op": "encrypt", "peer": OUR_JID, "data": hex::encode(data)})
}

fn dec_op(m: &CiphertextMessage) -> Value {
    let kind = m.message_type().wa_enc_type().unwrap();
    json!({"op": "decrypt", "peer": OUR_JID, "type": kind, "ciphertext": hex::encode(m.serialize())})
}

fn parse_enc(v: &Value) -> CiphertextMessage {
    CiphertextMessage::from_wa_enc(v["type"].as_str().unwrap(), &hex_field(v, "ciphertext"))
        .unwrap()
}

/// Our side starts the session (pkmsg), theirs answers (msg), then a few rounds.
pub fn we_initiate(oracle: &mut Oracle, one_time: bool) {
    let mut me = us();
    let them = their_address();
    let bundle = bundle_from_json(&oracle.call(json!({"op": "bundle", "oneTime": one_time})));
    assert_eq!(bundle.pre_key_id().is_some(), one_time);
    me.start_session(&them, &bundle).unwrap();
    let first = me.encrypt(&them, b"hello from wacore-libsignal").unwrap();
    assert_eq!(first.message_type(), CiphertextMessageType::PreKey);
    let second = me.encrypt(&them, b"second pkmsg").unwrap();
    let r = oracle.batch_ok(vec![
        dec_op(&first),
        dec_op(&second),
        enc_op(b"answer from the oracle"),
    ]);
    assert_eq!(hex_field(&r[0], "data"), b"hello from wacore-libsignal");
    assert_eq!(hex_field(&r[1], "data"), b"second pkmsg");
    assert_eq!(r[2]["type"], "msg");
    assert_eq!(
        me.decrypt(&them, &parse_enc(&r[2])).unwrap(),
        b"answer from the oracle"
    );
    for round in 0..5 {
        let m = me
            .encrypt(&them, format!("ours {round}").as_bytes())
            .unwrap();
        assert_eq!(m.message_type(), CiphertextMessageType::Whisper);
        let r = oracle.batch_ok(vec![
            dec_op(&m),
            enc_op(format!("theirs {round}").as_bytes()),
        ]);
        assert_eq!(hex_field(&r[0], "data"), format!("ours {round}").as_bytes());
        assert_eq!(
            me.decrypt(&them, &parse_enc(&r[1])).unwrap(),
            format!("theirs {round}").as_bytes()
        );
    }
}

/// Their side starts the session (pkmsg) from our bundle, ours answers (msg).
pub fn they_initiate(oracle: &mut Oracle, one_time: bool) {
    let mut me = us();
    let them = their_address();
    let bundle = me.bundle(one_time);
    let r = oracle.batch_ok(vec![
        json!({"op": "inject", "peer": OUR_JID, "bundle": bundle_to_json(&bundle)}),
        enc_op(b"hello from the oracle"),
        enc_op(b"and again"),
    ]);
    assert_eq!(r[1]["type"], "pkmsg");
    let first = parse_enc(&r[1]);
    assert_eq!(first.message_type(), CiphertextMessageType::PreKey);
    // Delivered out of order.
    assert_eq!(me.decrypt(&them, &parse_enc(&r[2])).unwrap(), b"and again");
    assert_eq!(me.decrypt(&them, &first).unwrap(), b"hello from the oracle");
    if one_time {
        assert!(
            me.store.pre_key_store.is_empty(),
            "one-time pre-key consumed"
        );
    }
    let answer = me.encrypt(&them, b"answer from wacore-libsignal").unwrap();
    assert_eq!(answer.message_type(), CiphertextMessageType::Whisper);
    let r = oracle.batch_ok(vec![dec_op(&answer), enc_op(b"after the answer")]);
    assert_eq!(hex_field(&r[0], "data"), b"answer from wacore-libsignal");
    assert_eq!(r[1]["type"], "msg");
    assert_eq!(
        me.decrypt(&them, &parse_enc(&r[1])).unwrap(),
        b"after the answer"
    );
}

fn payload(rng: &mut StdRng, idx: usize) -> Vec<u8> {
    let len = rng.random_range(0..300usize);
    let mut v = format!("#{idx}:").into_bytes();
    v.extend((0..len).map(|_| rng.random::<u8>()));
    v
}

/// `total` messages in bursts of 1..=8 alternating directions. Each burst is
/// delivered in random order together with the messages held back from the
/// previous burst in the same direction (so they arrive after the other side's
/// burst: late messages on an old chain, one ratchet step behind); up to 2 new
/// messages are held back each time. The session is started by us when
/// `we_start`, else by them.
pub fn many_messages(oracle: &mut Oracle, total: usize, we_start: bool, rng: &mut StdRng) {
    let mut me = us();
    let them = their_address();
    if we_start {
        let bundle = bundle_from_json(&oracle.call(json!({"op": "bundle"})));
        me.start_session(&them, &bundle).unwrap();
    } else {
        let bundle = me.bundle(true);
        oracle.call(json!({"op": "inject", "peer": OUR_JID, "bundle": bundle_to_json(&bundle)}));
    }
    type Pending = Vec<(usize, Vec<u8>, CiphertextMessage)>;
    // Held back from the last burst in each direction.
    let mut held_to_them: Pending = Vec::new();
    let mut held_to_us: Pending = Vec::new();
    let mut sent = 0usize;
    let mut ours = we_start;
    let mut first_burst = true;
    let mut late = 0usize;
    let (mut delivered_to_them, mut delivered_to_us) = (0usize, 0usize);
    while sent < total {
        let burst = rng.random_range(1..=8usize).min(total - sent);
        // Nothing is held back from the very first burst: the receiver needs it
        // to set up the session.
        let hold = if first_burst || sent + burst == total {
            0
        } else {
            rng.random_range(0..=2usize).min(burst - 1)
        };
        let mut fresh: Pending = Vec::new();
        if ours {
            for _ in 0..burst {
                let p = payload(rng, sent);
                let m = me.encrypt(&them, &p).unwrap();
                fresh.push((sent, p, m));
                sent += 1;
            }
        } else {
            let plaintexts: Vec<Vec<u8>> = (0..burst).map(|i| payload(rng, sent + i)).collect();
            let results = oracle.batch_ok(plaintexts.iter().map(|p| enc_op(p)).collect());
            for (p, r) in plaintexts.into_iter().zip(&results) {
                fresh.push((sent, p, parse_enc(r)));
                sent += 1;
            }
        }
        fresh.shuffle(rng);
        let new_held = fresh.split_off(fresh.len() - hold);
        let held = if ours {
            &mut held_to_them
        } else {
            &mut held_to_us
        };
        late += held.len();
        let mut deliver: Pending = std::mem::replace(held, new_held);
        deliver.extend(fresh);
        deliver.shuffle(rng);
        if ours {
            let results = oracle.batch(deliver.iter().map(|(_, _, m)| dec_op(m)).collect());
            for ((idx, p, _), r) in deliver.iter().zip(&results) {
                assert!(
                    r.get("error").is_none(),
                    "oracle failed to decrypt #{idx}: {r}"
                );
                assert_eq!(&hex_field(r, "data"), p, "message #{idx}");
            }
            delivered_to_them += deliver.len();
        } else {
            for (idx, p, m) in deliver {
                let got = me
                    .decrypt(&them, &m)
                    .unwrap_or_else(|e| panic!("we failed to decrypt #{idx}: {e}"));
                assert_eq!(got, p, "message #{idx}");
                delivered_to_us += 1;
            }
        }
        first_burst = false;
        ours = !ours;
    }
    // Deliver whatever is still held back.
    let results = oracle.batch(held_to_them.iter().map(|(_, _, m)| dec_op(m)).collect());
    for ((idx, p, _), r) in held_to_them.iter().zip(&results) {
        assert!(
            r.get("error").is_none(),
            "oracle failed to decrypt #{idx}: {r}"
        );
        assert_eq!(&hex_field(r, "data"), p);
    }
    delivered_to_them += held_to_them.len();
    for (idx, p, m) in held_to_us.drain(..) {
        assert_eq!(
            me.decrypt(&them, &m)
                .unwrap_or_else(|e| panic!("#{idx}: {e}")),
            p
        );
        delivered_to_us += 1;
    }
    assert_eq!(delivered_to_them + delivered_to_us, total);
    assert!(
        late > total / 20,
        "too few late deliveries ({late}) to mean anything"
    );
    // The session record still round-trips after all of that.
    let rec = me.session(&them).unwrap();
    assert_eq!(
        SessionRecord::deserialize(&rec.serialize())
            .unwrap()
            .serialize(),
        rec.serialize()
    );
}

/// Sender keys both ways: they send to us, we send to them, out of order.
pub fn group_exchange(oracle: &mut Oracle, rng: &mut StdRng) {
    let them = their_address();
    let their_name = SenderKeyName::new(GROUP, them.clone());
    let our_name = SenderKeyName::new(GROUP, ProtocolAddress::new("1111@c.us", 0));
    let mut store = InMemSenderKeyStore::new();

    // Theirs → ours.
    let plaintexts: Vec<Vec<u8>> = (0..30).map(|i| payload(rng, i)).collect();
    let results = oracle.batch_ok(
        plaintexts
            .iter()
            .map(|p| json!({"op": "group_encrypt", "group": GROUP, "me": THEIR_JID, "data": hex::encode(p)}))
            .collect(),
    );
    let skdm = SenderKeyDistributionMessage::deserialize(&hex_field(&results[0], "skdm")).unwrap();
    block_on(process_sender_key_distribution_message(
        &their_name,
        &skdm,
        &mut store,
    ))
    .unwrap();
    let mut msgs: Vec<(usize, Vec<u8>)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| (i, hex_field(r, "ciphertext")))
        .collect();
    msgs.shuffle(rng);
    for (i, ct) in &msgs {
        let pt = block_on(group_decrypt(ct, &mut store, &their_name))
            .unwrap_or_else(|e| panic!("we failed to decrypt group message {i}: {e}"));
        assert_eq!(pt, plaintexts[*i]);
    }
    assert!(matches!(
        block_on(group_decrypt(&msgs[0].1, &mut store, &their_name)),
        Err(SignalProtocolError::DuplicatedMessage(..))
    ));

    // Ours → theirs.
    let skdm = block_on(create_sender_key_distribution_message(
        &our_name, &mut store,
    ))
    .unwrap();
    let mut sent = Vec::new();
    for i in 0..30 {
        let p = payload(rng, i);
        let m = block_on(group_encrypt(&mut store, &our_name, &p)).unwrap();
        sent.push((p, m));
    }
    sent.shuffle(rng);
    let mut ops = vec![
        json!({"op": "group_process", "group": GROUP, "author": OUR_JID, "skdm": hex::encode(skdm.serialized())}),
    ];
    ops.extend(sent.iter().map(|(_, m)| {
        json!({"op": "group_decrypt", "group": GROUP, "author": OUR_JID, "ciphertext": hex::encode(m.serialized())})
    }));
    let results = oracle.batch_ok(ops);
    for ((p, _), r) in sent.iter().zip(&results[1..]) {
        assert_eq!(&hex_field(r, "data"), p);
    }
    // A forged signature is rejected by the oracle too.
    let mut forged = sent[0].1.serialized().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    let r = oracle.request(&json!({"op": "group_decrypt", "group": GROUP, "author": OUR_JID, "ciphertext": hex::encode(forged)}));
    assert!(
        r.get("error").is_some(),
        "oracle accepted a forged signature: {r}"
    );
}
