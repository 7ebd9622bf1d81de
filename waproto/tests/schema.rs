//! The compiled schema exposes the types and paths the rest of the library uses, and key messages
//! survive an encode/decode round trip with their wire field numbers intact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use prost::Message as _;
use waproto::whatsapp as wa;

fn roundtrip<M: prost::Message + Default + PartialEq + std::fmt::Debug>(msg: &M) -> Vec<u8> {
    let bytes = msg.encode_to_vec();
    let back = M::decode(bytes.as_slice()).unwrap();
    assert_eq!(&back, msg);
    bytes
}

#[test]
fn text_and_media_messages_roundtrip_with_spec_paths() {
    let quoted = wa::Message {
        conversation: Some("original".into()),
        ..Default::default()
    };
    let reply = wa::Message {
        extended_text_message: Some(Box::new(wa::message::ExtendedTextMessage {
            text: Some("Great question!".into()),
            context_info: Some(Box::new(wa::ContextInfo {
                stanza_id: Some("3EB0ABC".into()),
                participant: Some("123@s.whatsapp.net".into()),
                quoted_message: Some(Box::new(quoted)),
                mentioned_jid: vec!["1@s.whatsapp.net".into(), "2@s.whatsapp.net".into()],
                ..Default::default()
            })),
            ..Default::default()
        })),
        image_message: Some(Box::new(wa::message::ImageMessage {
            url: Some("https://mmg.whatsapp.net/x".into()),
            media_key: Some(vec![7; 32]),
            file_sha256: Some(vec![1; 32]),
            file_enc_sha256: Some(vec![2; 32]),
            file_length: Some(12345),
            caption: Some("Nice photo!".into()),
            ..Default::default()
        })),
        ..Default::default()
    };
    let bytes = roundtrip(&reply);
    // Field 6 (extendedTextMessage, length-delimited) must be on the wire.
    assert!(bytes.contains(&((6 << 3) | 2)));

    // conversation is field 1, a string: tag 0x0a, length, bytes.
    let text = wa::Message {
        conversation: Some("hi".into()),
        ..Default::default()
    };
    assert_eq!(text.encode_to_vec(), vec![0x0a, 2, b'h', b'i']);
}

#[test]
fn protocol_message_revoke_uses_wire_enum_values() {
    let revoke = wa::Message {
        protocol_message: Some(Box::new(wa::message::ProtocolMessage {
            key: Some(wa::MessageKey {
                remote_jid: Some("123@s.whatsapp.net".into()),
                from_me: Some(true),
                id: Some("3EB0".into()),
                participant: None,
            }),
            r#type: Some(wa::message::protocol_message::Type::Revoke as i32),
            ..Default::default()
        })),
        ..Default::default()
    };
    roundtrip(&revoke);
    assert_eq!(wa::message::protocol_message::Type::Revoke as i32, 0);
    assert_eq!(
        wa::message::protocol_message::Type::AppStateSyncKeyShare as i32,
        6
    );
}

#[test]
fn handshake_and_client_payload_roundtrip() {
    let hello = wa::HandshakeMessage {
        client_hello: Some(wa::handshake_message::ClientHello {
            ephemeral: Some(vec![9; 32]),
            ..Default::default()
        }),
        ..Default::default()
    };
    // clientHello is field 2; ephemeral field 1: 0x12 len 0x0a 0x20 <32 bytes>.
    let bytes = roundtrip(&hello);
    assert_eq!(&bytes[..4], &[0x12, 34, 0x0a, 32]);

    let payload = wa::ClientPayload {
        username: Some(15551234567),
        device: Some(3),
        passive: Some(true),
        pull: Some(true),
        user_agent: Some(wa::client_payload::UserAgent {
            platform: Some(wa::client_payload::user_agent::Platform::Web as i32),
            app_version: Some(wa::client_payload::user_agent::AppVersion {
                primary: Some(2),
                secondary: Some(3000),
                tertiary: Some(1_000_000),
                ..Default::default()
            }),
            ..Default::default()
        }),
        device_pairing_data: Some(wa::client_payload::DevicePairingRegistrationData {
            e_regid: Some(vec![0, 0, 0, 1]),
            e_keytype: Some(vec![5]),
            ..Default::default()
        }),
        ..Default::default()
    };
    roundtrip(&payload);

    let chain = wa::CertChain {
        leaf: Some(wa::cert_chain::NoiseCertificate {
            details: Some(
                wa::cert_chain::noise_certificate::Details {
                    serial: Some(1),
                    issuer_serial: Some(0),
                    key: Some(vec![3; 32]),
                    not_before: Some(1),
                    not_after: Some(2),
                }
                .encode_to_vec(),
            ),
            signature: Some(vec![4; 64]),
        }),
        intermediate: None,
    };
    roundtrip(&chain);
}

