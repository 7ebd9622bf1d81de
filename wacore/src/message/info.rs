//! Reading an incoming `<message>`'s envelope into [`MessageInfo`] (as whatsmeow's
//! `parseMessageSource`/`parseMessageInfo`).

use chrono::{DateTime, Utc};
use prost::Message as _;
use wacore_binary::jid::{Jid, JidExt};
use wacore_binary::node::Node;
use waproto::whatsapp as wa;

use super::error::{MessageError, Result};
use crate::types::message::{
    AddressingMode, EditAttribute, MessageInfo, MessageSource, MsgBotInfo, MsgMetaInfo,
    VerifiedName,
};

/// Our own identities, to recognise messages from our other devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnIds {
    /// Our phone-number JID (any device).
    pub pn: Option<Jid>,
    /// Our LID (any device).
    pub lid: Option<Jid>,
}

impl OwnIds {
    /// Whether `jid` is one of our own users (any device, PN or LID).
    pub fn is_me(&self, jid: &Jid) -> bool {
        let same = |o: &Option<Jid>| {
            o.as_ref()
                .is_some_and(|o| o.user == jid.user && !o.user.is_empty())
        };
        (jid.is_pn() || jid.server == "hosted") && same(&self.pn)
            || (jid.is_lid() || jid.server == "hosted.lid") && same(&self.lid)
    }
}

fn un_host(mut jid: Jid) -> Jid {
    if jid.server == "hosted" {
        jid.server = wacore_binary::jid::DEFAULT_USER_SERVER.into();
    } else if jid.server == "hosted.lid" {
        jid.server = wacore_binary::jid::HIDDEN_USER_SERVER.into();
    }
    jid
}

/// Reads where a `<message>` (or `<receipt>`) comes from. `require_participant`: group stanzas
/// must name their sender (messages do; grouped receipts do not).
pub fn parse_message_source(
    node: &Node,
    own: &OwnIds,
    require_participant: bool,
) -> Result<MessageSource> {
    if own.pn.is_none() {
        return Err(MessageError::NotLoggedIn);
    }
    let mut a = node.attrs();
    let from = a.required_jid("from")?;
    let mode = a.optional_string("addressing_mode");
    let addressing_mode = match mode.as_deref() {
        Some("lid") => Some(AddressingMode::Lid),
        Some("pn") => Some(AddressingMode::Pn),
        _ => None,
    };
    let mut source = MessageSource {
        addressing_mode,
        ..Default::default()
    };
    if from.is_group() || from.server == wacore_binary::jid::BROADCAST_SERVER {
        source.is_group = true;
        source.sender = if require_participant {
            a.required_jid("participant")?
        } else {
            a.optional_jid("participant").unwrap_or_default()
        };
        source.sender_alt =
            if addressing_mode == Some(AddressingMode::Lid) || source.sender.is_lid() {
                a.optional_jid("participant_pn")
            } else {
                a.optional_jid("participant_lid")
            };
        source.is_from_me = own.is_me(&source.sender);
        if from.is_broadcast_list() || from.is_status_broadcast() {
            source.broadcast_list_owner = a.optional_jid("recipient");
        }
        source.chat = from;
    } else if from.is_newsletter() {
        source.chat = from.clone();
        source.sender = from;
    } else if own.is_me(&from) {
        let from = un_host(from);
        source.is_from_me = true;
        let recipient = a.optional_jid("recipient");
        source.chat = recipient.clone().unwrap_or_else(|| from.to_non_ad());
        source.recipient = recipient;
        source.recipient_alt = if source.chat.is_lid() {
            a.optional_jid("peer_recipient_pn")
        } else {
            a.optional_jid("peer_recipient_lid")
        };
        source.sender = from;
    } else {
        let from = un_host(from);
        source.chat = from.to_non_ad();
        source.sender_alt = if from.is_lid() {
            a.optional_jid("sender_pn")
        } else {
            a.optional_jid("sender_lid")
        };
        source.sender = from;
    }
    if let Some(alt) = source.sender_alt.as_mut()
        && alt.device == 0
    {
        alt.device = source.sender.device;
    }
    a.finish()?;
    Ok(source)
}

fn parse_verified_name(node: &Node) -> Option<VerifiedName> {
    let bytes = node.content_bytes()?;
    let cert = wa::VerifiedNameCertificate::decode(bytes).ok()?;
    let details = wa::verified_name_certificate::Details::decode(cert.details.as_deref()?).ok()?;
    Some(VerifiedName {
        certificate: bytes.to_vec(),
        name: details.verified_name.unwrap_or_default(),
    })
}

