//! XEdDSA: Ed25519-style signatures made and checked with Curve25519 (X25519) keys,
//! exactly as libsignal does (the Edwards sign bit travels in the top bit of `s`).

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
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
    let cap_a = ed_point.compress();

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
