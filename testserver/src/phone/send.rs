//! What a phone sends: text and media messages (pairwise to every device of the peer and of the
//! phone's own companions, or with its sender key to a group), peer messages to its own
//! companions, and read receipts.

use prost::Message as _;
use waproto::whatsapp as wa;

use super::signal::{DeviceKey, bundle_from_nodes, pad};
use super::{MediaKind, PhoneHandle};
use crate::error::{Error, Result};
use crate::jid::{self, Jid};
use crate::stanza::Stanza;
use crate::state::{World, unix_now};

/// A fresh message id in WhatsApp's style (`3EB0` + 18 upper-case hex digits).
pub(crate) fn new_message_id() -> String {
    let b: [u8; 9] = crate::crypto::random_bytes();
    let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!("3EB0{hex}")
}

/// Sends a text message.
pub(super) async fn send_text(phone: &PhoneHandle, to: &str, text: &str) -> Result<String> {
    let msg = wa::Message {
        conversation: Some(text.to_owned()),
        ..Default::default()
    };
    send_message(phone, to, &msg, "text", None)
}

/// The HKDF info, upload path kind and MIME type of each media kind.
fn media_params(kind: MediaKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        MediaKind::Image => ("WhatsApp Image Keys", "image", "image/jpeg"),
        MediaKind::Video => ("WhatsApp Video Keys", "video", "video/mp4"),
        MediaKind::Audio => ("WhatsApp Audio Keys", "audio", "audio/ogg; codecs=opus"),
        MediaKind::Document => (
            "WhatsApp Document Keys",
            "document",
            "application/octet-stream",
        ),
    }
}

/// Encrypts and uploads media, then sends the message referencing it.
pub(super) async fn send_media(
    phone: &PhoneHandle,
    to: &str,
    kind: MediaKind,
    data: &[u8],
    caption: Option<&str>,
) -> Result<String> {
    let (hkdf_info, mms, mime) = media_params(kind);
    let enc = crate::crypto::encrypt_media(data, hkdf_info)?;
    let (media_key, file_sha256, file_enc_sha256) =
        (enc.media_key, enc.file_sha256, enc.file_enc_sha256);
    let file_length = data.len() as u64;
    let direct_path = crate::http::store_media(phone.shared(), mms, enc.body);
    let url = format!("{}{direct_path}", phone.shared().media_url_base());
    let caption = caption.map(str::to_owned);
    let now = i64::try_from(unix_now()).unwrap_or(0);
    let mut msg = wa::Message::default();
    match kind {
        MediaKind::Image => {
            msg.image_message = Some(Box::new(wa::message::ImageMessage {
                url: Some(url),
                mimetype: Some(mime.to_owned()),
                caption,
                file_sha256: Some(file_sha256.to_vec()),
                file_length: Some(file_length),
                media_key: Some(media_key.to_vec()),
                file_enc_sha256: Some(file_enc_sha256.to_vec()),
                direct_path: Some(direct_path),
                media_key_timestamp: Some(now),
                ..Default::default()
            }))
        }
        MediaKind::Video => {
            msg.video_message = Some(Box::new(wa::message::VideoMessage {
                url: Some(url),
                mimetype: Some(mime.to_owned()),
                caption,
                file_sha256: Some(file_sha256.to_vec()),
                file_length: Some(file_length),
                media_key: Some(media_key.to_vec()),
                file_enc_sha256: Some(file_enc_sha256.to_vec()),
                direct_path: Some(direct_path),
                media_key_timestamp: Some(now),
                ..Default::default()
            }))
        }
        MediaKind::Audio => {
            msg.audio_message = Some(Box::new(wa::message::AudioMessage {
                url: Some(url),
                mimetype: Some(mime.to_owned()),
                file_sha256: Some(file_sha256.to_vec()),
                file_length: Some(file_length),
                media_key: Some(media_key.to_vec()),
                file_enc_sha256: Some(file_enc_sha256.to_vec()),
                direct_path: Some(direct_path),
                media_key_timestamp: Some(now),
                ..Default::default()
            }))
        }
        MediaKind::Document => {
            msg.document_message = Some(Box::new(wa::message::DocumentMessage {
                url: Some(url),
                mimetype: Some(mime.to_owned()),
                caption,
                file_sha256: Some(file_sha256.to_vec()),
                file_length: Some(file_length),
                media_key: Some(media_key.to_vec()),
                file_enc_sha256: Some(file_enc_sha256.to_vec()),
                direct_path: Some(direct_path),
                media_key_timestamp: Some(now),
                file_name: Some("file".to_owned()),
                ..Default::default()
            }))
        }
    }
    send_message(phone, to, &msg, "media", Some(mms))
}

