//! What the phone does for its companions, as a real primary device does: it owns the account's
//! app-state sync key (and writes the first `critical_block` patch, holding the push name),
//! shares the key with every new companion, answers companions' key requests, and sends each new
//! companion an initial history-sync notification (with the payload inline).

use std::collections::HashMap;
use std::io::Write as _;

use prost::Message as _;
use wacore_appstate::{HashState, SyncAction, encode_patch};
use waproto::whatsapp as wa;

use super::PhoneHandle;
use super::signal::{DeviceKey, pad};
use crate::error::{Error, Result};
use crate::jid::{self, Jid};
use crate::stanza::Stanza;
use crate::state::unix_now;

/// The account's app-state sync key, created on the first pairing.
#[derive(Debug, Default)]
pub(crate) struct AppState {
    key: Option<SyncKey>,
    /// What the phone decoded from the collections (see `appstate.rs`).
    pub(super) sync: super::appstate::PhoneSync,
}

impl AppState {
    /// The sync key's id and data, once created.
    pub(super) fn key(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.key.as_ref().map(|k| (k.id.clone(), k.data.to_vec()))
    }
}

/// One app-state sync key.
struct SyncKey {
    id: Vec<u8>,
    data: [u8; 32],
    timestamp_ms: i64,
}

impl std::fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    i64::try_from(unix_now()).unwrap_or(0).saturating_mul(1000)
}

/// Shares keys, then history, with a freshly paired companion.
pub(super) fn welcome(phone: &PhoneHandle, device: u16) -> Result<()> {
    ensure_app_state(phone)?;
    share_keys(phone, device)?;
    send_history(phone, device)
}

/// Creates the sync key and the first `critical_block` patch (the push name) if needed.
fn ensure_app_state(phone: &PhoneHandle) -> Result<()> {
    let mut w = phone.shared().world();
    let mut st = phone
        .core()
        .app_state
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if st.key.is_some() {
        return Ok(());
    }
    let mut id = vec![0u8, 0, 0, 0];
    id.extend_from_slice(&crate::crypto::random_bytes::<2>());
    let key = SyncKey {
        id,
        data: crate::crypto::random_bytes(),
        timestamp_ms: now_ms(),
    };
    let acc = w
        .account_mut(phone.phone())
        .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
    let col = acc
        .app_state
        .entry("critical_block".to_owned())
        .or_default();
    if col.version == 0 && !acc.push_name.is_empty() {
        let keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::from([(key.id.clone(), key.data.to_vec())]);
        let mutation = SyncAction::push_name(acc.push_name.clone())
            .to_mutation(key.timestamp_ms)
            .ok_or_else(|| Error::Crypto("push name mutation".into()))?;
        let col = acc
            .app_state
            .entry("critical_block".to_owned())
            .or_default();
        let mut encoded = encode_patch(
            "critical_block",
            &HashState::default(),
            &key.id,
            &keys,
            &[mutation],
        )
        .map_err(|e| Error::Crypto(format!("app-state patch: {e}")))?;
        encoded.patch.version = Some(wa::SyncdVersion { version: Some(1) });
        col.version = 1;
        col.patches.insert(1, encoded.patch.encode_to_vec());
    }
    st.key = Some(key);
    Ok(())
}

/// Sends the app-state key share to one companion.
pub(super) fn share_keys(phone: &PhoneHandle, device: u16) -> Result<()> {
    let key = {
        let st = phone
            .core()
            .app_state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let k = st
            .key
            .as_ref()
            .ok_or_else(|| Error::Crypto("no app-state key yet".into()))?;
        wa::message::AppStateSyncKey {
            key_id: Some(wa::message::AppStateSyncKeyId {
                key_id: Some(k.id.clone()),
            }),
            key_data: Some(wa::message::AppStateSyncKeyData {
                key_data: Some(k.data.to_vec()),
                fingerprint: Some(wa::message::AppStateSyncKeyFingerprint {
                    raw_id: Some(u32::from_be_bytes(crate::crypto::random_bytes())),
                    current_index: Some(0),
                    device_indexes: vec![0],
                }),
                timestamp: Some(k.timestamp_ms),
            }),
        }
    };
    let msg = wa::Message {
        protocol_message: Some(Box::new(wa::message::ProtocolMessage {
            r#type: Some(wa::message::protocol_message::Type::AppStateSyncKeyShare as i32),
            app_state_sync_key_share: Some(wa::message::AppStateSyncKeyShare { keys: vec![key] }),
            ..Default::default()
        })),
        ..Default::default()
    };
    send_peer(phone, device, &msg)
}

