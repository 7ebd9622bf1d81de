//! Criterion benches for the figures in PERFORMANCE.md: key generation, XEdDSA,
//! X3DH session setup, 1:1 encrypt/decrypt of 200 B and sender keys. The 1:1
//! and group figures go through the store-driven API with the in-memory
//! stores (as a client would); `*_record` variants time the sync core alone.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use wacore_libsignal::*;

const PAYLOAD: [u8; 200] = [0x5a; 200];

/// The in-memory stores answer at once: poll without a runtime.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

struct Party {
    address: ProtocolAddress,
    store: InMemSignalProtocolStore,
    bundle: PreKeyBundle,
}

impl Party {
    fn new(name: &str) -> Self {
        let mut rng = rand::rng();
        let identity = generate_identity_key_pair(&mut rng);
        let registration_id = generate_registration_id(&mut rng);
        let mut store = InMemSignalProtocolStore::new(identity.clone(), registration_id);
        let pre_key = generate_pre_key(1, &mut rng);
        let signed = generate_signed_pre_key(&identity, 1, &mut rng);
        block_on(store.save_pre_key(1, &pre_key)).unwrap();
        block_on(store.save_signed_pre_key(1, &signed)).unwrap();
        let bundle = PreKeyBundle::new(
            registration_id,
            0,
            Some((1, *pre_key.public_key())),
            1,
            *signed.public_key(),
            signed.signature().to_vec(),
            *identity.identity_key(),
        );
        Self {
            address: ProtocolAddress::new(name, 0),
            store,
            bundle,
        }
    }

    fn start(&mut self, peer: &Party) {
        let s = &mut self.store;
        block_on(process_prekey_bundle(
            &peer.address,
            &mut s.session_store,
            &mut s.identity_store,
            &peer.bundle,
        ))
        .unwrap();
    }

    fn encrypt(&mut self, peer: &ProtocolAddress, plaintext: &[u8]) -> CiphertextMessage {
        let s = &mut self.store;
        block_on(message_encrypt(
            plaintext,
            peer,
            &mut s.session_store,
            &mut s.identity_store,
        ))
        .unwrap()
    }

    fn decrypt(&mut self, peer: &ProtocolAddress, kind: &str, bytes: &[u8]) -> Vec<u8> {
        let message = CiphertextMessage::from_wa_enc(kind, bytes).unwrap();
        let s = &mut self.store;
        block_on(message_decrypt(
            &message,
            peer,
            &mut s.session_store,
            &mut s.identity_store,
            &mut s.pre_key_store,
            &s.signed_pre_key_store,
        ))
        .unwrap()
    }
}

