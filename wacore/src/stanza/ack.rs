//! `<ack>` stanzas: the client acknowledges every `message`, `receipt`,
//! `notification` and `call` it receives, following WhatsApp Web and whatsmeow:
//!
//! - `class` = the incoming tag, `id` copied, `to` = the incoming `from`,
//!   `participant` copied when present;
//! - `from` = our own phone-number device JID, only for message acks;
//! - `type`: never for messages; echoed otherwise when present, except for
//!   `<notification type="encrypt">` carrying an `<identity>` child (identity
//!   change), where WhatsApp Web drops it. A delivery receipt has no `type` and its
//!   ack must have none (a made-up `type="delivery"` gets the socket closed).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

/// Tags the client acknowledges.
pub const ACKED_TAGS: [&str; 4] = ["message", "receipt", "notification", "call"];

/// Whether `node` is an identity-change notification (`type="encrypt"` with an
/// `<identity>` child).
pub fn is_encrypt_identity_notification(node: &Node) -> bool {
    node.tag == "notification"
        && node
            .get_attr("type")
            .is_some_and(|t| t.as_str() == "encrypt")
        && node.get_optional_child("identity").is_some()
}

/// Builds the ack for `node`, or `None` when it lacks the `id` or `from` an ack needs.
/// `own_pn` is our device JID (used as `from` on message acks).
pub fn build_ack_node(node: &Node, own_pn: Option<&Jid>) -> Option<Node> {
    let id = node.get_attr("id")?;
    let from = node.get_attr("from")?;
    let mut b = NodeBuilder::new("ack")
        .attr("class", node.tag.as_str())
        .attr("id", id.clone())
        .attr("to", from.clone());
    if let Some(participant) = node.get_attr("participant") {
        b = b.attr("participant", participant.clone());
    }
    if node.tag == "message" {
        if let Some(own) = own_pn {
            b = b.jid_attr("from", own.clone());
        }
    } else if let Some(ty) = node.get_attr("type") {
        let drop_type = is_encrypt_identity_notification(node) || ty.as_str().is_empty();
        if !drop_type {
            b = b.attr("type", ty.clone());
        }
    }
    Some(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(n: &Node, k: &str) -> Option<String> {
        n.get_attr(k).map(|v| v.as_str().into_owned())
    }

    fn stanza(tag: &str, attrs: &[(&str, &str)], children: Vec<Node>) -> Node {
        let mut b = NodeBuilder::new(tag);
        for (k, v) in attrs {
            b = b.attr(*k, *v);
        }
        if !children.is_empty() {
            b = b.children(children);
        }
        b.build()
    }

    #[test]
    fn message_ack_has_from_and_never_type() {
        let own = Jid::pn_device("15550001111", 3);
        let msg = stanza(
            "message",
            &[
                ("id", "M1"),
                ("from", "120363@g.us"),
                ("participant", "1555@s.whatsapp.net"),
                ("type", "text"),
            ],
            vec![],
        );
        let ack = build_ack_node(&msg, Some(&own)).unwrap();
        assert_eq!(ack.tag, "ack");
        assert_eq!(attr(&ack, "class").as_deref(), Some("message"));
        assert_eq!(attr(&ack, "id").as_deref(), Some("M1"));
        assert_eq!(attr(&ack, "to").as_deref(), Some("120363@g.us"));
        assert_eq!(
            attr(&ack, "participant").as_deref(),
            Some("1555@s.whatsapp.net")
        );
        assert_eq!(attr(&ack, "from"), Some(own.to_string()));
        assert_eq!(attr(&ack, "type"), None);
    }

    #[test]
    fn receipt_type_echoed_only_when_present() {
        let read = stanza(
            "receipt",
            &[
                ("id", "R1"),
                ("from", "1555@s.whatsapp.net"),
                ("type", "read"),
            ],
            vec![],
        );
        let ack = build_ack_node(&read, Some(&Jid::pn("1"))).unwrap();
        assert_eq!(attr(&ack, "type").as_deref(), Some("read"));
        assert_eq!(attr(&ack, "from"), None, "from only on message acks");
        let delivery = stanza(
            "receipt",
            &[("id", "R2"), ("from", "1555@s.whatsapp.net")],
            vec![],
        );
        let ack = build_ack_node(&delivery, None).unwrap();
        assert_eq!(attr(&ack, "type"), None);
        assert_eq!(attr(&ack, "class").as_deref(), Some("receipt"));
    }

    #[test]
    fn notification_type_echoed_except_identity_change() {
        let n = stanza(
            "notification",
            &[
                ("id", "N1"),
                ("from", "s.whatsapp.net"),
                ("type", "devices"),
            ],
            vec![],
        );
        assert_eq!(
            attr(&build_ack_node(&n, None).unwrap(), "type").as_deref(),
            Some("devices")
        );
        let enc_count = stanza(
            "notification",
            &[
                ("id", "N2"),
                ("from", "s.whatsapp.net"),
                ("type", "encrypt"),
            ],
            vec![NodeBuilder::new("count").attr("value", "3").build()],
        );
        assert_eq!(
            attr(&build_ack_node(&enc_count, None).unwrap(), "type").as_deref(),
            Some("encrypt")
        );
        let identity = stanza(
            "notification",
            &[
                ("id", "N3"),
                ("from", "1555@s.whatsapp.net"),
                ("type", "encrypt"),
            ],
            vec![NodeBuilder::new("identity").build()],
        );
        assert!(is_encrypt_identity_notification(&identity));
        assert_eq!(
            attr(&build_ack_node(&identity, None).unwrap(), "type"),
            None
        );
    }

    #[test]
    fn missing_id_or_from_gives_no_ack() {
        assert!(
            build_ack_node(
                &stanza("message", &[("from", "x@s.whatsapp.net")], vec![]),
                None
            )
            .is_none()
        );
        assert!(build_ack_node(&stanza("message", &[("id", "1")], vec![]), None).is_none());
    }

    #[test]
    fn call_ack_echoes_type() {
        let call = stanza(
            "call",
            &[
                ("id", "C1"),
                ("from", "1@s.whatsapp.net"),
                ("type", "offer"),
            ],
            vec![],
        );
        let ack = build_ack_node(&call, None).unwrap();
        assert_eq!(attr(&ack, "class").as_deref(), Some("call"));
        assert_eq!(attr(&ack, "type").as_deref(), Some("offer"));
    }
}
