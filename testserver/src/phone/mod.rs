//! Simulated primary phones (device 0 of each account).
//!
//! A phone is an in-process participant: it is registered in the world like a connection, so
//! stanzas routed to device 0 reach its task, which acks them, decrypts messages with the
//! account's Signal identity and records them. [`PhoneHandle`] is the API tests (and the admin
//! API) drive it with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};

use crate::error::{Error, Result};
use crate::jid::{self, Jid};
use crate::pairing::PairedDevice;
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{Account, ConnId, Device, Outbound, Shared, SignedPreKey, World};
use wacore_libsignal::{
    IdentityKeyPair, PreKeyRecord, SignedPreKeyRecord, generate_identity_key_pair,
    generate_pre_keys, generate_registration_id, generate_signed_pre_key,
};

/// A message the phone received and decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedMessage {
    /// Message id.
    pub id: String,
    /// Chat JID (the sender for 1:1, the group for groups).
    pub chat: String,
    /// Sender device JID as routed.
    pub sender: String,
    /// Text (`conversation` or extended text), when the message has any.
    pub text: Option<String>,
    /// Server timestamp (`t`).
    pub timestamp: u64,
    /// The decrypted `Message` protobuf, encoded.
    pub raw: Vec<u8>,
}

/// The phone's long-term Signal keys.
#[derive(Debug)]
pub(crate) struct PhoneKeys {
    /// Identity key pair (also the ADV account signing key).
    pub identity: IdentityKeyPair,
    /// Registration id.
    pub registration_id: u32,
    /// Current signed pre-key.
    pub signed_prekey: SignedPreKeyRecord,
    /// One-time pre-keys it uploaded.
    pub prekeys: Vec<PreKeyRecord>,
}

/// How many one-time pre-keys a phone uploads.
const PHONE_PREKEYS: u32 = 50;

impl PhoneKeys {
    fn generate() -> PhoneKeys {
        let mut rng = rand::rng();
        let identity = generate_identity_key_pair(&mut rng);
        let registration_id = generate_registration_id(&mut rng);
        let signed_prekey = generate_signed_pre_key(&identity, 1, &mut rng);
        let prekeys = generate_pre_keys(1, PHONE_PREKEYS, &mut rng);
        PhoneKeys {
            identity,
            registration_id,
            signed_prekey,
            prekeys,
        }
    }

    /// The device record the server keeps for device 0.
    fn device(&self) -> Device {
        let mut d = Device::new(
            0,
            Vec::new(),
            self.identity.public_key().public_key_bytes().to_vec(),
            self.registration_id,
        );
        d.signed_prekey = Some(SignedPreKey {
            id: self.signed_prekey.id(),
            public: self.signed_prekey.public_key().public_key_bytes().to_vec(),
            signature: self.signed_prekey.signature().to_vec(),
        });
        for k in &self.prekeys {
            d.prekeys
                .insert(k.id(), k.public_key().public_key_bytes().to_vec());
        }
        d
    }
}

/// The phone's in-process state.
#[derive(Debug)]
pub(crate) struct PhoneCore {
    /// Account phone number.
    pub phone: String,
    /// Long-term keys.
    pub keys: PhoneKeys,
    /// Signal sessions and sender keys (lock after the world, never before).
    pub signal: Mutex<signal::SignalState>,
    /// The account's app-state sync key and collection states (lock after the world).
    pub app_state: Mutex<companion::AppState>,
    /// Messages decrypted so far.
    pub inbox: Mutex<Vec<ReceivedMessage>>,
    /// Woken on every new inbox entry.
    pub inbox_changed: Notify,
    /// The phone's registry connection id.
    pub conn: ConnId,
}

impl PhoneCore {
    /// The identity public key (32 bytes).
    pub fn identity_public(&self) -> [u8; 32] {
        *self.keys.identity.public_key().public_key_bytes()
    }
}

/// Handle to a simulated primary phone.
#[derive(Debug, Clone)]
pub struct PhoneHandle {
    shared: Arc<Shared>,
    core: Arc<PhoneCore>,
}

/// Checks `phone` is 5 to 15 digits.
fn valid_phone(phone: &str) -> bool {
    (5..=15).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit())
}

