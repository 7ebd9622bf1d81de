//! The stable, versioned binary format of a persisted [`Device`].
//!
//! Layout: `b"WADV"` magic, a little-endian `u16` format version, a protobuf payload
//! ([`DeviceRecordV1`]) and the first 8 bytes of the SHA-256 of everything before them.
//!
//! - A newer format version is refused with [`StoreError::UnsupportedVersion`] before anything
//!   else is read, so an old build never misreads a new record.
//! - Any damage (truncation, flipped bits, wrong magic) is a [`StoreError::Serialization`].
//! - Every field of [`Device`] has its own tag; a field added to `Device` needs a tag here (the
//!   exhaustive destructuring in [`Device::to_bytes`] does not compile otherwise) and a version
//!   bump if older builds must not read the record.

use crate::store::traits::Jid;
use prost::Message;
use sha2::{Digest, Sha256};
use wacore_libsignal::{KeyPair, PrivateKey};
use waproto::whatsapp as wa;

use super::device::Device;
use super::error::{Result, StoreError};

const MAGIC: &[u8; 4] = b"WADV";
/// The device record format version this build writes.
pub const DEVICE_RECORD_VERSION: u16 = 1;
const CHECKSUM_LEN: usize = 8;
const HEADER_LEN: usize = MAGIC.len() + 2;

/// Version 1 of the device record payload.
#[derive(Clone, PartialEq, Message)]
struct DeviceRecordV1 {
    #[prost(string, optional, tag = "1")]
    pn: Option<String>,
    #[prost(string, optional, tag = "2")]
    lid: Option<String>,
    #[prost(uint32, tag = "3")]
    registration_id: u32,
    #[prost(bytes = "vec", tag = "4")]
    noise_private: Vec<u8>,
    #[prost(bytes = "vec", tag = "5")]
    noise_public: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    identity_private: Vec<u8>,
    #[prost(bytes = "vec", tag = "7")]
    identity_public: Vec<u8>,
    #[prost(bytes = "vec", tag = "8")]
    signed_pre_key_private: Vec<u8>,
    #[prost(bytes = "vec", tag = "9")]
    signed_pre_key_public: Vec<u8>,
    #[prost(uint32, tag = "10")]
    signed_pre_key_id: u32,
    #[prost(bytes = "vec", tag = "11")]
    signed_pre_key_signature: Vec<u8>,
    #[prost(bytes = "vec", tag = "12")]
    adv_secret_key: Vec<u8>,
    #[prost(bytes = "vec", optional, tag = "13")]
    account: Option<Vec<u8>>,
    #[prost(string, tag = "14")]
    push_name: String,
    #[prost(string, tag = "15")]
    platform: String,
    #[prost(uint32, tag = "16")]
    app_version_primary: u32,
    #[prost(uint32, tag = "17")]
    app_version_secondary: u32,
    #[prost(uint32, tag = "18")]
    app_version_tertiary: u32,
    #[prost(int64, tag = "19")]
    app_version_last_fetched_ms: i64,
    #[prost(bytes = "vec", tag = "20")]
    device_props: Vec<u8>,
    #[prost(bytes = "vec", optional, tag = "21")]
    edge_routing_info: Option<Vec<u8>>,
    #[prost(string, optional, tag = "22")]
    props_hash: Option<String>,
    #[prost(uint32, tag = "23")]
    next_pre_key_id: u32,
}

