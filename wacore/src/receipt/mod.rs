//! Receipts: the delivery receipt we send for each message, read/played receipts
//! ([`build_read_receipt`]), and reading incoming `<receipt>`s into
//! [`Receipt`](crate::types::events::Receipt) events ([`parse_receipt`]).
//!
//! Wire shapes: `<receipt id to [participant] [recipient] [type]>`; a delivery receipt has no
//! `type`; several ids ride in `<list><item id/>…</list>`; a grouped group receipt names no
//! `participant` and lists `<participants key=id><user jid t/>…</participants>` instead.

use chrono::{DateTime, Utc};
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;

use crate::message::{MessageError, OwnIds, parse_message_source};
use crate::types::events::{Receipt, ReceiptType};
use crate::types::message::MessageInfo;

/// The wire `type` of a receipt kind (`None` for delivery).
pub fn receipt_type_attr(kind: &ReceiptType) -> Option<&str> {
    Some(match kind {
        ReceiptType::Delivered => return None,
        ReceiptType::Sender => "sender",
        ReceiptType::Retry => "retry",
        ReceiptType::EncRekeyRetry => "enc_rekey_retry",
        ReceiptType::Read => "read",
        ReceiptType::ReadSelf => "read-self",
        ReceiptType::Played => "played",
        ReceiptType::PlayedSelf => "played-self",
        ReceiptType::ServerError => "server-error",
        ReceiptType::Inactive => "inactive",
        ReceiptType::PeerMsg => "peer_msg",
        ReceiptType::HistorySync => "hist_sync",
        ReceiptType::Other(s) => s.as_str(),
    })
}

/// The receipt for a message we received and processed: addressed back to its `from`, with its
/// `participant`/`recipient`; no `type` (delivered) for others' messages, `sender` for copies
/// of our own messages, `peer_msg` for peer (own-device protocol) messages.
pub fn build_message_receipt(node: &Node, info: &MessageInfo) -> Option<Node> {
    let from = node.get_attr("from")?;
    let mut b = NodeBuilder::new("receipt")
        .attr("id", info.id.as_str())
        .attr("to", from.clone());
    if let Some(p) = node.get_attr("participant") {
        b = b.attr("participant", p.clone());
    }
    if let Some(r) = node.get_attr("recipient") {
        b = b.attr("recipient", r.clone());
    }
    if info.category == "peer" {
        b = b.attr("type", "peer_msg");
    } else if info.source.is_from_me {
        b = b.attr("type", "sender");
    }
    Some(b.build())
}

/// Whether a delivery receipt is due for a received message (not for status broadcasts).
pub fn wants_delivery_receipt(info: &MessageInfo) -> bool {
    !info.id.is_empty() && !info.source.chat.is_status_broadcast()
}

/// A `read` (or `played`, `read-self` ...) receipt for `ids` in `chat`, sent by `sender`
/// (required in groups, ignored in DMs). `None` when `ids` is empty.
pub fn build_read_receipt(
    chat: &Jid,
    sender: Option<&Jid>,
    ids: &[String],
    timestamp: i64,
    kind: &ReceiptType,
) -> Option<Node> {
    let (first, rest) = ids.split_first()?;
    let mut b = NodeBuilder::new("receipt")
        .attr("id", first.as_str())
        .jid_attr("to", chat.clone())
        .attr("t", timestamp.to_string());
    if let Some(ty) = receipt_type_attr(kind) {
        b = b.attr("type", ty);
    }
    if let Some(sender) = sender
        && !chat.is_pn()
        && !chat.is_lid()
    {
        b = b.jid_attr("participant", sender.to_non_ad());
    }
    if !rest.is_empty() {
        let items = rest
            .iter()
            .map(|id| NodeBuilder::new("item").attr("id", id.as_str()).build());
        b = b.children([NodeBuilder::new("list").children(items).build()]);
    }
    Some(b.build())
}

fn timestamp_of(secs: Option<i64>) -> DateTime<Utc> {
    secs.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .unwrap_or_else(Utc::now)
}