impl PhoneHandle {
    /// Creates an account and its phone.
    pub(crate) fn create(shared: Arc<Shared>, phone: &str) -> Result<PhoneHandle> {
        if !valid_phone(phone) {
            return Err(Error::InvalidPhone(phone.to_owned()));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let core = {
            let mut w = shared.world();
            if w.accounts.contains_key(phone) {
                return Err(Error::AccountExists(phone.to_owned()));
            }
            let lid = w.allocate_lid();
            let mut acc = Account::new(phone, &lid);
            acc.push_name = format!("Phone {phone}");
            let conn = w.add_conn(tx);
            let keys = PhoneKeys::generate();
            let mut dev = keys.device();
            dev.conn = Some(conn);
            dev.active = true;
            acc.devices.insert(0, dev);
            w.lid_to_phone.insert(lid, phone.to_owned());
            w.accounts.insert(phone.to_owned(), acc);
            if let Some(c) = w.conns.get_mut(&conn) {
                c.device = Some((phone.to_owned(), 0));
            }
            let core = Arc::new(PhoneCore {
                phone: phone.to_owned(),
                keys,
                signal: Mutex::new(signal::SignalState::default()),
                app_state: Mutex::new(companion::AppState::default()),
                inbox: Mutex::new(Vec::new()),
                inbox_changed: Notify::new(),
                conn,
            });
            w.phones.insert(phone.to_owned(), core.clone());
            core
        };
        let handle = PhoneHandle {
            shared: shared.clone(),
            core,
        };
        tokio::spawn(run(handle.clone(), rx));
        Ok(handle)
    }

    /// The phone of an existing account.
    pub(crate) fn existing(shared: Arc<Shared>, phone: &str) -> Result<PhoneHandle> {
        let core = shared
            .world()
            .phones
            .get(phone)
            .cloned()
            .ok_or_else(|| Error::UnknownAccount(phone.to_owned()))?;
        Ok(PhoneHandle { shared, core })
    }

    /// The account's phone number.
    pub fn phone(&self) -> &str {
        &self.core.phone
    }

    /// The account's PN user JID (`phone@s.whatsapp.net`).
    pub fn pn_jid(&self) -> String {
        Jid::user(&self.core.phone, jid::PN).to_string()
    }

    /// The account's LID user JID (`lid@lid`).
    pub fn lid_jid(&self) -> String {
        let w = self.shared.world();
        w.account(&self.core.phone)
            .map(|a| a.lid_jid().to_string())
            .unwrap_or_default()
    }

    /// Sets the push name other users see.
    pub fn set_push_name(&self, name: &str) {
        if let Some(a) = self.shared.world().account_mut(&self.core.phone) {
            a.push_name = name.to_owned();
        }
    }

    /// The companion devices paired to this account.
    pub fn companions(&self) -> Vec<PairedDevice> {
        let w = self.shared.world();
        let Some(a) = w.account(&self.core.phone) else {
            return Vec::new();
        };
        a.devices
            .keys()
            .filter(|d| **d != 0)
            .map(|d| PairedDevice {
                jid: a.device_jid(*d, false).to_string(),
                lid: a.device_jid(*d, true).to_string(),
                device: *d,
            })
            .collect()
    }

    /// Every message the phone has decrypted so far.
    pub fn received_messages(&self) -> Vec<ReceivedMessage> {
        self.core
            .inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many messages the phone has decrypted so far.
    pub fn received_count(&self) -> usize {
        self.core
            .inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Waits until a received message matches `pred` (checking those already received first).
    pub async fn wait_for_message(
        &self,
        timeout: Duration,
        pred: impl Fn(&ReceivedMessage) -> bool,
    ) -> Result<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.core.inbox_changed.notified();
            if let Some(m) = self.received_messages().into_iter().find(|m| pred(m)) {
                return Ok(m);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(Error::Timeout("a matching message on the phone".into()));
            }
        }
    }

    /// Scans a companion's QR string (`ref,noise,identity,adv[,platform]`, optionally with the
    /// `https://wa.me/settings/linked_devices#` prefix) and pairs it. Resolves once the companion
    /// answered `pair-success` and was told to reconnect (515).
    pub async fn scan_qr(&self, qr: &str) -> Result<PairedDevice> {
        let rx = pair::scan_qr(self, qr)?;
        await_pairing(rx).await
    }

    /// Enters the 8-character pair code a companion displays and pairs it.
    pub async fn enter_pair_code(&self, code: &str) -> Result<PairedDevice> {
        let rx = pair::enter_code(self, code)?;
        await_pairing(rx).await
    }

    /// A session for stanzas the phone sends (it behaves like a logged-in device 0), with the
    /// world already locked.
    pub(crate) fn session_in(&self, w: &World) -> Result<Session> {
        let acc = w
            .account(&self.core.phone)
            .ok_or_else(|| Error::UnknownAccount(self.core.phone.clone()))?;
        Ok(Session {
            conn: self.core.conn,
            shared: self.shared.clone(),
            me: Some(Me {
                phone: acc.phone.clone(),
                lid: acc.lid.clone(),
                device: 0,
            }),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn core(&self) -> &Arc<PhoneCore> {
        &self.core
    }
}

async fn await_pairing(rx: oneshot::Receiver<Result<PairedDevice>>) -> Result<PairedDevice> {
    match tokio::time::timeout(Duration::from_secs(30), rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(Error::Pairing("the companion disconnected".into())),
        Err(_) => Err(Error::Timeout("the companion's pair-device-sign".into())),
    }
}

/// The phone's task: handles what the world routes to device 0 until the server shuts down.
async fn run(phone: PhoneHandle, mut rx: mpsc::UnboundedReceiver<Outbound>) {
    let mut down = phone.shared.down_signal();
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Outbound::Stanza(s)) => inbound(&phone, s).await,
                Some(_) => {}
                None => break,
            },
            _ = down.changed() => break,
        }
    }
}

