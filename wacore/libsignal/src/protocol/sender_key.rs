//! `SenderKeyMessage` (`skmsg`) and `SenderKeyDistributionMessage`.

use prost::Message;
use rand::CryptoRng;

use super::{CiphertextMessageType, check_version, required, version_byte};
use crate::curve::{PrivateKey, PublicKey};
use crate::error::{Result, SignalProtocolError};
use crate::proto::wire;
use crate::xeddsa::SIGNATURE_LENGTH;

/// A group message: version byte, protobuf body, 64-byte XEdDSA signature by the
/// sender's signing key over version || body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderKeyMessage {
    message_version: u8,
    chain_id: u32,
    iteration: u32,
    ciphertext: Vec<u8>,
    serialized: Vec<u8>,
}

impl SenderKeyMessage {
    /// Builds and signs a message.
    pub fn new<R: CryptoRng + ?Sized>(
        chain_id: u32,
        iteration: u32,
        ciphertext: Vec<u8>,
        signing_key: &PrivateKey,
        rng: &mut R,
    ) -> Self {
        let mut proto = wire::SenderKeyMessage {
            id: Some(chain_id),
            iteration: Some(iteration),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len() + SIGNATURE_LENGTH);
        serialized.push(version_byte());
        proto.encode_raw(&mut serialized);
        let signature = signing_key.calculate_signature(&serialized, rng);
        serialized.extend_from_slice(&signature);
        Self {
            message_version: super::CIPHERTEXT_MESSAGE_CURRENT_VERSION,
            chain_id,
            iteration,
            ciphertext: proto.ciphertext.take().unwrap_or_default(),
            serialized,
        }
    }

    /// Parses a serialized message (the signature is checked with the sender's state).
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        const KIND: CiphertextMessageType = CiphertextMessageType::SenderKey;
        if bytes.len() < 1 + SIGNATURE_LENGTH {
            return Err(SignalProtocolError::InvalidMessage(
                KIND,
                "message too short",
            ));
        }
        let (message_version, rest) = check_version(KIND, bytes)?;
        let body = rest.get(..rest.len() - SIGNATURE_LENGTH).ok_or(
            SignalProtocolError::InvalidMessage(KIND, "message too short"),
        )?;
        let proto = wire::SenderKeyMessage::decode(body)?;
        Ok(Self {
            message_version,
            chain_id: required(KIND, proto.id, "missing chain id")?,
            iteration: required(KIND, proto.iteration, "missing iteration")?,
            ciphertext: required(KIND, proto.ciphertext, "missing ciphertext")?,
            serialized: bytes.to_vec(),
        })
    }

    /// Checks the signature against the sender's signing key.
    ///
    /// Signing keys sign every message of a sender, so their Edwards forms are
    /// kept in a small process-wide cache (public data only).
    pub fn verify_signature(&self, signing_key: &PublicKey) -> bool {
        let split = self.serialized.len().saturating_sub(SIGNATURE_LENGTH);
        let (content, signature) = self.serialized.split_at(split);
        match <&[u8; SIGNATURE_LENGTH]>::try_from(signature) {
            Ok(sig) => crate::xeddsa::verify_cached(signing_key.public_key_bytes(), content, sig),
            Err(_) => false,
        }
    }

    /// The message version (3).
    pub fn message_version(&self) -> u8 {
        self.message_version
    }

    /// The sender-key chain this message belongs to.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The message's iteration in its chain.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The AES-256-CBC ciphertext.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The full wire bytes.
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// Consumes the message, returning its wire bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.serialized
    }
}

/// Announces a sender's chain to group members: chain id, iteration, chain key
/// and the public signing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderKeyDistributionMessage {
    message_version: u8,
    chain_id: u32,
    iteration: u32,
    chain_key: [u8; 32],
    signing_key: PublicKey,
    serialized: Vec<u8>,
}

