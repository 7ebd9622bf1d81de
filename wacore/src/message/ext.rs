//! [`MessageExt`]: reading and preparing `wa::Message` content, and quote contexts for replies
//! (also exported as `wacore::proto_helpers`).

use waproto::whatsapp as wa;

/// Helpers on `wa::Message`.
pub trait MessageExt {
    /// The message inside wrappers (device-sent, ephemeral, view-once, document-with-caption,
    /// edited): the content the user sees.
    fn get_base_message(&self) -> &wa::Message;
    /// The text of a `conversation` or `extended_text_message` (inside wrappers), or the new
    /// text of an edit.
    fn text_content(&self) -> Option<&str>;
    /// The caption of an image, video or document.
    fn get_caption(&self) -> Option<&str>;
    /// Whether the message is wrapped as ephemeral (disappearing).
    fn is_ephemeral(&self) -> bool;
    /// Whether the message is view-once.
    fn is_view_once(&self) -> bool;
    /// The context info (reply, mentions) of the base message's content, if any.
    fn get_context_info(&self) -> Option<&wa::ContextInfo>;
    /// Sets the context info on whichever content field is present (text becomes an extended
    /// text message to carry it).
    fn set_context_info(&mut self, context: wa::ContextInfo);
    /// A copy fit to be quoted: the content kept, its own quote and mentions stripped so quote
    /// chains do not nest (bot messages keep theirs).
    fn prepare_for_quote(&self) -> Box<wa::Message>;
}

fn unwrap_once(msg: &wa::Message) -> Option<&wa::Message> {
    if let Some(d) = &msg.device_sent_message {
        return d.message.as_deref();
    }
    msg.ephemeral_message
        .as_deref()
        .or(msg.view_once_message.as_deref())
        .or(msg.view_once_message_v2.as_deref())
        .or(msg.view_once_message_v2_extension.as_deref())
        .or(msg.document_with_caption_message.as_deref())
        .or(msg.edited_message.as_deref())
        .and_then(|f| f.message.as_deref())
}

fn context_slot(msg: &mut wa::Message) -> Option<&mut Option<Box<wa::ContextInfo>>> {
    if let Some(m) = msg.extended_text_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.image_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.video_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.audio_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.document_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.sticker_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.location_message.as_mut() {
        return Some(&mut m.context_info);
    }
    if let Some(m) = msg.contact_message.as_mut() {
        return Some(&mut m.context_info);
    }
    None
}

impl MessageExt for wa::Message {
    fn get_base_message(&self) -> &wa::Message {
        let mut m = self;
        // Wrappers nest at most a few levels; bound the walk against hostile input.
        for _ in 0..8 {
            match unwrap_once(m) {
                Some(inner) => m = inner,
                None => break,
            }
        }
        m
    }

    fn text_content(&self) -> Option<&str> {
        let base = self.get_base_message();
        if let Some(edit) = base
            .protocol_message
            .as_ref()
            .and_then(|p| p.edited_message.as_deref())
        {
            return edit.text_content();
        }
        base.conversation.as_deref().or_else(|| {
            base.extended_text_message
                .as_ref()
                .and_then(|e| e.text.as_deref())
        })
    }

    fn get_caption(&self) -> Option<&str> {
        let base = self.get_base_message();
        base.image_message
            .as_ref()
            .and_then(|m| m.caption.as_deref())
            .or_else(|| {
                base.video_message
                    .as_ref()
                    .and_then(|m| m.caption.as_deref())
            })
            .or_else(|| {
                base.document_message
                    .as_ref()
                    .and_then(|m| m.caption.as_deref())
            })
    }

    fn is_ephemeral(&self) -> bool {
        self.ephemeral_message.is_some()
            || self
                .device_sent_message
                .as_ref()
                .and_then(|d| d.message.as_deref())
                .is_some_and(|m| m.is_ephemeral())
    }

    fn is_view_once(&self) -> bool {
        let mut m = self;
        for _ in 0..8 {
            if m.view_once_message.is_some()
                || m.view_once_message_v2.is_some()
                || m.view_once_message_v2_extension.is_some()
            {
                return true;
            }
            match unwrap_once(m) {
                Some(inner) => m = inner,
                None => break,
            }
        }
        let base = self.get_base_message();
        base.image_message
            .as_ref()
            .is_some_and(|i| i.view_once == Some(true))
            || base
                .video_message
                .as_ref()
                .is_some_and(|v| v.view_once == Some(true))
            || base
                .audio_message
                .as_ref()
                .is_some_and(|a| a.view_once == Some(true))
    }

