//! `ClientPayload` builders: the login payload of a paired device and the registration payload
//! of a new companion, as whatsmeow's `store/clientpayload.go` lays them out. Inputs are plain
//! numbers and byte arrays, so this crate needs nothing from the client.

use md5::{Digest, Md5};
use waproto::whatsapp as wa;

use wa::client_payload::{ConnectReason, ConnectType, user_agent, web_info};

/// A WhatsApp Web version triple, e.g. 2.3000.1027868167.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppVersion {
    /// First component.
    pub primary: u32,
    /// Second component.
    pub secondary: u32,
    /// Third component.
    pub tertiary: u32,
}

impl AppVersion {
    /// A version from its three components.
    pub const fn new(primary: u32, secondary: u32, tertiary: u32) -> Self {
        Self {
            primary,
            secondary,
            tertiary,
        }
    }

    /// MD5 of the dot-separated version string: the registration payload's `buildHash`.
    pub fn build_hash(&self) -> [u8; 16] {
        let text = format!("{}.{}.{}", self.primary, self.secondary, self.tertiary);
        let mut out = [0u8; 16];
        out.copy_from_slice(&Md5::digest(text.as_bytes()));
        out
    }

    fn to_proto(self) -> user_agent::AppVersion {
        user_agent::AppVersion {
            primary: Some(self.primary),
            secondary: Some(self.secondary),
            tertiary: Some(self.tertiary),
            ..Default::default()
        }
    }
}

/// The user-agent and connection fields common to both payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadConfig {
    /// The WhatsApp Web version we claim.
    pub version: AppVersion,
    /// `UserAgent.platform` (default `WEB`).
    pub platform: user_agent::Platform,
    /// `UserAgent.releaseChannel` (default `RELEASE`).
    pub release_channel: user_agent::ReleaseChannel,
    /// Mobile country code (default `"000"`).
    pub mcc: String,
    /// Mobile network code (default `"000"`).
    pub mnc: String,
    /// OS version; also sent as the OS build number (default `"0.1.0"`).
    pub os_version: String,
    /// Manufacturer (default empty).
    pub manufacturer: String,
    /// Device name (default `"Desktop"`).
    pub device: String,
    /// ISO 639-1 language (default `"en"`).
    pub locale_language: String,
    /// ISO 3166-1 alpha-2 country (default `"en"`, as WhatsApp Web sends).
    pub locale_country: String,
    /// `WebInfo.webSubPlatform` (default `WEB_BROWSER`).
    pub web_sub_platform: web_info::WebSubPlatform,
    /// `connectType` (default `WIFI_UNKNOWN`).
    pub connect_type: ConnectType,
    /// `connectReason` (default `USER_ACTIVATED`).
    pub connect_reason: ConnectReason,
}

impl PayloadConfig {
    /// whatsmeow's defaults for `version`.
    pub fn new(version: AppVersion) -> Self {
        Self {
            version,
            platform: user_agent::Platform::Web,
            release_channel: user_agent::ReleaseChannel::Release,
            mcc: "000".into(),
            mnc: "000".into(),
            os_version: "0.1.0".into(),
            manufacturer: String::new(),
            device: "Desktop".into(),
            locale_language: "en".into(),
            locale_country: "en".into(),
            web_sub_platform: web_info::WebSubPlatform::WebBrowser,
            connect_type: ConnectType::WifiUnknown,
            connect_reason: ConnectReason::UserActivated,
        }
    }