/// Reads a `<message>` envelope: source, id, timestamp, push name, edit attribute, `<meta>`,
/// `<bot>`, `<verified_name>`, media type.
pub fn parse_message_info(node: &Node, own: &OwnIds) -> Result<MessageInfo> {
    let source = parse_message_source(node, own, true)?;
    let mut a = node.attrs();
    let id = a.required_string("id")?.into_owned();
    if id.is_empty() {
        return Err(MessageError::Stanza("empty message id"));
    }
    let t = a.optional_i64("t").unwrap_or(0);
    let mut info = MessageInfo {
        source,
        id,
        server_id: a
            .optional_i64("server_id")
            .and_then(|v| i32::try_from(v).ok())
            .unwrap_or(0),
        r#type: a
            .optional_string("type")
            .map(|s| s.into_owned())
            .unwrap_or_default(),
        push_name: a
            .optional_string("notify")
            .map(|s| s.into_owned())
            .unwrap_or_default(),
        timestamp: DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default(),
        category: a
            .optional_string("category")
            .map(|s| s.into_owned())
            .unwrap_or_default(),
        edit: EditAttribute(
            a.optional_string("edit")
                .map(|s| s.into_owned())
                .unwrap_or_default(),
        ),
        ..Default::default()
    };
    a.finish()?;
    for child in node.children().unwrap_or_default() {
        match child.tag.as_str() {
            "multicast" => info.multicast = true,
            "verified_name" => info.verified_name = parse_verified_name(child),
            "bot" => {
                info.bot_info = Some(MsgBotInfo {
                    edit_type: child.get_attr("edit").map(|v| v.as_str().into_owned()),
                });
            }
            "meta" => {
                let mut m = child.attrs();
                info.meta_info = MsgMetaInfo {
                    target_id: m.optional_string("target_id").map(|s| s.into_owned()),
                    target_sender: m.optional_jid("target_sender_jid"),
                };
            }
            _ => {
                if let Some(mt) = child.get_attr("mediatype") {
                    info.media_type = mt.as_str().into_owned();
                }
            }
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wacore_binary::builder::NodeBuilder;

    fn own() -> OwnIds {
        OwnIds {
            pn: Some(Jid::pn_device("111", 5)),
            lid: Some(Jid::lid_device("900", 5)),
        }
    }

    #[test]
    fn dm_from_peer() {
        let n = NodeBuilder::new("message")
            .attr("from", "222:3@s.whatsapp.net")
            .attr("id", "ID1")
            .attr("t", "1700000000")
            .attr("notify", "Bob")
            .attr("type", "text")
            .attr("sender_lid", "800@lid")
            .attr("edit", "1")
            .children([NodeBuilder::new("enc")
                .attr("type", "msg")
                .attr("mediatype", "image")
                .build()])
            .build();
        let info = parse_message_info(&n, &own()).unwrap();
        assert_eq!(info.source.chat, Jid::pn("222"));
        assert_eq!(info.source.sender, Jid::pn_device("222", 3));
        assert_eq!(info.source.sender_alt, Some(Jid::lid_device("800", 3)));
        assert!(!info.source.is_from_me && !info.source.is_group);
        assert_eq!(info.push_name, "Bob");
        assert_eq!(info.timestamp.timestamp(), 1_700_000_000);
        assert_eq!(info.edit.0, "1");
        assert_eq!(info.media_type, "image");
    }

    #[test]
    fn group_and_own_device() {
        let g = NodeBuilder::new("message")
            .attr("from", "1203@g.us")
            .attr("participant", "900:2@lid")
            .attr("participant_pn", "111@s.whatsapp.net")
            .attr("addressing_mode", "lid")
            .attr("id", "G1")
            .build();
        let info = parse_message_info(&g, &own()).unwrap();
        assert!(info.source.is_group && info.source.is_from_me);
        assert_eq!(info.source.sender_alt, Some(Jid::pn_device("111", 2)));
        assert_eq!(info.source.addressing_mode, Some(AddressingMode::Lid));

        let mine = NodeBuilder::new("message")
            .attr("from", "111:2@s.whatsapp.net")
            .attr("recipient", "222@s.whatsapp.net")
            .attr("id", "M1")
            .build();
        let info = parse_message_info(&mine, &own()).unwrap();
        assert!(info.source.is_from_me);
        assert_eq!(info.source.chat, Jid::pn("222"));
        assert_eq!(info.source.recipient, Some(Jid::pn("222")));
    }

    #[test]
    fn hostile_envelopes_are_errors() {
        let no_from = NodeBuilder::new("message").attr("id", "X").build();
        assert!(parse_message_info(&no_from, &own()).is_err());
        let no_participant = NodeBuilder::new("message")
            .attr("from", "1203@g.us")
            .attr("id", "X")
            .build();
        assert!(parse_message_info(&no_participant, &own()).is_err());
        let no_id = NodeBuilder::new("message")
            .attr("from", "1@s.whatsapp.net")
            .build();
        assert!(parse_message_info(&no_id, &own()).is_err());
        let bad_jid = NodeBuilder::new("message")
            .attr("from", "a@b@c")
            .attr("id", "X")
            .build();
        assert!(parse_message_info(&bad_jid, &own()).is_err());
        assert!(matches!(
            parse_message_info(&no_id, &OwnIds::default()),
            Err(MessageError::NotLoggedIn)
        ));
    }
}