    fn get_context_info(&self) -> Option<&wa::ContextInfo> {
        let b = self.get_base_message();
        b.extended_text_message
            .as_ref()
            .and_then(|m| m.context_info.as_deref())
            .or_else(|| {
                b.image_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.video_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.audio_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.document_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.sticker_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.location_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
            .or_else(|| {
                b.contact_message
                    .as_ref()
                    .and_then(|m| m.context_info.as_deref())
            })
    }

    fn set_context_info(&mut self, context: wa::ContextInfo) {
        if let Some(text) = self.conversation.take() {
            let ext = self
                .extended_text_message
                .get_or_insert_with(Default::default);
            if ext.text.is_none() {
                ext.text = Some(text);
            }
        }
        match context_slot(self) {
            Some(slot) => *slot = Some(Box::new(context)),
            None => {
                self.extended_text_message
                    .get_or_insert_with(Default::default)
                    .context_info = Some(Box::new(context));
            }
        }
    }

    fn prepare_for_quote(&self) -> Box<wa::Message> {
        let mut m = self.get_base_message().clone();
        let is_bot = m
            .message_context_info
            .as_ref()
            .is_some_and(|c| c.bot_metadata.is_some());
        m.message_context_info = None;
        if !is_bot && let Some(slot) = context_slot(&mut m) {
            if let Some(ctx) = slot.as_mut() {
                ctx.quoted_message = None;
                ctx.stanza_id = None;
                ctx.participant = None;
                ctx.remote_jid = None;
                ctx.mentioned_jid.clear();
            }
            if slot
                .as_deref()
                .is_some_and(|c| *c == wa::ContextInfo::default())
            {
                *slot = None;
            }
        }
        Box::new(m)
    }
}

/// The context info of a reply to message `message_id` sent by `sender` (its JID string):
/// `stanza_id`, `participant` and the quoted content.
pub fn build_quote_context(
    message_id: &str,
    sender: &str,
    quoted: &wa::Message,
) -> wa::ContextInfo {
    wa::ContextInfo {
        stanza_id: Some(message_id.to_string()),
        participant: Some(sender.to_string()),
        quoted_message: Some(quoted.prepare_for_quote()),
        ..Default::default()
    }
}

/// [`build_quote_context`] with the quoted message's chat (`remote_jid`), needed when quoting
/// from another chat (status, newsletters).
pub fn build_quote_context_with_info(
    message_id: &str,
    sender: &str,
    remote_jid: &str,
    quoted: &wa::Message,
) -> wa::ContextInfo {
    wa::ContextInfo {
        remote_jid: Some(remote_jid.to_string()),
        ..build_quote_context(message_id, sender, quoted)
    }
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

    fn wrap(inner: wa::Message) -> Option<Box<wa::message::FutureProofMessage>> {
        Some(Box::new(wa::message::FutureProofMessage {
            message: Some(Box::new(inner)),
        }))
    }

    #[test]
    fn text_through_wrappers() {
        assert_eq!(text("a").text_content(), Some("a"));
        let eph = wa::Message {
            ephemeral_message: wrap(text("b")),
            ..Default::default()
        };
        assert_eq!(eph.text_content(), Some("b"));
        assert!(eph.is_ephemeral() && !eph.is_view_once());
        let vo = wa::Message {
            view_once_message_v2: wrap(wa::Message {
                image_message: Some(Box::new(wa::message::ImageMessage {
                    caption: Some("cap".into()),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(vo.is_view_once());
        assert_eq!(vo.get_caption(), Some("cap"));
        assert_eq!(vo.text_content(), None);
        let ext = wa::Message {
            extended_text_message: Some(Box::new(wa::message::ExtendedTextMessage {
                text: Some("c".into()),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(ext.text_content(), Some("c"));
        // A self-nesting hostile message does not loop forever.
        let mut deep = text("x");
        for _ in 0..50 {
            deep = wa::Message {
                ephemeral_message: wrap(deep),
                ..Default::default()
            };
        }
        let _ = deep.text_content();
    }

    #[test]
    fn quotes_do_not_nest() {
        let inner_quote = build_quote_context("OLD", "1@s.whatsapp.net", &text("older"));
        let mut reply = text("reply");
        reply.set_context_info(inner_quote);
        assert_eq!(reply.text_content(), Some("reply"));
        assert!(reply.get_context_info().unwrap().quoted_message.is_some());
        let ctx = build_quote_context("NEW", "2@s.whatsapp.net", &reply);
        assert_eq!(ctx.stanza_id.as_deref(), Some("NEW"));
        let quoted = ctx.quoted_message.unwrap();
        assert_eq!(quoted.text_content(), Some("reply"));
        assert!(quoted.get_context_info().is_none(), "nested quote stripped");
        let with = build_quote_context_with_info("I", "s", "status@broadcast", &text("t"));
        assert_eq!(with.remote_jid.as_deref(), Some("status@broadcast"));
    }

    #[test]
    fn set_context_on_media() {
        let mut img = wa::Message {
            image_message: Some(Box::default()),
            ..Default::default()
        };
        img.set_context_info(wa::ContextInfo {
            stanza_id: Some("Q".into()),
            ..Default::default()
        });
        assert_eq!(
            img.image_message
                .unwrap()
                .context_info
                .unwrap()
                .stanza_id
                .as_deref(),
            Some("Q")
        );
    }
}
