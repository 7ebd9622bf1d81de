use super::*;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// What a primary phone sends in pair-success for `companion`.
fn primary_pair_success(
    primary: &KeyPair,
    companion_identity: &[u8; 32],
    adv_secret: &[u8; 32],
    key_index: u32,
    tamper: impl FnOnce(&mut wa::AdvSignedDeviceIdentity),
) -> Vec<u8> {
    let mut rng = rand::rng();
    let details = wa::AdvDeviceIdentity {
        raw_id: Some(7),
        timestamp: Some(1_700_000_000),
        key_index: Some(key_index),
        ..Default::default()
    }
    .encode_to_vec();
    let msg = concat(&[&ADV_ACCOUNT_SIGNATURE_PREFIX, &details, companion_identity]);
    let mut signed = wa::AdvSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(primary.public_key.public_key_bytes().to_vec()),
        account_signature: Some(primary.calculate_signature(&msg, &mut rng).to_vec()),
        device_signature: None,
    };
    tamper(&mut signed);
    let signed_bytes = signed.encode_to_vec();
    wa::AdvSignedDeviceIdentityHmac {
        hmac: Some(hmac(adv_secret, &[&signed_bytes])),
        details: Some(signed_bytes),
        account_type: None,
    }
    .encode_to_vec()
}

#[test]
fn qr_data_has_five_fields_after_the_url() {
    let qr = make_qr_data("2@ref", &[1; 32], &[2; 32], &[3; 32], "1");
    let body = qr.strip_prefix(QR_URL_PREFIX).unwrap();
    let parts: Vec<&str> = body.split(',').collect();
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[0], "2@ref");
    assert_eq!(STANDARD.decode(parts[1]).unwrap(), vec![1; 32]);
    assert_eq!(STANDARD.decode(parts[2]).unwrap(), vec![2; 32]);
    assert_eq!(STANDARD.decode(parts[3]).unwrap(), vec![3; 32]);
    assert_eq!(parts[4], "1");
}

#[test]
fn valid_pair_success_verifies_and_gets_a_device_signature() {
    let mut rng = rand::rng();
    let primary = KeyPair::generate(&mut rng);
    let companion = KeyPair::generate(&mut rng);
    let adv = [9u8; 32];
    let bytes = primary_pair_success(
        &primary,
        companion.public_key.public_key_bytes(),
        &adv,
        4,
        |_| {},
    );
    let out = do_pair_crypto(&companion, &adv, &bytes, &mut rng).unwrap();
    assert_eq!(out.key_index, 4);
    assert_eq!(
        &out.primary_identity_key,
        primary.public_key.public_key_bytes()
    );
    // Our device signature verifies with our identity key.
    let details = out.account.details.clone().unwrap();
    let msg = concat(&[
        &ADV_DEVICE_SIGNATURE_PREFIX,
        &details,
        companion.public_key.public_key_bytes(),
        primary.public_key.public_key_bytes(),
    ]);
    assert!(
        companion
            .public_key
            .verify_signature(&msg, out.account.device_signature.as_deref().unwrap())
    );
    // The identity sent back has no account signature key but keeps the rest.
    let sent = wa::AdvSignedDeviceIdentity::decode(out.self_signed_identity.as_slice()).unwrap();
    assert!(sent.account_signature_key.is_none());
    assert_eq!(sent.device_signature, out.account.device_signature);
    assert_eq!(sent.account_signature, out.account.account_signature);
}

#[test]
fn wrong_adv_secret_is_an_hmac_mismatch() {
    let mut rng = rand::rng();
    let primary = KeyPair::generate(&mut rng);
    let companion = KeyPair::generate(&mut rng);
    let bytes = primary_pair_success(
        &primary,
        companion.public_key.public_key_bytes(),
        &[9; 32],
        0,
        |_| {},
    );
    let err = do_pair_crypto(&companion, &[8; 32], &bytes, &mut rng).unwrap_err();
    assert_eq!(err, PairCryptoError::HmacMismatch);
    assert_eq!(err.wire_error(), (401, "hmac-mismatch"));
}

#[test]
fn bad_account_signature_is_rejected() {
    let mut rng = rand::rng();
    let primary = KeyPair::generate(&mut rng);
    let companion = KeyPair::generate(&mut rng);
    let adv = [9u8; 32];
    let bytes = primary_pair_success(
        &primary,
        companion.public_key.public_key_bytes(),
        &adv,
        0,
        |s| {
            if let Some(sig) = s.account_signature.as_mut() {
                sig[0] ^= 1;
            }
        },
    );
    let err = do_pair_crypto(&companion, &adv, &bytes, &mut rng).unwrap_err();
    assert_eq!(err, PairCryptoError::InvalidAccountSignature);
    // Signed for another companion: also rejected.
    let other = KeyPair::generate(&mut rng);
    let bytes = primary_pair_success(
        &primary,
        other.public_key.public_key_bytes(),
        &adv,
        0,
        |_| {},
    );
    assert_eq!(
        do_pair_crypto(&companion, &adv, &bytes, &mut rng).unwrap_err(),
        PairCryptoError::InvalidAccountSignature
    );
}

#[test]
fn garbage_is_a_decode_error() {
    let mut rng = rand::rng();
    let companion = KeyPair::generate(&mut rng);
    let err = do_pair_crypto(&companion, &[0; 32], &[0xff, 0xff, 0xff], &mut rng).unwrap_err();
    assert!(matches!(err, PairCryptoError::Decode { .. }));
    assert_eq!(err.wire_error().0, 500);
}
