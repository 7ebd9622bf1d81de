//! The primitives media crypto is built from: AES-256-CBC over whole blocks of a byte
//! buffer (the block-mode crate works on typed blocks), PKCS#7, and HMAC-SHA256 keyed with
//! a 32-byte key.

use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit};
use sha2::Sha256;

use super::MediaKeys;

/// AES block size.
pub(super) const BLOCK: usize = 16;

/// Length of the truncated HMAC appended to every upload.
pub(super) const MAC_LEN: usize = 10;

pub(super) type Encryptor = cbc::Encryptor<aes::Aes256>;
pub(super) type Decryptor = cbc::Decryptor<aes::Aes256>;

pub(super) fn encryptor(keys: &MediaKeys) -> Encryptor {
    Encryptor::new(&keys.cipher_key.into(), &keys.iv.into())
}

pub(super) fn decryptor(keys: &MediaKeys) -> Decryptor {
    Decryptor::new(&keys.cipher_key.into(), &keys.iv.into())
}

/// HMAC-SHA256 keyed with a 32-byte key. HMAC zero-pads keys shorter than the hash block
/// (64 bytes), so this is exactly HMAC with `key`, without a fallible constructor.
pub(super) fn hmac_sha256(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    for (dst, src) in block.iter_mut().zip(key) {
        *dst = *src;
    }
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

/// Encrypts `buf` in place; a trailing partial block (never passed by callers) is left alone.
pub(super) fn encrypt_in_place(enc: &mut Encryptor, buf: &mut [u8]) {
    let (blocks, _partial) = Array::slice_as_chunks_mut(buf);
    enc.encrypt_blocks(blocks);
}

/// Decrypts `buf` in place; a trailing partial block (never passed by callers) is left alone.
pub(super) fn decrypt_in_place(dec: &mut Decryptor, buf: &mut [u8]) {
    let (blocks, _partial) = Array::slice_as_chunks_mut(buf);
    dec.decrypt_blocks(blocks);
}

/// Appends PKCS#7 padding so that `buf.len()` becomes a multiple of the block size.
pub(super) fn pad(buf: &mut Vec<u8>) {
    let pad = BLOCK - buf.len() % BLOCK;
    // `pad` is in 1..=16, so the cast is lossless.
    buf.resize(buf.len() + pad, pad as u8);
}

/// Returns the number of PKCS#7 padding bytes at the end of the decrypted `last_block`,
/// or `None` if the padding is malformed.
pub(super) fn padding_len(last_block: &[u8]) -> Option<usize> {
    let &p = last_block.last()?;
    let p = usize::from(p);
    if p == 0 || p > BLOCK || p > last_block.len() {
        return None;
    }
    let start = last_block.len() - p;
    last_block
        .get(start..)?
        .iter()
        .all(|&b| usize::from(b) == p)
        .then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_key_hmac_equals_slice_keyed_hmac() {
        use hmac::Mac;
        let key = [0x5au8; 32];
        let a = hmac_sha256(&key)
            .chain_update(b"data")
            .finalize()
            .into_bytes();
        let b = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap()
            .chain_update(b"data")
            .finalize()
            .into_bytes();
        assert_eq!(a, b);
    }

    #[test]
    fn padding_round_trip_and_rejects_garbage() {
        for n in 0..40 {
            let mut v = vec![0xAAu8; n];
            pad(&mut v);
            assert_eq!(v.len() % BLOCK, 0);
            assert_eq!(padding_len(&v[v.len() - BLOCK..]), Some(v.len() - n));
        }
        assert_eq!(padding_len(&[0u8; 16]), None);
        assert_eq!(padding_len(&[17u8; 16]), None);
        let mut bad = [3u8; 16];
        bad[14] = 2;
        assert_eq!(padding_len(&bad), None);
    }
}
