//! The phone's side of app-state sync. On `server_sync` it reads the collection's new patches
//! from the server, verifies and decrypts them with the account's sync key (wacore-appstate:
//! patch MAC, value MACs, LTHash, index MACs) and records the chat settings they carry, as a
//! real primary shows a chat its companion archived as archived. It also writes patches of its
//! own (pin, archive, mute) that every companion learns about through `server_sync`.
//!
//! A patch the phone cannot verify (a key it never had, a bad MAC) stops its catch-up at that
//! version; the failure is counted and logged, and nothing from that patch is recorded.

use std::collections::HashMap;
use std::time::Duration;

use prost::Message as _;
use wacore_appstate::{HashState, Operation, SyncAction, encode_patch, process_patch};
use waproto::whatsapp as wa;

use super::PhoneHandle;
use crate::error::{Error, Result};
use crate::stanza::Stanza;
use crate::state::World;

/// A chat's settings as the phone knows them from app-state patches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatSettings {
    /// Archived.
    pub archived: bool,
    /// Pinned.
    pub pinned: bool,
    /// Muted; `mute_end_ms` says until when (`-1` = always).
    pub muted: bool,
    /// Mute end (Unix ms), when muted.
    pub mute_end_ms: Option<i64>,
    /// Marked read (`Some(true)`) or unread (`Some(false)`).
    pub read: Option<bool>,
}

/// The phone's decoded collections and the chat settings they produced (and, for media
/// retry, its local copies of received media).
#[derive(Default)]
pub(crate) struct PhoneSync {
    /// Verified state per collection.
    states: HashMap<String, HashState>,
    /// Settings per chat JID.
    chats: HashMap<String, ChatSettings>,
    /// Patches that failed verification.
    failures: u64,
    /// Encrypted media blobs the phone keeps, by `file_enc_sha256`.
    pub(super) local_media: HashMap<Vec<u8>, Vec<u8>>,
}

impl std::fmt::Debug for PhoneSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneSync")
            .field("collections", &self.states.len())
            .field("chats", &self.chats.len())
            .field("failures", &self.failures)
            .field("local_media", &self.local_media.len())
            .finish()
    }
}

/// Handles a `server_sync` notification routed to the phone.
pub(super) fn on_server_sync(phone: &PhoneHandle, stanza: &Stanza) {
    let w = phone.shared().world();
    for c in stanza.all("collection") {
        let name = c.get_or_empty("name");
        if let Err(e) = catch_up(phone, &w, name) {
            log::warn!(target: "TestServer/Phone", "{}: app-state {name}: {e}", phone.phone());
        }
    }
}

/// Applies the collection's patches newer than the phone's state (world locked by the caller).
fn catch_up(phone: &PhoneHandle, w: &World, name: &str) -> Result<u64> {
    let acc = w
        .account(phone.phone())
        .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
    let mut st = phone
        .core()
        .app_state
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some((key_id, key_data)) = st.key() else {
        return Ok(0);
    };
    let keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::from([(key_id, key_data)]);
    let sync = &mut st.sync;
    let mut state = sync.states.get(name).cloned().unwrap_or_default();
    let Some(col) = acc.app_state.get(name) else {
        return Ok(state.version);
    };
    for (version, bytes) in col.patches.range(state.version.saturating_add(1)..) {
        let decoded = wa::SyncdPatch::decode(bytes.as_slice())
            .map_err(|e| Error::Crypto(format!("patch v{version} does not decode: {e}")))
            .and_then(|patch| {
                process_patch(name, &state, &patch, &keys)
                    .map_err(|e| Error::Crypto(format!("patch v{version} refused: {e}")))
            });
        let decoded = match decoded {
            Ok(d) => d,
            Err(e) => {
                sync.failures = sync.failures.saturating_add(1);
                sync.states.insert(name.to_owned(), state);
                return Err(e);
            }
        };
        for m in &decoded.mutations {
            record(&mut sync.chats, m.operation, &m.action);
        }
        state = decoded.state;
        log::debug!(target: "TestServer/Phone", "{}: app-state {name} now at v{}", phone.phone(), state.version);
    }
    let version = state.version;
    sync.states.insert(name.to_owned(), state);
    Ok(version)
}

/// Records what one mutation says about a chat.
fn record(chats: &mut HashMap<String, ChatSettings>, op: Operation, action: &SyncAction) {
    let set = op == Operation::Set;
    match action {
        SyncAction::Pin { jid, action } => {
            chats.entry(jid.clone()).or_default().pinned = set && action.pinned == Some(true);
        }
        SyncAction::Archive { jid, action } => {
            chats.entry(jid.clone()).or_default().archived = set && action.archived == Some(true);
        }
        SyncAction::Mute { jid, action } => {
            let chat = chats.entry(jid.clone()).or_default();
            chat.muted = set && action.muted == Some(true);
            chat.mute_end_ms = if chat.muted {
                action.mute_end_timestamp
            } else {
                None
            };
        }
        SyncAction::MarkChatAsRead { jid, action } => {
            chats.entry(jid.clone()).or_default().read = if set { action.read } else { None };
        }
        _ => {}
    }
}

