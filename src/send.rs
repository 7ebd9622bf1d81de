//! Sending messages: [`Client::send_message`], [`Client::send_message_with_options`],
//! [`Client::edit_message`], [`Client::revoke_message`] and the server-ack handling.
//!
//! 1:1: the recipient's devices and our own other devices (usync, cached) each get a pairwise
//! `pkmsg`/`msg` (ours carry the device-sent copy); sessions start from fetched pre-key
//! bundles. Groups: one `skmsg` under our sender key, plus our sender-key distribution message
//! to the devices that lack it (per the store's SKDM records; the key rotates when a device
//! left). The stanza is resent unchanged after a reconnect until the server acks it (the
//! server drops duplicate ids), so a message is delivered once even over a flaky connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use prost::Message as _;
use rand::RngExt;
use wacore::iq::prekey_bundle::FetchPreKeysIq;
use wacore::iq::usync::UsyncDevicesIq;
use wacore::send::{
    DeviceTarget, EncAttrs, EncType, GroupMembers, GroupMembersIq, OutgoingStanza, build_edit,
    build_revoke, device_sent_message, edit_attribute, enc_node, encrypt_for_devices,
    encrypt_group_message, generate_message_id, hide_on_decrypt_fail, media_type, message_type,
    pad_message, participant_list_hash, prepare_distribution, record_distribution, skdm_plaintext,
};
use wacore::signal::SignalStoreAdapter;
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;
use wacore_libsignal::PreKeyBundle;
use waproto::whatsapp as wa;

use crate::client::Client;
use crate::error::{ClientError, IqError};
use crate::messaging::OwnKeys;

pub use wacore::send::RevokeType;

/// How often a stanza is sent again after the connection dropped before the server acked it.
const MAX_SEND_ATTEMPTS: u32 = 8;

