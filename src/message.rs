//! Incoming `<message>` stanzas: each chat has an ordered queue (a later message is never
//! decrypted before an earlier one, e.g. the `pkmsg` that starts a session); each message is
//! decrypted under its sender's session lock, dispatched as [`Event::Message`], then
//! receipted and acked. Failures send a retry receipt and [`Event::UndecryptableMessage`].
//!
//! Durability: the Signal session state the decryption changed is flushed from the
//! [`SignalStoreCache`](crate::store::SignalStoreCache) to the store right after decrypting,
//! under the session lock, before the event and the ack. If the process dies before the ack, the server redelivers the message;
//! Signal then reports it as already decrypted and it is acked without a second event.

use std::sync::Arc;

use wacore::message::{DecryptOutcome, decrypt_message, parse_message_info};
use wacore::receipt::{build_message_receipt, wants_delivery_receipt};
use wacore::signal::SignalStoreAdapter;
use wacore::types::events::{DecryptFailMode, Event, UnavailableType, UndecryptableMessage};
use wacore::types::message::MessageInfo;
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;

use crate::client::Client;

/// Nack code for a stanza we could not parse (WhatsApp Web's `ParsingError`).
const NACK_PARSING_ERROR: u16 = 487;

/// The ordering key of a message: its chat (group, or the other user in their LID form when
/// the stanza names it).
fn queue_key(node: &Node) -> String {
    let mut a = node.attrs();
    let Some(from) = a.optional_jid("from") else {
        return String::new();
    };
    if from.is_group()
        || from.server == wacore_binary::jid::BROADCAST_SERVER
        || from.is_newsletter()
    {
        return from.to_string();
    }
    if let Some(recipient) = a.optional_jid("recipient") {
        return recipient.to_non_ad().to_string();
    }
    if from.is_pn()
        && let Some(lid) = a.optional_jid("sender_lid")
    {
        return lid.to_non_ad().to_string();
    }
    from.to_non_ad().to_string()
}

/// Router entry: queues the message on its chat.
pub(crate) async fn handle_message(client: &Arc<Client>, node: Node) {
    // During the offline backlog: one sequential queue in arrival order.
    let Some(node) = client.offline_sync.try_sequential(node) else {
        return;
    };
    let key = queue_key(&node);
    client.enqueue_message(key, node);
}

fn count_offline(client: &Arc<Client>, node: &Node) {
    if node.get_attr("offline").is_some() {
        client.offline_sync.item_processed(client);
    }
}

async fn learn_alternates(client: &Client, info: &MessageInfo) {
    let s = &info.source;
    let pairs = [
        (Some(&s.sender), s.sender_alt.as_ref()),
        (Some(&s.chat), s.recipient_alt.as_ref()),
    ];
    for (a, b) in pairs {
        let (Some(a), Some(b)) = (a, b) else { continue };
        match (a.is_pn(), b.is_lid(), a.is_lid(), b.is_pn()) {
            (true, true, _, _) => client.learn_lid(&a.user, &b.user, "message").await,
            (_, _, true, true) => client.learn_lid(&b.user, &a.user, "message").await,
            _ => {}
        }
    }
}

/// The JID whose session the sender's messages use.
async fn sender_session(client: &Client, info: &MessageInfo) -> Jid {
    let sender = &info.source.sender;
    if sender.is_pn()
        && let Some(alt) = info.source.sender_alt.as_ref().filter(|a| a.is_lid())
    {
        let lid = Jid::lid_device(alt.user.clone(), sender.device);
        // Moves a phone-number session over if one exists.
        let _ = client.session_jid(sender).await;
        return lid;
    }
    client.session_jid(sender).await
}

/// Acks a stanza (`error` set: a nack), with our JID from the cached keys.
pub(crate) async fn ack(client: &Client, node: &Node, own: Option<&Jid>, error: Option<u16>) {
    if !client.is_connected() {
        return;
    }
    let Some(mut ack) = wacore::stanza::ack::build_ack_node(node, own) else {
        return;
    };
    if let Some(code) = error {
        ack.attrs.insert("error", code.to_string());
    }
    if let Err(e) = client.send_node(ack).await {
        log::warn!(target: "Client/Recv", "failed to ack <{}>: {e}", node.tag);
    }
}

