//! Custom handlers for `<enc>` payload types ([`EncHandler`], registered with
//! [`BotBuilder::with_enc_handler`](crate::bot::BotBuilder::with_enc_handler) or
//! [`Client::register_enc_handler`]).
//!
//! When an incoming message carries an `<enc type=T>` and a handler is registered for `T`,
//! that part goes to the handler instead of the built-in Signal decryption (a handler for
//! `skmsg` replaces the built-in group decryption). The other parts of the message are
//! decrypted as usual. A message whose parts were all handled is receipted and acked
//! without an [`Event::Message`](wacore::types::events::Event::Message); a handler error is
//! logged and the message is still acked (the server would otherwise redeliver it forever).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use wacore::types::message::MessageInfo;
use wacore_binary::node::{Node, NodeContent};

use crate::client::Client;

/// What a custom handler may fail with.
pub type EncHandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Handles one `<enc>` payload type the client does not decrypt itself (or replaces the
/// built-in handling of one). Implement it with `#[async_trait::async_trait]`.
#[async_trait::async_trait]
pub trait EncHandler: Send + Sync {
    /// Handles the `<enc>` node `enc_node` of the message described by `info`.
    async fn handle(
        &self,
        client: Arc<Client>,
        enc_node: &Node,
        info: &MessageInfo,
    ) -> Result<(), EncHandlerError>;
}

/// The registered handlers by `<enc type>`.
pub type EncHandlers = Arc<RwLock<HashMap<String, Arc<dyn EncHandler>>>>;

/// What the custom handlers left for the built-in decryption.
pub(crate) enum CustomEnc {
    /// No part had a custom handler: decrypt the message as it is.
    None,
    /// Some parts were handled; decrypt this node (the message without them).
    Rest(Node),
    /// Every part was handled.
    AllHandled,
}

impl Client {
    /// Registers (or replaces) the handler for `<enc type=enc_type>` payloads.
    pub fn register_enc_handler(&self, enc_type: impl Into<String>, handler: Arc<dyn EncHandler>) {
        self.custom_enc_handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(enc_type.into(), handler);
    }

    fn enc_handler(&self, enc_type: &str) -> Option<Arc<dyn EncHandler>> {
        self.custom_enc_handlers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(enc_type)
            .cloned()
    }
}

fn enc_type(node: &Node) -> Option<String> {
    (node.tag == "enc")
        .then(|| node.get_attr("type").map(|t| t.as_str().into_owned()))
        .flatten()
}

/// Runs the custom handlers on the message's `<enc>` parts they are registered for.
pub(crate) async fn run_custom(client: &Arc<Client>, node: &Node, info: &MessageInfo) -> CustomEnc {
    let none_registered = client
        .custom_enc_handlers
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_empty();
    if none_registered {
        return CustomEnc::None;
    }
    let Some(children) = node.children() else {
        return CustomEnc::None;
    };
    let mut handled = vec![false; children.len()];
    let mut any = false;
    for (child, done) in children.iter().zip(handled.iter_mut()) {
        let Some(ty) = enc_type(child) else { continue };
        let Some(handler) = client.enc_handler(&ty) else {
            continue;
        };
        *done = true;
        any = true;
        if let Err(e) = handler.handle(Arc::clone(client), child, info).await {
            log::warn!(target: "Client/Recv", "custom <enc type={ty}> handler failed for {}: {e}", info.id);
        }
    }
    if !any {
        return CustomEnc::None;
    }
    let rest: Vec<Node> = children
        .iter()
        .zip(&handled)
        .filter(|(_, done)| !**done)
        .map(|(c, _)| c.clone())
        .collect();
    if !rest.iter().any(|c| c.tag == "enc") {
        return CustomEnc::AllHandled;
    }
    CustomEnc::Rest(Node {
        tag: node.tag.clone(),
        attrs: node.attrs.clone(),
        content: Some(NodeContent::Nodes(rest)),
    })
}
