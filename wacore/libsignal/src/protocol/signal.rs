//! `SignalMessage` (`msg`) and `PreKeySignalMessage` (`pkmsg`).

use prost::Message;

use super::{CiphertextMessageType, MAC_LENGTH, check_version, required, version_byte};
use crate::crypto::{HmacKey, verify_truncated_mac};
use crate::curve::PublicKey;
use crate::error::{Result, SignalProtocolError};
use crate::identity::IdentityKey;
use crate::proto::wire;

/// A Double Ratchet message: version byte, protobuf body, 8-byte truncated MAC
/// (HMAC-SHA256 over sender identity || receiver identity || version || body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalMessage {
    message_version: u8,
    sender_ratchet_key: PublicKey,
    counter: u32,
    previous_counter: u32,
    ciphertext: Vec<u8>,
    serialized: Vec<u8>,
}

impl SignalMessage {
    /// Builds and MACs a message.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mac_key: &[u8; 32],
        sender_ratchet_key: PublicKey,
        counter: u32,
        previous_counter: u32,
        ciphertext: Vec<u8>,
        sender_identity: &IdentityKey,
        receiver_identity: &IdentityKey,
    ) -> Self {
        let mut proto = wire::SignalMessage {
            ratchet_key: Some(sender_ratchet_key.serialize().to_vec()),
            counter: Some(counter),
            previous_counter: Some(previous_counter),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len() + MAC_LENGTH);
        serialized.push(version_byte());
        proto.encode_raw(&mut serialized);
        let mac = compute_mac(sender_identity, receiver_identity, mac_key, &serialized);
        serialized.extend_from_slice(mac.get(..MAC_LENGTH).unwrap_or(&mac));
        Self {
            message_version: super::CIPHERTEXT_MESSAGE_CURRENT_VERSION,
            sender_ratchet_key,
            counter,
            previous_counter,
            ciphertext: proto.ciphertext.take().unwrap_or_default(),
            serialized,
        }
    }

    /// Parses a serialized message (the MAC is checked later, with the session keys).
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        const KIND: CiphertextMessageType = CiphertextMessageType::Whisper;
        if bytes.len() < 1 + MAC_LENGTH {
            return Err(SignalProtocolError::InvalidMessage(
                KIND,
                "message too short",
            ));
        }
        let (message_version, rest) = check_version(KIND, bytes)?;
        let body =
            rest.get(..rest.len() - MAC_LENGTH)
                .ok_or(SignalProtocolError::InvalidMessage(
                    KIND,
                    "message too short",
                ))?;
        let proto = wire::SignalMessage::decode(body)?;
        let ratchet_key = required(KIND, proto.ratchet_key, "missing ratchet key")?;
        Ok(Self {
            message_version,
            sender_ratchet_key: PublicKey::deserialize(&ratchet_key)?,
            counter: required(KIND, proto.counter, "missing counter")?,
            previous_counter: proto.previous_counter.unwrap_or(0),
            ciphertext: required(KIND, proto.ciphertext, "missing ciphertext")?,
            serialized: bytes.to_vec(),
        })
    }

    /// The message version (3).
    pub fn message_version(&self) -> u8 {
        self.message_version
    }

    /// The sender's current ratchet public key.
    pub fn sender_ratchet_key(&self) -> &PublicKey {
        &self.sender_ratchet_key
    }

    /// The message's index in its sending chain.
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// The length of the sender's previous sending chain.
    pub fn previous_counter(&self) -> u32 {
        self.previous_counter
    }

    /// The AES-256-CBC ciphertext.
    pub fn body(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The full wire bytes.
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// Checks the truncated MAC in constant time.
    pub fn verify_mac(
        &self,
        sender_identity: &IdentityKey,
        receiver_identity: &IdentityKey,
        mac_key: &[u8; 32],
    ) -> bool {
        let split = self.serialized.len().saturating_sub(MAC_LENGTH);
        let (content, their_mac) = self.serialized.split_at(split);
        let our_mac = compute_mac(sender_identity, receiver_identity, mac_key, content);
        verify_truncated_mac(&our_mac, their_mac)
    }
}