impl Device {
    /// Encodes the device in the versioned record format (see the module docs of
    /// `store::record`).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Exhaustive on purpose: a new field must be given a place in the record.
        let Device {
            pn,
            lid,
            registration_id,
            noise_key,
            identity_key,
            signed_pre_key,
            signed_pre_key_id,
            signed_pre_key_signature,
            adv_secret_key,
            account,
            push_name,
            platform,
            app_version_primary,
            app_version_secondary,
            app_version_tertiary,
            app_version_last_fetched_ms,
            device_props,
            edge_routing_info,
            props_hash,
            next_pre_key_id,
        } = self;
        let record = DeviceRecordV1 {
            pn: pn.as_ref().map(ToString::to_string),
            lid: lid.as_ref().map(ToString::to_string),
            registration_id: *registration_id,
            noise_private: noise_key.private_key.serialize().to_vec(),
            noise_public: noise_key.public_key.public_key_bytes().to_vec(),
            identity_private: identity_key.private_key.serialize().to_vec(),
            identity_public: identity_key.public_key.public_key_bytes().to_vec(),
            signed_pre_key_private: signed_pre_key.private_key.serialize().to_vec(),
            signed_pre_key_public: signed_pre_key.public_key.public_key_bytes().to_vec(),
            signed_pre_key_id: *signed_pre_key_id,
            signed_pre_key_signature: signed_pre_key_signature.to_vec(),
            adv_secret_key: adv_secret_key.to_vec(),
            account: account.as_ref().map(Message::encode_to_vec),
            push_name: push_name.clone(),
            platform: platform.clone(),
            app_version_primary: *app_version_primary,
            app_version_secondary: *app_version_secondary,
            app_version_tertiary: *app_version_tertiary,
            app_version_last_fetched_ms: *app_version_last_fetched_ms,
            device_props: device_props.encode_to_vec(),
            edge_routing_info: edge_routing_info.clone(),
            props_hash: props_hash.clone(),
            next_pre_key_id: *next_pre_key_id,
        };
        let mut out = Vec::with_capacity(HEADER_LEN + record.encoded_len() + CHECKSUM_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&DEVICE_RECORD_VERSION.to_le_bytes());
        record
            .encode(&mut out)
            .map_err(|e| StoreError::Serialization(format!("device record: {e}")))?;
        let sum = Sha256::digest(&out);
        out.extend_from_slice(sum.get(..CHECKSUM_LEN).unwrap_or_default());
        Ok(out)
    }

    /// Decodes a device from [`Device::to_bytes`] output.
    ///
    /// Returns [`StoreError::UnsupportedVersion`] for a record written by a newer format and
    /// [`StoreError::Serialization`] for anything damaged or inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |what: &str| StoreError::Serialization(format!("device record: {what}"));
        let (header, rest) = bytes
            .split_at_checked(HEADER_LEN)
            .ok_or_else(|| bad("truncated header"))?;
        let (magic, version) = header.split_at(MAGIC.len());
        if magic != MAGIC {
            return Err(bad("bad magic (not a device record)"));
        }
        let version = u16::from_le_bytes(version.try_into().map_err(|_| bad("truncated header"))?);
        if version > DEVICE_RECORD_VERSION {
            return Err(StoreError::UnsupportedVersion {
                kind: "device record",
                found: u64::from(version),
                supported: u64::from(DEVICE_RECORD_VERSION),
            });
        }
        if version == 0 {
            return Err(bad("format version 0 does not exist"));
        }
        let body_len = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .filter(|n| *n >= HEADER_LEN)
            .ok_or_else(|| bad("truncated checksum"))?;
        let (body, checksum) = bytes.split_at(body_len);
        let sum = Sha256::digest(body);
        if sum.get(..CHECKSUM_LEN) != Some(checksum) {
            return Err(bad("checksum mismatch (record is damaged)"));
        }
        let payload = rest
            .get(..rest.len().saturating_sub(CHECKSUM_LEN))
            .unwrap_or_default();
        let r = DeviceRecordV1::decode(payload).map_err(|e| bad(&format!("payload: {e}")))?;
        Ok(Device {
            pn: r.pn.as_deref().map(|s| parse_jid("pn", s)).transpose()?,
            lid: r.lid.as_deref().map(|s| parse_jid("lid", s)).transpose()?,
            registration_id: r.registration_id,
            noise_key: key_pair("noise key", &r.noise_private, &r.noise_public)?,
            identity_key: key_pair("identity key", &r.identity_private, &r.identity_public)?,
            signed_pre_key: key_pair(
                "signed pre-key",
                &r.signed_pre_key_private,
                &r.signed_pre_key_public,
            )?,
            signed_pre_key_id: r.signed_pre_key_id,
            signed_pre_key_signature: fixed(
                "signed pre-key signature",
                &r.signed_pre_key_signature,
            )?,
            adv_secret_key: fixed("adv secret key", &r.adv_secret_key)?,
            account: r
                .account
                .as_deref()
                .map(wa::AdvSignedDeviceIdentity::decode)
                .transpose()
                .map_err(|e| bad(&format!("account: {e}")))?,
            push_name: r.push_name,
            platform: r.platform,
            app_version_primary: r.app_version_primary,
            app_version_secondary: r.app_version_secondary,
            app_version_tertiary: r.app_version_tertiary,
            app_version_last_fetched_ms: r.app_version_last_fetched_ms,
            device_props: wa::DeviceProps::decode(r.device_props.as_slice())
                .map_err(|e| bad(&format!("device props: {e}")))?,
            edge_routing_info: r.edge_routing_info,
            props_hash: r.props_hash,
            next_pre_key_id: r.next_pre_key_id,
        })
    }
}