/// Alice and Bob after a full round trip (Alice now sends `msg`).
fn established() -> (Party, Party) {
    let (mut alice, mut bob) = (Party::new("alice"), Party::new("bob"));
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start(&bob);
    let m = alice.encrypt(&b, b"hi");
    bob.decrypt(&a, "pkmsg", m.serialize());
    let r = bob.encrypt(&a, b"hi");
    alice.decrypt(&b, "msg", r.serialize());
    (alice, bob)
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
    let msg = [0x42u8; 64];
    c.bench_function("xeddsa/sign", |b| {
        b.iter(|| kp.calculate_signature(black_box(&msg), &mut rng))
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
    let skm = SenderKeyMessage::new(1, 0, vec![0; 208], &kp.private_key, &mut rng);
    c.bench_function("xeddsa/verify_sender_key_message", |b| {
        b.iter(|| assert!(black_box(&skm).verify_signature(&kp.public_key)))
    });
}

fn x3dh(c: &mut Criterion) {
    c.bench_function("x3dh/process_bundle_and_first_pkmsg", |b| {
        b.iter_batched(
            || (Party::new("alice"), Party::new("bob")),
            |(mut alice, bob)| {
                alice.start(&bob);
                alice.encrypt(&bob.address, &PAYLOAD).into_bytes()
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("x3dh/decrypt_first_pkmsg", |b| {
        b.iter_batched(
            || {
                let (mut alice, bob) = (Party::new("alice"), Party::new("bob"));
                alice.start(&bob);
                let m = alice.encrypt(&bob.address, &PAYLOAD).into_bytes();
                (alice, bob, m)
            },
            |(alice, mut bob, m)| bob.decrypt(&alice.address, "pkmsg", &m),
            BatchSize::SmallInput,
        )
    });
}

fn one_to_one(c: &mut Criterion) {
    let (mut alice, _bob) = established();
    let b = ProtocolAddress::new("bob", 0);
    c.bench_function("session/encrypt_200B", |bench| {
        bench.iter(|| alice.encrypt(&b, black_box(&PAYLOAD)).into_bytes())
    });
    let (mut alice, mut bob) = established();
    let a = alice.address.clone();
    c.bench_function("session/decrypt_200B", |bench| {
        bench.iter_batched(
            || alice.encrypt(&b, &PAYLOAD).into_bytes(),
            |m| bob.decrypt(&a, "msg", &m),
            BatchSize::SmallInput,
        )
    });
    // The synchronous core on records (no store).
    let (alice, _bob) = established();
    let mut ra = block_on(alice.store.load_session(&b)).unwrap().unwrap();
    c.bench_function("session/encrypt_200B_record", |bench| {
        bench.iter(|| {
            encrypt_message(&mut ra, black_box(&PAYLOAD))
                .unwrap()
                .into_bytes()
        })
    });
    // Fresh records: the encrypt bench ran Alice's chain far ahead.
    let (alice, bob) = established();
    let mut ra = block_on(alice.store.load_session(&b)).unwrap().unwrap();
    let mut rb = block_on(bob.store.load_session(&a)).unwrap().unwrap();
    let mut rng = rand::rng();
    c.bench_function("session/decrypt_200B_record", |bench| {
        bench.iter_batched(
            || encrypt_message(&mut ra, &PAYLOAD).unwrap().into_bytes(),
            |m| {
                let m = SignalMessage::deserialize(&m).unwrap();
                decrypt_signal_message(&mut rb, &m, &mut rng).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let bytes = rb.serialize();
    c.bench_function("session/record_serialize", |bench| {
        bench.iter(|| rb.serialize())
    });
    c.bench_function("session/record_deserialize", |bench| {
        bench.iter(|| SessionRecord::deserialize(black_box(&bytes)).unwrap())
    });
}

fn sender_keys(c: &mut Criterion) {
    let name = SenderKeyName::new("120363000000000000@g.us", ProtocolAddress::new("alice", 0));
    let mut sender = InMemSenderKeyStore::new();
    let mut receiver = InMemSenderKeyStore::new();
    let skdm = block_on(create_sender_key_distribution_message(&name, &mut sender)).unwrap();
    block_on(process_sender_key_distribution_message(
        &name,
        &skdm,
        &mut receiver,
    ))
    .unwrap();
    c.bench_function("sender_key/encrypt_200B", |b| {
        b.iter(|| {
            block_on(group_encrypt(&mut sender, &name, black_box(&PAYLOAD)))
                .unwrap()
                .into_bytes()
        })
    });
    // A fresh chain: the encrypt bench ran the first one far ahead.
    let mut sender = InMemSenderKeyStore::new();
    let mut receiver = InMemSenderKeyStore::new();
    let skdm = block_on(create_sender_key_distribution_message(&name, &mut sender)).unwrap();
    block_on(process_sender_key_distribution_message(
        &name,
        &skdm,
        &mut receiver,
    ))
    .unwrap();
    c.bench_function("sender_key/decrypt_200B", |b| {
        b.iter_batched(
            || {
                block_on(group_encrypt(&mut sender, &name, &PAYLOAD))
                    .unwrap()
                    .into_bytes()
            },
            |m| block_on(group_decrypt(&m, &mut receiver, &name)).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, keys, x3dh, one_to_one, sender_keys);
criterion_main!(benches);