/// Encrypts `message` for every device of a chat and routes it through the server as device 0.
pub(crate) fn send_message(
    phone: &PhoneHandle,
    to: &str,
    message: &wa::Message,
    ty: &str,
    mediatype: Option<&str>,
) -> Result<String> {
    let to_jid = Jid::parse(to)
        .ok_or_else(|| Error::InvalidJid(to.to_owned()))?
        .to_user();
    let id = new_message_id();
    let mut w = phone.shared().world();
    let session = phone.session_in(&w)?;
    let me = session
        .me
        .clone()
        .ok_or_else(|| Error::UnknownAccount(phone.phone().to_owned()))?;
    let mut stanza = Stanza::new("message")
        .attr("id", id.clone())
        .attr("to", to_jid.to_string())
        .attr("type", ty);
    let with_media = |mut enc: Stanza| {
        if let Some(m) = mediatype {
            enc.set("mediatype", m);
        }
        enc
    };
    if to_jid.is_group() {
        let group = w
            .group_by_jid(&to_jid)
            .ok_or_else(|| Error::UnknownGroup(to_jid.to_string()))?;
        let devices: Vec<DeviceKey> = group
            .participants
            .keys()
            .flat_map(|p| w.device_ids(p).into_iter().map(move |d| (p.clone(), d)))
            .filter(|(p, d)| !(p == phone.phone() && *d == 0))
            .collect();
        let group_key = to_jid.to_string();
        let core = phone.core();
        let mut sig = core.signal.lock().unwrap_or_else(|e| e.into_inner());
        let skdm = sig.own_skdm(&group_key)?;
        let have = sig.skdm_sent.get(&group_key).cloned().unwrap_or_default();
        let missing: Vec<DeviceKey> = devices.into_iter().filter(|d| !have.contains(d)).collect();
        let dist = wa::Message {
            sender_key_distribution_message: Some(wa::message::SenderKeyDistributionMessage {
                group_id: Some(group_key.clone()),
                axolotl_sender_key_distribution_message: Some(skdm),
            }),
            ..Default::default()
        };
        let plain = pad(dist.encode_to_vec());
        let tos = encrypt_for(phone, &mut w, &mut sig, &missing, |_| plain.clone())?;
        let sk = sig.group_encrypt(&group_key, &pad(message.encode_to_vec()))?;
        sig.skdm_sent.entry(group_key).or_default().extend(missing);
        drop(sig);
        if !tos.is_empty() {
            stanza.push(Stanza::new("participants").children(tos.into_iter().map(|t| t.0)));
        }
        stanza.push(with_media(
            Stanza::new("enc")
                .attr("v", "2")
                .attr("type", "skmsg")
                .bytes(sk),
        ));
    } else {
        let peer = w
            .resolve_owned(&to_jid)
            .ok_or_else(|| Error::UnknownAccount(to_jid.to_string()))?;
        let mut devices: Vec<DeviceKey> = w
            .device_ids(&peer)
            .into_iter()
            .map(|d| (peer.clone(), d))
            .collect();
        if peer != phone.phone() {
            devices.extend(
                w.device_ids(phone.phone())
                    .into_iter()
                    .filter(|d| *d != 0)
                    .map(|d| (phone.phone().to_owned(), d)),
            );
        }
        devices.retain(|d| !(d.0 == phone.phone() && d.1 == 0));
        let own = phone.phone().to_owned();
        let dsm = wa::Message {
            device_sent_message: Some(Box::new(wa::message::DeviceSentMessage {
                destination_jid: Some(to_jid.to_string()),
                message: Some(Box::new(message.clone())),
                phash: None,
            })),
            ..Default::default()
        };
        let (plain_peer, plain_own) = (message.encode_to_vec(), dsm.encode_to_vec());
        let core = phone.core();
        let mut sig = core.signal.lock().unwrap_or_else(|e| e.into_inner());
        let tos = encrypt_for(phone, &mut w, &mut sig, &devices, |d| {
            pad(if d.0 == own {
                plain_own.clone()
            } else {
                plain_peer.clone()
            })
        })?;
        drop(sig);
        if tos.is_empty() {
            return Err(Error::Crypto(format!(
                "no device of {to_jid} has keys to encrypt to"
            )));
        }
        stanza.push(
            Stanza::new("participants")
                .children(tos.into_iter().map(|(t, _)| with_media_to(t, mediatype))),
        );
    }
    crate::message::route(&mut w, &me, &to_jid, &stanza)
        .map_err(|code| Error::Rejected(code, to_jid.to_string()))?;
    log::info!(target: "TestServer/Phone", "{} sent {id} to {to_jid}", phone.phone());
    Ok(id)
}

