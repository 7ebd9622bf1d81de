//! The client's own device state: identity, keys, account and settings.

use std::fmt;

use crate::store::traits::Jid;
use wacore_libsignal::KeyPair;
use waproto::whatsapp as wa;

/// The WhatsApp Web version a fresh device announces until the client learns a newer one.
pub const DEFAULT_APP_VERSION: (u32, u32, u32) = (2, 3000, 1_047_888_330);

/// Everything this client knows about itself. Persisted through
/// [`DeviceStore`](super::traits::DeviceStore) in the versioned record format of
/// [`Device::to_bytes`].
///
/// Change it through the client's `PersistenceManager` (with a
/// [`DeviceCommand`](super::DeviceCommand)), never directly, so the change is saved.
#[derive(Clone, PartialEq)]
pub struct Device {
    /// Our phone-number JID, once paired.
    pub pn: Option<Jid>,
    /// Our LID JID, once paired.
    pub lid: Option<Jid>,
    /// The Signal registration id (14 bits, never 0).
    pub registration_id: u32,
    /// The static Noise key pair used in the handshake.
    pub noise_key: KeyPair,
    /// The Signal identity key pair.
    pub identity_key: KeyPair,
    /// The current signed pre-key pair.
    pub signed_pre_key: KeyPair,
    /// The id of [`Device::signed_pre_key`].
    pub signed_pre_key_id: u32,
    /// XEdDSA signature of the signed pre-key's serialized public key by the identity key.
    pub signed_pre_key_signature: [u8; 64],
    /// The ADV secret shared with the primary in the QR code.
    pub adv_secret_key: [u8; 32],
    /// The signed device identity received at pairing.
    pub account: Option<wa::AdvSignedDeviceIdentity>,
    /// Our push name (display name).
    pub push_name: String,
    /// The platform name the primary reported at pairing.
    pub platform: String,
    /// WhatsApp Web version, primary part.
    pub app_version_primary: u32,
    /// WhatsApp Web version, secondary part.
    pub app_version_secondary: u32,
    /// WhatsApp Web version, tertiary part.
    pub app_version_tertiary: u32,
    /// When the version was last fetched (unix milliseconds, 0 = never).
    pub app_version_last_fetched_ms: i64,
    /// The device properties sent at registration.
    pub device_props: wa::DeviceProps,
    /// Edge routing info from the server, sent before the handshake on reconnect.
    pub edge_routing_info: Option<Vec<u8>>,
    /// Hash of the last A/B props fetch.
    pub props_hash: Option<String>,
    /// The next one-time pre-key id to generate (only ever increases).
    pub next_pre_key_id: u32,
}

impl Device {
    /// A fresh, unpaired device with newly generated keys from the thread-local CSPRNG.
    pub fn new() -> Self {
        Self::generate(&mut rand::rng())
    }

    /// A fresh, unpaired device with keys drawn from `rng`.
    pub fn generate<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let noise_key = KeyPair::generate(rng);
        let identity_key = KeyPair::generate(rng);
        let signed_pre_key = KeyPair::generate(rng);
        let signed_pre_key_signature =
            identity_key.calculate_signature(&signed_pre_key.public_key.serialize(), rng);
        let mut adv_secret_key = [0u8; 32];
        rng.fill_bytes(&mut adv_secret_key);
        let (primary, secondary, tertiary) = DEFAULT_APP_VERSION;
        Self {
            pn: None,
            lid: None,
            registration_id: wacore_libsignal::generate_registration_id(rng),
            noise_key,
            identity_key,
            signed_pre_key,
            signed_pre_key_id: 1,
            signed_pre_key_signature,
            adv_secret_key,
            account: None,
            push_name: String::new(),
            platform: String::new(),
            app_version_primary: primary,
            app_version_secondary: secondary,
            app_version_tertiary: tertiary,
            app_version_last_fetched_ms: 0,
            device_props: default_device_props(),
            edge_routing_info: None,
            props_hash: None,
            next_pre_key_id: 1,
        }
    }

    /// Whether the device has been paired (it knows its phone-number JID).
    pub fn is_paired(&self) -> bool {
        self.pn.is_some()
    }
}

impl Default for Device {
    fn default() -> Self {
        Self::new()
    }
}

/// The device properties a fresh device registers with.
pub fn default_device_props() -> wa::DeviceProps {
    wa::DeviceProps {
        os: Some("whatsapp-rust".to_string()),
        version: Some(wa::device_props::AppVersion {
            primary: Some(0),
            secondary: Some(1),
            tertiary: Some(0),
            ..Default::default()
        }),
        require_full_sync: Some(false),
        ..Default::default()
    }
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("pn", &self.pn)
            .field("lid", &self.lid)
            .field("registration_id", &self.registration_id)
            .field("noise_key", &self.noise_key.public_key)
            .field("identity_key", &self.identity_key.public_key)
            .field("signed_pre_key", &self.signed_pre_key.public_key)
            .field("signed_pre_key_id", &self.signed_pre_key_id)
            .field("adv_secret_key", &"<redacted>")
            .field("account", &self.account.is_some())
            .field("push_name", &self.push_name)
            .field("platform", &self.platform)
            .field(
                "app_version",
                &format_args!(
                    "{}.{}.{}",
                    self.app_version_primary, self.app_version_secondary, self.app_version_tertiary
                ),
            )
            .field("props_hash", &self.props_hash)
            .field("next_pre_key_id", &self.next_pre_key_id)
            .finish_non_exhaustive()
    }
}
