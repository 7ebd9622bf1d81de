//! [`DeviceCommand`]: every kind of change to the [`Device`] state, applied in one place.

use crate::store::traits::Jid;
use waproto::whatsapp as wa;

use super::device::Device;

/// One change to the device state. Send it through the client's
/// `PersistenceManager::process_command` so it is applied under the lock and saved.
#[derive(Clone)]
#[non_exhaustive]
pub enum DeviceCommand {
    /// Sets our phone-number JID.
    SetId(Option<Jid>),
    /// Sets our LID JID.
    SetLid(Option<Jid>),
    /// Sets our push name.
    SetPushName(String),
    /// Sets the platform name reported at pairing.
    SetPlatform(String),
    /// Sets the signed device identity received at pairing.
    SetAccount(Option<wa::AdvSignedDeviceIdentity>),
    /// Sets the WhatsApp Web version `(primary, secondary, tertiary)`.
    SetAppVersion((u32, u32, u32)),
    /// Records when the version was last fetched (unix milliseconds).
    SetAppVersionLastFetched(i64),
    /// Overrides device properties: OS name, version, platform type. `None` keeps a value.
    SetDeviceProps(
        Option<String>,
        Option<wa::device_props::AppVersion>,
        Option<wa::device_props::PlatformType>,
    ),
    /// Sets the hash of the last A/B props fetch.
    SetPropsHash(Option<String>),
    /// Advances the next one-time pre-key id. The counter never goes back: a smaller value
    /// is ignored, so pre-key ids are never reused.
    SetNextPreKeyId(u32),
    /// Sets the edge routing info received from the server.
    SetEdgeRoutingInfo(Option<Vec<u8>>),
    /// Replaces the ADV secret (pairing-code flow derives a new one).
    SetAdvSecretKey([u8; 32]),
}

impl DeviceCommand {
    /// The variant's name, for logs (payloads may hold keys, so they are never shown).
    pub fn name(&self) -> &'static str {
        match self {
            DeviceCommand::SetId(_) => "SetId",
            DeviceCommand::SetLid(_) => "SetLid",
            DeviceCommand::SetPushName(_) => "SetPushName",
            DeviceCommand::SetPlatform(_) => "SetPlatform",
            DeviceCommand::SetAccount(_) => "SetAccount",
            DeviceCommand::SetAppVersion(_) => "SetAppVersion",
            DeviceCommand::SetAppVersionLastFetched(_) => "SetAppVersionLastFetched",
            DeviceCommand::SetDeviceProps(..) => "SetDeviceProps",
            DeviceCommand::SetPropsHash(_) => "SetPropsHash",
            DeviceCommand::SetNextPreKeyId(_) => "SetNextPreKeyId",
            DeviceCommand::SetEdgeRoutingInfo(_) => "SetEdgeRoutingInfo",
            DeviceCommand::SetAdvSecretKey(_) => "SetAdvSecretKey",
        }
    }
}

impl std::fmt::Debug for DeviceCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceCommand::{}(..)", self.name())
    }
}

/// Applies one command to the device state.
pub fn apply_command_to_device(device: &mut Device, command: DeviceCommand) {
    match command {
        DeviceCommand::SetId(pn) => device.pn = pn,
        DeviceCommand::SetLid(lid) => device.lid = lid,
        DeviceCommand::SetPushName(name) => device.push_name = name,
        DeviceCommand::SetPlatform(platform) => device.platform = platform,
        DeviceCommand::SetAccount(account) => device.account = account,
        DeviceCommand::SetAppVersion((primary, secondary, tertiary)) => {
            device.app_version_primary = primary;
            device.app_version_secondary = secondary;
            device.app_version_tertiary = tertiary;
        }
        DeviceCommand::SetAppVersionLastFetched(ms) => device.app_version_last_fetched_ms = ms,
        DeviceCommand::SetDeviceProps(os, version, platform_type) => {
            if let Some(os) = os {
                device.device_props.os = Some(os);
            }
            if let Some(version) = version {
                device.device_props.version = Some(version);
            }
            if let Some(platform_type) = platform_type {
                device.device_props.platform_type = Some(platform_type as i32);
            }
        }
        DeviceCommand::SetPropsHash(hash) => device.props_hash = hash,
        DeviceCommand::SetNextPreKeyId(id) => {
            device.next_pre_key_id = device.next_pre_key_id.max(id);
        }
        DeviceCommand::SetEdgeRoutingInfo(info) => device.edge_routing_info = info,
        DeviceCommand::SetAdvSecretKey(key) => device.adv_secret_key = key,
    }
}
