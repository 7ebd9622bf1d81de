//! Known-answer vectors computed with an independent implementation (Python
//! `cryptography` + `hashlib`) from the wire facts: whatsmeow's `linkingBase32`
//! alphabet, PBKDF2-SHA256 131072 rounds, AES-256-CTR, HKDF-SHA256, AES-256-GCM.

use super::*;

fn h(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    h(s).try_into().unwrap()
}

#[test]
fn code_encoding_matches_known_vectors() {
    assert_eq!(encode_code([0, 1, 2, 3, 4]), "111H51R5");
    assert_eq!(encode_code([0xff; 5]), "ZZZZZZZZ");
    assert_eq!(encode_code([0xde, 0xad, 0xbe, 0xef, 0x42]), "VTPVXVT3");
    assert_eq!(encode_code([0; 5]), "11111111");
}

#[test]
fn random_codes_are_valid() {
    for _ in 0..50 {
        let c = random_code();
        validate_code(&c).unwrap();
    }
}

#[test]
fn custom_code_validation() {
    validate_code("ABCD1234").unwrap();
    validate_code("VTPVXVT3").unwrap();
    // The spec's "MYCODE12" contains O, which the wire alphabet lacks.
    assert_eq!(
        validate_code("MYCODE12"),
        Err(PairCodeError::InvalidCustomCode)
    );
    assert_eq!(
        validate_code("MYCODE1"),
        Err(PairCodeError::InvalidCustomCode)
    );
    assert_eq!(
        validate_code("MYCODE120"),
        Err(PairCodeError::InvalidCustomCode)
    );
    // 0, I, O, U and lower case are outside the alphabet.
    for bad in ["MYCODE10", "MYCODEI2", "MYCODEO2", "MYCODEU2", "mycode12"] {
        assert_eq!(
            validate_code(bad),
            Err(PairCodeError::InvalidCustomCode),
            "{bad}"
        );
    }
}

#[test]
fn phone_number_validation() {
    assert_eq!(
        normalize_phone_number("+1-555-123-4567").unwrap(),
        "15551234567"
    );
    assert_eq!(
        normalize_phone_number(""),
        Err(PairCodeError::PhoneNumberRequired)
    );
    assert_eq!(
        normalize_phone_number("+-"),
        Err(PairCodeError::PhoneNumberRequired)
    );
    assert_eq!(
        normalize_phone_number("123456"),
        Err(PairCodeError::PhoneNumberTooShort)
    );
    normalize_phone_number("1234567").unwrap();
    assert_eq!(
        normalize_phone_number("0551234567"),
        Err(PairCodeError::PhoneNumberNotInternational)
    );
}

#[test]
fn wrap_matches_known_vector_and_round_trips() {
    let code = "VTPVXVT3";
    let salt: [u8; 32] = std::array::from_fn(|i| i as u8);
    let iv: [u8; 16] = std::array::from_fn(|i| i as u8);
    let public: [u8; 32] = std::array::from_fn(|i| (100 + i) as u8);
    assert_eq!(
        derive_code_key(code, &salt).to_vec(),
        h("7e7675fe8b9b3cf6927bb25df667f6579dfffd9915a3891430b0dd92570f8737")
    );
    let wrapped = wrap_ephemeral_pub(&public, code, &salt, &iv);
    assert_eq!(
        wrapped.to_vec(),
        h(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
           000102030405060708090a0b0c0d0e0f\
           0c16f2b31586ea9a8a5beb18968ac658b1f86681051296787ccc2bfc4e8e0dee"
        )
    );
    assert_eq!(unwrap_ephemeral_pub(&wrapped, code).unwrap(), public);
    // A wrong code yields a different key, not an error (CTR has no integrity).
    assert_ne!(unwrap_ephemeral_pub(&wrapped, "11111111").unwrap(), public);
}

#[test]
fn unwrap_rejects_short_input() {
    let err = unwrap_ephemeral_pub(&[0u8; 79], "11111111").unwrap_err();
    assert_eq!(
        err,
        PairCodeError::InvalidWrappedData {
            expected: 80,
            got: 79
        }
    );
}

#[test]
fn companion_finish_matches_known_vector() {
    let identity_pub = x25519_public(&[2; 32]);
    assert_eq!(
        identity_pub,
        arr::<32>("ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59")
    );
    let primary_eph_pub = x25519_public(&[3; 32]);
    let primary_id_pub = x25519_public(&[4; 32]);
    assert_eq!(
        primary_id_pub,
        arr::<32>("ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b")
    );
    let rnd = FinishRandomness {
        adv_random: [5; 32],
        bundle_salt: [6; 32],
        bundle_nonce: [7; 12],
    };
    let out = companion_finish(
        &[1; 32],
        &[2; 32],
        &identity_pub,
        &primary_eph_pub,
        &primary_id_pub,
        &rnd,
    )
    .unwrap();
    assert_eq!(
        out.wrapped_key_bundle,
        h(
            "0606060606060606060606060606060606060606060606060606060606060606\
           070707070707070707070707\
           4b0f0574d0522f1f80d1861e34fa50cd2fec892ad85756d6c5daf41019570bfe\
           9bdb191381f2ace294da2ffd4617714f1c89f9184fe87545c2ee7d05b0be041c\
           e500953039759b4e1de368746bc3a2d2cbb4c87b02c2b4bd31060c17d5f41ef5\
           2d59a5d8f52bc4dc4e3f0ba2a94fa3f5"
        )
    );
    assert_eq!(
        out.adv_secret,
        arr::<32>("b51de1632a08e5e391ab82c70c77f3ec005aaf4074fcffc34ab5a97b6d9813b5")
    );
    // Debug never shows the secret.
    assert!(!format!("{out:?}").contains("b51de"));
}

#[test]
fn options_default_to_chrome_linux() {
    let o = PairCodeOptions::default();
    assert_eq!(o.platform_id, PlatformId::Chrome);
    assert_eq!(o.platform_id.wire_value(), "1");
    assert_eq!(o.platform_display, "Chrome (Linux)");
    assert!(o.show_push_notification);
    assert_eq!(code_validity(), Duration::from_secs(180));
}
