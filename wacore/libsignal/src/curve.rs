//! Curve25519 keys: public keys (33-byte `05`-prefixed on the wire, 32 bytes raw),
//! private keys, key pairs, X25519 agreement and XEdDSA signatures.

use std::fmt;
use std::sync::OnceLock;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::error::{Result, SignalProtocolError};
use crate::xeddsa::{self, EdwardsPublic, SIGNATURE_LENGTH};

/// The type byte that prefixes serialized Curve25519 public keys.
pub const DJB_TYPE: u8 = 0x05;
/// Length of a raw Curve25519 public or private key.
pub const KEY_LENGTH: usize = 32;
/// Length of a serialized (type-prefixed) public key.
pub const SERIALIZED_PUBLIC_KEY_LENGTH: usize = 33;

/// A Curve25519 public key.
///
/// Serialized as 33 bytes (`0x05` then the 32-byte Montgomery u-coordinate);
/// WhatsApp also carries the raw 32 bytes in some stanzas.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey([u8; KEY_LENGTH]);

impl PublicKey {
    /// Parses a serialized public key: 33 bytes starting with `0x05`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        match bytes.split_first() {
            None => Err(SignalProtocolError::BadKeyLength {
                kind: "public key",
                len: 0,
            }),
            Some((&DJB_TYPE, rest)) => Self::from_djb_public_key_bytes(rest).map_err(|_| {
                SignalProtocolError::BadKeyLength {
                    kind: "public key",
                    len: bytes.len(),
                }
            }),
            Some((&t, _)) if bytes.len() == SERIALIZED_PUBLIC_KEY_LENGTH => {
                Err(SignalProtocolError::BadKeyType(t))
            }
            Some(_) => Err(SignalProtocolError::BadKeyLength {
                kind: "public key",
                len: bytes.len(),
            }),
        }
    }

    /// Builds a public key from its raw 32 bytes.
    pub fn from_djb_public_key_bytes(bytes: &[u8]) -> Result<Self> {
        let raw: [u8; KEY_LENGTH] =
            bytes
                .try_into()
                .map_err(|_| SignalProtocolError::BadKeyLength {
                    kind: "public key",
                    len: bytes.len(),
                })?;
        Ok(Self(raw))
    }

    /// Builds a public key from its raw 32 bytes (infallible form).
    pub const fn from_raw(bytes: [u8; KEY_LENGTH]) -> Self {
        Self(bytes)
    }

    /// The 33-byte serialization (`0x05` || raw key).
    pub fn serialize(&self) -> [u8; SERIALIZED_PUBLIC_KEY_LENGTH] {
        let mut out = [DJB_TYPE; SERIALIZED_PUBLIC_KEY_LENGTH];
        out[1..].copy_from_slice(&self.0);
        out
    }

    /// The raw 32-byte key.
    pub fn public_key_bytes(&self) -> &[u8; KEY_LENGTH] {
        &self.0
    }

    /// Verifies an XEdDSA `signature` over `message` made by this key's owner.
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        match <&[u8; SIGNATURE_LENGTH]>::try_from(signature) {
            Ok(sig) => xeddsa::verify(&self.0, message, sig),
            Err(_) => false,
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(05")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A Curve25519 private key (stored clamped, zeroized on drop).
///
/// `Debug` never shows the key material.
pub struct PrivateKey {
    bytes: [u8; KEY_LENGTH],
    /// Edwards form of the public point, computed on first signature.
    edwards: OnceLock<EdwardsPublic>,
}

impl PrivateKey {
    /// Parses a 32-byte private key (clamping it, as libsignal does).
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let raw: [u8; KEY_LENGTH] =
            bytes
                .try_into()
                .map_err(|_| SignalProtocolError::BadKeyLength {
                    kind: "private key",
                    len: bytes.len(),
                })?;
        Ok(Self::from_bytes(raw))
    }

    /// Builds a private key from 32 bytes (clamping them).
    pub fn from_bytes(bytes: [u8; KEY_LENGTH]) -> Self {
        Self {
            bytes: clamp_integer(bytes),
            edwards: OnceLock::new(),
        }
    }

    /// Generates a fresh private key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; KEY_LENGTH];
        rng.fill_bytes(&mut bytes);
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        key
    }

    /// The (clamped) 32 key bytes.
    pub fn serialize(&self) -> [u8; KEY_LENGTH] {
        self.bytes
    }

    /// Derives the matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(MontgomeryPoint::mul_base_clamped(self.bytes).to_bytes())
    }

    /// X25519 agreement with `their_key`.
    ///
    /// Computed on the Edwards form of the curve (`k·P = 8·((k/8)·P)`, where
    /// the clamped `k/8 < l` is a canonical scalar), which lets
    /// curve25519-dalek use its vectorised constant-time variable-base
    /// multiplication; the result equals the Montgomery ladder's. Inputs that
    /// have no Edwards counterpart (points on the twist) use the ladder.
    pub fn calculate_agreement(&self, their_key: &PublicKey) -> [u8; KEY_LENGTH] {
        agreement(&self.bytes, &their_key.0)
    }

    /// XEdDSA signature over `message` (libsignal-compatible).
    pub fn calculate_signature<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> [u8; SIGNATURE_LENGTH] {
        let mut random = [0u8; 64];
        rng.fill_bytes(&mut random);
        let a = Scalar::from_bytes_mod_order(self.bytes);
        let ed = self.edwards.get_or_init(|| EdwardsPublic::from_scalar(&a));
        xeddsa::sign(&self.bytes, &a, ed, message, &random)
    }
}

