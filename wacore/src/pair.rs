//! QR pairing: the QR data string and the ADV checks of `pair-success`.
//!
//! On `pair-success` the server hands over an `ADVSignedDeviceIdentityHMAC`. The
//! companion checks the HMAC with its ADV secret (the one in the QR code, or the
//! one derived during pair-code linking), checks the primary's account signature
//! over `06 00 || details || our identity key`, adds its own device signature over
//! `06 01 || details || our identity key || account signature key`, and answers
//! `pair-device-sign` with that identity minus the account signature key.
//! Hosted accounts use the prefixes `06 05` / `06 06`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use prost::Message as _;
use sha2::Sha256;
use wacore_libsignal::{KeyPair, PublicKey};
use waproto::whatsapp as wa;

/// Prefix of the account signature message.
pub const ADV_ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 0];
/// Prefix of the device signature message.
pub const ADV_DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 1];
/// Prefix of a hosted account's signature (and of the HMAC input).
pub const ADV_HOSTED_ACCOUNT_SIGNATURE_PREFIX: [u8; 2] = [6, 5];
/// Prefix of a hosted device's signature.
pub const ADV_HOSTED_DEVICE_SIGNATURE_PREFIX: [u8; 2] = [6, 6];

/// What WhatsApp clients put in front of the QR data when rendering it.
pub const QR_URL_PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// The QR data for one pairing ref:
/// `https://wa.me/settings/linked_devices#ref,base64(noise pub),base64(identity pub),base64(adv secret),platform`.
pub fn make_qr_data(
    pairing_ref: &str,
    noise_pub: &[u8; 32],
    identity_pub: &[u8; 32],
    adv_secret: &[u8; 32],
    platform: &str,
) -> String {
    format!(
        "{QR_URL_PREFIX}{pairing_ref},{},{},{},{platform}",
        STANDARD.encode(noise_pub),
        STANDARD.encode(identity_pub),
        STANDARD.encode(adv_secret)
    )
}

/// Why `pair-success` was rejected. [`PairCryptoError::wire_error`] gives the code and
/// text to send back in the `<iq type="error">`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PairCryptoError {
    /// A protobuf in the message does not decode.
    #[error("failed to decode {what} in pair-success")]
    Decode {
        /// Which message.
        what: &'static str,
    },
    /// The HMAC does not match our ADV secret.
    #[error("device identity HMAC mismatch")]
    HmacMismatch,
    /// The primary's account signature does not verify.
    #[error("invalid account signature in device identity")]
    InvalidAccountSignature,
}

impl PairCryptoError {
    /// The `(code, text)` of the error reply.
    pub fn wire_error(&self) -> (u16, &'static str) {
        match self {
            Self::Decode { .. } => (500, "internal-error"),
            Self::HmacMismatch => (401, "hmac-mismatch"),
            Self::InvalidAccountSignature => (401, "signature-mismatch"),
        }
    }
}

/// The outcome of a verified `pair-success`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedIdentity {
    /// The signed identity to store as our account (with our device signature).
    pub account: wa::AdvSignedDeviceIdentity,
    /// The encoded identity to send in `pair-device-sign` (account key removed).
    pub self_signed_identity: Vec<u8>,
    /// The `key-index` attribute to send.
    pub key_index: u32,
    /// The primary device's identity key (to store for its LID address).
    pub primary_identity_key: [u8; 32],
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// Verifies the `device-identity` bytes of `pair-success` and signs them.
pub fn do_pair_crypto<R: rand::CryptoRng + ?Sized>(
    identity: &KeyPair,
    adv_secret: &[u8; 32],
    device_identity_bytes: &[u8],
    rng: &mut R,
) -> Result<PairedIdentity, PairCryptoError> {
    let container =
        wa::AdvSignedDeviceIdentityHmac::decode(device_identity_bytes).map_err(|_| {
            PairCryptoError::Decode {
                what: "ADVSignedDeviceIdentityHMAC",
            }
        })?;
    let hosted_account = container.account_type == Some(wa::AdvEncryptionType::Hosted as i32);
    let details = container.details.clone().unwrap_or_default();
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(adv_secret)
        .map_err(|_| PairCryptoError::HmacMismatch)?;
    if hosted_account {
        mac.update(&ADV_HOSTED_ACCOUNT_SIGNATURE_PREFIX);
    }
    mac.update(&details);
    mac.verify_slice(container.hmac.as_deref().unwrap_or_default())
        .map_err(|_| PairCryptoError::HmacMismatch)?;

    let mut signed = wa::AdvSignedDeviceIdentity::decode(details.as_slice()).map_err(|_| {
        PairCryptoError::Decode {
            what: "ADVSignedDeviceIdentity",
        }
    })?;
    let inner_details = signed.details.clone().unwrap_or_default();
    let device_identity =
        wa::AdvDeviceIdentity::decode(inner_details.as_slice()).map_err(|_| {
            PairCryptoError::Decode {
                what: "ADVDeviceIdentity",
            }
        })?;
    let hosted_device = device_identity.device_type == Some(wa::AdvEncryptionType::Hosted as i32);

    let account_key: [u8; 32] = signed
        .account_signature_key
        .as_deref()
        .and_then(|k| k.try_into().ok())
        .ok_or(PairCryptoError::InvalidAccountSignature)?;
    let account_signature = signed.account_signature.clone().unwrap_or_default();
    let our_pub = identity.public_key.public_key_bytes();
    let account_prefix = if hosted_device {
        ADV_HOSTED_ACCOUNT_SIGNATURE_PREFIX
    } else {
        ADV_ACCOUNT_SIGNATURE_PREFIX
    };
    let message = concat(&[&account_prefix, &inner_details, our_pub]);
    let primary = PublicKey::from_djb_public_key_bytes(&account_key)
        .map_err(|_| PairCryptoError::InvalidAccountSignature)?;
    if !primary.verify_signature(&message, &account_signature) {
        return Err(PairCryptoError::InvalidAccountSignature);
    }

    let device_prefix = if hosted_device {
        ADV_HOSTED_DEVICE_SIGNATURE_PREFIX
    } else {
        ADV_DEVICE_SIGNATURE_PREFIX
    };
    let device_message = concat(&[&device_prefix, &inner_details, our_pub, &account_key]);
    let device_signature = identity.calculate_signature(&device_message, rng);
    signed.device_signature = Some(device_signature.to_vec());

    let account = signed.clone();
    signed.account_signature_key = None;
    Ok(PairedIdentity {
        account,
        self_signed_identity: signed.encode_to_vec(),
        key_index: device_identity.key_index.unwrap_or(0),
        primary_identity_key: account_key,
    })
}

#[cfg(test)]
mod tests;
