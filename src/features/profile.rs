//! Our own profile: the push name (display name). It is stored on the device, announced in
//! a presence stanza, and synced to our other devices through app state
//! (`setting_pushName` in `critical_block`).

use std::sync::Arc;

use wacore::store::commands::DeviceCommand;
use wacore::types::events::{Event, SelfPushNameUpdated};
use wacore_binary::builder::NodeBuilder;

use crate::appstate::{AppStateSyncError, SyncAction};
use crate::client::Client;

/// Longest push name accepted (WhatsApp's limit is 25 characters; bytes are capped for
/// safety).
pub const MAX_PUSH_NAME_BYTES: usize = 256;

/// Profile operations. Get it with [`Client::profile`].
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    client: &'a Arc<Client>,
}

impl Client {
    /// Profile operations (push name).
    pub fn profile(self: &Arc<Self>) -> Profile<'_> {
        Profile { client: self }
    }
}

impl Profile<'_> {
    /// Sets our display name: stored locally, sent in a presence stanza, and synced to the
    /// phone and our other devices. The local change and presence happen even if the
    /// app-state patch fails (e.g. right after pairing, before the phone shared a key);
    /// that failure is returned.
    pub async fn set_push_name(&self, name: &str) -> Result<(), AppStateSyncError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppStateSyncError::InvalidArgument(
                "push name cannot be empty".into(),
            ));
        }
        if name.len() > MAX_PUSH_NAME_BYTES {
            return Err(AppStateSyncError::InvalidArgument(
                "push name is too long".into(),
            ));
        }
        let client = self.client;
        let old = client.get_push_name().await;
        client
            .persistence_manager
            .process_command(DeviceCommand::SetPushName(name.to_owned()))
            .await;
        if old != name {
            client.dispatch_event(Event::SelfPushNameUpdated(SelfPushNameUpdated {
                from_server: false,
                old_name: old,
                new_name: name.to_owned(),
            }));
        }
        if client.is_connected() {
            let presence = NodeBuilder::new("presence")
                .attr("name", name)
                .attr("type", "available")
                .build();
            if let Err(e) = client.send_node(presence).await {
                log::warn!(target: "Client/Profile", "presence with the new name failed: {e}");
            }
        }
        client
            .send_app_state_actions(&[SyncAction::push_name(name)])
            .await
    }
}