fn compute_mac(
    sender_identity: &IdentityKey,
    receiver_identity: &IdentityKey,
    mac_key: &[u8; 32],
    content: &[u8],
) -> [u8; 32] {
    let mut mac = HmacKey::new(mac_key);
    mac.update(&sender_identity.serialize());
    mac.update(&receiver_identity.serialize());
    mac.update(content);
    mac.finalize()
}

/// The first message(s) of a session: the X3DH parameters plus a `SignalMessage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreKeySignalMessage {
    message_version: u8,
    registration_id: u32,
    pre_key_id: Option<u32>,
    signed_pre_key_id: u32,
    base_key: PublicKey,
    identity_key: IdentityKey,
    message: SignalMessage,
    serialized: Vec<u8>,
}

impl PreKeySignalMessage {
    /// Builds a pre-key message around `message`.
    pub fn new(
        registration_id: u32,
        pre_key_id: Option<u32>,
        signed_pre_key_id: u32,
        base_key: PublicKey,
        identity_key: IdentityKey,
        message: SignalMessage,
    ) -> Self {
        let proto = wire::PreKeySignalMessage {
            registration_id: Some(registration_id),
            pre_key_id,
            signed_pre_key_id: Some(signed_pre_key_id),
            base_key: Some(base_key.serialize().to_vec()),
            identity_key: Some(identity_key.serialize().to_vec()),
            message: Some(message.serialized.clone()),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len());
        serialized.push(version_byte());
        proto.encode_raw(&mut serialized);
        Self {
            message_version: super::CIPHERTEXT_MESSAGE_CURRENT_VERSION,
            registration_id,
            pre_key_id,
            signed_pre_key_id,
            base_key,
            identity_key,
            message,
            serialized,
        }
    }

    /// Parses a serialized pre-key message (and the `SignalMessage` inside).
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        const KIND: CiphertextMessageType = CiphertextMessageType::PreKey;
        let (message_version, rest) = check_version(KIND, bytes)?;
        let proto = wire::PreKeySignalMessage::decode(rest)?;
        let base_key = required(KIND, proto.base_key, "missing base key")?;
        let identity_key = required(KIND, proto.identity_key, "missing identity key")?;
        let message = required(KIND, proto.message, "missing inner message")?;
        Ok(Self {
            message_version,
            registration_id: proto.registration_id.unwrap_or(0),
            pre_key_id: proto.pre_key_id,
            signed_pre_key_id: required(
                KIND,
                proto.signed_pre_key_id,
                "missing signed pre-key id",
            )?,
            base_key: PublicKey::deserialize(&base_key)?,
            identity_key: IdentityKey::decode(&identity_key)?,
            message: SignalMessage::deserialize(&message)?,
            serialized: bytes.to_vec(),
        })
    }

    /// The message version (3).
    pub fn message_version(&self) -> u8 {
        self.message_version
    }

    /// The sender's registration id.
    pub fn registration_id(&self) -> u32 {
        self.registration_id
    }

    /// The one-time pre-key used, if any.
    pub fn pre_key_id(&self) -> Option<u32> {
        self.pre_key_id
    }

    /// The signed pre-key used.
    pub fn signed_pre_key_id(&self) -> u32 {
        self.signed_pre_key_id
    }

    /// The sender's X3DH base (ephemeral) key.
    pub fn base_key(&self) -> &PublicKey {
        &self.base_key
    }

    /// The sender's identity key.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The embedded `SignalMessage`.
    pub fn message(&self) -> &SignalMessage {
        &self.message
    }

    /// The full wire bytes.
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

/// An encrypted 1:1 message as produced by `message_encrypt`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CiphertextMessage {
    /// A normal ratchet message (`msg`).
    SignalMessage(SignalMessage),
    /// A session-starting message (`pkmsg`).
    PreKeySignalMessage(PreKeySignalMessage),
}

impl CiphertextMessage {
    /// Parses a 1:1 message of the given kind (`Whisper` or `PreKey`).
    pub fn deserialize(kind: CiphertextMessageType, bytes: &[u8]) -> Result<Self> {
        match kind {
            CiphertextMessageType::Whisper => {
                SignalMessage::deserialize(bytes).map(Self::SignalMessage)
            }
            CiphertextMessageType::PreKey => {
                PreKeySignalMessage::deserialize(bytes).map(Self::PreKeySignalMessage)
            }
            other => Err(SignalProtocolError::InvalidArgument(format!(
                "{other:?} is not a 1:1 message kind"
            ))),
        }
    }

