//! Retry receipts, both ways.
//!
//! - We could not decrypt a message: [`send_retry_receipt`] asks the sender to resend it
//!   (with our keys from the second attempt on, so it can start a fresh session), at most
//!   [`MAX_RETRY_COUNT`] times per message.
//! - A recipient could not decrypt ours: [`handle_retry_receipt`] takes the message from the
//!   recent-sent cache (or the store), re-establishes the session when the receipt carries
//!   keys, we have none, or the session's base key is the same as at the previous retry of
//!   this message (a base-key collision: the session is broken), and resends it to that one
//!   device (with our sender key for groups, as a device-sent copy for our own devices).

use std::sync::Arc;

use prost::Message as _;
use wacore::message::MessageError;
use wacore::retry::{
    MAX_RETRY_COUNT, RetryKeys, RetryReason, build_retry_receipt, parse_retry_receipt,
};
use wacore::send::{
    EncAttrs, device_sent_message, enc_node, encrypt_for_device, hide_on_decrypt_fail, media_type,
    message_type, pad_message,
};
use wacore::signal::{SignalStoreAdapter, protocol_address, sender_key_name};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;
use wacore_libsignal::{SessionStore, create_sender_key_distribution_message, generate_pre_key};
use waproto::whatsapp as wa;

use crate::client::Client;
use crate::messaging::{OwnKeys, lock};

/// Resends of one message to one device we still honour.
const MAX_RESENDS: u32 = 10;

/// Generates, stores and returns a fresh one-time pre-key for a retry receipt. Its id is drawn
/// at random from the upper half of the id space: regular uploads count up from the bottom
/// (and may be running right now), so the two never collide in practice.
async fn fresh_pre_key(client: &Client) -> Option<(u32, [u8; 32])> {
    let backend = client.persistence_manager.backend();
    let half = wacore_libsignal::MAX_PRE_KEY_ID / 2;
    for _ in 0..8 {
        let id = half + rand::random::<u32>() % half;
        if !matches!(backend.load_prekey(id).await, Ok(None)) {
            continue;
        }
        let record = generate_pre_key(id, &mut rand::rng());
        if let Err(e) = backend.store_prekey(id, &record.serialize(), true).await {
            log::warn!(target: "Client/Retry", "cannot store retry pre-key: {e}");
            return None;
        }
        return Some((id, *record.public_key().public_key_bytes()));
    }
    None
}

