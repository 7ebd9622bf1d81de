//! The Noise SymmetricState (handshake hash `h`, chaining key `ck`, handshake cipher) and the
//! AES-GCM nonce layout WhatsApp uses.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::consts::{NOISE_PATTERN, TAG_LEN};
use crate::error::{NoiseError, Result};

/// The 12-byte AES-GCM nonce: 8 zero bytes then the big-endian 32-bit counter.
pub(crate) fn nonce(counter: u32) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[8..].copy_from_slice(&counter.to_be_bytes());
    n.into()
}

/// HKDF-SHA256(salt, ikm, info = "") expanded to two 32-byte keys.
pub(crate) fn hkdf2(salt: &[u8; 32], ikm: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mut okm = [0u8; 64];
    // 64 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], &mut okm);
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    (a, b)
}

/// Handshake-phase state shared by both roles.
pub(crate) struct SymmetricState {
    h: [u8; 32],
    ck: [u8; 32],
    cipher: Option<Aes256Gcm>,
    n: u32,
}

impl SymmetricState {
    /// Starts from the padded protocol name and mixes in the prologue (the `WA` header).
    pub(crate) fn new(prologue: &[u8]) -> Self {
        let mut state = Self {
            h: *NOISE_PATTERN,
            ck: *NOISE_PATTERN,
            cipher: None,
            n: 0,
        };
        state.mix_hash(prologue);
        state
    }

    /// h = SHA-256(h || data).
    pub(crate) fn mix_hash(&mut self, data: &[u8]) {
        let mut hasher = Sha256::new();
        hasher.update(self.h);
        hasher.update(data);
        self.h.copy_from_slice(&hasher.finalize());
    }

    /// (ck, k) = HKDF(ck, ikm); the handshake nonce restarts at 0.
    pub(crate) fn mix_key(&mut self, ikm: &[u8]) {
        let (ck, k) = hkdf2(&self.ck, ikm);
        self.ck = ck;
        self.cipher = Some(Aes256Gcm::new(&k.into()));
        self.n = 0;
    }

    /// Encrypts with h as associated data, then mixes the ciphertext into h.
    pub(crate) fn encrypt_and_hash(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
        out.extend_from_slice(plaintext);
        if let Some(cipher) = &self.cipher {
            let tag = cipher
                .encrypt_inout_detached(&nonce(self.n), &self.h, out.as_mut_slice().into())
                .map_err(|_| NoiseError::FrameTooLarge {
                    len: plaintext.len(),
                    max: u32::MAX as usize,
                })?;
            out.extend_from_slice(&tag);
            self.n = self.n.checked_add(1).ok_or(NoiseError::NonceExhausted)?;
        }
        self.mix_hash(&out);
        Ok(out)
    }

    /// Decrypts with h as associated data, then mixes the ciphertext into h.
    pub(crate) fn decrypt_and_hash(
        &mut self,
        ciphertext: &[u8],
        stage: &'static str,
    ) -> Result<Vec<u8>> {
        let Some(cipher) = &self.cipher else {
            self.mix_hash(ciphertext);
            return Ok(ciphertext.to_vec());
        };
        let body_len = ciphertext
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(NoiseError::Decrypt { stage })?;
        let (body, tag) = ciphertext.split_at(body_len);
        let mut out = body.to_vec();
        let tag = Tag::try_from(tag).map_err(|_| NoiseError::Decrypt { stage })?;
        cipher
            .decrypt_inout_detached(&nonce(self.n), &self.h, out.as_mut_slice().into(), &tag)
            .map_err(|_| {
                log::warn!(target: "Noise", "handshake decryption failed during {stage}");
                NoiseError::Decrypt { stage }
            })?;
        self.n = self.n.checked_add(1).ok_or(NoiseError::NonceExhausted)?;
        self.mix_hash(ciphertext);
        Ok(out)
    }

    /// Derives the two transport keys: the initiator writes with the first, reads with the second.
    pub(crate) fn split(&self) -> ([u8; 32], [u8; 32]) {
        hkdf2(&self.ck, &[])
    }

    /// The current handshake hash (equal on both sides after a successful handshake).
    pub(crate) fn handshake_hash(&self) -> [u8; 32] {
        self.h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_layout_is_eight_zero_bytes_then_big_endian_counter() {
        let n = nonce(0x0102_0304);
        assert_eq!(n.as_slice(), &[0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn encrypt_decrypt_pair_and_tamper_detection() {
        let mut a = SymmetricState::new(b"WA\x06\x03");
        let mut b = SymmetricState::new(b"WA\x06\x03");
        a.mix_key(b"shared");
        b.mix_key(b"shared");
        let ct = a.encrypt_and_hash(b"static key").unwrap();
        assert_eq!(b.decrypt_and_hash(&ct, "test").unwrap(), b"static key");
        assert_eq!(a.handshake_hash(), b.handshake_hash());
        let mut tampered = a.encrypt_and_hash(b"payload").unwrap();
        tampered[0] ^= 1;
        assert_eq!(
            b.decrypt_and_hash(&tampered, "test"),
            Err(NoiseError::Decrypt { stage: "test" })
        );
        assert_eq!(
            b.decrypt_and_hash(&[1, 2, 3], "short"),
            Err(NoiseError::Decrypt { stage: "short" })
        );
    }

    #[test]
    fn different_prologues_give_different_hashes() {
        let a = SymmetricState::new(b"WA\x06\x03");
        let b = SymmetricState::new(b"WA\x06\x02");
        assert_ne!(a.handshake_hash(), b.handshake_hash());
    }
}
