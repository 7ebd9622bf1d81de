//! Unwrapping the `DeviceSentMessage` our other devices send us (a copy of what they sent to
//! someone), merging its `messageContextInfo` with the envelope's as WhatsApp Web does:
//! `message_secret` and `bot_metadata` from the inner message else the outer, `thread_id` from
//! the inner message if non-empty else the outer, `limit_sharing_v2` always from the outer.

use waproto::whatsapp as wa;

use crate::types::message::DeviceSentMeta;

/// Unwraps a device-sent copy; other messages are returned unchanged with `None`.
pub fn unwrap_device_sent(mut msg: wa::Message) -> (wa::Message, Option<DeviceSentMeta>) {
    let Some(dsm) = msg.device_sent_message.take() else {
        return (msg, None);
    };
    let dsm = *dsm;
    let meta = DeviceSentMeta {
        destination_jid: dsm.destination_jid.unwrap_or_default(),
        phash: dsm.phash.unwrap_or_default(),
    };
    let Some(inner) = dsm.message else {
        return (msg, Some(meta));
    };
    let mut inner = *inner;
    let outer_ctx = msg.message_context_info.take();
    inner.message_context_info = merge_context(outer_ctx, inner.message_context_info.take());
    (inner, Some(meta))
}

fn merge_context(
    outer: Option<wa::MessageContextInfo>,
    inner: Option<wa::MessageContextInfo>,
) -> Option<wa::MessageContextInfo> {
    match (outer, inner) {
        (None, inner) => inner,
        (Some(outer), None) => Some(outer),
        (Some(outer), Some(mut inner)) => {
            if inner.message_secret.is_none() {
                inner.message_secret = outer.message_secret;
            }
            inner.limit_sharing_v2 = outer.limit_sharing_v2;
            if inner.thread_id.is_empty() {
                inner.thread_id = outer.thread_id;
            }
            if inner.bot_metadata.is_none() {
                inner.bot_metadata = outer.bot_metadata;
            }
            Some(inner)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_and_merges_context() {
        let inner = wa::Message {
            conversation: Some("hi".into()),
            message_context_info: Some(wa::MessageContextInfo {
                message_secret: None,
                ..Default::default()
            }),
            ..Default::default()
        };
        let outer = wa::Message {
            device_sent_message: Some(Box::new(wa::message::DeviceSentMessage {
                destination_jid: Some("222@s.whatsapp.net".into()),
                message: Some(Box::new(inner)),
                phash: Some("2:abc".into()),
            })),
            message_context_info: Some(wa::MessageContextInfo {
                message_secret: Some(vec![7; 32]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let (m, meta) = unwrap_device_sent(outer);
        assert_eq!(m.conversation.as_deref(), Some("hi"));
        assert_eq!(
            m.message_context_info.unwrap().message_secret,
            Some(vec![7; 32]),
            "outer secret used when inner has none"
        );
        let meta = meta.unwrap();
        assert_eq!(meta.destination_jid, "222@s.whatsapp.net");
        assert_eq!(meta.phash, "2:abc");

        let plain = wa::Message {
            conversation: Some("x".into()),
            ..Default::default()
        };
        let (m, meta) = unwrap_device_sent(plain.clone());
        assert_eq!(m, plain);
        assert!(meta.is_none());
    }
}
