//! Pair-code (phone-number) linking: option validation, the 8-character code, and
//! the cryptography of both stages, as the wire does it (whatsmeow/Baileys):
//!
//! - code: 5 random bytes in base32 with alphabet `123456789ABCDEFGHJKLMNPQRSTVWXYZ`;
//! - companion hello: our ephemeral X25519 public key wrapped as
//!   `salt(32) || iv(16) || AES-256-CTR(PBKDF2-HMAC-SHA256(code, salt, 131072), pub)`;
//! - companion finish: X25519(our ephemeral, primary ephemeral) ->
//!   HKDF(`link_code_pairing_key_bundle_encryption_key`) -> AES-256-GCM key bundle
//!   `companion identity || primary identity || adv random`, and the new ADV secret
//!   HKDF(ephemeral shared || identity shared || adv random, info `adv_secret`).
//!
//! This module is pure computation (no I/O, no clock); the client sends the stanzas.

use std::time::Duration;

use aes::cipher::{KeyIvInit, StreamCipher};
use aes_gcm::aead::{Aead, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

/// The pair-code alphabet (Crockford-like base32 without 0, I, O, U).
pub const PAIR_CODE_ALPHABET: &[u8; 32] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";
/// Length of a pair code.
pub const PAIR_CODE_LEN: usize = 8;
/// PBKDF2 iterations used to derive the code key (2 << 16).
pub const PAIR_CODE_PBKDF2_ITERATIONS: u32 = 131_072;
/// Length of a wrapped ephemeral public key: salt(32) + iv(16) + ciphertext(32).
pub const WRAPPED_EPHEMERAL_LEN: usize = 80;
/// HKDF info for the key-bundle encryption key.
pub const KEY_BUNDLE_INFO: &[u8] = b"link_code_pairing_key_bundle_encryption_key";
/// HKDF info for the new ADV secret.
pub const ADV_SECRET_INFO: &[u8] = b"adv_secret";

/// Why a pair-code operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PairCodeError {
    /// No phone number was given.
    #[error("phone number is required")]
    PhoneNumberRequired,
    /// The phone number has fewer than 7 digits.
    #[error("phone number must have at least 7 digits")]
    PhoneNumberTooShort,
    /// The phone number starts with 0 (not in international format).
    #[error("phone number must be in international format (not starting with 0)")]
    PhoneNumberNotInternational,
    /// The custom code is not 8 characters of the pair-code alphabet.
    #[error(
        "custom code must be 8 characters from {alphabet}",
        alphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
    )]
    InvalidCustomCode,
    /// The server's answer to companion_hello carried no pairing ref.
    #[error("server did not return a pairing reference")]
    MissingPairingRef,
    /// A pair-code notification arrived but no pair-code request is pending.
    #[error("no pending pair code request")]
    NotWaiting,
    /// A wrapped key from the server has the wrong length.
    #[error("invalid wrapped data: expected {expected} bytes, got {got}")]
    InvalidWrappedData {
        /// Expected length in bytes.
        expected: usize,
        /// Actual length in bytes.
        got: usize,
    },
    /// A cryptographic step failed.
    #[error("crypto error during pairing: {0}")]
    CryptoError(String),
    /// The IQ request failed (not connected, timeout, server error).
    #[error("pairing request failed: {0}")]
    RequestFailed(String),
}

/// The companion platform announced in companion_hello (`companion_platform_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlatformId {
    /// Unknown platform (`0`).
    Unknown,
    /// Chrome (`1`), the default.
    #[default]
    Chrome,
    /// Edge (`2`).
    Edge,
    /// Firefox (`3`).
    Firefox,
    /// Internet Explorer (`4`).
    IE,
    /// Opera (`5`).
    Opera,
    /// Safari (`6`).
    Safari,
    /// Electron (`7`).
    Electron,
    /// UWP (`8`).
    UWP,
    /// Other web client (`9`).
    OtherWebClient,
}

impl PlatformId {
    /// The value sent on the wire.
    pub fn wire_value(self) -> &'static str {
        match self {
            Self::Unknown => "0",
            Self::Chrome => "1",
            Self::Edge => "2",
            Self::Firefox => "3",
            Self::IE => "4",
            Self::Opera => "5",
            Self::Safari => "6",
            Self::Electron => "7",
            Self::UWP => "8",
            Self::OtherWebClient => "9",
        }
    }
}