impl SenderKeyDistributionMessage {
    /// Builds a distribution message.
    pub fn new(chain_id: u32, iteration: u32, chain_key: [u8; 32], signing_key: PublicKey) -> Self {
        let proto = wire::SenderKeyDistributionMessage {
            id: Some(chain_id),
            iteration: Some(iteration),
            chain_key: Some(chain_key.to_vec()),
            signing_key: Some(signing_key.serialize().to_vec()),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len());
        serialized.push(version_byte());
        proto.encode_raw(&mut serialized);
        Self {
            message_version: super::CIPHERTEXT_MESSAGE_CURRENT_VERSION,
            chain_id,
            iteration,
            chain_key,
            signing_key,
            serialized,
        }
    }

    /// Parses a serialized distribution message.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        const KIND: CiphertextMessageType = CiphertextMessageType::SenderKeyDistribution;
        let (message_version, rest) = check_version(KIND, bytes)?;
        let proto = wire::SenderKeyDistributionMessage::decode(rest)?;
        let chain_key = required(KIND, proto.chain_key, "missing chain key")?;
        let chain_key: [u8; 32] =
            chain_key
                .as_slice()
                .try_into()
                .map_err(|_| SignalProtocolError::BadKeyLength {
                    kind: "sender chain key",
                    len: chain_key.len(),
                })?;
        let signing_key = required(KIND, proto.signing_key, "missing signing key")?;
        Ok(Self {
            message_version,
            chain_id: required(KIND, proto.id, "missing chain id")?,
            iteration: required(KIND, proto.iteration, "missing iteration")?,
            chain_key,
            signing_key: PublicKey::deserialize(&signing_key)?,
            serialized: bytes.to_vec(),
        })
    }

    /// The message version (3).
    pub fn message_version(&self) -> u8 {
        self.message_version
    }

    /// The announced chain id.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The chain's current iteration.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The chain key at `iteration`.
    pub fn chain_key(&self) -> &[u8; 32] {
        &self.chain_key
    }

    /// The sender's public signing key.
    pub fn signing_key(&self) -> &PublicKey {
        &self.signing_key
    }

    /// The full wire bytes.
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::KeyPair;

    #[test]
    fn sender_key_message_round_trip_and_signature() {
        let mut rng = rand::rng();
        let kp = KeyPair::generate(&mut rng);
        let m = SenderKeyMessage::new(42, 7, vec![1; 32], &kp.private_key, &mut rng);
        let parsed = SenderKeyMessage::deserialize(m.serialized()).unwrap();
        assert_eq!(parsed, m);
        assert!(parsed.verify_signature(&kp.public_key));
        let other = KeyPair::generate(&mut rng);
        assert!(!parsed.verify_signature(&other.public_key));
        let mut bytes = m.serialized().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        assert!(
            !SenderKeyMessage::deserialize(&bytes)
                .unwrap()
                .verify_signature(&kp.public_key)
        );
    }

    #[test]
    fn distribution_round_trip_and_errors() {
        let kp = KeyPair::generate(&mut rand::rng());
        let m = SenderKeyDistributionMessage::new(9, 3, [4; 32], kp.public_key);
        assert_eq!(
            SenderKeyDistributionMessage::deserialize(m.serialized()).unwrap(),
            m
        );
        let mut v = m.serialized().to_vec();
        v[0] = 0x22;
        assert!(matches!(
            SenderKeyDistributionMessage::deserialize(&v),
            Err(SignalProtocolError::UnsupportedVersion(_, 2))
        ));
        let short = wire::SenderKeyDistributionMessage {
            id: Some(1),
            iteration: Some(0),
            chain_key: Some(vec![1; 31]),
            signing_key: Some(kp.public_key.serialize().to_vec()),
        };
        let mut bytes = vec![0x33];
        short.encode_raw(&mut bytes);
        assert!(matches!(
            SenderKeyDistributionMessage::deserialize(&bytes),
            Err(SignalProtocolError::BadKeyLength { len: 31, .. })
        ));
        assert!(matches!(
            SenderKeyMessage::deserialize(&[0x33; 10]),
            Err(SignalProtocolError::InvalidMessage(_, _))
        ));
    }
}