fn parse_jid(field: &str, s: &str) -> Result<Jid> {
    s.parse::<Jid>()
        .map_err(|e| StoreError::Serialization(format!("device record: {field} {s:?}: {e}")))
}

fn fixed<const N: usize>(field: &str, bytes: &[u8]) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| {
        StoreError::Serialization(format!(
            "device record: {field} is {} bytes, expected {N}",
            bytes.len()
        ))
    })
}

/// Rebuilds a key pair and checks the stored public key matches the private key.
fn key_pair(field: &str, private: &[u8], public: &[u8]) -> Result<KeyPair> {
    let private_key = PrivateKey::deserialize(private)
        .map_err(|e| StoreError::Serialization(format!("device record: {field}: {e}")))?;
    let pair = KeyPair::from_private_key(private_key);
    if pair.public_key.public_key_bytes().as_slice() != public {
        return Err(StoreError::Serialization(format!(
            "device record: {field}: public key does not match private key"
        )));
    }
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_fresh_and_populated() {
        let fresh = Device::new();
        assert_eq!(
            Device::from_bytes(&fresh.to_bytes().unwrap()).unwrap(),
            fresh
        );
        let mut d = Device::new();
        d.pn = Some("15551234567:3@s.whatsapp.net".parse().unwrap());
        d.lid = Some("100000012345678:3@lid".parse().unwrap());
        d.account = Some(wa::AdvSignedDeviceIdentity {
            details: Some(vec![1, 2, 3]),
            account_signature_key: Some(vec![4; 32]),
            account_signature: Some(vec![5; 64]),
            device_signature: Some(vec![6; 64]),
        });
        d.edge_routing_info = Some(vec![9, 9]);
        d.props_hash = Some("h".into());
        d.push_name = "ünïcode".into();
        assert_eq!(Device::from_bytes(&d.to_bytes().unwrap()).unwrap(), d);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_refused() {
        let bytes = Device::new().to_bytes().unwrap();
        for cut in 0..bytes.len() {
            assert!(
                Device::from_bytes(&bytes[..cut]).is_err(),
                "truncation at {cut} accepted"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                match Device::from_bytes(&b) {
                    Err(StoreError::Serialization(_)) => {}
                    Err(StoreError::UnsupportedVersion { .. }) if (4..6).contains(&i) => {}
                    other => panic!("flip of bit {bit} in byte {i} gave {other:?}"),
                }
            }
        }
    }

    #[test]
    fn newer_format_is_refused_before_anything_else() {
        let mut bytes = Device::new().to_bytes().unwrap();
        bytes[4..6].copy_from_slice(&(DEVICE_RECORD_VERSION + 1).to_le_bytes());
        bytes.truncate(10); // even a record this short is identified as "newer", not "damaged"
        assert!(matches!(
            Device::from_bytes(&bytes),
            Err(StoreError::UnsupportedVersion {
                kind: "device record",
                ..
            })
        ));
    }

    #[test]
    fn mismatched_key_pair_is_refused() {
        let d = Device::new();
        let mut record = DeviceRecordV1::decode(
            &d.to_bytes().unwrap()[HEADER_LEN..d.to_bytes().unwrap().len() - CHECKSUM_LEN],
        )
        .unwrap();
        record.identity_public = d.noise_key.public_key.public_key_bytes().to_vec();
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&DEVICE_RECORD_VERSION.to_le_bytes());
        record.encode(&mut out).unwrap();
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum[..CHECKSUM_LEN]);
        let err = Device::from_bytes(&out).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let d = Device::new();
        let shown = format!("{d:?}");
        let secret_hex: String = d.adv_secret_key.iter().map(|b| format!("{b}")).collect();
        assert!(!shown.contains(&secret_hex));
        assert!(shown.contains("redacted"));
    }
}
