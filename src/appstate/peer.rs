//! Peer messages: protocol messages a companion sends to its own primary phone
//! (`category="peer"`), such as app-state key requests. Wire (whatsmeow `send.go`
//! `preparePeerMessageNode`): `<message id type="text" category="peer" to="our-user"
//! [push_priority="high"]><meta appdata="default"/><enc .../>[<device-identity/>]</message>`,
//! encrypted for device 0 only.

use prost::Message as _;
use rand::RngExt as _;
use wacore::send::{DeviceTarget, EncAttrs, OutgoingStanza, generate_message_id};
use wacore_binary::builder::NodeBuilder;
use waproto::whatsapp as wa;

use crate::client::Client;
use crate::send::{SendError, SendResult};

impl Client {
    /// Sends a protocol message to our own primary device; returns its id.
    pub(crate) async fn send_peer_message(&self, message: wa::Message) -> SendResult<String> {
        let keys = self.own_keys().await;
        let own = keys.ids.pn.clone().ok_or(SendError::NotLoggedIn)?;
        let primary = own.to_non_ad();
        let target = DeviceTarget {
            wire: primary.clone(),
            session: self.session_jid(&primary).await,
            own: false,
        };
        let nodes = self
            .encrypt_pairwise(
                &keys,
                std::slice::from_ref(&target),
                &message.encode_to_vec(),
                None,
                &EncAttrs::default(),
            )
            .await?;
        let enc = nodes
            .nodes
            .first()
            .and_then(|to| to.get_optional_child("enc"))
            .cloned()
            .ok_or_else(|| SendError::NoDevices(primary.clone()))?;
        let id = generate_message_id(
            Some(&own.user),
            u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0),
            &rand::rng().random(),
        );
        let mut extra_nodes = vec![
            NodeBuilder::new("meta").attr("appdata", "default").build(),
            enc,
        ];
        if nodes.includes_prekey
            && let Some(identity) = crate::send::device_identity(&keys)
        {
            extra_nodes.push(NodeBuilder::new("device-identity").bytes(identity).build());
        }
        let is_key_request = message.protocol_message.as_ref().is_some_and(|p| {
            p.r#type == Some(wa::message::protocol_message::Type::AppStateSyncKeyRequest as i32)
        });
        let mut extra_attrs = vec![("category".to_owned(), "peer".to_owned())];
        if is_key_request {
            extra_attrs.push(("push_priority".to_owned(), "high".to_owned()));
        }
        let stanza = OutgoingStanza {
            id: id.clone(),
            to: primary,
            msg_type: "text",
            extra_nodes,
            extra_attrs,
            ..Default::default()
        }
        .build();
        self.send_and_wait_ack(&id, stanza).await?;
        Ok(id)
    }
}
