//! Symmetric primitives: HMAC-SHA256, HKDF-SHA256 and AES-256-CBC (PKCS#7).

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Result, SignalProtocolError};

type HmacSha256 = Hmac<Sha256>;
type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// A keyed HMAC-SHA256 state; clone it to MAC several inputs under one key
/// without re-hashing the key.
#[derive(Clone)]
pub(crate) struct HmacKey(HmacSha256);

impl HmacKey {
    pub(crate) fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length; this cannot fail.
        match HmacSha256::new_from_slice(key) {
            Ok(m) => Self(m),
            Err(_) => Self(<HmacSha256 as KeyInit>::new(&Default::default())),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finalize(self) -> [u8; 32] {
        self.0.finalize().into_bytes().into()
    }

    /// MAC of `data` under this key (consuming a clone of the keyed state).
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut m = self.clone();
        m.update(data);
        m.finalize()
    }
}

/// HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    HmacKey::new(key).mac(data)
}

/// HMAC keyed with the all-zero 32-byte salt that every Signal HKDF without a
/// salt uses: keyed once, cloned per use.
static ZERO_SALT: std::sync::LazyLock<HmacKey> =
    std::sync::LazyLock::new(|| HmacKey::new(&[0u8; 32]));

/// HKDF-SHA256 (RFC 5869) with an all-zero 32-byte salt when `salt` is `None`,
/// filling `out` (at most 255 * 32 bytes).
pub(crate) fn hkdf_sha256(ikm: &[u8], salt: Option<&[u8]>, info: &[u8], out: &mut [u8]) {
    let prk = match salt {
        Some(salt) => hmac_sha256(salt, ikm),
        None => ZERO_SALT.mac(ikm),
    };
    let expander = HmacKey::new(&prk);
    let mut previous: Option<[u8; 32]> = None;
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let mut m = expander.clone();
        if let Some(p) = &previous {
            m.update(p);
        }
        m.update(info);
        m.update(&[u8::try_from(i + 1).unwrap_or(u8::MAX)]);
        let block = m.finalize();
        chunk.copy_from_slice(block.get(..chunk.len()).unwrap_or(&block));
        previous = Some(block);
    }
}

/// Constant-time comparison of a received MAC with the expected (possibly longer) one.
pub(crate) fn verify_truncated_mac(expected: &[u8; 32], received: &[u8]) -> bool {
    match expected.get(..received.len()) {
        Some(prefix) if !received.is_empty() => bool::from(prefix.ct_eq(received)),
        _ => false,
    }
}

/// AES-256-CBC with PKCS#7 padding.
pub(crate) fn aes_256_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    let padded_len = (plaintext.len() / 16 + 1) * 16;
    let mut buf = vec![0u8; padded_len];
    if let Some(dst) = buf.get_mut(..plaintext.len()) {
        dst.copy_from_slice(plaintext);
    }
    let len = Aes256CbcEnc::new(key.into(), iv.into())
        .encrypt_padded::<Pkcs7>(&mut buf, plaintext.len())
        .map(<[u8]>::len)
        .unwrap_or(0);
    buf.truncate(len);
    buf
}

/// AES-256-CBC decryption with PKCS#7 unpadding.
pub(crate) fn aes_256_cbc_decrypt(
    key: &[u8; 32],
    iv: &[u8; 16],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(SignalProtocolError::InvalidCiphertext);
    }
    let mut buf = ciphertext.to_vec();
    let len = Aes256CbcDec::new(key.into(), iv.into())
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| SignalProtocolError::InvalidCiphertext)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_rfc5869_case1() {
        let ikm = [0x0bu8; 22];
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let mut okm = [0u8; 42];
        hkdf_sha256(&ikm, Some(&salt), &info, &mut okm);
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn hkdf_default_salt_is_zeros() {
        let mut a = [0u8; 80];
        let mut b = [0u8; 80];
        hkdf_sha256(b"seed", None, b"WhisperMessageKeys", &mut a);
        hkdf_sha256(b"seed", Some(&[0u8; 32]), b"WhisperMessageKeys", &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn hmac_rfc4231_case2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn cbc_round_trip_and_errors() {
        let key = [7u8; 32];
        let iv = [9u8; 16];
        for len in [0usize, 1, 15, 16, 17, 200] {
            let pt = vec![0xabu8; len];
            let ct = aes_256_cbc_encrypt(&key, &iv, &pt);
            assert_eq!(ct.len() % 16, 0);
            assert!(ct.len() > pt.len());
            assert_eq!(aes_256_cbc_decrypt(&key, &iv, &ct).unwrap(), pt);
        }
        assert!(matches!(
            aes_256_cbc_decrypt(&key, &iv, &[1u8; 15]),
            Err(SignalProtocolError::InvalidCiphertext)
        ));
    }

    #[test]
    fn truncated_mac_comparison() {
        let mac = [3u8; 32];
        assert!(verify_truncated_mac(&mac, &[3u8; 8]));
        assert!(!verify_truncated_mac(&mac, &[3u8, 3, 3, 3, 3, 3, 3, 4]));
        assert!(!verify_truncated_mac(&mac, &[]));
        assert!(!verify_truncated_mac(&mac, &[3u8; 33]));
    }
}
