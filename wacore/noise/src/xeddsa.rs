//! XEdDSA over Curve25519, as Signal and WhatsApp sign with X25519 keys: just enough to verify
//! the server's Noise certificates and, for a test server, to issue its own.
//!
//! The X25519 (Montgomery) key is mapped to its Edwards form; the Edwards sign bit, which the
//! Montgomery u-coordinate does not carry, travels in the top bit of the signature's last byte.
//! Verification is then plain Ed25519 over SHA-512(R || A || message).

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use rand::CryptoRng;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use crate::keys::clamp;

/// Signature length: R (32) || s (32).
pub(crate) const SIGNATURE_LEN: usize = 64;

/// Verifies `signature` over `message` with the X25519 public key `public`.
pub(crate) fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
    let (r_bytes, s_part) = signature.split_at(32);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(s_part);
    let sign_bit = s_bytes[31] >> 7;
    s_bytes[31] &= 0x7f;
    // s must be reduced: with the sign bit removed, the top three bits have to be clear.
    if s_bytes[31] & 0xe0 != 0 {
        return false;
    }
    let Some(a_point) = MontgomeryPoint(*public).to_edwards(sign_bit) else {
        return false;
    };
    let a_compressed = a_point.compress();
    let h = challenge(r_bytes, a_compressed.as_bytes(), message);
    let s = Scalar::from_bytes_mod_order(s_bytes);
    // R' = s*B - h*A must equal R.
    let r_check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&h, &-a_point, &s).compress();
    bool::from(r_check.as_bytes().ct_eq(r_bytes))
}

/// Signs `message` with the X25519 private key `private` (clamped before use).
pub(crate) fn sign<R: CryptoRng + ?Sized>(
    private: &[u8; 32],
    message: &[u8],
    rng: &mut R,
) -> [u8; SIGNATURE_LEN] {
    let mut key = *private;
    clamp(&mut key);
    let a = Scalar::from_bytes_mod_order(key);
    let a_compressed: CompressedEdwardsY = EdwardsPoint::mul_base(&a).compress();
    let sign_bit = a_compressed.as_bytes()[31] & 0x80;

    // Nonce r = SHA-512(0xFE || 0xFF*31 || key || message || 64 random bytes) mod L.
    let mut random = [0u8; 64];
    rng.fill_bytes(&mut random);
    let mut prefix = [0xffu8; 32];
    prefix[0] = 0xfe;
    let mut hasher = Sha512::new();
    hasher.update(prefix);
    hasher.update(key);
    hasher.update(message);
    hasher.update(random);
    let r = scalar_from_hash(hasher);
    let r_compressed = EdwardsPoint::mul_base(&r).compress();

    let h = challenge(r_compressed.as_bytes(), a_compressed.as_bytes(), message);
    let s = h * a + r;

    let mut signature = [0u8; SIGNATURE_LEN];
    let (r_out, s_out) = signature.split_at_mut(32);
    r_out.copy_from_slice(r_compressed.as_bytes());
    s_out.copy_from_slice(s.as_bytes());
    signature[SIGNATURE_LEN - 1] = (signature[SIGNATURE_LEN - 1] & 0x7f) | sign_bit;
    signature
}

/// h = SHA-512(R || A || message) mod L.
fn challenge(r: &[u8], a: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hasher = Sha512::new();
    hasher.update(r);
    hasher.update(a);
    hasher.update(message);
    scalar_from_hash(hasher)
}

fn scalar_from_hash(hasher: Sha512) -> Scalar {
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&hasher.finalize());
    Scalar::from_bytes_mod_order_wide(&wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        let mut rng = rand::rng();
        for _ in 0..16 {
            let kp = KeyPair::generate(&mut rng);
            let sig = sign(&kp.private_bytes(), b"details", &mut rng);
            assert!(verify(kp.public(), b"details", &sig));
            assert!(!verify(kp.public(), b"detailz", &sig));
            let other = KeyPair::generate(&mut rng);
            assert!(!verify(other.public(), b"details", &sig));
            let mut bad = sig;
            bad[5] ^= 1;
            assert!(!verify(kp.public(), b"details", &bad));
            let mut flipped_sign = sig;
            flipped_sign[63] ^= 0x80;
            assert!(!verify(kp.public(), b"details", &flipped_sign));
        }
    }

    #[test]
    fn unreduced_scalar_is_refused() {
        let mut rng = rand::rng();
        let kp = KeyPair::generate(&mut rng);
        let mut sig = sign(&kp.private_bytes(), b"x", &mut rng);
        assert!(verify(kp.public(), b"x", &sig));
        // Setting one of bits 253..255 of s (below the sign bit) makes s >= 2^253 > L.
        sig[63] |= 0x20;
        assert!(!verify(kp.public(), b"x", &sig));
    }
}
