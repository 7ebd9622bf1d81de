//! The outgoing `<message>` stanza.
//!
//! ```text
//! <message id to type [edit] [addressing_mode] [phash]>
//!   <participants><to jid><enc v="2" type="pkmsg|msg"/></to>…</participants>
//!   [<enc v="2" type="skmsg"/>]          (groups)
//!   [<device-identity/>]                 (when any enc is a pkmsg)
//!   [extra nodes]
//! </message>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use sha2::{Digest, Sha256};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

/// Everything that goes into an outgoing `<message>`.
#[derive(Debug, Clone, Default)]
pub struct OutgoingStanza {
    /// Message id.
    pub id: String,
    /// The chat (user or group).
    pub to: Jid,
    /// `type` (`text`, `media`, `reaction`, `poll`).
    pub msg_type: &'static str,
    /// `edit`, if any.
    pub edit: Option<&'static str>,
    /// `addressing_mode` (groups).
    pub addressing_mode: Option<String>,
    /// `phash`: hash of the device list the message was encrypted for.
    pub phash: Option<String>,
    /// `<to>` nodes (empty: no `<participants>`).
    pub participants: Vec<Node>,
    /// The group `<enc type="skmsg">`.
    pub skmsg: Option<Node>,
    /// Our serialized `ADVSignedDeviceIdentity`, when any `<enc>` is a `pkmsg`.
    pub device_identity: Option<Vec<u8>>,
    /// Application-supplied extra children.
    pub extra_nodes: Vec<Node>,
    /// Application-supplied extra attributes.
    pub extra_attrs: Vec<(String, String)>,
}

impl OutgoingStanza {
    /// The `<message>` node.
    pub fn build(self) -> Node {
        let mut b = NodeBuilder::new("message")
            .attr("id", self.id)
            .jid_attr("to", self.to)
            .attr("type", self.msg_type);
        if let Some(edit) = self.edit {
            b = b.attr("edit", edit);
        }
        if let Some(mode) = self.addressing_mode {
            b = b.attr("addressing_mode", mode);
        }
        if let Some(phash) = self.phash {
            b = b.attr("phash", phash);
        }
        for (k, v) in self.extra_attrs {
            b = b.attr(k, v);
        }
        let mut children = Vec::with_capacity(3 + self.extra_nodes.len());
        if !self.participants.is_empty() {
            children.push(
                NodeBuilder::new("participants")
                    .children(self.participants)
                    .build(),
            );
        }
        if let Some(sk) = self.skmsg {
            children.push(sk);
        }
        if let Some(identity) = self.device_identity {
            children.push(NodeBuilder::new("device-identity").bytes(identity).build());
        }
        children.extend(self.extra_nodes);
        b.children(children).build()
    }
}

/// The participant-list hash (`phash`) of the devices a message was encrypted for, as
/// whatsmeow computes it: `2:` + base64 (no padding) of the first 6 bytes of SHA-256 over the
/// sorted `user.agent:device@server` strings.
pub fn participant_list_hash(devices: &[Jid]) -> String {
    let mut strings: Vec<String> = devices
        .iter()
        .map(|d| format!("{}.{}:{}@{}", d.user, d.agent, d.device, d.server))
        .collect();
    strings.sort_unstable();
    let mut h = Sha256::new();
    for s in &strings {
        h.update(s.as_bytes());
    }
    let digest = h.finalize();
    format!(
        "2:{}",
        STANDARD_NO_PAD.encode(digest.get(..6).unwrap_or_default())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_dm_and_group_stanzas() {
        let to = NodeBuilder::new("to")
            .jid_attr("jid", Jid::pn_device("111", 2))
            .children([NodeBuilder::new("enc")
                .attr("type", "pkmsg")
                .bytes(vec![1])
                .build()])
            .build();
        let node = OutgoingStanza {
            id: "3EB0X".into(),
            to: Jid::pn("111"),
            msg_type: "text",
            edit: Some("7"),
            participants: vec![to],
            device_identity: Some(vec![9, 9]),
            extra_nodes: vec![NodeBuilder::new("custom").attr("k", "v").build()],
            ..Default::default()
        }
        .build();
        assert_eq!(node.get_attr("edit").unwrap().as_str(), "7");
        let tags: Vec<_> = node
            .children()
            .unwrap()
            .iter()
            .map(|n| n.tag.as_str())
            .collect();
        assert_eq!(tags, ["participants", "device-identity", "custom"]);

        let group = OutgoingStanza {
            id: "3EB0Y".into(),
            to: Jid::group("120363"),
            msg_type: "text",
            addressing_mode: Some("lid".into()),
            skmsg: Some(NodeBuilder::new("enc").attr("type", "skmsg").build()),
            ..Default::default()
        }
        .build();
        let tags: Vec<_> = group
            .children()
            .unwrap()
            .iter()
            .map(|n| n.tag.as_str())
            .collect();
        assert_eq!(tags, ["enc"], "no empty <participants>");
        assert_eq!(group.get_attr("addressing_mode").unwrap().as_str(), "lid");
    }

    #[test]
    fn phash_is_order_independent() {
        let a = [Jid::pn_device("1", 1), Jid::pn("2")];
        let b = [Jid::pn("2"), Jid::pn_device("1", 1)];
        let h = participant_list_hash(&a);
        assert_eq!(h, participant_list_hash(&b));
        assert!(h.starts_with("2:") && h.len() == 10, "{h}");
        assert_ne!(h, participant_list_hash(&[Jid::pn("2")]));
    }
}