/// Decrypts, dispatches, receipts and acks one message (runs on its chat's queue).
pub(crate) async fn process_message(client: &Arc<Client>, node: Node) {
    let keys = client.own_keys().await;
    let info = match parse_message_info(&node, &keys.ids) {
        Ok(info) => info,
        Err(e) => {
            log::warn!(target: "Client/Recv", "unreadable message stanza: {e}");
            ack(
                client,
                &node,
                keys.ids.pn.as_ref(),
                Some(NACK_PARSING_ERROR),
            )
            .await;
            count_offline(client, &node);
            return;
        }
    };
    learn_alternates(client, &info).await;
    if info.source.chat.is_newsletter() {
        ack(client, &node, keys.ids.pn.as_ref(), None).await;
        count_offline(client, &node);
        return;
    }
    let node = match crate::enc_handler::run_custom(client, &node, &info).await {
        crate::enc_handler::CustomEnc::None => node,
        crate::enc_handler::CustomEnc::Rest(rest) => rest,
        crate::enc_handler::CustomEnc::AllHandled => {
            client.send_message_receipt(&node, &info).await;
            ack(client, &node, keys.ids.pn.as_ref(), None).await;
            count_offline(client, &node);
            return;
        }
    };
    let session = sender_session(client, &info).await;
    let result = {
        let _guard = client
            .lock_session(&session.to_protocol_address_string())
            .await;
        let mut stores =
            SignalStoreAdapter::new(client.persistence_manager.backend(), &keys.device);
        let result = decrypt_message(&mut stores, &node, &info, &session).await;
        // Durability: the state the decryption changed is stored before the event and the
        // ack, still under the session lock.
        if let Err(e) = client.persistence_manager.flush_signal().await {
            let address = session.to_protocol_address_string();
            client.persistence_manager.signal_cache().discard(&address);
            log::error!(target: "Client/Recv", "storing session state after {} failed: {e}; not acking", info.id);
            return;
        }
        result
    };
    match result {
        Ok(DecryptOutcome::Decrypted {
            message,
            device_sent,
            retry_count,
            identity_changes,
        }) => {
            for a in identity_changes {
                log::info!(target: "Client/Recv", "identity of {a} changed; session replaced");
            }
            if retry_count > 0 {
                log::debug!(target: "Client/Recv", "{} arrived on retry #{retry_count}", info.id);
            }
            if let Some(message) = message {
                let key = format!("{}|{}|{}", info.source.chat, session.user, info.id);
                if client.mark_processed(key) {
                    let mut info = info.clone();
                    info.device_sent_meta = device_sent;
                    client.dispatch_event(Event::Message(message, info));
                } else {
                    log::debug!(target: "Client/Recv", "{} already processed", info.id);
                }
            }
            crate::messaging::lock(&client.messaging().incoming_retries).remove(&info.id);
            client.send_message_receipt(&node, &info).await;
        }
        Ok(DecryptOutcome::Duplicate) => {
            log::debug!(target: "Client/Recv", "redelivered {} ignored", info.id);
            client.send_message_receipt(&node, &info).await;
        }
        Ok(DecryptOutcome::Empty) => {
            if let Some(u) = node.get_optional_child("unavailable") {
                let view_once = u
                    .get_attr("type")
                    .is_some_and(|t| t.as_str() == "view_once");
                client.dispatch_event(Event::UndecryptableMessage(UndecryptableMessage {
                    info: info.clone(),
                    is_unavailable: true,
                    unavailable_type: if view_once {
                        UnavailableType::ViewOnce
                    } else {
                        UnavailableType::Unknown
                    },
                    decrypt_fail_mode: DecryptFailMode::Show,
                }));
            }
        }
        Err(failure) => {
            if failure.error.is_storage() {
                log::error!(target: "Client/Recv", "storage failed decrypting {}: {}; not acking", info.id, failure.error);
                return;
            }
            log::warn!(target: "Client/Recv", "cannot decrypt {} from {}: {}", info.id, info.source.sender, failure.error);
            let unavailable = failure.error.is_missing_sender_key() && !failure.after_direct_part;
            let with_keys = unavailable || failure.error.is_no_session();
            crate::retry::send_retry_receipt(client, &node, &keys, &failure.error, with_keys).await;
            client.dispatch_event(Event::UndecryptableMessage(UndecryptableMessage {
                info: info.clone(),
                is_unavailable: unavailable,
                unavailable_type: UnavailableType::Unknown,
                decrypt_fail_mode: if failure.hide_on_fail {
                    DecryptFailMode::Hide
                } else {
                    DecryptFailMode::Show
                },
            }));
        }
    }
    ack(client, &node, keys.ids.pn.as_ref(), None).await;
    count_offline(client, &node);
}

impl Client {
    /// The delivery (or `sender`/`peer_msg`) receipt for a processed message.
    pub(crate) async fn send_message_receipt(&self, node: &Node, info: &MessageInfo) {
        if !wants_delivery_receipt(info) {
            return;
        }
        if let Some(receipt) = build_message_receipt(node, info)
            && let Err(e) = self.send_node(receipt).await
        {
            log::warn!(target: "Client/Recv", "failed to send receipt for {}: {e}", info.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    #[test]
    fn queue_keys_group_by_chat() {
        let g = NodeBuilder::new("message")
            .attr("from", "1203@g.us")
            .attr("participant", "7:2@lid")
            .build();
        assert_eq!(queue_key(&g), "1203@g.us");
        let dm = NodeBuilder::new("message")
            .attr("from", "111:3@s.whatsapp.net")
            .attr("sender_lid", "99@lid")
            .build();
        assert_eq!(
            queue_key(&dm),
            "99@lid",
            "PN and LID forms of a sender share a queue"
        );
        let lid_dm = NodeBuilder::new("message").attr("from", "99:1@lid").build();
        assert_eq!(queue_key(&lid_dm), "99@lid");
        let mine = NodeBuilder::new("message")
            .attr("from", "5:2@s.whatsapp.net")
            .attr("recipient", "111@s.whatsapp.net")
            .build();
        assert_eq!(queue_key(&mine), "111@s.whatsapp.net");
    }
}