/// `k/8` for a clamped `k` (a multiple of 8 below 2^255): below 2^252 < l,
/// hence a canonical scalar.
fn scalar_over_8(clamped: &[u8; KEY_LENGTH]) -> Option<Scalar> {
    let mut k_over_8 = [0u8; KEY_LENGTH];
    let mut carry = 0u8;
    for (dst, src) in k_over_8.iter_mut().zip(clamped.iter()).rev() {
        *dst = (src >> 3) | carry;
        carry = src << 5;
    }
    let scalar = Option::<Scalar>::from(Scalar::from_canonical_bytes(k_over_8));
    k_over_8.zeroize();
    scalar
}

/// X25519 of a clamped scalar and a Montgomery u-coordinate.
fn agreement(clamped: &[u8; KEY_LENGTH], their_u: &[u8; KEY_LENGTH]) -> [u8; KEY_LENGTH] {
    let point = MontgomeryPoint(*their_u);
    match (scalar_over_8(clamped), point.to_edwards(0)) {
        (Some(s), Some(p)) => (p * s).mul_by_cofactor().to_montgomery().to_bytes(),
        _ => point.mul_clamped(*clamped).to_bytes(),
    }
}

/// Several X25519 agreements at once, as X3DH needs: each distinct public key
/// is mapped to the Edwards curve once, and the results share one inversion.
/// Each result equals [`PrivateKey::calculate_agreement`]'s.
pub(crate) fn calculate_agreements<const N: usize>(
    pairs: [(&PrivateKey, &PublicKey); N],
) -> [[u8; KEY_LENGTH]; N] {
    let mut out = [[0u8; KEY_LENGTH]; N];
    let mut seen: Vec<(&PublicKey, Option<EdwardsPoint>)> = Vec::with_capacity(N);
    let mut products = Vec::with_capacity(N);
    let mut slots = Vec::with_capacity(N);
    for (i, (ours, theirs)) in pairs.iter().enumerate() {
        let edwards = match seen.iter().find(|(k, _)| k == theirs) {
            Some((_, p)) => *p,
            None => {
                let p = MontgomeryPoint(theirs.0).to_edwards(0);
                seen.push((theirs, p));
                p
            }
        };
        match (scalar_over_8(&ours.bytes), edwards, out.get_mut(i)) {
            (Some(s), Some(p), _) => {
                products.push((p * s).mul_by_cofactor());
                slots.push(i);
            }
            (_, _, Some(slot)) => {
                *slot = MontgomeryPoint(theirs.0).mul_clamped(ours.bytes).to_bytes()
            }
            _ => {}
        }
    }
    for (i, u) in slots
        .into_iter()
        .zip(EdwardsPoint::to_montgomery_batch(&products))
    {
        if let Some(slot) = out.get_mut(i) {
            *slot = u.to_bytes();
        }
    }
    out
}