/// Options for [`Client::send_message_with_options`].
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Extra child nodes for the `<message>` stanza.
    pub extra_stanza_nodes: Vec<Node>,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// We are not logged in (our JID is unknown).
    #[error("not logged in")]
    NotLoggedIn,
    /// The recipient JID cannot receive messages this way.
    #[error("cannot send to {0}")]
    UnsupportedRecipient(Jid),
    /// No device of the recipient could be encrypted for.
    #[error("no device of {0} could be reached")]
    NoDevices(Jid),
    /// A usync, pre-key or group query failed.
    #[error("query failed: {0}")]
    Iq(#[from] IqError),
    /// Encryption or message preparation failed.
    #[error(transparent)]
    Prepare(#[from] wacore::send::SendError),
    /// The storage backend failed.
    #[error("storage failed: {0}")]
    Store(#[from] wacore::store::StoreError),
    /// Sending the stanza failed.
    #[error("sending failed: {0}")]
    Client(#[from] ClientError),
    /// The server refused the message (`<ack error>`).
    #[error("server refused the message with error {0}")]
    Server(u16),
    /// No server ack arrived in time.
    #[error("no server ack for message {0}")]
    Timeout(String),
}

/// A `Result` with [`SendError`].
pub type SendResult<T> = std::result::Result<T, SendError>;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Client {
    /// Sends `message` to a user or group; returns its id.
    pub async fn send_message(&self, to: Jid, message: wa::Message) -> SendResult<String> {
        self.send_message_with_options(to, message, SendOptions::default())
            .await
    }

    /// Sends `message` with extra stanza nodes; returns its id.
    pub async fn send_message_with_options(
        &self,
        to: Jid,
        message: wa::Message,
        options: SendOptions,
    ) -> SendResult<String> {
        let keys = self.own_keys().await;
        let own = keys.ids.pn.as_ref().ok_or(SendError::NotLoggedIn)?;
        let id = generate_message_id(
            Some(&own.user),
            u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0),
            &rand::rng().random(),
        );
        self.send_with_id(&keys, to, message, id.clone(), options)
            .await?;
        Ok(id)
    }

    /// Edits our message `original_id` in `to`; returns the edit's id.
    pub async fn edit_message(
        &self,
        to: Jid,
        original_id: impl Into<String>,
        new_content: wa::Message,
    ) -> SendResult<String> {
        let edit = build_edit(&to, &original_id.into(), new_content, now_ms());
        self.send_message(to, edit).await
    }

    /// Deletes message `message_id` in `to` for everyone (ours, or as group admin someone
    /// else's).
    pub async fn revoke_message(
        &self,
        to: Jid,
        message_id: impl Into<String>,
        revoke_type: RevokeType,
    ) -> SendResult<()> {
        let revoke = build_revoke(&to, &message_id.into(), &revoke_type)?;
        self.send_message(to, revoke).await.map(drop)
    }

    /// Sets the disappearing-messages timer of a 1:1 chat (`0` turns it off). Group timers are
    /// a group setting (`groups().set_ephemeral`).
    pub async fn set_disappearing_timer(&self, chat: Jid, seconds: u32) -> SendResult<String> {
        if chat.is_group() {
            return Err(SendError::UnsupportedRecipient(chat));
        }
        let msg = wa::Message {
            protocol_message: Some(Box::new(wa::message::ProtocolMessage {
                r#type: Some(wa::message::protocol_message::Type::EphemeralSetting as i32),
                ephemeral_expiration: Some(seconds),
                ephemeral_setting_timestamp: Some(chrono::Utc::now().timestamp()),
                ..Default::default()
            })),
            ..Default::default()
        };
        self.send_message(chat, msg).await
    }

    /// Posts `message` to the status broadcast for `recipients` (users).
    pub async fn send_status_message(
        &self,
        message: wa::Message,
        recipients: &[Jid],
    ) -> SendResult<String> {
        let keys = self.own_keys().await;
        let own = keys.ids.pn.clone().ok_or(SendError::NotLoggedIn)?;
        let id = generate_message_id(
            Some(&own.user),
            u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0),
            &rand::rng().random(),
        );
        let mut users: Vec<Jid> = recipients.iter().map(Jid::to_non_ad).collect();
        users.push(own.to_non_ad());
        let members = GroupMembers {
            jid: Jid::status_broadcast(),
            addressing_mode: "pn".into(),
            members: Vec::new(),
            ephemeral: 0,
        };
        self.send_fanout(
            &keys,
            &members,
            users,
            &message,
            id.clone(),
            SendOptions::default(),
        )
        .await?;
        Ok(id)
    }

    async fn send_with_id(
        &self,
        keys: &OwnKeys,
        to: Jid,
        message: wa::Message,
        id: String,
        options: SendOptions,
    ) -> SendResult<()> {
        if to.device != 0 {
            return Err(SendError::UnsupportedRecipient(to));
        }
        let payload = Arc::new(message);
        let backend = self.persistence_manager.backend();
        backend
            .store_sent_message(&to.to_string(), &id, &payload.encode_to_vec())
            .await?;
        self.remember_sent(&to, &id, Arc::clone(&payload));
        if to.is_group() {
            let members = self.group_members(&to).await?;
            let users = members.members.iter().map(|m| m.jid.to_non_ad()).collect();
            self.send_fanout(keys, &members, users, &payload, id, options)
                .await
        } else if to.is_pn() || to.is_lid() || to.is_bot() {
            self.send_dm(keys, &to, &payload, id, options).await
        } else {
            Err(SendError::UnsupportedRecipient(to))
        }
    }

    /// Our device JID in the addressing of `lid` (LID or phone number).
    fn own_device(keys: &OwnKeys, lid: bool) -> SendResult<Jid> {
        let jid = if lid { keys.ids.lid.as_ref() } else { None }
            .or(keys.ids.pn.as_ref())
            .ok_or(SendError::NotLoggedIn)?;
        Ok(jid.clone())
    }

    fn is_own_device(keys: &OwnKeys, d: &Jid) -> bool {
        [keys.ids.pn.as_ref(), keys.ids.lid.as_ref()]
            .into_iter()
            .flatten()
            .any(|o| o.user == d.user && o.server == d.server && o.device == d.device)
    }

    async fn send_dm(
        &self,
        keys: &OwnKeys,
        to: &Jid,
        message: &wa::Message,
        id: String,
        options: SendOptions,
    ) -> SendResult<()> {
        let own_device = Self::own_device(keys, to.is_lid())?;
        let own_user = own_device.to_non_ad();
        let users = if own_user.user == to.user {
            vec![own_user.clone()]
        } else {
            vec![to.to_non_ad(), own_user.clone()]
        };
        let devices: Vec<Jid> = self
            .get_user_devices(&users)
            .await?
            .into_iter()
            .filter(|d| !Self::is_own_device(keys, d))
            .collect();
        let targets = self.targets(&devices, |d| d.user == own_user.user).await;
        let attrs = EncAttrs {
            media_type: media_type(message),
            hide_on_fail: hide_on_decrypt_fail(message),
        };
        let plaintext = message.encode_to_vec();
        let own_copy = device_sent_message(to, message).encode_to_vec();
        let nodes = self
            .encrypt_pairwise(keys, &targets, &plaintext, Some(&own_copy), &attrs)
            .await?;
        let reached_peer = nodes
            .nodes
            .iter()
            .filter_map(|n| n.attrs().optional_jid("jid"))
            .any(|j| j.user == to.user);
        if !reached_peer && own_user.user != to.user {
            return Err(SendError::NoDevices(to.clone()));
        }
        let stanza = OutgoingStanza {
            id: id.clone(),
            to: to.clone(),
            msg_type: message_type(message),
            edit: edit_attribute(message),
            phash: Some(participant_list_hash(&devices)),
            participants: nodes.nodes,
            device_identity: nodes
                .includes_prekey
                .then(|| device_identity(keys))
                .flatten(),
            extra_nodes: options.extra_stanza_nodes,
            ..Default::default()
        }
        .build();
        self.send_and_wait_ack(&id, stanza).await.map(drop)
    }

    /// Group (and status broadcast) fan-out: SKDM to devices lacking it, one `skmsg`.
    async fn send_fanout(
        &self,
        keys: &OwnKeys,
        members: &GroupMembers,
        users: Vec<Jid>,
        message: &wa::Message,
        id: String,
        options: SendOptions,
    ) -> SendResult<()> {
        let group = &members.jid;
        let own_device = Self::own_device(keys, members.is_lid())?;
        let devices: Vec<Jid> = self
            .get_user_devices(&users)
            .await?
            .into_iter()
            .filter(|d| !Self::is_own_device(keys, d) && !d.is_hosted())
            .collect();
        let own_sender = self.session_jid(&own_device).await;
        let sender_key_lock = format!("sk:{group}");
        let guard = self.lock_session(&sender_key_lock).await;
        let backend = self.persistence_manager.backend();
        let mut stores = SignalStoreAdapter::new(backend.clone(), &keys.device);
        let dist =
            prepare_distribution(&mut stores, backend.as_ref(), group, &own_sender, &devices)
                .await?;
        let targets = self.targets(&dist.plan.recipients, |_| false).await;
        let attrs = EncAttrs {
            media_type: None,
            hide_on_fail: hide_on_decrypt_fail(message),
        };
        let nodes = self
            .encrypt_pairwise(
                keys,
                &targets,
                &skdm_plaintext(group, dist.skdm),
                None,
                &attrs,
            )
            .await?;
        let padded = pad_message(message.encode_to_vec(), &mut rand::rng());
        let skmsg = encrypt_group_message(&mut stores, group, &own_sender, &padded).await;
        // Our sender key's chain step is stored before the stanza leaves.
        self.persistence_manager.flush_signal().await?;
        let skmsg = skmsg?;
        drop(guard);
        let sk_attrs = EncAttrs {
            media_type: media_type(message),
            hide_on_fail: attrs.hide_on_fail,
        };
        let delivered: Vec<Jid> = nodes
            .nodes
            .iter()
            .filter_map(|n| n.attrs().optional_jid("jid"))
            .collect();
        let stanza = OutgoingStanza {
            id: id.clone(),
            to: group.clone(),
            msg_type: message_type(message),
            edit: edit_attribute(message),
            addressing_mode: group.is_group().then(|| members.addressing_mode.clone()),
            phash: Some(participant_list_hash(&devices)),
            participants: nodes.nodes,
            skmsg: Some(enc_node(EncType::SenderKey, skmsg, &sk_attrs)),
            device_identity: nodes
                .includes_prekey
                .then(|| device_identity(keys))
                .flatten(),
            extra_nodes: options.extra_stanza_nodes,
            ..Default::default()
        }
        .build();
        self.send_and_wait_ack(&id, stanza).await?;
        record_distribution(backend.as_ref(), group, &delivered).await?;
        Ok(())
    }

    /// Pairs each device with the JID of its session.
    async fn targets(&self, devices: &[Jid], own: impl Fn(&Jid) -> bool) -> Vec<DeviceTarget> {
        let mut out = Vec::with_capacity(devices.len());
        for d in devices {
            out.push(DeviceTarget {
                wire: d.clone(),
                session: self.session_jid(d).await,
                own: own(d),
            });
        }
        out
    }

    /// Encrypts for every target under their session locks, fetching bundles for those
    /// without a session.
    pub(crate) async fn encrypt_pairwise(
        &self,
        keys: &OwnKeys,
        targets: &[DeviceTarget],
        plaintext: &[u8],
        own_plaintext: Option<&[u8]>,
        attrs: &EncAttrs,
    ) -> SendResult<wacore::send::ParticipantNodes> {
        if targets.is_empty() {
            return Ok(wacore::send::ParticipantNodes::default());
        }
        let backend = self.persistence_manager.backend();
        let mut missing = Vec::new();
        for t in targets {
            if !backend
                .has_session(&t.session.to_protocol_address_string())
                .await?
            {
                missing.push(t.wire.clone());
            }
        }
        let bundles = self.fetch_bundles(missing).await;
        let _guards = self
            .lock_sessions(
                targets
                    .iter()
                    .map(|t| t.session.to_protocol_address_string())
                    .collect(),
            )
            .await;
        let mut stores = SignalStoreAdapter::new(backend, &keys.device);
        let nodes = encrypt_for_devices(
            &mut stores,
            targets,
            plaintext,
            own_plaintext,
            &bundles,
            attrs,
        )
        .await;
        // Durability: the ratchet steps are stored before the stanza can leave, still under
        // the session locks (a crash must never let us reuse a chain key).
        let flushed = self.persistence_manager.flush_signal().await;
        if let Err(e) = flushed {
            log::error!(target: "Client/Send", "storing session state failed: {e}; not sending");
            for t in targets {
                self.persistence_manager
                    .signal_cache()
                    .discard(&t.session.to_protocol_address_string());
            }
            return Err(e.into());
        }
        let nodes = nodes?;
        drop(_guards);
        for (device, e) in &nodes.failed {
            log::warn!(target: "Client/Send", "skipping {device}: {e}");
        }
        Ok(nodes)
    }

    /// Pre-key bundles of devices we have no session with (failures are logged and skipped).
    pub(crate) async fn fetch_bundles(&self, devices: Vec<Jid>) -> HashMap<Jid, PreKeyBundle> {
        let mut out = HashMap::new();
        if devices.is_empty() {
            return out;
        }
        match self.execute(FetchPreKeysIq { devices }).await {
            Ok(list) => {
                for (jid, bundle) in list {
                    match bundle {
                        Ok(b) => {
                            out.insert(jid, b);
                        }
                        Err(e) => log::warn!(target: "Client/Send", "no pre-keys for {jid}: {e}"),
                    }
                }
            }
            Err(e) => log::warn!(target: "Client/Send", "pre-key fetch failed: {e}"),
        }
        out
    }

    /// The devices of `users` (usync, cached; LIDs learned on the way).
    pub(crate) async fn get_user_devices(&self, users: &[Jid]) -> SendResult<Vec<Jid>> {
        let mut devices = Vec::new();
        let mut missing = Vec::new();
        for u in users {
            match self.cached_devices(u).await {
                Some(d) => devices.extend(d.iter().cloned()),
                None => missing.push(u.to_non_ad()),
            }
        }
        if missing.is_empty() {
            return Ok(devices);
        }
        let sid = self.next_request_id();
        let answer = self
            .execute(UsyncDevicesIq::new(missing.clone(), sid))
            .await?;
        for user in answer {
            if let Some(lid) = &user.lid
                && user.jid.is_pn()
            {
                self.learn_lid(&user.jid.user, &lid.user, "usync").await;
            }
            missing.retain(|m| m.user != user.jid.user || m.server != user.jid.server);
            let list = user.device_jids();
            devices.extend(list.iter().cloned());
            self.cache_devices(&user.jid, list).await;
        }
        for m in missing {
            self.cache_devices(&m, Vec::new()).await;
        }
        Ok(devices)
    }

    /// A group's members (cached until a `w:gp2` notification or the cache TTL).
    pub(crate) async fn group_members(&self, group: &Jid) -> SendResult<Arc<GroupMembers>> {
        if let Some(g) = self.cached_group(group).await {
            return Ok(g);
        }
        let members = self
            .execute(GroupMembersIq {
                group: group.clone(),
            })
            .await?;
        for m in &members.members {
            if let Some(alt) = &m.alt {
                match (m.jid.is_lid(), alt.is_pn()) {
                    (true, true) => self.learn_lid(&alt.user, &m.jid.user, "group").await,
                    (false, false) if alt.is_lid() => {
                        self.learn_lid(&m.jid.user, &alt.user, "group").await
                    }
                    _ => {}
                }
            }
        }
        Ok(self.cache_group(members).await)
    }

    /// Sends a message stanza and waits for the server's ack, sending it again (unchanged)
    /// after a reconnect if the connection dropped first.
    pub(crate) async fn send_and_wait_ack(&self, id: &str, stanza: Node) -> SendResult<Node> {
        let timeout = self.config.timings.iq_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        for attempt in 0..MAX_SEND_ATTEMPTS {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if self.wait_for_logged_in(left).await.is_err() {
                break;
            }
            let mut state = self.state.subscribe();
            let ack = self.expect_message_ack(id);
            if let Err(e) = self.send_node(stanza.clone()).await {
                self.forget_message_ack(id);
                log::debug!(target: "Client/Send", "send of {id} failed (attempt {attempt}): {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::select! {
                r = ack => match r {
                    Ok(node) => {
                        let code = node
                            .attrs()
                            .optional_u64("error")
                            .and_then(|c| u16::try_from(c).ok());
                        return match code {
                            Some(c) if c != 0 => Err(SendError::Server(c)),
                            _ => Ok(node),
                        };
                    }
                    Err(_) => continue,
                },
                _ = state.wait_for(|s| !s.connected) => {
                    self.forget_message_ack(id);
                    log::debug!(target: "Client/Send", "connection lost before the ack of {id}; resending");
                    continue;
                }
                _ = tokio::time::sleep(left) => {
                    self.forget_message_ack(id);
                    break;
                }
            }
        }
        Err(SendError::Timeout(id.to_string()))
    }
}

/// Our serialized `ADVSignedDeviceIdentity` for `<device-identity>`.
pub(crate) fn device_identity(keys: &OwnKeys) -> Option<Vec<u8>> {
    keys.device.account.as_ref().map(|a| a.encode_to_vec())
}

/// `<ack>` from the server: message acks go to their sender, everything is logged.
pub(crate) async fn handle_server_ack(client: &Arc<Client>, node: Node) {
    if node
        .get_attr("class")
        .is_some_and(|c| c.as_str() == "message")
    {
        client.resolve_message_ack(&node);
    }
    crate::stanzas::handle_server_ack(client, node).await;
}
