//! Media retry on the phone's side. A phone keeps a local copy of the media it receives (as a
//! real phone downloads it); when one of its companions finds a blob gone from the server it
//! sends a `<receipt type="server-error">` to its own account, and the phone answers: it
//! decrypts the request (AES-256-GCM, key = HKDF(media key, "WhatsApp Media Retry
//! Notification"), associated data = the message id), uploads its copy again and sends
//! `<notification type="mediaretry" id><rmr/><encrypt><enc_p/><enc_iv/></encrypt></notification>`
//! carrying an encrypted `MediaRetryNotification` with the new direct path (or NOT_FOUND /
//! DECRYPTION_ERROR).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use prost::Message as _;
use sha2::Sha256;
use waproto::whatsapp as wa;

use super::PhoneHandle;
use crate::error::{Error, Result};
use crate::jid::{self, Jid};
use crate::stanza::Stanza;

const INFO: &[u8] = b"WhatsApp Media Retry Notification";

/// (media key, enc hash, direct path, mms kind) of a media message.
fn media_fields(msg: &wa::Message) -> Option<(Vec<u8>, Vec<u8>, String, &'static str)> {
    macro_rules! pick {
        ($m:expr, $kind:expr) => {
            if let Some(m) = $m.as_ref() {
                return Some((
                    m.media_key.clone()?,
                    m.file_enc_sha256.clone()?,
                    m.direct_path.clone()?,
                    $kind,
                ));
            }
        };
    }
    pick!(msg.image_message, "mms-image");
    pick!(msg.video_message, "mms-video");
    pick!(msg.audio_message, "mms-audio");
    pick!(msg.document_message, "mms-document");
    pick!(msg.sticker_message, "mms-image");
    None
}

/// Keeps a copy of a received message's media, as a phone downloads it.
pub(super) fn keep_local_copy(phone: &PhoneHandle, raw: &[u8]) {
    let Ok(msg) = wa::Message::decode(raw) else {
        return;
    };
    let Some((_, enc_hash, path, _)) = media_fields(&msg) else {
        return;
    };
    let blob = phone.shared().world().media.get(&path).cloned();
    if let Some(blob) = blob {
        let mut st = phone
            .core()
            .app_state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        st.sync.local_media.insert(enc_hash, blob);
    }
}

fn cipher(media_key: &[u8]) -> aes_gcm::Aes256Gcm {
    let mut key = [0u8; 32];
    let _ = Hkdf::<Sha256>::new(None, media_key).expand(INFO, &mut key);
    aes_gcm::Aes256Gcm::new(&key.into())
}

/// Answers a companion's `server-error` receipt.
pub(super) fn on_request(phone: &PhoneHandle, r: &Stanza) {
    if let Err(e) = answer(phone, r) {
        log::warn!(target: "TestServer/Phone", "{}: media retry {}: {e}", phone.phone(), r.get_or_empty("id"));
    }
}

fn answer(phone: &PhoneHandle, r: &Stanza) -> Result<()> {
    use wa::media_retry_notification::ResultType;
    let id = r.get_or_empty("id").to_owned();
    let from = r
        .get("from")
        .and_then(Jid::parse)
        .ok_or_else(|| Error::Crypto("server-error receipt without a sender".into()))?;
    let enc = r
        .first("encrypt")
        .ok_or_else(|| Error::Crypto("no <encrypt>".into()))?;
    let (ct, iv) = match (
        enc.first("enc_p").and_then(Stanza::data),
        enc.first("enc_iv").and_then(Stanza::data),
    ) {
        (Some(c), Some(i)) => match <[u8; 12]>::try_from(i) {
            Ok(iv) => (c.to_vec(), iv),
            Err(_) => return Err(Error::Crypto("<enc_iv> is not 12 bytes".into())),
        },
        _ => return Err(Error::Crypto("no <enc_p>/<enc_iv>".into())),
    };
    let msg = phone
        .received_messages()
        .into_iter()
        .find(|m| m.id == id)
        .and_then(|m| wa::Message::decode(m.raw.as_slice()).ok())
        .ok_or_else(|| Error::Crypto(format!("no message {id} on the phone")))?;
    let (media_key, enc_hash, _, kind) =
        media_fields(&msg).ok_or_else(|| Error::Crypto(format!("{id} has no media")))?;
    let c = cipher(&media_key);
    let asked = c
        .decrypt(
            (&iv).into(),
            Payload {
                msg: &ct,
                aad: id.as_bytes(),
            },
        )
        .ok()
        .and_then(|p| wa::ServerErrorReceipt::decode(p.as_slice()).ok())
        .and_then(|r| r.stanza_id);
    let mut reply = wa::MediaRetryNotification {
        stanza_id: Some(id.clone()),
        ..Default::default()
    };
    if asked.as_deref() != Some(id.as_str()) {
        reply.result = Some(ResultType::DecryptionError as i32);
    } else {
        let copy = {
            let st = phone
                .core()
                .app_state
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            st.sync.local_media.get(&enc_hash).cloned()
        };
        match copy {
            Some(blob) => {
                let path = crate::http::store_media(phone.shared(), kind, blob);
                log::info!(target: "TestServer/Phone", "{} re-uploaded {id} to {path}", phone.phone());
                reply.result = Some(ResultType::Success as i32);
                reply.direct_path = Some(path);
            }
            None => reply.result = Some(ResultType::NotFound as i32),
        }
    }
    let out_iv: [u8; 12] = crate::crypto::random_bytes();
    let sealed = c
        .encrypt(
            (&out_iv).into(),
            Payload {
                msg: &reply.encode_to_vec(),
                aad: id.as_bytes(),
            },
        )
        .map_err(|_| Error::Crypto("GCM".into()))?;
    let mut w = phone.shared().world();
    let mut n = Stanza::new("notification")
        .attr("from", Jid::user(phone.phone(), jid::PN).to_string())
        .attr("type", "mediaretry")
        .attr("id", id.clone())
        .attr("t", crate::state::unix_now().to_string());
    if let Some(rmr) = r.first("rmr") {
        n.push(rmr.clone());
    }
    n.push(Stanza::new("encrypt").children([
        Stanza::new("enc_p").bytes(sealed),
        Stanza::new("enc_iv").bytes(out_iv.to_vec()),
    ]));
    w.deliver(phone.phone(), from.device, "notification", &id, n);
    Ok(())
}

impl PhoneHandle {
    /// Makes the server's media store forget a blob (a lost blob: downloads get 404). The
    /// phone keeps its own copy of media it received and can upload it again on request.
    pub fn lose_media_on_server(&self, direct_path: &str) -> bool {
        let path = direct_path.split('?').next().unwrap_or(direct_path);
        self.shared().world().media.remove(path).is_some()
    }
}