impl Clone for PrivateKey {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes,
            edwards: self.edwards.clone(),
        }
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.bytes.ct_eq(&other.bytes))
    }
}

impl Eq for PrivateKey {}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

/// A Curve25519 key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    /// The public half.
    pub public_key: PublicKey,
    /// The private half.
    pub private_key: PrivateKey,
}

impl KeyPair {
    /// Generates a fresh key pair.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let private_key = PrivateKey::generate(rng);
        Self::from_private_key(private_key)
    }

    /// Builds the pair for an existing private key.
    pub fn from_private_key(private_key: PrivateKey) -> Self {
        Self {
            public_key: private_key.public_key(),
            private_key,
        }
    }

    /// Pairs an existing public and private key (not checked against each other).
    pub fn new(public_key: PublicKey, private_key: PrivateKey) -> Self {
        Self {
            public_key,
            private_key,
        }
    }

    /// Parses a pair from serialized forms: a 33-byte (or raw 32-byte) public key
    /// and a 32-byte private key.
    pub fn from_public_and_private(public_key: &[u8], private_key: &[u8]) -> Result<Self> {
        let public_key = if public_key.len() == KEY_LENGTH {
            PublicKey::from_djb_public_key_bytes(public_key)?
        } else {
            PublicKey::deserialize(public_key)?
        };
        Ok(Self {
            public_key,
            private_key: PrivateKey::deserialize(private_key)?,
        })
    }

    /// X25519 agreement with `their_key`.
    pub fn calculate_agreement(&self, their_key: &PublicKey) -> [u8; KEY_LENGTH] {
        self.private_key.calculate_agreement(their_key)
    }

    /// XEdDSA signature over `message` with the private key.
    pub fn calculate_signature<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> [u8; SIGNATURE_LENGTH] {
        self.private_key.calculate_signature(message, rng)
    }
}