/// Reads an incoming `<receipt>` into one event per (sender, message ids) it covers: one for a
/// plain receipt, one per `<user>` of a grouped group receipt.
pub fn parse_receipt(node: &Node, own: &OwnIds) -> Result<Vec<Receipt>, MessageError> {
    let source = parse_message_source(node, own, false)?;
    let mut a = node.attrs();
    let kind = ReceiptType::from_attr(a.optional_string("type").as_deref());
    let t = a.optional_i64("t");
    if source.is_group && source.sender.user.is_empty() {
        let mut out = Vec::new();
        for parts in node.get_children_by_tag("participants") {
            let Some(key) = parts.get_attr("key").map(|k| k.as_str().into_owned()) else {
                continue;
            };
            for user in parts.get_children_by_tag("user") {
                let mut ua = user.attrs();
                let Some(jid) = ua.optional_jid("jid") else {
                    continue;
                };
                let mut s = source.clone();
                s.sender = jid.clone();
                out.push(Receipt {
                    source: s,
                    message_ids: vec![key.clone()],
                    timestamp: timestamp_of(ua.optional_i64("t").or(t)),
                    r#type: kind.clone(),
                    message_sender: jid,
                });
            }
        }
        if out.is_empty() {
            return Err(MessageError::Stanza("group receipt without participant"));
        }
        return Ok(out);
    }
    let id = a.required_string("id")?.into_owned();
    a.finish()?;
    let mut ids = vec![id];
    if let Some(list) = node.get_optional_child("list") {
        ids.extend(
            list.get_children_by_tag("item")
                .filter_map(|i| i.get_attr("id").map(|v| v.as_str().into_owned())),
        );
    }
    let sender = source.sender.clone();
    Ok(vec![Receipt {
        source,
        message_ids: ids,
        timestamp: timestamp_of(t),
        r#type: kind,
        message_sender: sender,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> OwnIds {
        OwnIds {
            pn: Some(Jid::pn_device("111", 5)),
            lid: Some(Jid::lid_device("900", 5)),
        }
    }

    #[test]
    fn read_receipts_batch_ids() {
        let ids: Vec<String> = vec!["A".into(), "B".into(), "C".into()];
        let dm = build_read_receipt(
            &Jid::pn("222"),
            Some(&Jid::pn("222")),
            &ids,
            7,
            &ReceiptType::Read,
        )
        .unwrap();
        assert_eq!(dm.get_attr("type").unwrap().as_str(), "read");
        assert!(
            dm.get_attr("participant").is_none(),
            "no participant in DMs"
        );
        let items: Vec<_> = dm
            .get_optional_child("list")
            .unwrap()
            .children()
            .unwrap()
            .iter()
            .map(|i| i.get_attr("id").unwrap().as_str().into_owned())
            .collect();
        assert_eq!(items, ["B", "C"]);
        let g = build_read_receipt(
            &Jid::group("1203"),
            Some(&Jid::lid_device("77", 2)),
            &ids[..1],
            7,
            &ReceiptType::Played,
        )
        .unwrap();
        assert_eq!(g.get_attr("participant").unwrap().as_str(), "77@lid");
        assert!(g.get_optional_child("list").is_none());
        assert!(build_read_receipt(&Jid::pn("1"), None, &[], 0, &ReceiptType::Read).is_none());
    }

    #[test]
    fn parses_plain_listed_and_grouped_receipts() {
        let n = NodeBuilder::new("receipt")
            .attr("from", "222:3@s.whatsapp.net")
            .attr("id", "A")
            .attr("type", "read")
            .attr("t", "1700000000")
            .children([NodeBuilder::new("list")
                .children([NodeBuilder::new("item").attr("id", "B").build()])
                .build()])
            .build();
        let r = parse_receipt(&n, &own()).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].r#type, ReceiptType::Read);
        assert_eq!(r[0].message_ids, ["A", "B"]);
        assert_eq!(r[0].source.sender, Jid::pn_device("222", 3));
        assert_eq!(r[0].timestamp.timestamp(), 1_700_000_000);

        let delivered = NodeBuilder::new("receipt")
            .attr("from", "1203@g.us")
            .attr("participant", "77:1@lid")
            .attr("id", "G")
            .build();
        let r = parse_receipt(&delivered, &own()).unwrap();
        assert_eq!(r[0].r#type, ReceiptType::Delivered);
        assert!(r[0].source.is_group);

        let grouped = NodeBuilder::new("receipt")
            .attr("from", "1203@g.us")
            .attr("id", "X")
            .attr("type", "read")
            .children([NodeBuilder::new("participants")
                .attr("key", "M1")
                .children([
                    NodeBuilder::new("user")
                        .attr("jid", "1@lid")
                        .attr("t", "5")
                        .build(),
                    NodeBuilder::new("user")
                        .attr("jid", "2@lid")
                        .attr("t", "6")
                        .build(),
                ])
                .build()])
            .build();
        let r = parse_receipt(&grouped, &own()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].source.sender, Jid::lid("2"));
        assert_eq!(r[1].message_ids, ["M1"]);
        let bad = NodeBuilder::new("receipt")
            .attr("from", "1203@g.us")
            .build();
        assert!(parse_receipt(&bad, &own()).is_err());
    }

    #[test]
    fn message_receipts() {
        let node = NodeBuilder::new("message")
            .attr("from", "1203@g.us")
            .attr("participant", "77:1@lid")
            .attr("id", "M")
            .build();
        let info = crate::message::parse_message_info(&node, &own()).unwrap();
        let r = build_message_receipt(&node, &info).unwrap();
        assert_eq!(r.get_attr("to").unwrap().as_str(), "1203@g.us");
        assert_eq!(r.get_attr("participant").unwrap().as_str(), "77:1@lid");
        assert!(r.get_attr("type").is_none(), "delivery has no type");
        assert!(wants_delivery_receipt(&info));
    }
}
