//! App-state sync keys: the primary shares them with `APP_STATE_SYNC_KEY_SHARE` protocol
//! messages; a companion missing one asks with `APP_STATE_SYNC_KEY_REQUEST` (a peer message
//! to its own devices). Wire facts: whatsmeow `message.go` (`handleAppStateSyncKeyShare`)
//! and `appstate.go` (`requestAppStateKeys`, `BuildFatalAppStateExceptionNotification`).

use prost::Message as _;
use wa::message::protocol_message::Type as ProtocolType;
use waproto::whatsapp as wa;

use crate::store::AppStateSyncKey;

/// One usable key from a share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The key id.
    pub key_id: Vec<u8>,
    /// The record to store.
    pub key: AppStateSyncKey,
}

/// Length of app-state key material.
pub const SYNC_KEY_LEN: usize = 32;

/// The usable keys of a share: entries without an id, or whose key material is not 32 bytes,
/// are skipped (and logged).
pub fn parse_key_share(share: &wa::message::AppStateSyncKeyShare) -> Vec<KeyShareEntry> {
    let mut out = Vec::with_capacity(share.keys.len());
    for k in &share.keys {
        let Some(key_id) = k
            .key_id
            .as_ref()
            .and_then(|id| id.key_id.clone())
            .filter(|id| !id.is_empty())
        else {
            log::warn!(target: "Client/AppState", "key share entry without a key id skipped");
            continue;
        };
        let Some(data) = k.key_data.as_ref() else {
            log::warn!(target: "Client/AppState", "key share entry without key data skipped");
            continue;
        };
        let Some(material) = data.key_data.clone().filter(|d| d.len() == SYNC_KEY_LEN) else {
            log::warn!(target: "Client/AppState", "key share entry with bad key material skipped");
            continue;
        };
        let fingerprint = data
            .fingerprint
            .as_ref()
            .map(|f| f.encode_to_vec())
            .unwrap_or_default();
        out.push(KeyShareEntry {
            key_id,
            key: AppStateSyncKey {
                key_data: material,
                fingerprint,
                timestamp: data.timestamp.unwrap_or(0),
            },
        });
    }
    out
}

fn protocol(msg: wa::message::ProtocolMessage) -> wa::Message {
    wa::Message {
        protocol_message: Some(Box::new(msg)),
        ..Default::default()
    }
}

/// The peer message asking our other devices for the given keys.
pub fn build_key_request(key_ids: &[Vec<u8>]) -> wa::Message {
    protocol(wa::message::ProtocolMessage {
        r#type: Some(ProtocolType::AppStateSyncKeyRequest as i32),
        app_state_sync_key_request: Some(wa::message::AppStateSyncKeyRequest {
            key_ids: key_ids
                .iter()
                .map(|id| wa::message::AppStateSyncKeyId {
                    key_id: Some(id.clone()),
                })
                .collect(),
        }),
        ..Default::default()
    })
}

/// The peer message telling our other devices that these collections could not be
/// recovered here (the primary then re-uploads a snapshot).
pub fn build_fatal_exception_notification(collections: &[&str], timestamp_ms: i64) -> wa::Message {
    protocol(wa::message::ProtocolMessage {
        r#type: Some(ProtocolType::AppStateFatalExceptionNotification as i32),
        app_state_fatal_exception_notification: Some(
            wa::message::AppStateFatalExceptionNotification {
                collection_names: collections.iter().map(|c| (*c).to_owned()).collect(),
                timestamp: Some(timestamp_ms),
            },
        ),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: Option<Vec<u8>>, data: Option<Vec<u8>>) -> wa::message::AppStateSyncKey {
        wa::message::AppStateSyncKey {
            key_id: id.map(|i| wa::message::AppStateSyncKeyId { key_id: Some(i) }),
            key_data: data.map(|d| wa::message::AppStateSyncKeyData {
                key_data: Some(d),
                fingerprint: Some(wa::message::AppStateSyncKeyFingerprint {
                    raw_id: Some(9),
                    current_index: Some(0),
                    device_indexes: vec![0],
                }),
                timestamp: Some(1234),
            }),
        }
    }

    #[test]
    fn keeps_only_usable_keys() {
        let share = wa::message::AppStateSyncKeyShare {
            keys: vec![
                key(Some(vec![1, 2]), Some(vec![7; 32])),
                key(None, Some(vec![7; 32])),
                key(Some(vec![3]), Some(vec![7; 31])),
                key(Some(vec![4]), None),
                key(Some(vec![]), Some(vec![7; 32])),
            ],
        };
        let got = parse_key_share(&share);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].key_id, vec![1, 2]);
        assert_eq!(got[0].key.timestamp, 1234);
        let fp =
            wa::message::AppStateSyncKeyFingerprint::decode(&got[0].key.fingerprint[..]).unwrap();
        assert_eq!(fp.raw_id, Some(9));
    }

    #[test]
    fn builds_peer_messages() {
        let m = build_key_request(&[vec![1], vec![2, 3]]);
        let p = m.protocol_message.unwrap();
        assert_eq!(p.r#type, Some(ProtocolType::AppStateSyncKeyRequest as i32));
        assert_eq!(p.app_state_sync_key_request.unwrap().key_ids.len(), 2);
        let m = build_fatal_exception_notification(&["regular_low"], 5);
        let n = m
            .protocol_message
            .unwrap()
            .app_state_fatal_exception_notification
            .unwrap();
        assert_eq!(n.collection_names, vec!["regular_low".to_owned()]);
    }
}