/// Sends the initial history sync (push names and the account's PN/LID mapping) inline.
fn send_history(phone: &PhoneHandle, device: u16) -> Result<()> {
    let history = {
        let w = phone.shared().world();
        let acc = w
            .account(phone.phone())
            .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
        wa::HistorySync {
            sync_type: wa::history_sync::HistorySyncType::InitialBootstrap as i32,
            progress: Some(100),
            chunk_order: Some(1),
            pushnames: vec![wa::Pushname {
                id: Some(acc.pn_jid().to_string()),
                pushname: Some(acc.push_name.clone()),
            }],
            phone_number_to_lid_mappings: vec![wa::PhoneNumberToLidMapping {
                pn_jid: Some(acc.pn_jid().to_string()),
                lid_jid: Some(acc.lid_jid().to_string()),
            }],
            ..Default::default()
        }
    };
    let raw = history.encode_to_vec();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw)
        .map_err(|e| Error::Crypto(format!("zlib: {e}")))?;
    let inline = z
        .finish()
        .map_err(|e| Error::Crypto(format!("zlib: {e}")))?;
    let msg = wa::Message {
        protocol_message: Some(Box::new(wa::message::ProtocolMessage {
            r#type: Some(wa::message::protocol_message::Type::HistorySyncNotification as i32),
            history_sync_notification: Some(wa::message::HistorySyncNotification {
                sync_type: Some(wa::message::HistorySyncType::InitialBootstrap as i32),
                chunk_order: Some(1),
                progress: Some(100),
                file_length: Some(raw.len() as u64),
                file_sha256: Some(crate::crypto::sha256(&raw).to_vec()),
                initial_hist_bootstrap_inline_payload: Some(inline),
                ..Default::default()
            }),
            ..Default::default()
        })),
        ..Default::default()
    };
    send_peer(phone, device, &msg)
}

/// A peer message (`category="peer"`) from the phone to one of its own companions.
fn send_peer(phone: &PhoneHandle, device: u16, msg: &wa::Message) -> Result<()> {
    let mut w = phone.shared().world();
    let session = phone.session_in(&w)?;
    let me = session
        .me
        .clone()
        .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
    let dev: DeviceKey = (phone.phone().to_owned(), device);
    let plain = pad(msg.encode_to_vec());
    let to_nodes = {
        let core = phone.core();
        let mut sig = core.signal.lock().unwrap_or_else(|e| e.into_inner());
        super::send::encrypt_for(phone, &mut w, &mut sig, std::slice::from_ref(&dev), |_| {
            plain.clone()
        })?
    };
    let Some((to_node, _)) = to_nodes.into_iter().next() else {
        return Err(Error::Crypto(format!("device {device} has no keys")));
    };
    let Some(enc) = to_node.first("enc").cloned() else {
        return Err(Error::Crypto("no enc".into()));
    };
    let to = Jid::device(phone.phone(), device, jid::PN);
    let id = super::send::new_message_id();
    let stanza = Stanza::new("message")
        .attr("id", id.clone())
        .attr("to", to.to_string())
        .attr("type", "text")
        .attr("category", "peer")
        .attr("push_priority", "high_force")
        .child(enc);
    crate::message::route(&mut w, &me, &to, &stanza)
        .map_err(|c| Error::Rejected(c, to.to_string()))?;
    log::info!(target: "TestServer/Phone", "{} sent peer message {id} to device {device}", phone.phone());
    Ok(())
}
