//! Identity keys: a party's long-term Curve25519 key (public) and key pair.

use prost::Message;
use rand::CryptoRng;

use crate::curve::{KeyPair, PrivateKey, PublicKey};
use crate::error::{Result, SignalProtocolError};
use crate::proto::storage::IdentityKeyPairStructure;

/// A party's long-term public identity key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdentityKey(PublicKey);

impl IdentityKey {
    /// Wraps a public key.
    pub const fn new(public_key: PublicKey) -> Self {
        Self(public_key)
    }

    /// The underlying public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.0
    }

    /// 33-byte serialization (`0x05` || key).
    pub fn serialize(&self) -> [u8; 33] {
        self.0.serialize()
    }

    /// Parses a 33-byte serialized identity key.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        PublicKey::deserialize(bytes).map(Self)
    }
}

impl From<PublicKey> for IdentityKey {
    fn from(value: PublicKey) -> Self {
        Self(value)
    }
}

/// Our identity: the public identity key and its private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityKeyPair {
    identity_key: IdentityKey,
    private_key: PrivateKey,
}

impl IdentityKeyPair {
    /// Pairs an identity key with its private key.
    pub fn new(identity_key: IdentityKey, private_key: PrivateKey) -> Self {
        Self {
            identity_key,
            private_key,
        }
    }

    /// Generates a fresh identity.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        KeyPair::generate(rng).into()
    }

    /// The public identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        self.identity_key.public_key()
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.private_key
    }

    /// Serializes as libsignal's `IdentityKeyPairStructure` protobuf.
    pub fn serialize(&self) -> Vec<u8> {
        IdentityKeyPairStructure {
            public_key: Some(self.identity_key.serialize().to_vec()),
            private_key: Some(self.private_key.serialize().to_vec()),
        }
        .encode_to_vec()
    }

    /// Parses an `IdentityKeyPairStructure` protobuf.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let s = IdentityKeyPairStructure::decode(bytes)?;
        let public = s.public_key.ok_or(SignalProtocolError::InvalidProtobuf(
            "missing public key".into(),
        ))?;
        let private = s.private_key.ok_or(SignalProtocolError::InvalidProtobuf(
            "missing private key".into(),
        ))?;
        Ok(Self {
            identity_key: IdentityKey::decode(&public)?,
            private_key: PrivateKey::deserialize(&private)?,
        })
    }

    /// The pair as a plain [`KeyPair`].
    pub fn to_key_pair(&self) -> KeyPair {
        KeyPair::new(*self.identity_key.public_key(), self.private_key.clone())
    }
}

impl From<KeyPair> for IdentityKeyPair {
    fn from(kp: KeyPair) -> Self {
        Self {
            identity_key: IdentityKey(kp.public_key),
            private_key: kp.private_key,
        }
    }
}

impl From<IdentityKeyPair> for KeyPair {
    fn from(ikp: IdentityKeyPair) -> Self {
        KeyPair::new(*ikp.identity_key.public_key(), ikp.private_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_key_pair_round_trip() {
        let ikp = IdentityKeyPair::generate(&mut rand::rng());
        let bytes = ikp.serialize();
        assert_eq!(IdentityKeyPair::deserialize(&bytes).unwrap(), ikp);
        assert!(IdentityKeyPair::deserialize(&bytes[..10]).is_err());
    }
}