/// One stanza routed to the phone.
async fn inbound(phone: &PhoneHandle, stanza: Stanza) {
    log::debug!(target: "TestServer/Phone", "{} <- {stanza}", phone.core.phone);
    let class = stanza.tag.clone();
    let id = stanza.get_or_empty("id").to_owned();
    if class == "message" {
        recv::on_message(phone, &stanza);
    }
    if class == "notification" && stanza.get("type") == Some("server_sync") {
        appstate::on_server_sync(phone, &stanza);
    }
    if class == "receipt" && stanza.get("type") == Some("server-error") {
        media_retry::on_request(phone, &stanza);
    }
    // The phone handles everything at once: nothing stays queued for device 0.
    phone.shared.world().ack(&phone.core.phone, 0, &class, &id);
}

/// Called (under the world lock) when a companion of `phone` finished pairing: the phone shares
/// its app-state key and a history-sync notification with it, as a real phone does.
pub(crate) fn on_companion_paired(shared: &Arc<Shared>, w: &World, phone: &str, device: u16) {
    let Some(core) = w.phones.get(phone).cloned() else {
        return;
    };
    let handle = PhoneHandle {
        shared: shared.clone(),
        core,
    };
    tokio::spawn(async move {
        if let Err(e) = companion::welcome(&handle, device) {
            log::warn!(target: "TestServer/Phone", "{}: welcoming device {device} failed: {e}", handle.core.phone);
        }
    });
}

pub(crate) use pair::{on_companion_finish, verify_device_signature};

pub use appstate::ChatSettings;

mod appstate;
mod companion;
mod media_retry;
mod pair;
mod recv;
mod signal;

/// Kinds of media a phone can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaKind {
    /// `imageMessage` (HKDF info `WhatsApp Image Keys`).
    Image,
    /// `videoMessage`.
    Video,
    /// `audioMessage`.
    Audio,
    /// `documentMessage`.
    Document,
}

impl PhoneHandle {
    /// Sends a text message to a user or group JID; returns the message id.
    pub async fn send_text(&self, to: &str, text: &str) -> Result<String> {
        send::send_text(self, to, text).await
    }

    /// Encrypts and uploads media, then sends it to a user or group JID; returns the message id.
    pub async fn send_media(
        &self,
        to: &str,
        kind: MediaKind,
        data: &[u8],
        caption: Option<&str>,
    ) -> Result<String> {
        send::send_media(self, to, kind, data, caption).await
    }

    /// Marks messages read: sends a read receipt for `ids` in `chat` (`sender` = the author's
    /// JID in groups).
    pub async fn mark_read(&self, chat: &str, ids: &[String], sender: Option<&str>) -> Result<()> {
        send::mark_read(self, chat, ids, sender)
    }
}

mod send;