/// Generates a fresh key pair with the thread-local CSPRNG.
pub fn generate_key_pair() -> KeyPair {
    KeyPair::generate(&mut rand::rng())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn rfc7748_iterated() {
        // RFC 7748 section 5.2: k = X25519(k, u), u = old k.
        let mut k = [0u8; 32];
        k[0] = 9;
        let mut u = k;
        for i in 1..=1000 {
            let next = PrivateKey::from_bytes(k).calculate_agreement(&PublicKey::from_raw(u));
            u = k;
            k = next;
            if i == 1 {
                assert_eq!(
                    hex::encode(k),
                    "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"
                );
            }
        }
        assert_eq!(
            hex::encode(k),
            "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"
        );
    }

    #[test]
    fn agreement_is_symmetric() {
        let mut rng = rand::rng();
        let a = KeyPair::generate(&mut rng);
        let b = KeyPair::generate(&mut rng);
        assert_eq!(
            a.calculate_agreement(&b.public_key),
            b.calculate_agreement(&a.public_key)
        );
    }

    #[test]
    fn rfc7748_vector() {
        // RFC 7748 section 6.1 (Alice's private key and Bob's public key).
        let alice = PrivateKey::deserialize(
            &hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            hex::encode(alice.public_key().public_key_bytes()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
        let bob = PublicKey::from_djb_public_key_bytes(
            &hex::decode("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            hex::encode(alice.calculate_agreement(&bob)),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        );
    }

    #[test]
    fn edwards_agreement_matches_the_ladder() {
        let mut rng = rand::rng();
        let check = |k: [u8; 32], u: [u8; 32]| {
            let key = PrivateKey::from_bytes(k);
            let expected = MontgomeryPoint(u).mul_clamped(k).to_bytes();
            assert_eq!(
                agreement(&key.bytes, &u),
                expected,
                "u = {}",
                hex::encode(u)
            );
            assert_eq!(
                key.calculate_agreement(&PublicKey::from_raw(u)),
                expected,
                "u = {}",
                hex::encode(u)
            );
        };
        for _ in 0..200 {
            let mut k = [0u8; 32];
            let mut u = [0u8; 32];
            rng.fill_bytes(&mut k);
            rng.fill_bytes(&mut u);
            // Random bytes: half on the curve, half on the twist, some >= p.
            check(k, u);
            check(k, MontgomeryPoint::mul_base_clamped(u).to_bytes());
        }
        // Small-order and edge points: 0, 1, p-1 (no Edwards counterpart), 2^255-1.
        let mut p_minus_1 = [0xffu8; 32];
        p_minus_1[0] = 0xec;
        p_minus_1[31] = 0x7f;
        for u in [
            [0u8; 32],
            {
                let mut one = [0u8; 32];
                one[0] = 1;
                one
            },
            p_minus_1,
            [0xff; 32],
        ] {
            check([0x42; 32], u);
        }
    }

    #[test]
    fn batched_agreements_match_single_ones() {
        let mut rng = rand::rng();
        let a = KeyPair::generate(&mut rng);
        let b = KeyPair::generate(&mut rng);
        let c = KeyPair::generate(&mut rng);
        let small_order = PublicKey::from_raw([0u8; 32]);
        let twist = PublicKey::from_raw([2u8; 32]);
        let pairs = [
            (&a.private_key, &b.public_key),
            (&c.private_key, &b.public_key),
            (&a.private_key, &c.public_key),
            (&b.private_key, &small_order),
            (&c.private_key, &twist),
            (&b.private_key, &a.public_key),
        ];
        let batch = calculate_agreements(pairs);
        for ((ours, theirs), got) in pairs.iter().zip(batch) {
            assert_eq!(got, ours.calculate_agreement(theirs));
            assert_eq!(
                got,
                MontgomeryPoint(theirs.0).mul_clamped(ours.bytes).to_bytes()
            );
        }
        assert_eq!(batch[3], [0u8; 32]);
    }

    #[test]
    fn sign_and_verify() {
        let mut rng = rand::rng();
        let kp = KeyPair::generate(&mut rng);
        let sig = kp.calculate_signature(b"hello", &mut rng);
        assert!(kp.public_key.verify_signature(b"hello", &sig));
        assert!(!kp.public_key.verify_signature(b"hellO", &sig));
        let mut bad = sig;
        bad[5] ^= 1;
        assert!(!kp.public_key.verify_signature(b"hello", &bad));
        assert!(!kp.public_key.verify_signature(b"hello", &sig[..63]));
        let other = KeyPair::generate(&mut rng);
        assert!(!other.public_key.verify_signature(b"hello", &sig));
    }

    #[test]
    fn public_key_parsing() {
        let kp = generate_key_pair();
        let ser = kp.public_key.serialize();
        assert_eq!(ser[0], 5);
        assert_eq!(PublicKey::deserialize(&ser).unwrap(), kp.public_key);
        let mut bad = ser;
        bad[0] = 6;
        assert!(matches!(
            PublicKey::deserialize(&bad),
            Err(SignalProtocolError::BadKeyType(6))
        ));
        assert!(matches!(
            PublicKey::deserialize(&ser[..20]),
            Err(SignalProtocolError::BadKeyLength { len: 20, .. })
        ));
        assert!(matches!(
            PublicKey::deserialize(&[]),
            Err(SignalProtocolError::BadKeyLength { len: 0, .. })
        ));
        assert!(PrivateKey::deserialize(&[1u8; 31]).is_err());
    }

    #[test]
    fn private_key_debug_is_redacted() {
        let kp = generate_key_pair();
        let dbg = format!("{kp:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&hex::encode(kp.private_key.serialize())));
    }
}
