//! Hostile input: malformed protobuf, wrong version bytes, bad MACs, bad
//! signatures and truncated keys all come back as typed errors (never a panic),
//! and leave the session usable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use proptest::prelude::*;
use support::{Party, established_pair};
use wacore_libsignal::*;

fn whisper(m: CiphertextMessage) -> SignalMessage {
    match m {
        CiphertextMessage::SignalMessage(m) => m,
        other => panic!("expected a SignalMessage, got {other:?}"),
    }
}

#[test]
fn bad_mac_is_rejected_and_session_survives() {
    let (mut alice, mut bob) = established_pair();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let m = whisper(alice.encrypt(&b, b"payload").unwrap());
    let mut bytes = m.serialized().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = CiphertextMessage::SignalMessage(SignalMessage::deserialize(&bytes).unwrap());
    assert!(matches!(
        bob.decrypt(&a, &tampered),
        Err(SignalProtocolError::InvalidMac)
    ));
    // Ciphertext bit flipped: also a MAC failure.
    let mut bytes = m.serialized().to_vec();
    let pos = bytes.len() - 12;
    bytes[pos] ^= 0x80;
    if let Ok(sm) = SignalMessage::deserialize(&bytes) {
        assert!(matches!(
            bob.decrypt(&a, &CiphertextMessage::SignalMessage(sm)),
            Err(SignalProtocolError::InvalidMac)
        ));
    }
    assert_eq!(
        bob.decrypt(&a, &CiphertextMessage::SignalMessage(m))
            .unwrap(),
        b"payload"
    );
}

#[test]
fn wrong_version_bytes() {
    let (mut alice, bob) = established_pair();
    let b = bob.address.clone();
    let m = whisper(alice.encrypt(&b, b"v").unwrap());
    for (byte, expected) in [(0x22u8, 2u8), (0x11, 1), (0x43, 4), (0xf3, 15)] {
        let mut bytes = m.serialized().to_vec();
        bytes[0] = byte;
        match SignalMessage::deserialize(&bytes) {
            Err(SignalProtocolError::UnsupportedVersion(CiphertextMessageType::Whisper, v)) => {
                assert_eq!(v, expected)
            }
            other => panic!("expected UnsupportedVersion, got {other:?}"),
        }
    }
    let mut carol = Party::new("carol");
    let mut dave = Party::new("dave");
    let bundle = dave.bundle(true);
    carol.start_session(&dave.address.clone(), &bundle).unwrap();
    let pk = carol.encrypt(&dave.address.clone(), b"x").unwrap();
    let mut bytes = pk.serialize().to_vec();
    bytes[0] = 0x23;
    assert!(matches!(
        PreKeySignalMessage::deserialize(&bytes),
        Err(SignalProtocolError::UnsupportedVersion(
            CiphertextMessageType::PreKey,
            2
        ))
    ));
    assert!(matches!(
        CiphertextMessage::from_wa_enc("skmsg", pk.serialize()),
        Err(SignalProtocolError::InvalidArgument(_))
    ));
}

