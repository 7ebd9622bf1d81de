//! Acknowledging `notification` and `call` stanzas (and the ack helper every handler uses).
//! `message` and `receipt` stanzas are handled by the messaging modules
//! (`crate::message`, `crate::receipt`).

use std::sync::Arc;

use wacore::stanza::ack::build_ack_node;
use wacore::types::events::Event;
use wacore_binary::node::Node;

use crate::client::Client;

impl Client {
    /// Sends the `<ack>` for an incoming stanza (rules in [`wacore::stanza::ack`]).
    pub(crate) async fn send_ack(&self, node: &Node) {
        if !self.is_connected() {
            return;
        }
        let own = self.get_pn().await;
        let Some(ack) = build_ack_node(node, own.as_ref()) else {
            log::debug!(target: "Client/Ack", "<{}> without id/from: not acked", node.tag);
            return;
        };
        if let Err(e) = self.send_node(ack).await {
            log::warn!(target: "Client/Ack", "failed to ack <{}>: {e}", node.tag);
        }
    }
}

fn count_offline(client: &Arc<Client>, node: &Node) {
    if node.get_attr("offline").is_some() {
        client.offline_sync.item_processed(client);
    }
}

pub(crate) async fn handle_call(client: &Arc<Client>, node: Node) {
    client.send_ack(&node).await;
}

pub(crate) async fn handle_notification(client: &Arc<Client>, node: Node) {
    let ty = node
        .get_attr("type")
        .map(|v| v.as_str().into_owned())
        .unwrap_or_default();
    client.send_ack(&node).await;
    count_offline(client, &node);
    match ty.as_str() {
        "link_code_companion_reg" => crate::pair_code::handle_notification(client, &node).await,
        "encrypt" => crate::prekeys::handle_encrypt_notification(client, &node),
        "server_sync" => crate::appstate::handle_server_sync(client, &node),
        _ => client.dispatch_event(Event::Notification(node)),
    }
}

pub(crate) async fn handle_server_ack(_client: &Arc<Client>, node: Node) {
    log::debug!(
        target: "Client/Ack",
        "server ack for {} {:?}",
        node.get_attr("class").map(|v| v.as_str().into_owned()).unwrap_or_default(),
        node.get_attr("id").map(|v| v.as_str().into_owned())
    );
}
