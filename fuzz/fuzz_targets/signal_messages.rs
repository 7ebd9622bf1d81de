//! Fuzzes the Signal wire parsers and decryption: arbitrary bytes as a `msg`,
//! `pkmsg`, `skmsg` or sender-key distribution message never panic, never
//! decrypt (every byte is authenticated), and leave the session usable.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run signal_messages` (from the repository root).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;
use wacore_libsignal::*;

struct Fixture {
    bob_identity: IdentityKeyPair,
    bob_signed: SignedPreKeyRecord,
    bob_pre_key: PreKeyRecord,
    bob_session: SessionRecord,
    group_receiver: SenderKeyRecord,
    group_sender: SenderKeyRecord,
}

/// A deterministic established session (Alice → Bob) and a group chain.
static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let mut rng = StdRng::seed_from_u64(7);
    let alice_identity = generate_identity_key_pair(&mut rng);
    let bob_identity = generate_identity_key_pair(&mut rng);
    let bob_signed = generate_signed_pre_key(&bob_identity, 1, &mut rng);
    let bob_pre_key = generate_pre_key(2, &mut rng);
    let bundle = PreKeyBundle::new(
        9,
        0,
        Some((2, *bob_pre_key.public_key())),
        1,
        *bob_signed.public_key(),
        bob_signed.signature().to_vec(),
        *bob_identity.identity_key(),
    );
    let mut alice_session = SessionRecord::new_fresh();
    initiate_session(&mut alice_session, &bundle, &alice_identity, 5, &mut rng).expect("bundle");
    let CiphertextMessage::PreKeySignalMessage(first) =
        encrypt_message(&mut alice_session, b"first").expect("encrypt")
    else {
        unreachable!()
    };
    let mut bob_session = SessionRecord::new_fresh();
    let material = PreKeyMaterial {
        our_identity: &bob_identity,
        our_registration_id: 9,
        signed_pre_key: Some(&bob_signed),
        one_time_pre_key: Some(&bob_pre_key),
    };
    decrypt_prekey_message(&mut bob_session, &first, &material, &mut rng).expect("decrypt");
    let mut group_sender = SenderKeyRecord::new_empty();
    let skdm = sender_key_distribution(&mut group_sender, &mut rng).expect("skdm");
    let mut group_receiver = SenderKeyRecord::new_empty();
    sender_key_process_distribution(&mut group_receiver, &skdm);
    Fixture {
        bob_identity,
        bob_signed,
        bob_pre_key,
        bob_session,
        group_receiver,
        group_sender,
    }
});

fuzz_target!(|data: &[u8]| {
    let f = &*FIXTURE;
    let mut rng = StdRng::seed_from_u64(1);
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        0 => {
            if let Ok(m) = SignalMessage::deserialize(bytes) {
                let mut bob = f.bob_session.clone();
                assert!(decrypt_signal_message(&mut bob, &m, &mut rng).is_err());
                assert_eq!(
                    bob.serialize(),
                    f.bob_session.serialize(),
                    "failed decrypt changed state"
                );
            }
        }
        1 => {
            if let Ok(m) = PreKeySignalMessage::deserialize(bytes) {
                let material = PreKeyMaterial {
                    our_identity: &f.bob_identity,
                    our_registration_id: 9,
                    signed_pre_key: Some(&f.bob_signed),
                    one_time_pre_key: Some(&f.bob_pre_key),
                };
                let mut bob = f.bob_session.clone();
                assert!(decrypt_prekey_message(&mut bob, &m, &material, &mut rng).is_err());
            }
        }
        2 => {
            let mut receiver = f.group_receiver.clone();
            assert!(sender_key_decrypt(&mut receiver, bytes).is_err());
        }
        _ => {
            if let Ok(m) = SenderKeyDistributionMessage::deserialize(bytes) {
                let mut receiver = f.group_receiver.clone();
                sender_key_process_distribution(&mut receiver, &m);
                let mut sender = f.group_sender.clone();
                let ours = sender.sender_key_state().map(|s| s.chain_id());
                let genuine =
                    sender_key_encrypt(&mut sender, b"still works", &mut rng).expect("encrypt");
                let result = sender_key_decrypt(&mut receiver, genuine.serialized());
                // Another sender's chain never disturbs ours.
                if Some(m.chain_id()) != ours {
                    assert_eq!(result.expect("genuine group message"), b"still works");
                }
            }
        }
    }
});