/// Options for [pair-code linking](crate::pair_code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairCodeOptions {
    /// Phone number in international format (e.g. `"15551234567"`); non-digits are
    /// stripped.
    pub phone_number: String,
    /// Whether the phone shows a push notification prompting to enter the code.
    pub show_push_notification: bool,
    /// A custom 8-character code from [`PAIR_CODE_ALPHABET`]; random when `None`.
    pub custom_code: Option<String>,
    /// Platform identifier (default Chrome).
    pub platform_id: PlatformId,
    /// Platform display name, `Browser (OS)` (default `"Chrome (Linux)"`).
    pub platform_display: String,
}

impl Default for PairCodeOptions {
    fn default() -> Self {
        Self {
            phone_number: String::new(),
            show_push_notification: true,
            custom_code: None,
            platform_id: PlatformId::Chrome,
            platform_display: "Chrome (Linux)".to_string(),
        }
    }
}

/// How long a pair code stays valid (the server closes an unpaired socket after the
/// QR codes run out, about 160-180 s).
pub fn code_validity() -> Duration {
    Duration::from_secs(180)
}

/// Strips non-digits and validates the phone number.
pub fn normalize_phone_number(phone: &str) -> Result<String, PairCodeError> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(PairCodeError::PhoneNumberRequired);
    }
    if digits.len() < 7 {
        return Err(PairCodeError::PhoneNumberTooShort);
    }
    if digits.starts_with('0') {
        return Err(PairCodeError::PhoneNumberNotInternational);
    }
    Ok(digits)
}

/// Encodes 5 bytes as an 8-character pair code.
pub fn encode_code(bytes: [u8; 5]) -> String {
    let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    (0..PAIR_CODE_LEN)
        .rev()
        .map(|i| {
            let idx = ((value >> (i * 5)) & 0x1f) as usize;
            PAIR_CODE_ALPHABET.get(idx).map_or('?', |c| char::from(*c))
        })
        .collect()
}

/// A fresh random pair code.
pub fn random_code() -> String {
    encode_code(rand::random::<[u8; 5]>())
}

/// Validates a custom code (exactly 8 characters of [`PAIR_CODE_ALPHABET`]; upper case).
pub fn validate_code(code: &str) -> Result<(), PairCodeError> {
    if code.len() == PAIR_CODE_LEN && code.bytes().all(|b| PAIR_CODE_ALPHABET.contains(&b)) {
        Ok(())
    } else {
        Err(PairCodeError::InvalidCustomCode)
    }
}

/// The AES key protecting the ephemeral keys: PBKDF2-HMAC-SHA256(code, salt, 131072).
/// Expensive (~100 ms): run it off the async threads.
pub fn derive_code_key(code: &str, salt: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(code.as_bytes(), salt, PAIR_CODE_PBKDF2_ITERATIONS, &mut key);
    key
}

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

fn aes_ctr(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Aes256Ctr::new(key.into(), iv.into());
    cipher.apply_keystream(data);
}

/// Wraps an ephemeral public key with the code: `salt || iv || AES-CTR(key, pub)`.
pub fn wrap_ephemeral_pub(
    ephemeral_pub: &[u8; 32],
    code: &str,
    salt: &[u8; 32],
    iv: &[u8; 16],
) -> [u8; WRAPPED_EPHEMERAL_LEN] {
    let key = derive_code_key(code, salt);
    let mut enc = *ephemeral_pub;
    aes_ctr(&key, iv, &mut enc);
    let mut out = [0u8; WRAPPED_EPHEMERAL_LEN];
    let (s, rest) = out.split_at_mut(32);
    let (i, c) = rest.split_at_mut(16);
    s.copy_from_slice(salt);
    i.copy_from_slice(iv);
    c.copy_from_slice(&enc);
    out
}

/// Unwraps a peer's wrapped ephemeral public key (at least 80 bytes; extra ignored).
pub fn unwrap_ephemeral_pub(wrapped: &[u8], code: &str) -> Result<[u8; 32], PairCodeError> {
    let bad = || PairCodeError::InvalidWrappedData {
        expected: WRAPPED_EPHEMERAL_LEN,
        got: wrapped.len(),
    };
    let salt: &[u8; 32] = wrapped
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let iv: &[u8; 16] = wrapped
        .get(32..48)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let mut pubkey: [u8; 32] = wrapped
        .get(48..80)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let key = derive_code_key(code, salt);
    aes_ctr(&key, iv, &mut pubkey);
    Ok(pubkey)
}

