//! The login and registration ClientPayloads carry the fields, encodings and defaults the wire
//! expects (as whatsmeow's store/clientpayload.go lays them out).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use prost::Message as _;
use wacore_noise::{AppVersion, PayloadConfig, Registration};
use waproto::whatsapp as wa;

const VERSION: AppVersion = AppVersion::new(2, 3000, 1_023_456_789);

#[test]
fn login_payload() {
    let p = PayloadConfig::new(VERSION).login(15_551_234_567, 12);
    assert_eq!(p.username, Some(15_551_234_567));
    assert_eq!(p.device, Some(12));
    assert_eq!((p.passive, p.pull), (Some(true), Some(true)));
    assert!(p.device_pairing_data.is_none());
    let ua = p.user_agent.as_ref().unwrap();
    assert_eq!(
        ua.platform,
        Some(wa::client_payload::user_agent::Platform::Web as i32)
    );
    assert_eq!(
        ua.release_channel,
        Some(wa::client_payload::user_agent::ReleaseChannel::Release as i32)
    );
    let v = ua.app_version.as_ref().unwrap();
    assert_eq!(
        (v.primary, v.secondary, v.tertiary),
        (Some(2), Some(3000), Some(1_023_456_789))
    );
    assert_eq!(
        (ua.mcc.as_deref(), ua.mnc.as_deref()),
        (Some("000"), Some("000"))
    );
    assert_eq!(ua.device.as_deref(), Some("Desktop"));
    assert_eq!(
        p.web_info.as_ref().unwrap().web_sub_platform,
        Some(wa::client_payload::web_info::WebSubPlatform::WebBrowser as i32)
    );
    assert_eq!(
        p.connect_type,
        Some(wa::client_payload::ConnectType::WifiUnknown as i32)
    );
    assert_eq!(
        p.connect_reason,
        Some(wa::client_payload::ConnectReason::UserActivated as i32)
    );
    // Encodes and decodes cleanly.
    assert_eq!(
        wa::ClientPayload::decode(p.encode_to_vec().as_slice()).unwrap(),
        p
    );
}

#[test]
fn registration_payload() {
    let reg = Registration {
        registration_id: 0x0102_0304,
        identity_key: [0x11; 32],
        signed_pre_key_id: 0x00ab_cdef,
        signed_pre_key: [0x22; 32],
        signed_pre_key_signature: [0x33; 64],
        os: "whatsapp-rust".into(),
        os_version: AppVersion::new(0, 1, 0),
        platform_type: wa::device_props::PlatformType::Chrome,
        require_full_sync: false,
    };
    let p = PayloadConfig::new(VERSION).registration(&reg);
    assert_eq!((p.passive, p.pull), (Some(false), Some(false)));
    assert!(p.username.is_none());
    let d = p.device_pairing_data.as_ref().unwrap();
    assert_eq!(d.e_regid.as_deref(), Some(&[1u8, 2, 3, 4][..]));
    assert_eq!(d.e_keytype.as_deref(), Some(&[5u8][..]));
    assert_eq!(d.e_ident.as_deref(), Some(&[0x11u8; 32][..]));
    assert_eq!(d.e_skey_id.as_deref(), Some(&[0xabu8, 0xcd, 0xef][..]));
    assert_eq!(d.e_skey_val.as_deref(), Some(&[0x22u8; 32][..]));
    assert_eq!(d.e_skey_sig.as_deref(), Some(&[0x33u8; 64][..]));
    // md5("2.3000.1023456789"), computed independently with python's hashlib.
    assert_eq!(
        hex::encode(d.build_hash.as_deref().unwrap()),
        "ed7c75b5f65cfaa96b13df1c0fe898fe"
    );
    let props = wa::DeviceProps::decode(d.device_props.as_deref().unwrap()).unwrap();
    assert_eq!(props.os.as_deref(), Some("whatsapp-rust"));
    assert_eq!(
        props.platform_type,
        Some(wa::device_props::PlatformType::Chrome as i32)
    );
    assert_eq!(props.require_full_sync, Some(false));
    assert_eq!(props.version.unwrap().secondary, Some(1));
}
