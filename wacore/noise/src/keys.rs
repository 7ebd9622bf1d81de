//! X25519 key pairs for the Noise static and ephemeral keys.

use std::fmt;

use rand::CryptoRng;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::error::{NoiseError, Result};

/// An X25519 key pair. `Debug` shows only the public half.
#[derive(Clone)]
pub struct KeyPair {
    secret: StaticSecret,
    public: [u8; 32],
}

impl KeyPair {
    /// Generates a fresh key pair from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self::from_private_bytes(bytes)
    }

    /// Rebuilds a key pair from its 32 private bytes (as stored by a session store). The bytes are
    /// clamped as X25519 requires, so any 32 bytes are a valid key.
    pub fn from_private_bytes(mut bytes: [u8; 32]) -> Self {
        clamp(&mut bytes);
        let secret = StaticSecret::from(bytes);
        let public = PublicKey::from(&secret).to_bytes();
        Self { secret, public }
    }

    /// The public key.
    pub fn public(&self) -> &[u8; 32] {
        &self.public
    }

    /// The (clamped) private key bytes, for persisting the key.
    pub fn private_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes()
    }

    /// X25519 with a peer public key; rejects a low-order peer key (all-zero output).
    pub(crate) fn dh(&self, peer_public: &[u8; 32]) -> Result<[u8; 32]> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(*peer_public));
        if !shared.was_contributory() {
            log::warn!(target: "Noise", "peer sent a low-order public key");
            return Err(NoiseError::WeakKey);
        }
        Ok(shared.to_bytes())
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &HexBytes(&self.public))
            .field("private", &"<redacted>")
            .finish()
    }
}

/// X25519 clamping (RFC 7748): clear the low 3 bits, clear the top bit, set bit 254.
pub(crate) fn clamp(bytes: &mut [u8; 32]) {
    bytes[0] &= 248;
    bytes[31] &= 127;
    bytes[31] |= 64;
}

/// Lower-case hex for `Debug` output of public values.
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dh_agrees_and_debug_hides_private_key() {
        let a = KeyPair::generate(&mut rand::rng());
        let b = KeyPair::generate(&mut rand::rng());
        assert_eq!(a.dh(b.public()).unwrap(), b.dh(a.public()).unwrap());
        let shown = format!("{a:?}");
        assert!(shown.contains("redacted"));
        let private_hex: String = a
            .private_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!shown.contains(&private_hex));
        // Round trip through the stored private bytes.
        let again = KeyPair::from_private_bytes(a.private_bytes());
        assert_eq!(again.public(), a.public());
    }

    #[test]
    fn low_order_peer_key_is_rejected() {
        let a = KeyPair::generate(&mut rand::rng());
        assert_eq!(a.dh(&[0u8; 32]), Err(NoiseError::WeakKey));
    }
}