fn hkdf_sha256(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> Result<[u8; 32], PairCodeError> {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut out)
        .map_err(|e| PairCodeError::CryptoError(format!("hkdf: {e}")))?;
    Ok(out)
}

/// Everything the companion_finish step produces.
#[derive(Clone, PartialEq, Eq)]
pub struct CompanionFinish {
    /// `salt(32) || nonce(12) || AES-GCM(key bundle)` for `link_code_pairing_wrapped_key_bundle`.
    pub wrapped_key_bundle: Vec<u8>,
    /// The new ADV secret key to store (authenticates the coming pair-success).
    pub adv_secret: [u8; 32],
}

impl std::fmt::Debug for CompanionFinish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompanionFinish")
            .field("wrapped_key_bundle_len", &self.wrapped_key_bundle.len())
            .field("adv_secret", &"<redacted>")
            .finish()
    }
}

/// The random inputs of [`companion_finish`] (drawn fresh in production, fixed in tests).
#[derive(Clone)]
pub struct FinishRandomness {
    /// Random part of the ADV secret input.
    pub adv_random: [u8; 32],
    /// HKDF salt of the key-bundle key.
    pub bundle_salt: [u8; 32],
    /// AES-GCM nonce.
    pub bundle_nonce: [u8; 12],
}

impl FinishRandomness {
    /// Fresh randomness from the thread CSPRNG.
    pub fn random() -> Self {
        Self {
            adv_random: rand::random(),
            bundle_salt: rand::random(),
            bundle_nonce: rand::random(),
        }
    }
}

/// Computes the companion_finish payload once the primary's notification arrives.
///
/// `ephemeral_priv` is our pair-code ephemeral private key, `identity_priv`/`identity_pub`
/// our Signal identity key pair, `primary_ephemeral_pub` the unwrapped primary
/// ephemeral key and `primary_identity_pub` the primary's identity key.
pub fn companion_finish(
    ephemeral_priv: &[u8; 32],
    identity_priv: &[u8; 32],
    identity_pub: &[u8; 32],
    primary_ephemeral_pub: &[u8; 32],
    primary_identity_pub: &[u8; 32],
    rnd: &FinishRandomness,
) -> Result<CompanionFinish, PairCodeError> {
    let eph = StaticSecret::from(*ephemeral_priv);
    let ephemeral_shared = eph.diffie_hellman(&PublicKey::from(*primary_ephemeral_pub));
    let bundle_key = hkdf_sha256(
        ephemeral_shared.as_bytes(),
        Some(&rnd.bundle_salt),
        KEY_BUNDLE_INFO,
    )?;
    let mut plaintext = Vec::with_capacity(96);
    plaintext.extend_from_slice(identity_pub);
    plaintext.extend_from_slice(primary_identity_pub);
    plaintext.extend_from_slice(&rnd.adv_random);
    let cipher = aes_gcm::Aes256Gcm::new(&bundle_key.into());
    let sealed = cipher
        .encrypt(&rnd.bundle_nonce.into(), plaintext.as_slice())
        .map_err(|_| PairCodeError::CryptoError("key bundle encryption failed".to_string()))?;
    let mut wrapped_key_bundle = Vec::with_capacity(32 + 12 + sealed.len());
    wrapped_key_bundle.extend_from_slice(&rnd.bundle_salt);
    wrapped_key_bundle.extend_from_slice(&rnd.bundle_nonce);
    wrapped_key_bundle.extend_from_slice(&sealed);

    let identity = StaticSecret::from(*identity_priv);
    let identity_shared = identity.diffie_hellman(&PublicKey::from(*primary_identity_pub));
    let mut adv_input = Vec::with_capacity(96);
    adv_input.extend_from_slice(ephemeral_shared.as_bytes());
    adv_input.extend_from_slice(identity_shared.as_bytes());
    adv_input.extend_from_slice(&rnd.adv_random);
    let adv_secret = hkdf_sha256(&adv_input, None, ADV_SECRET_INFO)?;
    Ok(CompanionFinish {
        wrapped_key_bundle,
        adv_secret,
    })
}

/// X25519 public key of a private key (helper for callers holding raw keys).
pub fn x25519_public(private: &[u8; 32]) -> [u8; 32] {
    PublicKey::from(&StaticSecret::from(*private)).to_bytes()
}

#[cfg(test)]
mod tests;
