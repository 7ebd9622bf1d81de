//! Symmetric helpers the server and phones need (hashes, HKDF, HMAC, AES-GCM/CTR, PBKDF2).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// SHA-1 (pre-key digest hash).
pub(crate) fn sha1(data: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(data).to_vec()
}

/// SHA-256.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// HMAC-SHA256.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().into()
        }
        // HMAC takes keys of any length.
        Err(_) => [0; 32],
    }
}

/// HKDF-SHA256 into `len` bytes.
pub(crate) fn hkdf(ikm: &[u8], salt: Option<&[u8]>, info: &[u8], len: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut out)
        .map_err(|_| Error::Crypto("hkdf output too long".into()))?;
    Ok(out)
}

/// PBKDF2-HMAC-SHA256 into 32 bytes.
pub(crate) fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut out);
    out
}

/// AES-256-CTR (encrypt and decrypt are the same operation).
pub(crate) fn aes_ctr(key: &[u8; 32], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let mut c = ctr::Ctr128BE::<aes::Aes256>::new(key.into(), iv.into());
    c.apply_keystream(&mut buf);
    buf
}

/// AES-256-GCM encryption with a 12-byte nonce and associated data.
#[cfg(test)]
pub(crate) fn gcm_encrypt(
    key: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let c = Aes256Gcm::new_from_slice(key).map_err(|_| Error::Crypto("bad AES key".into()))?;
    c.encrypt(
        &Nonce::from(*nonce),
        Payload {
            msg: plaintext,
            aad,
        },
    )
    .map_err(|_| Error::Crypto("AES-GCM encrypt".into()))
}

/// AES-256-GCM decryption.
pub(crate) fn gcm_decrypt(
    key: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    let c = Aes256Gcm::new_from_slice(key).map_err(|_| Error::Crypto("bad AES key".into()))?;
    c.decrypt(
        &Nonce::from(*nonce),
        Payload {
            msg: ciphertext,
            aad,
        },
    )
    .map_err(|_| Error::Crypto("AES-GCM authentication failed".into()))
}

/// Media encrypted for upload, and what the message referencing it carries.
pub(crate) struct EncryptedMedia {
    /// The upload body: AES-256-CBC ciphertext followed by the first 10 bytes of the MAC.
    pub body: Vec<u8>,
    /// The random media key.
    pub media_key: [u8; 32],
    /// SHA-256 of the plaintext.
    pub file_sha256: [u8; 32],
    /// SHA-256 of the upload body.
    pub file_enc_sha256: [u8; 32],
}

/// Encrypts media as WhatsApp does: HKDF(media key, info = `WhatsApp <Type> Keys`, 112 bytes) ->
/// iv, cipher key, MAC key; body = AES-256-CBC(PKCS#7) || HMAC-SHA256(mac key, iv || ct)[..10].
pub(crate) fn encrypt_media(plaintext: &[u8], info: &str) -> Result<EncryptedMedia> {
    use cbc::cipher::{BlockModeEncrypt, block_padding::Pkcs7};
    let media_key = random_bytes::<32>();
    let expanded = hkdf(&media_key, None, info.as_bytes(), 112)?;
    let short = || Error::Crypto("media key expansion".into());
    let iv: [u8; 16] = expanded
        .get(..16)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(short)?;
    let key: [u8; 32] = expanded
        .get(16..48)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(short)?;
    let mac_key = expanded.get(48..80).ok_or_else(short)?;
    let mut buf = plaintext.to_vec();
    buf.resize(plaintext.len() + 16, 0);
    let ct_len = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded::<Pkcs7>(&mut buf, plaintext.len())
        .map_err(|_| Error::Crypto("media padding".into()))?
        .len();
    buf.truncate(ct_len);
    let mut signed = iv.to_vec();
    signed.extend_from_slice(&buf);
    let mac = hmac_sha256(mac_key, &signed);
    buf.extend_from_slice(mac.get(..10).unwrap_or_default());
    Ok(EncryptedMedia {
        file_sha256: sha256(plaintext),
        file_enc_sha256: sha256(&buf),
        body: buf,
        media_key,
    })
}

/// Random bytes.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::fill(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctr_round_trips_and_gcm_rejects_tampering() {
        let key = [7u8; 32];
        let iv = [1u8; 16];
        let ct = aes_ctr(&key, &iv, b"hello");
        assert_ne!(ct, b"hello");
        assert_eq!(aes_ctr(&key, &iv, &ct), b"hello");
        let n = [0u8; 12];
        let mut g = gcm_encrypt(&key, &n, b"ad", b"x").unwrap();
        assert_eq!(gcm_decrypt(&key, &n, b"ad", &g).unwrap(), b"x");
        if let Some(b) = g.first_mut() {
            *b ^= 1;
        }
        assert!(gcm_decrypt(&key, &n, b"ad", &g).is_err());
    }

    #[test]
    fn hkdf_matches_rfc5869_case_1() {
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0u8..=0x0c).collect();
        let info: Vec<u8> = (0xf0u8..=0xf9).collect();
        let okm = hkdf(&ikm, Some(&salt), &info, 42).unwrap();
        assert_eq!(
            crate::server::hex(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }
}