#[test]
fn signal_appstate_history_and_adv_types_roundtrip() {
    roundtrip(&wa::SessionStructure {
        session_version: Some(3),
        local_identity_public: Some(vec![5; 33]),
        ..Default::default()
    });
    roundtrip(&wa::PreKeySignalMessage {
        registration_id: Some(42),
        pre_key_id: Some(7),
        signed_pre_key_id: Some(1),
        base_key: Some(vec![5; 33]),
        identity_key: Some(vec![5; 33]),
        message: Some(vec![1, 2, 3]),
        ..Default::default()
    });
    roundtrip(&wa::SenderKeyRecordStructure::default());
    roundtrip(&wa::SyncActionValue {
        timestamp: Some(1_700_000_000_000),
        mute_action: Some(wa::sync_action_value::MuteAction {
            muted: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    });
    roundtrip(&wa::SyncdPatch {
        version: Some(wa::SyncdVersion { version: Some(9) }),
        key_id: Some(wa::KeyId {
            id: Some(vec![1, 2]),
        }),
        ..Default::default()
    });
    roundtrip(&wa::HistorySync {
        sync_type: wa::history_sync::HistorySyncType::InitialBootstrap as i32,
        conversations: vec![wa::Conversation {
            id: "1@s.whatsapp.net".into(),
            ..Default::default()
        }],
        pushnames: vec![wa::Pushname {
            id: Some("1@s.whatsapp.net".into()),
            pushname: Some("A".into()),
        }],
        ..Default::default()
    });
    roundtrip(&wa::AdvSignedDeviceIdentity {
        details: Some(vec![1]),
        account_signature_key: Some(vec![2; 32]),
        account_signature: Some(vec![3; 64]),
        device_signature: Some(vec![4; 64]),
    });
    roundtrip(&wa::WebMessageInfo {
        key: wa::MessageKey {
            id: Some("X".into()),
            ..Default::default()
        },
        message: Some(wa::Message {
            conversation: Some("hi".into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    roundtrip(&wa::message::AppStateSyncKeyShare::default());
    roundtrip(&wa::ExternalBlobReference::default());
    roundtrip(&wa::MediaRetryNotification::default());
    roundtrip(&wa::ServerErrorReceipt::default());
    roundtrip(&wa::VerifiedNameCertificate::default());
    roundtrip(&wa::DeviceProps::default());
}

#[test]
fn unknown_and_truncated_input_is_an_error_not_a_panic() {
    let full = wa::Message {
        conversation: Some("hello".into()),
        ..Default::default()
    }
    .encode_to_vec();
    assert!(wa::Message::decode(&full[..full.len() - 1]).is_err());
    // An unknown field number is skipped, not rejected.
    let mut with_unknown = full.clone();
    // Tag for field 999, varint: (999 << 3) = 0x1f38 as a varint is b8 3e.
    with_unknown.extend_from_slice(&[0xb8, 0x3e, 1]);
    assert_eq!(
        wa::Message::decode(with_unknown.as_slice())
            .unwrap()
            .conversation
            .as_deref(),
        Some("hello")
    );
}
