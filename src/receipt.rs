//! Receipts: incoming `<receipt>`s become [`Event::Receipt`] (retry receipts also trigger a
//! resend, see [`crate::retry`]); [`Client::mark_as_read`] and [`Client::mark_as_played`] send
//! read/played receipts. Delivery receipts for received messages are sent automatically by
//! the message pipeline.

use std::sync::Arc;

use wacore::receipt::{build_read_receipt, parse_receipt};
use wacore::types::events::{Event, ReceiptType};
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use crate::client::Client;
use crate::error::ClientError;

/// Router entry for `<receipt>`.
pub(crate) async fn handle_receipt(client: &Arc<Client>, node: Node) {
    let keys = client.own_keys().await;
    let is_retry = node.get_attr("type").is_some_and(|t| t.as_str() == "retry");
    match parse_receipt(&node, &keys.ids) {
        Ok(receipts) => {
            for r in receipts {
                client.dispatch_event(Event::Receipt(r));
            }
        }
        Err(e) => log::warn!(target: "Client/Recv", "unreadable receipt: {e}"),
    }
    if is_retry {
        crate::retry::handle_retry_receipt(client, &node, &keys).await;
    }
    crate::message::ack(client, &node, keys.ids.pn.as_ref(), None).await;
    if node.get_attr("offline").is_some() {
        client.offline_sync.item_processed(client);
    }
}

impl Client {
    /// Sends read receipts for `message_ids` in `chat`. In groups, `sender` (who sent the
    /// messages) is required. Does nothing for an empty list.
    pub async fn mark_as_read(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        message_ids: Vec<String>,
    ) -> Result<(), ClientError> {
        self.send_read_receipt(chat, sender, message_ids, &ReceiptType::Read)
            .await
    }

    /// Sends `played` receipts (voice notes, videos) for `message_ids` in `chat`.
    pub async fn mark_as_played(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        message_ids: Vec<String>,
    ) -> Result<(), ClientError> {
        self.send_read_receipt(chat, sender, message_ids, &ReceiptType::Played)
            .await
    }

    async fn send_read_receipt(
        &self,
        chat: &Jid,
        sender: Option<&Jid>,
        message_ids: Vec<String>,
        kind: &ReceiptType,
    ) -> Result<(), ClientError> {
        let t = chrono::Utc::now().timestamp();
        match build_read_receipt(chat, sender, &message_ids, t, kind) {
            Some(node) => self.send_node(node).await,
            None => Ok(()),
        }
    }
}
