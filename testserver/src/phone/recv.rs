//! What the phone does with messages routed to it: decrypt every `<enc>` (pairwise `pkmsg`/`msg`,
//! group `skmsg` after the sender-key distribution it carries), record the message, and send the
//! delivery receipt a real phone sends.

use prost::Message as _;
use waproto::whatsapp as wa;

use super::signal::{DeviceKey, unpad};
use super::{PhoneHandle, ReceivedMessage};
use crate::jid::Jid;
use crate::stanza::Stanza;
use crate::state::{World, unix_now};

/// Handles a `<message>` delivered to the phone.
pub(super) fn on_message(phone: &PhoneHandle, m: &Stanza) {
    let mut w = phone.shared().world();
    match decrypt(phone, &w, m) {
        Ok(Some(rec)) => {
            let key_request = rec.1.as_ref().and_then(|msg| {
                msg.protocol_message
                    .as_ref()
                    .and_then(|p| p.app_state_sync_key_request.clone())
            });
            let from_own = rec.2.0 == phone.core().phone;
            receipt(phone, &mut w, m, from_own);
            let sender_dev = rec.2.1;
            let entry = rec.0;
            log::info!(target: "TestServer/Phone", "{} received {} from {} ({:?})", phone.phone(), entry.id, entry.sender, entry.text);
            drop(w);
            super::media_retry::keep_local_copy(phone, &entry.raw);
            phone
                .core()
                .inbox
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(entry);
            phone.core().inbox_changed.notify_waiters();
            if from_own && key_request.is_some() {
                let phone = phone.clone();
                tokio::spawn(async move {
                    if let Err(e) = super::companion::share_keys(&phone, sender_dev) {
                        log::warn!(target: "TestServer/Phone", "answering a key request failed: {e}");
                    }
                });
            }
        }
        Ok(None) => receipt(phone, &mut w, m, false),
        Err(e) => {
            log::warn!(target: "TestServer/Phone", "{}: cannot decrypt {}: {e}", phone.phone(), m.get_or_empty("id"))
        }
    }
}

/// The decrypted message, its protobuf and the sender device; `None` when there was nothing to
/// decrypt (no `<enc>`).
type Decrypted = (ReceivedMessage, Option<wa::Message>, DeviceKey);

fn decrypt(phone: &PhoneHandle, w: &World, m: &Stanza) -> crate::Result<Option<Decrypted>> {
    let bad =
        |what: &str| crate::Error::Crypto(format!("message {}: {what}", m.get_or_empty("id")));
    let from = Jid::parse(m.get_or_empty("from")).ok_or_else(|| bad("bad from"))?;
    let group = from.is_group();
    let sender_jid = if group {
        Jid::parse(m.get_or_empty("participant"))
    } else {
        Some(from.clone())
    }
    .ok_or_else(|| bad("no sender"))?;
    let sender_phone = w
        .resolve_owned(&sender_jid.to_user())
        .ok_or_else(|| bad("unknown sender"))?;
    let sender: DeviceKey = (sender_phone, sender_jid.device);
    let group_key = from.to_user().to_string();
    let core = phone.core();
    let mut sig = core.signal.lock().unwrap_or_else(|e| e.into_inner());
    let mut content: Option<wa::Message> = None;
    let mut any = false;
    for enc in m.all("enc") {
        let ty = enc.get_or_empty("type");
        let body = enc.data().unwrap_or(&[]);
        let padded = match ty {
            "pkmsg" | "msg" => sig.decrypt(&core.keys, &sender, ty, body)?,
            "skmsg" => sig.group_decrypt(&group_key, &sender, body)?,
            _ => continue,
        };
        any = true;
        let plain = unpad(padded).ok_or_else(|| bad("bad padding"))?;
        let msg = wa::Message::decode(plain.as_slice()).map_err(|_| bad("not a Message"))?;
        if let Some(skdm) = msg.sender_key_distribution_message.as_ref()
            && let Some(bytes) = skdm.axolotl_sender_key_distribution_message.as_ref()
        {
            sig.process_skdm(&group_key, &sender, bytes)?;
        }
        let mut rest = msg.clone();
        rest.sender_key_distribution_message = None;
        rest.message_context_info = None;
        if rest != wa::Message::default() {
            content = Some(msg);
        }
    }
    if !any {
        return Ok(None);
    }
    let mut chat = if group {
        from.to_user().to_string()
    } else {
        sender_jid.to_user().to_string()
    };
    if let Some(dsm) = content.as_ref().and_then(|c| c.device_sent_message.clone()) {
        if let Some(dest) = dsm.destination_jid {
            chat = dest;
        }
        content = dsm.message.map(|b| *b);
    }
    let text = content.as_ref().and_then(message_text);
    let entry = ReceivedMessage {
        id: m.get_or_empty("id").to_owned(),
        chat,
        sender: sender_jid.to_string(),
        text,
        timestamp: m
            .get("t")
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(unix_now),
        raw: content
            .as_ref()
            .map(prost::Message::encode_to_vec)
            .unwrap_or_default(),
    };
    Ok(Some((entry, content, sender)))
}

/// The text of a message: conversation, extended text, or a media caption.
pub(crate) fn message_text(m: &wa::Message) -> Option<String> {
    m.conversation
        .clone()
        .or_else(|| {
            m.extended_text_message
                .as_ref()
                .and_then(|e| e.text.clone())
        })
        .or_else(|| m.image_message.as_ref().and_then(|i| i.caption.clone()))
        .or_else(|| m.video_message.as_ref().and_then(|v| v.caption.clone()))
        .or_else(|| m.document_message.as_ref().and_then(|d| d.caption.clone()))
}

/// The delivery receipt: to the sender device (1:1), to the group with the author as
/// participant, or a `sender` receipt when the message came from one of the phone's companions.
fn receipt(phone: &PhoneHandle, w: &mut World, m: &Stanza, from_own: bool) {
    let id = m.get_or_empty("id");
    let from = m.get_or_empty("from");
    let mut r = Stanza::new("receipt").attr("id", id);
    if let Some(p) = m.get("participant") {
        r.set("to", from);
        r.set("participant", p);
    } else if from_own {
        r.set("to", from);
        r.set("type", "sender");
        if let Some(rec) = m.get("recipient") {
            r.set("recipient", rec);
        }
    } else {
        r.set("to", from);
    }
    if let Ok(session) = phone.session_in(w) {
        crate::receipt::handle(&session, w, &r);
    }
}