    /// Parses the payload of a WhatsApp `<enc type="msg|pkmsg">` node.
    pub fn from_wa_enc(enc_type: &str, bytes: &[u8]) -> Result<Self> {
        match enc_type {
            "msg" => Self::deserialize(CiphertextMessageType::Whisper, bytes),
            "pkmsg" => Self::deserialize(CiphertextMessageType::PreKey, bytes),
            other => Err(SignalProtocolError::InvalidArgument(format!(
                "unknown 1:1 enc type {other:?}"
            ))),
        }
    }

    /// Which kind of message this is.
    pub fn message_type(&self) -> CiphertextMessageType {
        match self {
            Self::SignalMessage(_) => CiphertextMessageType::Whisper,
            Self::PreKeySignalMessage(_) => CiphertextMessageType::PreKey,
        }
    }

    /// The wire bytes.
    pub fn serialize(&self) -> &[u8] {
        match self {
            Self::SignalMessage(m) => m.serialized(),
            Self::PreKeySignalMessage(m) => m.serialized(),
        }
    }

    /// Consumes the message, returning its wire bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Self::SignalMessage(m) => m.serialized,
            Self::PreKeySignalMessage(m) => m.serialized,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::KeyPair;

    fn ident() -> IdentityKey {
        IdentityKey::new(KeyPair::generate(&mut rand::rng()).public_key)
    }

    #[test]
    fn signal_message_round_trip_and_mac() {
        let (a, b) = (ident(), ident());
        let ratchet = KeyPair::generate(&mut rand::rng()).public_key;
        let m = SignalMessage::new(&[1; 32], ratchet, 5, 2, vec![9; 32], &a, &b);
        assert_eq!(m.serialized()[0], 0x33);
        let parsed = SignalMessage::deserialize(m.serialized()).unwrap();
        assert_eq!(parsed, m);
        assert!(parsed.verify_mac(&a, &b, &[1; 32]));
        assert!(!parsed.verify_mac(&b, &a, &[1; 32]));
        assert!(!parsed.verify_mac(&a, &b, &[2; 32]));
    }

    #[test]
    fn pre_key_message_round_trip() {
        let (a, b) = (ident(), ident());
        let ratchet = KeyPair::generate(&mut rand::rng()).public_key;
        let inner = SignalMessage::new(&[1; 32], ratchet, 0, 0, vec![9; 16], &a, &b);
        let m = PreKeySignalMessage::new(77, Some(3), 1, ratchet, a, inner.clone());
        let parsed = PreKeySignalMessage::deserialize(m.serialized()).unwrap();
        assert_eq!(parsed, m);
        assert_eq!(parsed.message(), &inner);
        let without = PreKeySignalMessage::new(77, None, 1, ratchet, a, inner);
        assert_eq!(
            PreKeySignalMessage::deserialize(without.serialized())
                .unwrap()
                .pre_key_id(),
            None
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        use CiphertextMessageType::*;
        let (a, b) = (ident(), ident());
        let ratchet = KeyPair::generate(&mut rand::rng()).public_key;
        let m = SignalMessage::new(&[1; 32], ratchet, 0, 0, vec![9; 16], &a, &b);
        let mut v = m.serialized().to_vec();
        v[0] = 0x23;
        assert!(matches!(
            SignalMessage::deserialize(&v),
            Err(SignalProtocolError::UnsupportedVersion(Whisper, 2))
        ));
        v[0] = 0x43;
        assert!(matches!(
            SignalMessage::deserialize(&v),
            Err(SignalProtocolError::UnsupportedVersion(Whisper, 4))
        ));
        assert!(matches!(
            SignalMessage::deserialize(&[0x33, 1, 2]),
            Err(SignalProtocolError::InvalidMessage(Whisper, _))
        ));
        assert!(matches!(
            SignalMessage::deserialize(&[0x33, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(SignalProtocolError::InvalidProtobuf(_))
        ));
        assert!(matches!(
            PreKeySignalMessage::deserialize(&[]),
            Err(SignalProtocolError::InvalidMessage(PreKey, _))
        ));
        assert!(matches!(
            PreKeySignalMessage::deserialize(&[0x33, 0x08, 0x01]),
            Err(SignalProtocolError::InvalidMessage(PreKey, _))
        ));
    }
}
