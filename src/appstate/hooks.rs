//! Where app-state and history sync plug into the client: `server_sync` notifications and
//! the protocol messages our own devices send us (key shares, history-sync notifications).
//!
//! Protocol messages are picked up by an internal event handler registered first on the
//! client (see [`install`]): the messaging pipeline decrypts and dispatches every message as
//! [`Event::Message`], and this handler hands those from our own devices to app-state and
//! history sync on their own tasks, so the receive path is never blocked.

use std::sync::{Arc, Weak};

use wacore::types::events::{Event, EventHandler};
use wacore::types::message::MessageInfo;
use wacore_binary::node::Node;
use waproto::whatsapp as wa;

use super::Collection;
use crate::client::Client;

/// Handles `<notification type="server_sync"><collection name version/>...`: syncs the
/// named collections on a task of its own (never inside the receive loop, which must keep
/// reading the IQ answers).
pub(crate) fn handle_server_sync(client: &Arc<Client>, node: &Node) {
    let names: Vec<Collection> = node
        .get_children_by_tag("collection")
        .filter_map(|c| {
            let name = c.get_attr("name")?.as_str().into_owned();
            let c = Collection::from_name(&name);
            if c.is_none() {
                log::debug!(target: "Client/AppState", "server_sync for unknown collection {name}");
            }
            c
        })
        .collect();
    if names.is_empty() {
        return;
    }
    let client = Arc::clone(client);
    tokio::spawn(async move {
        for (c, r) in client
            .sync_app_state_collections(&names, super::fetch::SyncMode::Incremental)
            .await
        {
            match r {
                Ok(v) => {
                    log::debug!(target: "Client/AppState", "{c} synced to v{v} after server_sync")
                }
                Err(e) => {
                    log::warn!(target: "Client/AppState", "{c}: sync after server_sync failed: {e}")
                }
            }
        }
    });
}

/// Handles the protocol parts of a message from one of our own devices.
pub(crate) fn handle_protocol_message(client: &Arc<Client>, info: &MessageInfo, msg: &wa::Message) {
    if !info.source.is_from_me {
        return;
    }
    let msg = msg
        .device_sent_message
        .as_ref()
        .and_then(|d| d.message.as_deref())
        .unwrap_or(msg);
    let Some(pm) = msg.protocol_message.as_deref() else {
        return;
    };
    if let Some(share) = pm.app_state_sync_key_share.clone() {
        let client = Arc::clone(client);
        tokio::spawn(async move { client.handle_key_share(&share).await });
    }
    if let Some(notification) = pm.history_sync_notification.clone() {
        crate::history_sync::handle_notification(client, info, notification);
    }
    if pm.app_state_sync_key_request.is_some() {
        log::debug!(target: "Client/AppState", "key request from {} ignored (only the primary answers)", info.source.sender);
    }
}

/// The internal handler forwarding our own devices' protocol messages.
struct SyncHook(Weak<Client>);

impl EventHandler for SyncHook {
    fn handle_event(&self, event: &Event) {
        let Event::Message(msg, info) = event else {
            return;
        };
        if msg.protocol_message.is_none()
            && msg
                .device_sent_message
                .as_ref()
                .and_then(|d| d.message.as_ref())
                .and_then(|m| m.protocol_message.as_ref())
                .is_none()
        {
            return;
        }
        if let Some(client) = self.0.upgrade() {
            handle_protocol_message(&client, info, msg);
        }
    }
}

/// Registers the hook; called once when the client is built, before any other handler.
pub(crate) fn install(client: &Arc<Client>) {
    client.register_handler(Arc::new(SyncHook(Arc::downgrade(client))));
}