#[test]
fn malformed_protobuf_and_missing_fields() {
    assert!(matches!(
        SignalMessage::deserialize(&[0x33, 0x0a, 0x50, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        Err(SignalProtocolError::InvalidProtobuf(_))
    ));
    // Valid protobuf without a ratchet key.
    assert!(matches!(
        SignalMessage::deserialize(&[0x33, 0x10, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]),
        Err(SignalProtocolError::InvalidMessage(
            CiphertextMessageType::Whisper,
            _
        ))
    ));
    assert!(matches!(
        PreKeySignalMessage::deserialize(&[0x33, 0xff]),
        Err(SignalProtocolError::InvalidProtobuf(_))
    ));
    assert!(matches!(
        SenderKeyDistributionMessage::deserialize(&[0x33, 0x08, 0x01]),
        Err(SignalProtocolError::InvalidMessage(..))
    ));
    assert!(matches!(
        SessionRecord::deserialize(&[0x0a, 0x05, 0x08]),
        Err(SignalProtocolError::InvalidProtobuf(_))
    ));
    assert!(matches!(
        SenderKeyRecord::deserialize(&[0x0a, 0x02, 0x08]),
        Err(SignalProtocolError::InvalidProtobuf(_))
    ));
    // A session structure missing its keys is an invalid state, not a panic.
    assert!(matches!(
        SessionRecord::deserialize(&[0x0a, 0x02, 0x08, 0x03]),
        Err(SignalProtocolError::InvalidState(_))
    ));
}

#[test]
fn truncated_and_mistyped_keys() {
    let (mut alice, bob) = established_pair();
    let b = bob.address.clone();
    let m = whisper(alice.encrypt(&b, b"k").unwrap());
    // Rebuild the message body with a 20-byte ratchet key.
    let mut bytes = m.serialized().to_vec();
    // Field 1 (ratchet key) is first: tag 0x0a, length 33.
    assert_eq!(&bytes[1..3], &[0x0a, 33]);
    bytes[3] = 0x07;
    assert!(matches!(
        SignalMessage::deserialize(&bytes),
        Err(SignalProtocolError::BadKeyType(7))
    ));
    let mut short = vec![0x33, 0x0a, 20];
    short.extend_from_slice(&[5; 20]);
    short.extend_from_slice(&[0x10, 0, 0x22, 16]);
    short.extend_from_slice(&[0; 16]);
    short.extend_from_slice(&[0; 8]);
    assert!(matches!(
        SignalMessage::deserialize(&short),
        Err(SignalProtocolError::BadKeyLength { len: 20, .. })
    ));
    assert!(matches!(
        PublicKey::deserialize(&[5; 32]),
        Err(SignalProtocolError::BadKeyLength { len: 32, .. })
    ));
    assert!(PrivateKey::deserialize(&[0; 16]).is_err());
    assert!(IdentityKeyPair::deserialize(&[0x0a, 0x01, 0x05, 0x12, 0x01, 0x00]).is_err());
}

#[test]
fn bad_signed_pre_key_signature() {
    let mut alice = Party::new("alice");
    let mut bob = Party::new("bob");
    let good = bob.bundle(true);
    let mut sig = good.signed_pre_key_signature().to_vec();
    sig[0] ^= 1;
    let bad = PreKeyBundle::new(
        good.registration_id(),
        0,
        good.pre_key_id().zip(good.pre_key_public().copied()),
        good.signed_pre_key_id(),
        *good.signed_pre_key_public(),
        sig,
        *good.identity_key(),
    );
    assert!(matches!(
        alice.start_session(&bob.address.clone(), &bad),
        Err(SignalProtocolError::InvalidSignature(_))
    ));
    // Truncated signature.
    let truncated = PreKeyBundle::new(
        good.registration_id(),
        0,
        None,
        good.signed_pre_key_id(),
        *good.signed_pre_key_public(),
        good.signed_pre_key_signature()[..40].to_vec(),
        *good.identity_key(),
    );
    assert!(matches!(
        alice.start_session(&bob.address.clone(), &truncated),
        Err(SignalProtocolError::InvalidSignature(_))
    ));
    assert!(alice.session(&bob.address.clone()).is_none());
    alice.start_session(&bob.address.clone(), &good).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = SignalMessage::deserialize(&bytes);
        let _ = PreKeySignalMessage::deserialize(&bytes);
        let _ = SenderKeyMessage::deserialize(&bytes);
        let _ = SenderKeyDistributionMessage::deserialize(&bytes);
        let _ = SessionRecord::deserialize(&bytes);
        let _ = SenderKeyRecord::deserialize(&bytes);
        let _ = PreKeyRecord::deserialize(&bytes);
        let _ = SignedPreKeyRecord::deserialize(&bytes);
        let _ = PublicKey::deserialize(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn mutated_messages_never_decrypt_wrongly(pos in 0usize..400, bit in 0u8..8) {
        let (mut alice, mut bob) = established_pair();
        let (a, b) = (alice.address.clone(), bob.address.clone());
        let m = alice.encrypt(&b, b"integrity matters").unwrap();
        let mut bytes = m.serialize().to_vec();
        let pos = pos % bytes.len();
        bytes[pos] ^= 1 << bit;
        if let Ok(parsed) = CiphertextMessage::from_wa_enc("msg", &bytes) {
            // Every byte is covered by the MAC: any change must fail.
            prop_assert!(bob.decrypt(&a, &parsed).is_err());
        }
        prop_assert_eq!(bob.decrypt(&a, &m).unwrap(), b"integrity matters".to_vec());
    }
}
