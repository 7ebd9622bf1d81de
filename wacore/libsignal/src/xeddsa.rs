//! XEdDSA: Ed25519-style signatures made and checked with Curve25519 (X25519) keys,
//! exactly as libsignal does (the Edwards sign bit travels in the top bit of `s`).

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use subtle::ConstantTimeEq;

/// Length of an XEdDSA signature.
pub const SIGNATURE_LENGTH: usize = 64;

/// The Edwards form of a private key's public point, computed once per key pair.
#[derive(Clone, Copy)]
pub(crate) struct EdwardsPublic {
    pub(crate) compressed: CompressedEdwardsY,
}

impl EdwardsPublic {
    /// `a·B` for a clamped private scalar.
    pub(crate) fn from_scalar(a: &Scalar) -> Self {
        let point: EdwardsPoint = a * ED25519_BASEPOINT_TABLE;
        Self {
            compressed: point.compress(),
        }
    }
}

/// Signs `message` with the clamped private key `key_bytes` (scalar `a`) whose
/// Edwards public point is `ed_public`. `random` is 64 bytes of fresh randomness.
pub(crate) fn sign(
    key_bytes: &[u8; 32],
    a: &Scalar,
    ed_public: &EdwardsPublic,
    message: &[u8],
    random: &[u8; 64],
) -> [u8; SIGNATURE_LENGTH] {
    let sign_bit = ed_public.compressed.as_bytes()[31] & 0x80;

    let mut prefix = [0xFFu8; 32];
    prefix[0] = 0xFE;
    let mut h1 = Sha512::new();
    h1.update(prefix);
    h1.update(key_bytes);
    h1.update(message);
    h1.update(random);
    let r = scalar_from_hash(h1);
    let cap_r = (&r * ED25519_BASEPOINT_TABLE).compress();

    let mut h2 = Sha512::new();
    h2.update(cap_r.as_bytes());
    h2.update(ed_public.compressed.as_bytes());
    h2.update(message);
    let h = scalar_from_hash(h2);
    let s = h * a + r;

    let mut out = [0u8; SIGNATURE_LENGTH];
    let (r_part, s_part) = out.split_at_mut(32);
    r_part.copy_from_slice(cap_r.as_bytes());
    s_part.copy_from_slice(s.as_bytes());
    out[63] = (out[63] & 0x7F) | sign_bit;
    out
}

/// Verifies an XEdDSA `signature` over `message` by the Montgomery public key `public`.
pub(crate) fn verify(
    public: &[u8; 32],
    message: &[u8],
    signature: &[u8; SIGNATURE_LENGTH],
) -> bool {
    let sign = (signature[63] & 0x80) >> 7;
    let Some(ed_point) = MontgomeryPoint(*public).to_edwards(sign) else {
        return false;
    };
    verify_with_point(&ed_point, &ed_point.compress(), message, signature)
}

/// A public key prepared for repeated verification: both Edwards points the
/// Montgomery key maps to (selected by the signature's sign bit) and their
/// encodings, so a verification skips the decompression and two inversions.
#[derive(Clone, Copy)]
struct PreparedPublicKey {
    points: [(EdwardsPoint, CompressedEdwardsY); 2],
}

impl PreparedPublicKey {
    fn new(public: &[u8; 32]) -> Option<Self> {
        let montgomery = MontgomeryPoint(*public);
        let p0 = montgomery.to_edwards(0)?;
        let p1 = montgomery.to_edwards(1)?;
        Some(Self {
            points: [(p0, p0.compress()), (p1, p1.compress())],
        })
    }
}

/// Most keys verified repeatedly are sender-key signing keys (one per group
/// sender); beyond this many the cache starts over.
const PREPARED_CACHE_CAPACITY: usize = 1024;

type PreparedCache = HashMap<[u8; 32], Option<PreparedPublicKey>>;

static PREPARED: LazyLock<Mutex<PreparedCache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Like [`verify`], for keys that sign many messages (sender-key signing keys):
/// the key's Edwards forms are computed once and kept in a bounded
/// process-wide cache of public data.
pub(crate) fn verify_cached(
    public: &[u8; 32],
    message: &[u8],
    signature: &[u8; SIGNATURE_LENGTH],
) -> bool {
    let cached = {
        let cache = PREPARED.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(public).copied()
    };
    let prepared = match cached {
        Some(p) => p,
        None => {
            let p = PreparedPublicKey::new(public);
            let mut cache = PREPARED.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= PREPARED_CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(*public, p);
            p
        }
    };
    let Some(prepared) = prepared else {
        return false;
    };
    let [zero, one] = &prepared.points;
    let (point, compressed) = if signature[63] & 0x80 == 0 { zero } else { one };
    verify_with_point(point, compressed, message, signature)
}

fn verify_with_point(
    ed_point: &EdwardsPoint,
    cap_a: &CompressedEdwardsY,
    message: &[u8],
    signature: &[u8; SIGNATURE_LENGTH],
) -> bool {
    let mut cap_r = [0u8; 32];
    cap_r.copy_from_slice(&signature[..32]);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&signature[32..]);
    s_bytes[31] &= 0x7F;
    if s_bytes[31] & 0xE0 != 0 {
        return false;
    }
    // s < 2^253 here; reducing mod l does not change s·B.
    let s = Scalar::from_bytes_mod_order(s_bytes);

    let mut h = Sha512::new();
    h.update(cap_r);
    h.update(cap_a.as_bytes());
    h.update(message);
    let h = scalar_from_hash(h);

    let check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&h, &(-ed_point), &s).compress();
    bool::from(check.as_bytes().ct_eq(&cap_r))
}

fn scalar_from_hash(h: Sha512) -> Scalar {
    let digest = h.finalize();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&digest);
    Scalar::from_bytes_mod_order_wide(&wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::KeyPair;

    #[test]
    fn cached_verification_agrees_with_plain() {
        let mut rng = rand::rng();
        for _ in 0..40 {
            let kp = KeyPair::generate(&mut rng);
            let key = kp.public_key.public_key_bytes();
            let sig = kp.calculate_signature(b"msg", &mut rng);
            assert!(verify(key, b"msg", &sig));
            assert!(verify_cached(key, b"msg", &sig));
            assert!(verify_cached(key, b"msg", &sig));
            assert!(!verify_cached(key, b"msG", &sig));
            let mut flipped = sig;
            flipped[63] ^= 0x80;
            assert_eq!(
                verify(key, b"msg", &flipped),
                verify_cached(key, b"msg", &flipped)
            );
            assert!(!verify_cached(key, b"msg", &flipped));
        }
        // A key on the twist verifies nothing, cached or not.
        let twist = [2u8; 32];
        assert_eq!(
            MontgomeryPoint(twist).to_edwards(0).is_none(),
            !verify(&twist, b"m", &[0; 64])
        );
        assert!(!verify_cached(&twist, b"m", &[0; 64]));
    }
}