fn with_media_to(mut to: Stanza, mediatype: Option<&str>) -> Stanza {
    if let (Some(m), crate::stanza::Content::Nodes(kids)) = (mediatype, &mut to.content) {
        for k in kids.iter_mut() {
            k.set("mediatype", m);
        }
    }
    to
}

/// Encrypts a plaintext for each device, starting sessions from the server's bundles where
/// needed; returns the `<to>` nodes (and whether each is a `pkmsg`). Devices without keys are
/// skipped.
pub(crate) fn encrypt_for(
    phone: &PhoneHandle,
    w: &mut World,
    sig: &mut super::signal::SignalState,
    devices: &[DeviceKey],
    plain_for: impl Fn(&DeviceKey) -> Vec<u8>,
) -> Result<Vec<(Stanza, bool)>> {
    let mut out = Vec::new();
    for dev in devices {
        if !sig.has_session(dev) {
            let Some(kids) = crate::iq::prekeys::take_bundle(w, &dev.0, dev.1) else {
                log::debug!(target: "TestServer/Phone", "no keys for {}:{}; skipped", dev.0, dev.1);
                continue;
            };
            let bundle = bundle_from_nodes(&kids, dev.1)?;
            sig.start_session(&phone.core().keys, dev, &bundle)?;
        }
        let (ty, body) = sig.encrypt(dev, &plain_for(dev))?;
        let jid = Jid::device(&dev.0, dev.1, jid::PN).to_string();
        let enc = Stanza::new("enc")
            .attr("v", "2")
            .attr("type", ty)
            .bytes(body);
        out.push((Stanza::new("to").attr("jid", jid).child(enc), ty == "pkmsg"));
    }
    Ok(out)
}

/// Sends a read receipt.
pub(super) fn mark_read(
    phone: &PhoneHandle,
    chat: &str,
    ids: &[String],
    sender: Option<&str>,
) -> Result<()> {
    let Some((first, rest)) = ids.split_first() else {
        return Ok(());
    };
    let chat_jid = Jid::parse(chat).ok_or_else(|| Error::InvalidJid(chat.to_owned()))?;
    let mut r = Stanza::new("receipt")
        .attr("id", first.clone())
        .attr("to", chat_jid.to_string())
        .attr("type", "read")
        .attr("t", unix_now().to_string());
    if let Some(p) = sender {
        r.set("participant", p);
    }
    if !rest.is_empty() {
        r.push(
            Stanza::new("list").children(
                rest.iter()
                    .map(|id| Stanza::new("item").attr("id", id.clone())),
            ),
        );
    }
    let mut w = phone.shared().world();
    let session = phone.session_in(&w)?;
    crate::receipt::handle(&session, &mut w, &r);
    Ok(())
}
