//! Criterion benches for the figures in PERFORMANCE.md: key generation, XEdDSA,
//! X3DH session setup, 1:1 encrypt/decrypt of 200 B and sender keys.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use wacore_libsignal::*;

const PAYLOAD: [u8; 200] = [0x5a; 200];

struct Peer {
    identity: IdentityKeyPair,
    registration_id: u32,
    signed_pre_key: SignedPreKeyRecord,
    pre_key: PreKeyRecord,
}

impl Peer {
    fn new() -> Self {
        let mut rng = rand::rng();
        let identity = generate_identity_key_pair(&mut rng);
        Self {
            registration_id: generate_registration_id(&mut rng),
            signed_pre_key: generate_signed_pre_key(&identity, 1, &mut rng),
            pre_key: generate_pre_key(7, &mut rng),
            identity,
        }
    }

    fn bundle(&self) -> PreKeyBundle {
        PreKeyBundle::new(
            self.registration_id,
            0,
            Some((self.pre_key.id(), *self.pre_key.public_key())),
            self.signed_pre_key.id(),
            *self.signed_pre_key.public_key(),
            self.signed_pre_key.signature().to_vec(),
            *self.identity.identity_key(),
        )
    }

    fn material(&self) -> PreKeyMaterial<'_> {
        PreKeyMaterial {
            our_identity: &self.identity,
            our_registration_id: self.registration_id,
            signed_pre_key: Some(&self.signed_pre_key),
            one_time_pre_key: Some(&self.pre_key),
        }
    }
}

/// Alice's and Bob's records after a full round trip.
fn established() -> (SessionRecord, SessionRecord) {
    let mut rng = rand::rng();
    let alice = Peer::new();
    let bob = Peer::new();
    let mut a = SessionRecord::new_fresh();
    initiate_session(
        &mut a,
        &bob.bundle(),
        &alice.identity,
        alice.registration_id,
        &mut rng,
    )
    .unwrap();
    let CiphertextMessage::PreKeySignalMessage(m) = encrypt_message(&mut a, b"hi").unwrap() else {
        panic!()
    };
    let mut b = SessionRecord::new_fresh();
    decrypt_prekey_message(&mut b, &m, &bob.material(), &mut rng).unwrap();
    let CiphertextMessage::SignalMessage(r) = encrypt_message(&mut b, b"hi").unwrap() else {
        panic!()
    };
    decrypt_signal_message(&mut a, &r, &mut rng).unwrap();
    (a, b)
}

fn keys(c: &mut Criterion) {
    let mut rng = rand::rng();
    c.bench_function("keygen/key_pair", |b| {
        b.iter(|| KeyPair::generate(&mut rng))
    });
    let kp = KeyPair::generate(&mut rng);
    let other = KeyPair::generate(&mut rng).public_key;
    c.bench_function("keygen/agreement", |b| {
        b.iter(|| kp.calculate_agreement(black_box(&other)))
    });
    let msg = kp.public_key.serialize();
    c.bench_function("xeddsa/sign", |b| {
        b.iter(|| kp.calculate_signature(black_box(&msg), &mut rng))
    });
    let raw = kp.private_key.serialize();
    c.bench_function("xeddsa/sign_uncached_key", |b| {
        b.iter(|| PrivateKey::from_bytes(raw).calculate_signature(black_box(&msg), &mut rng))
    });
    let sig = kp.calculate_signature(&msg, &mut rng);
    c.bench_function("xeddsa/verify", |b| {
        b.iter(|| {
            assert!(
                kp.public_key
                    .verify_signature(black_box(&msg), black_box(&sig))
            )
        })
    });
}

fn x3dh(c: &mut Criterion) {
    let mut rng = rand::rng();
    let alice = Peer::new();
    let bob = Peer::new();
    let bundle = bob.bundle();
    c.bench_function("x3dh/process_bundle_and_first_pkmsg", |b| {
        b.iter(|| {
            let mut rec = SessionRecord::new_fresh();
            initiate_session(
                &mut rec,
                &bundle,
                &alice.identity,
                alice.registration_id,
                &mut rng,
            )
            .unwrap();
            encrypt_message(&mut rec, &PAYLOAD).unwrap().into_bytes()
        })
    });
    let mut rec = SessionRecord::new_fresh();
    initiate_session(
        &mut rec,
        &bundle,
        &alice.identity,
        alice.registration_id,
        &mut rng,
    )
    .unwrap();
    let pkmsg = encrypt_message(&mut rec, &PAYLOAD).unwrap().into_bytes();
    c.bench_function("x3dh/decrypt_first_pkmsg", |b| {
        b.iter(|| {
            let m = PreKeySignalMessage::deserialize(black_box(&pkmsg)).unwrap();
            let mut rec = SessionRecord::new_fresh();
            decrypt_prekey_message(&mut rec, &m, &bob.material(), &mut rng).unwrap()
        })
    });
}

fn one_to_one(c: &mut Criterion) {
    let (mut alice, mut bob) = established();
    c.bench_function("session/encrypt_200B", |b| {
        b.iter(|| {
            encrypt_message(&mut alice, black_box(&PAYLOAD))
                .unwrap()
                .into_bytes()
        })
    });
    let (mut alice, mut bob2) = {
        let _ = &mut bob;
        established()
    };
    let mut rng = rand::rng();
    c.bench_function("session/decrypt_200B", |b| {
        b.iter_batched(
            || encrypt_message(&mut alice, &PAYLOAD).unwrap().into_bytes(),
            |bytes| {
                let m = SignalMessage::deserialize(&bytes).unwrap();
                decrypt_signal_message(&mut bob2, &m, &mut rng).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let (rec, _) = established();
    c.bench_function("session/record_serialize", |b| b.iter(|| rec.serialize()));
    let bytes = rec.serialize();
    c.bench_function("session/record_deserialize", |b| {
        b.iter(|| SessionRecord::deserialize(black_box(&bytes)).unwrap())
    });
}

fn sender_keys(c: &mut Criterion) {
    let mut rng = rand::rng();
    let mut alice = SenderKeyRecord::new_empty();
    let skdm = sender_key_distribution(&mut alice, &mut rng).unwrap();
    let mut bob = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut bob, &skdm);
    c.bench_function("sender_key/encrypt_200B", |b| {
        b.iter(|| {
            sender_key_encrypt(&mut alice, black_box(&PAYLOAD), &mut rng)
                .unwrap()
                .into_bytes()
        })
    });
    let mut alice = SenderKeyRecord::new_empty();
    let skdm = sender_key_distribution(&mut alice, &mut rng).unwrap();
    let mut bob = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut bob, &skdm);
    let mut rng2 = rand::rng();
    c.bench_function("sender_key/decrypt_200B", |b| {
        b.iter_batched(
            || {
                sender_key_encrypt(&mut alice, &PAYLOAD, &mut rng2)
                    .unwrap()
                    .into_bytes()
            },
            |bytes| sender_key_decrypt(&mut bob, &bytes).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, keys, x3dh, one_to_one, sender_keys);
criterion_main!(benches);