/// Asks the sender of `node` to resend it.
pub(crate) async fn send_retry_receipt(
    client: &Arc<Client>,
    node: &Node,
    keys: &OwnKeys,
    error: &MessageError,
    force_keys: bool,
) {
    let Some(id) = node.get_attr("id").map(|v| v.as_str().into_owned()) else {
        return;
    };
    let in_message = node
        .get_optional_child("enc")
        .and_then(|e| e.attrs().optional_u64("count"))
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(0);
    let count = {
        let mut map = lock(&client.messaging().incoming_retries);
        if map.len() > 10_000 {
            map.clear();
        }
        let c = map.entry(id.clone()).or_insert(0);
        *c += 1;
        // After a restart the count in a resent message tells where we were.
        if *c == 1 && in_message > 0 {
            *c = in_message + 1;
        }
        *c
    };
    if count > MAX_RETRY_COUNT {
        log::warn!(target: "Client/Retry", "giving up on {id} after {MAX_RETRY_COUNT} retries");
        return;
    }
    let retry_keys = if count > 1 || force_keys {
        match (fresh_pre_key(client).await, &keys.device.account) {
            (Some(pre_key), Some(account)) => Some(RetryKeys {
                identity: *keys.device.identity_key.public_key.public_key_bytes(),
                pre_key,
                signed_pre_key: (
                    keys.device.signed_pre_key_id,
                    *keys.device.signed_pre_key.public_key.public_key_bytes(),
                    keys.device.signed_pre_key_signature,
                ),
                device_identity: account.encode_to_vec(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let Some(receipt) = build_retry_receipt(
        node,
        count,
        keys.device.registration_id,
        RetryReason::from_error(error),
        retry_keys.as_ref(),
    ) else {
        return;
    };
    log::info!(target: "Client/Retry", "asking for {id} again (retry #{count})");
    if let Err(e) = client.send_node(receipt).await {
        log::warn!(target: "Client/Retry", "failed to send retry receipt for {id}: {e}");
    }
}

/// Finds a message we sent, in memory or in the store.
async fn find_sent(client: &Client, chat: &Jid, id: &str) -> Option<Arc<wa::Message>> {
    if let Some(m) = client.recent_sent(chat, id) {
        return Some(m);
    }
    let backend = client.persistence_manager.backend();
    let bytes = backend
        .take_sent_message(&chat.to_string(), id)
        .await
        .ok()
        .flatten()?;
    let msg = Arc::new(wa::Message::decode(bytes.as_slice()).ok()?);
    // Keep it for other devices asking for the same message.
    client.remember_sent(chat, id, Arc::clone(&msg));
    Some(msg)
}

/// Resends the message a retry receipt asks for.
pub(crate) async fn handle_retry_receipt(client: &Arc<Client>, node: &Node, keys: &OwnKeys) {
    if let Err(e) = resend(client, node, keys).await {
        log::warn!(target: "Client/Retry", "cannot honour retry receipt: {e}");
    }
}

async fn resend(client: &Arc<Client>, node: &Node, keys: &OwnKeys) -> Result<(), String> {
    let request = parse_retry_receipt(node, 0).map_err(|e| e.to_string())?;
    let source =
        wacore::message::parse_message_source(node, &keys.ids, false).map_err(|e| e.to_string())?;
    let requester = source.sender.clone();
    let chat = source.chat.clone();
    let id = request.message_id.clone();
    {
        let mut map = lock(&client.messaging().outgoing_retries);
        let n = map.entry((requester.to_string(), id.clone())).or_insert(0);
        *n += 1;
        if *n > MAX_RESENDS {
            return Err(format!("{requester} asked for {id} too often"));
        }
    }
    let original = find_sent(client, &chat, &id)
        .await
        .ok_or_else(|| format!("{id} to {chat} is not in the recent-sent cache"))?;
    let mut message = (*original).clone();
    let backend = client.persistence_manager.backend();
    if chat.is_group() || chat.is_status_broadcast() {
        let own = if chat.is_group() {
            client
                .group_members(&chat)
                .await
                .map(|g| g.is_lid())
                .unwrap_or(requester.is_lid())
        } else {
            false
        };
        let own_device = if own {
            keys.ids.lid.clone()
        } else {
            keys.ids.pn.clone()
        }
        .ok_or("not logged in")?;
        let own_sender = client.session_jid(&own_device).await;
        let _sk = client.lock_session(&format!("sk:{chat}")).await;
        let mut stores = SignalStoreAdapter::new(backend.clone(), &keys.device);
        let skdm = create_sender_key_distribution_message(
            &sender_key_name(&chat, &own_sender),
            &mut stores.sender_keys,
        )
        .await
        .map_err(|e| e.to_string())?;
        message.sender_key_distribution_message = Some(wa::message::SenderKeyDistributionMessage {
            group_id: Some(chat.to_string()),
            axolotl_sender_key_distribution_message: Some(skdm.serialized().to_vec()),
        });
    } else if source.is_from_me {
        message = device_sent_message(&chat, &message);
    }

    let session = client.session_jid(&requester).await;
    let address = protocol_address(&session);
    let address_key = address.to_string();
    let _guard = client.lock_session(&address_key).await;
    let mut stores = SignalStoreAdapter::new(backend.clone(), &keys.device);
    let mut bundle = request.bundle.clone();
    let existing = stores
        .sessions
        .load_session(&address)
        .await
        .map_err(|e| e.to_string())?;
    match (&bundle, existing.as_ref().and_then(|r| r.session_state())) {
        (Some(_), _) => {}
        (None, None) => {
            bundle = client
                .fetch_bundles(vec![requester.clone()])
                .await
                .remove(&requester);
            if bundle.is_none() {
                return Err(format!("no session with {requester} and no bundle"));
            }
        }
        (None, Some(state)) => {
            let base = state.alice_base_key().serialize();
            let same = backend
                .has_same_base_key(&address_key, &id, &base)
                .await
                .unwrap_or(false);
            if same {
                log::info!(target: "Client/Retry", "base key collision with {requester} for {id}: new session");
                let _ = backend.delete_session(&address_key).await;
                bundle = client
                    .fetch_bundles(vec![requester.clone()])
                    .await
                    .remove(&requester);
            } else {
                let _ = backend.save_base_key(&address_key, &id, &base).await;
            }
        }
    }
    let padded = pad_message(message.encode_to_vec(), &mut rand::rng());
    let encrypted = encrypt_for_device(&mut stores, &session, bundle.as_ref(), &padded).await;
    // The ratchet step is stored before the resend leaves.
    if let Err(e) = client.persistence_manager.flush_signal().await {
        client
            .persistence_manager
            .signal_cache()
            .discard(&address_key);
        return Err(format!("storing session state failed: {e}"));
    }
    let (ty, ciphertext) = encrypted.map_err(|e| e.to_string())?;
    let attrs = EncAttrs {
        media_type: media_type(&original),
        hide_on_fail: hide_on_decrypt_fail(&original),
    };
    let mut enc = enc_node(ty, ciphertext, &attrs);
    enc.attrs.insert("count", request.count.to_string());
    let mut b = NodeBuilder::new("message")
        .attr("id", id.as_str())
        .attr("type", message_type(&original));
    if let Some(from) = node.get_attr("from") {
        b = b.attr("to", from.clone());
    }
    if let Some(t) = request.timestamp {
        b = b.attr("t", t.to_string());
    }
    if !chat.is_group() {
        b = b.attr("device_fanout", "false");
    }
    for k in ["participant", "recipient"] {
        if let Some(v) = node.get_attr(k) {
            b = b.attr(k, v.clone());
        }
    }
    if let Some(edit) = wacore::send::edit_attribute(&original) {
        b = b.attr("edit", edit);
    }
    let mut children = vec![enc];
    if ty == wacore::send::EncType::PreKey
        && let Some(identity) = crate::send::device_identity(keys)
    {
        children.push(NodeBuilder::new("device-identity").bytes(identity).build());
    }
    let stanza = b.children(children).build();
    log::info!(target: "Client/Retry", "resending {id} to {requester} (retry #{})", request.count);
    client.send_node(stanza).await.map_err(|e| e.to_string())
}