    fn base(&self) -> wa::ClientPayload {
        wa::ClientPayload {
            user_agent: Some(wa::client_payload::UserAgent {
                platform: Some(self.platform as i32),
                release_channel: Some(self.release_channel as i32),
                app_version: Some(self.version.to_proto()),
                mcc: Some(self.mcc.clone()),
                mnc: Some(self.mnc.clone()),
                os_version: Some(self.os_version.clone()),
                manufacturer: Some(self.manufacturer.clone()),
                device: Some(self.device.clone()),
                os_build_number: Some(self.os_version.clone()),
                locale_language_iso6391: Some(self.locale_language.clone()),
                locale_country_iso31661_alpha2: Some(self.locale_country.clone()),
                ..Default::default()
            }),
            web_info: Some(wa::client_payload::WebInfo {
                web_sub_platform: Some(self.web_sub_platform as i32),
                ..Default::default()
            }),
            connect_type: Some(self.connect_type as i32),
            connect_reason: Some(self.connect_reason as i32),
            ..Default::default()
        }
    }

    /// The payload a paired device logs in with: `username` is the phone number (the user part
    /// of its JID as a number), `device` its device id. Passive and pull are set, as whatsmeow does.
    pub fn login(&self, username: u64, device: u32) -> wa::ClientPayload {
        wa::ClientPayload {
            username: Some(username),
            device: Some(device),
            passive: Some(true),
            pull: Some(true),
            lid_db_migrated: Some(true),
            ..self.base()
        }
    }

    /// The payload a new companion registers with.
    pub fn registration(&self, reg: &Registration) -> wa::ClientPayload {
        let device_props = wa::DeviceProps {
            os: Some(reg.os.clone()),
            version: Some(wa::device_props::AppVersion {
                primary: Some(reg.os_version.primary),
                secondary: Some(reg.os_version.secondary),
                tertiary: Some(reg.os_version.tertiary),
                ..Default::default()
            }),
            platform_type: Some(reg.platform_type as i32),
            require_full_sync: Some(reg.require_full_sync),
            ..Default::default()
        };
        let skey_id = reg.signed_pre_key_id.to_be_bytes();
        wa::ClientPayload {
            device_pairing_data: Some(wa::client_payload::DevicePairingRegistrationData {
                e_regid: Some(reg.registration_id.to_be_bytes().to_vec()),
                e_keytype: Some(vec![DJB_KEY_TYPE]),
                e_ident: Some(reg.identity_key.to_vec()),
                // The signed pre-key id goes on the wire as 3 big-endian bytes.
                e_skey_id: Some(skey_id.get(1..).unwrap_or_default().to_vec()),
                e_skey_val: Some(reg.signed_pre_key.to_vec()),
                e_skey_sig: Some(reg.signed_pre_key_signature.to_vec()),
                build_hash: Some(self.version.build_hash().to_vec()),
                device_props: Some(prost::Message::encode_to_vec(&device_props)),
            }),
            passive: Some(false),
            pull: Some(false),
            ..self.base()
        }
    }
}

/// Signal's key-type byte for Curve25519 ("DJB") keys.
const DJB_KEY_TYPE: u8 = 0x05;

/// A new companion's keys and device properties for its registration payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Signal registration id.
    pub registration_id: u32,
    /// Signal identity public key (32 bytes, without the 0x05 type prefix).
    pub identity_key: [u8; 32],
    /// Id of the signed pre-key (must fit in 3 bytes).
    pub signed_pre_key_id: u32,
    /// Signed pre-key public key (32 bytes).
    pub signed_pre_key: [u8; 32],
    /// XEdDSA signature of the signed pre-key by the identity key.
    pub signed_pre_key_signature: [u8; 64],
    /// `DeviceProps.os`: the name shown in the phone's linked-devices list.
    pub os: String,
    /// `DeviceProps.version`.
    pub os_version: AppVersion,
    /// `DeviceProps.platformType`.
    pub platform_type: wa::device_props::PlatformType,
    /// `DeviceProps.requireFullSync`.
    pub require_full_sync: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_hash_is_md5_of_the_dotted_version() {
        // md5("2.2340.16") computed independently (python hashlib).
        assert_eq!(
            hex::encode(AppVersion::new(2, 2340, 16).build_hash()),
            "395e111c582dd710aaac51fc09614984"
        );
    }
}