/// Encodes `actions` (one collection) as the phone's next patch, stores it on the server and
/// tells the companions (`server_sync`); returns the new version.
fn write(phone: &PhoneHandle, actions: &[SyncAction]) -> Result<u64> {
    let collection = actions
        .first()
        .and_then(SyncAction::collection)
        .ok_or_else(|| Error::Crypto("no app-state action to write".into()))?;
    let name = collection.as_str();
    let now_ms = i64::try_from(crate::state::unix_now())
        .unwrap_or(0)
        .saturating_mul(1000);
    let inputs = actions
        .iter()
        .map(|a| {
            (a.collection() == Some(collection))
                .then(|| a.to_mutation(now_ms))
                .flatten()
                .ok_or_else(|| Error::Crypto("action cannot be written in one patch".into()))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut w = phone.shared().world();
    let current = catch_up(phone, &w, name)?;
    let server_version = w
        .account(phone.phone())
        .and_then(|a| a.app_state.get(name))
        .map_or(0, |c| c.version);
    if current != server_version {
        return Err(Error::Crypto(format!(
            "{name}: phone state v{current} behind the server's v{server_version}"
        )));
    }
    let encoded = {
        let mut st = phone
            .core()
            .app_state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (key_id, key_data) = st
            .key()
            .ok_or_else(|| Error::Crypto("no app-state key yet".into()))?;
        let keys: HashMap<Vec<u8>, Vec<u8>> = HashMap::from([(key_id.clone(), key_data)]);
        let state = st.sync.states.get(name).cloned().unwrap_or_default();
        let mut encoded = encode_patch(name, &state, &key_id, &keys, &inputs)
            .map_err(|e| Error::Crypto(format!("app-state patch: {e}")))?;
        encoded.patch.version = Some(wa::SyncdVersion {
            version: Some(encoded.state.version),
        });
        for (a, m) in actions.iter().zip(&inputs) {
            record(&mut st.sync.chats, m.operation, a);
        }
        st.sync
            .states
            .insert(name.to_owned(), encoded.state.clone());
        encoded
    };
    let version = encoded.state.version;
    let acc = w
        .account_mut(phone.phone())
        .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
    let col = acc.app_state.entry(name.to_owned()).or_default();
    col.version = version;
    col.patches.insert(version, encoded.patch.encode_to_vec());
    crate::appstate::server_sync(&mut w, phone.phone(), 0, name, version);
    log::info!(target: "TestServer/Phone", "{} wrote app-state {name} v{version}", phone.phone());
    Ok(version)
}

impl PhoneHandle {
    /// The chat's settings as the phone decoded them from app-state patches.
    pub fn chat_settings(&self, chat: &str) -> ChatSettings {
        let st = self
            .core()
            .app_state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        st.sync.chats.get(chat).cloned().unwrap_or_default()
    }

    /// How many app-state patches the phone refused (bad MAC, unknown key, ...).
    pub fn app_state_failures(&self) -> u64 {
        let st = self
            .core()
            .app_state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        st.sync.failures
    }

    /// Waits until the chat's settings satisfy `pred`.
    pub async fn wait_for_chat_settings(
        &self,
        chat: &str,
        timeout: Duration,
        pred: impl Fn(&ChatSettings) -> bool,
    ) -> Result<ChatSettings> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let s = self.chat_settings(chat);
            if pred(&s) {
                return Ok(s);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Timeout(format!("app-state settings of {chat}")));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Pins or unpins a chat on the phone (a `regular_low` patch the companions sync).
    pub fn pin_chat(&self, chat: &str, pinned: bool) -> Result<u64> {
        write(self, &[SyncAction::pin(chat, pinned)])
    }

    /// Archives or unarchives a chat on the phone (archiving also unpins, as WhatsApp does).
    pub fn archive_chat(&self, chat: &str, archived: bool) -> Result<u64> {
        let mut actions = vec![SyncAction::archive(chat, archived, None)];
        if archived {
            actions.push(SyncAction::pin(chat, false));
        }
        write(self, &actions)
    }

    /// Mutes a chat until `end_ms` (Unix ms; `None` = always) or unmutes it (`regular_high`).
    pub fn mute_chat(&self, chat: &str, muted: bool, end_ms: Option<i64>) -> Result<u64> {
        let action = if muted {
            SyncAction::mute(chat, end_ms)
        } else {
            SyncAction::unmute(chat)
        };
        write(self, &[action])
    }
}
