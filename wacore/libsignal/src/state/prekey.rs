//! One-time and signed pre-key records (data and serialization only).

use prost::Message;

use crate::curve::{KeyPair, PrivateKey, PublicKey};
use crate::error::{Result, SignalProtocolError};
use crate::proto::storage::{PreKeyRecordStructure, SignedPreKeyRecordStructure};

fn missing(what: &'static str) -> SignalProtocolError {
    SignalProtocolError::InvalidProtobuf(format!("missing {what}"))
}

/// A one-time pre-key: an id and a key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeyRecord {
    id: u32,
    key_pair: KeyPair,
}

impl PreKeyRecord {
    /// Makes a record.
    pub fn new(id: u32, key_pair: KeyPair) -> Self {
        Self { id, key_pair }
    }

    /// The pre-key id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key_pair
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key_pair.public_key
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key_pair.private_key
    }

    /// Serializes as libsignal's `PreKeyRecordStructure`.
    pub fn serialize(&self) -> Vec<u8> {
        PreKeyRecordStructure {
            id: Some(self.id),
            public_key: Some(self.key_pair.public_key.serialize().to_vec()),
            private_key: Some(self.key_pair.private_key.serialize().to_vec()),
        }
        .encode_to_vec()
    }

    /// Parses a `PreKeyRecordStructure`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let s = PreKeyRecordStructure::decode(bytes)?;
        let public = s.public_key.ok_or_else(|| missing("pre-key public key"))?;
        let private = s
            .private_key
            .ok_or_else(|| missing("pre-key private key"))?;
        Ok(Self {
            id: s.id.ok_or_else(|| missing("pre-key id"))?,
            key_pair: KeyPair::from_public_and_private(&public, &private)?,
        })
    }
}

/// A signed pre-key: an id, a creation time (ms), a key pair and the identity's
/// XEdDSA signature over the 33-byte serialized public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPreKeyRecord {
    id: u32,
    timestamp: u64,
    key_pair: KeyPair,
    signature: Vec<u8>,
}

impl SignedPreKeyRecord {
    /// Makes a record.
    pub fn new(id: u32, timestamp: u64, key_pair: KeyPair, signature: Vec<u8>) -> Self {
        Self {
            id,
            timestamp,
            key_pair,
            signature,
        }
    }

    /// The signed pre-key id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Creation time in milliseconds since the Unix epoch.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The key pair.
    pub fn key_pair(&self) -> &KeyPair {
        &self.key_pair
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key_pair.public_key
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key_pair.private_key
    }

    /// The identity's signature over the serialized public key.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Serializes as libsignal's `SignedPreKeyRecordStructure`.
    pub fn serialize(&self) -> Vec<u8> {
        SignedPreKeyRecordStructure {
            id: Some(self.id),
            public_key: Some(self.key_pair.public_key.serialize().to_vec()),
            private_key: Some(self.key_pair.private_key.serialize().to_vec()),
            signature: Some(self.signature.clone()),
            timestamp: Some(self.timestamp),
        }
        .encode_to_vec()
    }

    /// Parses a `SignedPreKeyRecordStructure`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let s = SignedPreKeyRecordStructure::decode(bytes)?;
        let public = s
            .public_key
            .ok_or_else(|| missing("signed pre-key public key"))?;
        let private = s
            .private_key
            .ok_or_else(|| missing("signed pre-key private key"))?;
        Ok(Self {
            id: s.id.ok_or_else(|| missing("signed pre-key id"))?,
            timestamp: s.timestamp.unwrap_or(0),
            key_pair: KeyPair::from_public_and_private(&public, &private)?,
            signature: s
                .signature
                .ok_or_else(|| missing("signed pre-key signature"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyhelper::{generate_identity_key_pair, generate_pre_key, generate_signed_pre_key};

    #[test]
    fn records_round_trip() {
        let mut rng = rand::rng();
        let pk = generate_pre_key(42, &mut rng);
        assert_eq!(PreKeyRecord::deserialize(&pk.serialize()).unwrap(), pk);
        let id = generate_identity_key_pair(&mut rng);
        let spk = generate_signed_pre_key(&id, 3, &mut rng);
        assert_eq!(
            SignedPreKeyRecord::deserialize(&spk.serialize()).unwrap(),
            spk
        );
    }

    #[test]
    fn malformed_records_are_errors() {
        assert!(matches!(
            PreKeyRecord::deserialize(&[0xff, 0xff]),
            Err(SignalProtocolError::InvalidProtobuf(_))
        ));
        // Valid protobuf, missing fields.
        assert!(PreKeyRecord::deserialize(&[0x08, 0x01]).is_err());
        // Truncated public key.
        let bad = PreKeyRecordStructure {
            id: Some(1),
            public_key: Some(vec![5; 10]),
            private_key: Some(vec![1; 32]),
        }
        .encode_to_vec();
        assert!(matches!(
            PreKeyRecord::deserialize(&bad),
            Err(SignalProtocolError::BadKeyLength { .. })
        ));
    }
}
