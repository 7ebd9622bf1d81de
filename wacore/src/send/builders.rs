//! Builders for messages that refer to another message: revoke (delete for everyone), edit,
//! reaction, and the device-sent copy our other devices get.

use wa::message::protocol_message::Type as ProtocolType;
use wacore_binary::jid::{Jid, JidExt};
use waproto::whatsapp as wa;

use super::error::{Result, SendError};

/// How long after sending a message can still be edited (WhatsApp's window).
pub const EDIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// Who is revoking (deleting for everyone) a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RevokeType {
    /// The sender deletes their own message (DMs and groups).
    #[default]
    Sender,
    /// A group admin deletes another participant's message. `original_sender` must use the
    /// same addressing (LID or phone number) as the message being deleted.
    Admin {
        /// Who sent the message being deleted.
        original_sender: Jid,
    },
}

/// The key of a message in `chat`: ours (`from_me`), or `sender`'s (their JID is the
/// `participant` in groups).
pub fn message_key(chat: &Jid, id: &str, from_me: bool, sender: Option<&Jid>) -> wa::MessageKey {
    let participant = match sender {
        Some(s) if !from_me && (chat.is_group() || chat.is_status_broadcast()) => {
            Some(s.to_non_ad().to_string())
        }
        _ => None,
    };
    wa::MessageKey {
        remote_jid: Some(chat.to_string()),
        from_me: Some(from_me),
        id: Some(id.to_string()),
        participant,
    }
}

/// A revoke (`ProtocolMessage` of type `REVOKE`) of message `id` in `chat`.
pub fn build_revoke(chat: &Jid, id: &str, revoke: &RevokeType) -> Result<wa::Message> {
    let key = match revoke {
        RevokeType::Sender => message_key(chat, id, true, None),
        RevokeType::Admin { original_sender } => {
            if !chat.is_group() {
                return Err(SendError::Invalid("admin revoke is only valid in groups"));
            }
            message_key(chat, id, false, Some(original_sender))
        }
    };
    Ok(wa::Message {
        protocol_message: Some(Box::new(wa::message::ProtocolMessage {
            key: Some(key),
            r#type: Some(ProtocolType::Revoke as i32),
            ..Default::default()
        })),
        ..Default::default()
    })
}

/// An edit of our message `id` in `chat` to `new_content` (an `EditedMessage` wrapping a
/// `MESSAGE_EDIT` protocol message), stamped `timestamp_ms`.
pub fn build_edit(
    chat: &Jid,
    id: &str,
    new_content: wa::Message,
    timestamp_ms: i64,
) -> wa::Message {
    wa::Message {
        edited_message: Some(Box::new(wa::message::FutureProofMessage {
            message: Some(Box::new(wa::Message {
                protocol_message: Some(Box::new(wa::message::ProtocolMessage {
                    key: Some(message_key(chat, id, true, None)),
                    r#type: Some(ProtocolType::MessageEdit as i32),
                    edited_message: Some(Box::new(new_content)),
                    timestamp_ms: Some(timestamp_ms),
                    ..Default::default()
                })),
                ..Default::default()
            })),
        })),
        ..Default::default()
    }
}

/// A reaction (`emoji`, or `""` to remove ours) to message `id` in `chat`, sent by `sender`
/// (`None` or `from_me` for our own message).
pub fn build_reaction(
    chat: &Jid,
    id: &str,
    from_me: bool,
    sender: Option<&Jid>,
    emoji: &str,
    timestamp_ms: i64,
) -> wa::Message {
    wa::Message {
        reaction_message: Some(wa::message::ReactionMessage {
            key: Some(message_key(chat, id, from_me, sender)),
            text: Some(emoji.to_string()),
            sender_timestamp_ms: Some(timestamp_ms),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The copy of a 1:1 message our own other devices get: a `DeviceSentMessage` naming the real
/// destination, with the message context info kept at the top level.
pub fn device_sent_message(destination: &Jid, message: &wa::Message) -> wa::Message {
    wa::Message {
        device_sent_message: Some(Box::new(wa::message::DeviceSentMessage {
            destination_jid: Some(destination.to_string()),
            message: Some(Box::new(message.clone())),
            phash: None,
        })),
        message_context_info: message.message_context_info.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoke_keys() {
        let group = Jid::group("1203");
        let m = build_revoke(&group, "ID1", &RevokeType::Sender).unwrap();
        let pm = m.protocol_message.unwrap();
        let key = pm.key.unwrap();
        assert_eq!(pm.r#type, Some(0));
        assert_eq!(key.from_me, Some(true));
        assert_eq!(key.participant, None);
        let admin = RevokeType::Admin {
            original_sender: Jid::lid_device("77", 3),
        };
        let key = build_revoke(&group, "ID2", &admin)
            .unwrap()
            .protocol_message
            .unwrap()
            .key
            .unwrap();
        assert_eq!(key.from_me, Some(false));
        assert_eq!(key.participant.as_deref(), Some("77@lid"));
        assert!(build_revoke(&Jid::pn("1"), "X", &admin).is_err());
    }

    #[test]
    fn edit_and_reaction_shapes() {
        let chat = Jid::pn("111");
        let e = build_edit(
            &chat,
            "ID",
            wa::Message {
                conversation: Some("new".into()),
                ..Default::default()
            },
            5,
        );
        let pm = e
            .edited_message
            .unwrap()
            .message
            .unwrap()
            .protocol_message
            .unwrap();
        assert_eq!(pm.r#type, Some(ProtocolType::MessageEdit as i32));
        assert_eq!(
            pm.edited_message.unwrap().conversation.as_deref(),
            Some("new")
        );
        assert_eq!(pm.timestamp_ms, Some(5));
        let r = build_reaction(&chat, "ID", false, Some(&Jid::pn("111")), "👍", 9);
        let rm = r.reaction_message.unwrap();
        assert_eq!(rm.text.as_deref(), Some("👍"));
        assert_eq!(rm.key.unwrap().participant, None, "no participant in DMs");
    }

    #[test]
    fn dsm_wraps() {
        let msg = wa::Message {
            conversation: Some("x".into()),
            message_context_info: Some(wa::MessageContextInfo::default()),
            ..Default::default()
        };
        let d = device_sent_message(&Jid::pn("222"), &msg);
        let inner = d.device_sent_message.unwrap();
        assert_eq!(inner.destination_jid.as_deref(), Some("222@s.whatsapp.net"));
        assert_eq!(inner.message.unwrap().conversation.as_deref(), Some("x"));
        assert!(d.message_context_info.is_some());
    }
}
