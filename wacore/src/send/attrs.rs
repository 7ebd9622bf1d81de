//! The `<message>`/`<enc>` attributes that depend on the content: `type`, `mediatype`, `edit`
//! and `decrypt-fail` (as whatsmeow's `getTypeFromMessage`, `getMediaTypeFromMessage` and
//! `getEditAttribute`).

use wa::message::protocol_message::Type as ProtocolType;
use waproto::whatsapp as wa;

/// `edit="1"`: a message edit.
pub const EDIT_MESSAGE_EDIT: &str = "1";
/// `edit="2"`: pin in chat.
pub const EDIT_PIN_IN_CHAT: &str = "2";
/// `edit="3"`: admin edit (newsletters).
pub const EDIT_ADMIN_EDIT: &str = "3";
/// `edit="7"`: the sender deleted (revoked) their message.
pub const EDIT_SENDER_REVOKE: &str = "7";
/// `edit="8"`: a group admin deleted someone's message.
pub const EDIT_ADMIN_REVOKE: &str = "8";

/// The message inside a wrapper (view-once, ephemeral, document-with-caption ...), if any.
fn wrapped(msg: &wa::Message) -> Option<&wa::Message> {
    let fp = msg
        .view_once_message
        .as_deref()
        .or(msg.view_once_message_v2.as_deref())
        .or(msg.view_once_message_v2_extension.as_deref())
        .or(msg.ephemeral_message.as_deref())
        .or(msg.document_with_caption_message.as_deref())?;
    fp.message.as_deref()
}

/// The stanza `type`: `reaction`, `poll`, `media` or `text`.
pub fn message_type(msg: &wa::Message) -> &'static str {
    if let Some(inner) = wrapped(msg) {
        return message_type(inner);
    }
    if msg.reaction_message.is_some() || msg.enc_reaction_message.is_some() {
        "reaction"
    } else if msg.poll_creation_message.is_some() || msg.poll_update_message.is_some() {
        "poll"
    } else if media_type(msg).is_some() {
        "media"
    } else {
        "text"
    }
}

/// The `mediatype` attribute for media messages.
pub fn media_type(msg: &wa::Message) -> Option<&'static str> {
    if let Some(inner) = wrapped(msg) {
        return media_type(inner);
    }
    Some(
        if msg
            .extended_text_message
            .as_ref()
            .is_some_and(|e| e.title.is_some())
        {
            "url"
        } else if msg.image_message.is_some() {
            "image"
        } else if msg.sticker_message.is_some() {
            "sticker"
        } else if msg.document_message.is_some() {
            "document"
        } else if let Some(a) = &msg.audio_message {
            if a.ptt.unwrap_or(false) {
                "ptt"
            } else {
                "audio"
            }
        } else if let Some(v) = &msg.video_message {
            if v.gif_playback.unwrap_or(false) {
                "gif"
            } else {
                "video"
            }
        } else if msg.contact_message.is_some() {
            "vcard"
        } else if msg.contacts_array_message.is_some() {
            "contact_array"
        } else if msg.list_message.is_some() {
            "list"
        } else if msg.list_response_message.is_some() {
            "list_response"
        } else if msg.buttons_response_message.is_some() {
            "buttons_response"
        } else if msg.order_message.is_some() {
            "order"
        } else if msg.product_message.is_some() {
            "product"
        } else if msg.interactive_response_message.is_some() {
            "native_flow_response"
        } else {
            return None;
        },
    )
}

/// The `edit` attribute: message edit, sender/admin revoke, reaction removal, pin.
pub fn edit_attribute(msg: &wa::Message) -> Option<&'static str> {
    if let Some(inner) = msg
        .edited_message
        .as_ref()
        .and_then(|e| e.message.as_deref())
    {
        return edit_attribute(inner);
    }
    if let Some(pm) = &msg.protocol_message
        && let Some(key) = &pm.key
    {
        return match pm.r#type.and_then(|t| ProtocolType::try_from(t).ok()) {
            Some(ProtocolType::Revoke) if key.from_me.unwrap_or(false) => Some(EDIT_SENDER_REVOKE),
            Some(ProtocolType::Revoke) => Some(EDIT_ADMIN_REVOKE),
            Some(ProtocolType::MessageEdit) if pm.edited_message.is_some() => {
                Some(EDIT_MESSAGE_EDIT)
            }
            _ => None,
        };
    }
    if msg
        .reaction_message
        .as_ref()
        .is_some_and(|r| r.text.as_deref().unwrap_or("").is_empty())
    {
        return Some(EDIT_SENDER_REVOKE);
    }
    if msg.pin_in_chat_message.is_some() {
        return Some(EDIT_PIN_IN_CHAT);
    }
    None
}

/// Whether the recipient should hide (rather than show a placeholder for) the message when it
/// cannot decrypt it: edits, revokes, reactions and poll votes (`decrypt-fail="hide"`).
pub fn hide_on_decrypt_fail(msg: &wa::Message) -> bool {
    edit_attribute(msg).is_some()
        || message_type(msg) == "reaction"
        || msg.poll_update_message.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> wa::Message {
        wa::Message {
            conversation: Some(s.into()),
            ..Default::default()
        }
    }

    #[test]
    fn types_and_media_types() {
        assert_eq!(message_type(&text("hi")), "text");
        assert_eq!(media_type(&text("hi")), None);
        let img = wa::Message {
            image_message: Some(Box::default()),
            ..Default::default()
        };
        assert_eq!(
            (message_type(&img), media_type(&img)),
            ("media", Some("image"))
        );
        let ptt = wa::Message {
            audio_message: Some(Box::new(wa::message::AudioMessage {
                ptt: Some(true),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(media_type(&ptt), Some("ptt"));
        let view_once = wa::Message {
            view_once_message: Some(Box::new(wa::message::FutureProofMessage {
                message: Some(Box::new(img.clone())),
            })),
            ..Default::default()
        };
        assert_eq!(media_type(&view_once), Some("image"));
        let reaction = wa::Message {
            reaction_message: Some(wa::message::ReactionMessage {
                text: Some("👍".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(message_type(&reaction), "reaction");
        assert_eq!(edit_attribute(&reaction), None);
        assert!(hide_on_decrypt_fail(&reaction));
        assert!(!hide_on_decrypt_fail(&text("x")));
    }

    #[test]
    fn edit_attributes() {
        let key = |from_me| wa::MessageKey {
            remote_jid: Some("1@s.whatsapp.net".into()),
            from_me: Some(from_me),
            id: Some("X".into()),
            participant: None,
        };
        let revoke = |from_me| wa::Message {
            protocol_message: Some(Box::new(wa::message::ProtocolMessage {
                key: Some(key(from_me)),
                r#type: Some(ProtocolType::Revoke as i32),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(edit_attribute(&revoke(true)), Some("7"));
        assert_eq!(edit_attribute(&revoke(false)), Some("8"));
        let edit = wa::Message {
            edited_message: Some(Box::new(wa::message::FutureProofMessage {
                message: Some(Box::new(wa::Message {
                    protocol_message: Some(Box::new(wa::message::ProtocolMessage {
                        key: Some(key(true)),
                        r#type: Some(ProtocolType::MessageEdit as i32),
                        edited_message: Some(Box::new(text("new"))),
                        ..Default::default()
                    })),
                    ..Default::default()
                })),
            })),
            ..Default::default()
        };
        assert_eq!(edit_attribute(&edit), Some("1"));
        let unreact = wa::Message {
            reaction_message: Some(wa::message::ReactionMessage {
                text: Some(String::new()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(edit_attribute(&unreact), Some("7"));
    }
}
