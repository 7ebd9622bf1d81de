//! Decrypting an incoming `<message>`: each `<enc>` child (`pkmsg`, `msg`, `skmsg`) in order,
//! unpadded and decoded, sender-key distribution messages processed on the way, the parts
//! merged into one `Message`, and a device-sent copy unwrapped.
//!
//! Session state is written to the store as each part decrypts, before the caller acks the
//! stanza. A part Signal reports as already decrypted (`DuplicatedMessage`: the server
//! redelivered a message whose ack was lost, e.g. after a crash) is skipped; a stanza made only
//! of such parts is [`DecryptOutcome::Duplicate`] and must be acked without an event.

use prost::Message as _;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use wacore_libsignal::{
    PreKeySignalMessage, ProtocolAddress, SenderKeyDistributionMessage, SignalMessage,
    SignalProtocolError, group_decrypt, message_decrypt_prekey, message_decrypt_signal,
    process_sender_key_distribution_message,
};
use waproto::whatsapp as wa;

use super::error::{MessageError, Result};
use super::unwrap::unwrap_device_sent;
use crate::send::unpad_message;
use crate::signal::{SignalStoreAdapter, protocol_address, sender_key_name};
use crate::types::message::{DeviceSentMeta, MessageInfo};

/// The kind of an `<enc>` child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncKind {
    /// `pkmsg`.
    PreKey,
    /// `msg`.
    Whisper,
    /// `skmsg`.
    SenderKey,
}

impl EncKind {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "pkmsg" => Some(Self::PreKey),
            "msg" => Some(Self::Whisper),
            "skmsg" => Some(Self::SenderKey),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreKey => "pkmsg",
            Self::Whisper => "msg",
            Self::SenderKey => "skmsg",
        }
    }
}

/// One `<enc>` child we can decrypt.
#[derive(Debug, Clone, Copy)]
pub struct EncPart<'a> {
    /// Its kind.
    pub kind: EncKind,
    /// The ciphertext.
    pub ciphertext: &'a [u8],
    /// The `v` attribute (2 = protobuf `Message`).
    pub version: u32,
    /// The `count` attribute of a resent message (0 = first delivery).
    pub retry_count: u32,
    /// `decrypt-fail="hide"`.
    pub hide_on_fail: bool,
}

/// The decryptable `<enc>` children of `node`, in stanza order. Unknown types (`msmsg`, ...)
/// are left out.
pub fn enc_parts(node: &Node) -> Vec<EncPart<'_>> {
    node.get_children_by_tag("enc")
        .filter_map(|enc| {
            let mut a = enc.attrs();
            let kind = EncKind::parse(&a.optional_string("type")?)?;
            Some(EncPart {
                kind,
                ciphertext: enc.content_bytes()?,
                version: a
                    .optional_u64("v")
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(2),
                retry_count: a
                    .optional_u64("count")
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0),
                hide_on_fail: a.optional_string("decrypt-fail").as_deref() == Some("hide"),
            })
        })
        .collect()
}

/// What decrypting a stanza produced.
#[derive(Debug, Clone, PartialEq)]
pub enum DecryptOutcome {
    /// New content. `message` is `None` when the parts carried only protocol plumbing (a bare
    /// sender-key distribution).
    Decrypted {
        /// The merged, unwrapped message.
        message: Option<Box<wa::Message>>,
        /// Device-sent metadata, when it came from our other device.
        device_sent: Option<DeviceSentMeta>,
        /// The highest `count` of the parts (a resend after a retry receipt).
        retry_count: u32,
        /// Peers whose identity key changed while decrypting.
        identity_changes: Vec<ProtocolAddress>,
    },
    /// Every part had been decrypted before: a redelivery.
    Duplicate,
    /// No `<enc>` we can decrypt.
    Empty,
}

/// A failed part: the error and the part's kind.
#[derive(Debug)]
pub struct DecryptFailure {
    /// Why.
    pub error: MessageError,
    /// Which kind of part failed.
    pub kind: EncKind,
    /// Whether the sender asked us to hide the message on failure.
    pub hide_on_fail: bool,
    /// Whether an earlier part of the same stanza was a `pkmsg`/`msg` that decrypted.
    pub after_direct_part: bool,
}

fn decrypt_err(kind: EncKind, source: SignalProtocolError) -> MessageError {
    MessageError::Decrypt {
        enc_type: kind.as_str(),
        source,
    }
}

/// Decrypts one part to its unpadded plaintext.
async fn decrypt_part(
    stores: &mut SignalStoreAdapter,
    part: &EncPart<'_>,
    chat: &Jid,
    sender: &Jid,
) -> Result<Vec<u8>> {
    let kind = part.kind;
    let plaintext = match kind {
        EncKind::PreKey => {
            let msg = PreKeySignalMessage::deserialize(part.ciphertext)
                .map_err(|e| decrypt_err(kind, e))?;
            message_decrypt_prekey(
                &msg,
                &protocol_address(sender),
                &mut stores.sessions,
                &mut stores.identities,
                &mut stores.pre_keys,
                &stores.signed_pre_keys,
            )
            .await
        }
        EncKind::Whisper => {
            let msg =
                SignalMessage::deserialize(part.ciphertext).map_err(|e| decrypt_err(kind, e))?;
            message_decrypt_signal(
                &msg,
                &protocol_address(sender),
                &mut stores.sessions,
                &mut stores.identities,
            )
            .await
        }
        EncKind::SenderKey => {
            group_decrypt(
                part.ciphertext,
                &mut stores.sender_keys,
                &sender_key_name(chat, sender),
            )
            .await
        }
    }
    .map_err(|e| decrypt_err(kind, e))?;
    if part.version == 3 {
        return Ok(plaintext);
    }
    Ok(unpad_message(&plaintext)?.to_vec())
}

/// Records a sender's key from an SKDM found in a decrypted group part.
async fn process_skdm(
    stores: &mut SignalStoreAdapter,
    chat: &Jid,
    sender: &Jid,
    skdm: &wa::message::SenderKeyDistributionMessage,
) {
    let Some(bytes) = skdm.axolotl_sender_key_distribution_message.as_deref() else {
        return;
    };
    let result = match SenderKeyDistributionMessage::deserialize(bytes) {
        Ok(m) => {
            process_sender_key_distribution_message(
                &sender_key_name(chat, sender),
                &m,
                &mut stores.sender_keys,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => log::debug!(target: "Client/Recv", "sender key of {sender} in {chat} stored"),
        Err(e) => {
            log::warn!(target: "Client/Recv", "bad sender key distribution from {sender} in {chat}: {e}")
        }
    }
}

/// Decrypts every part of `node` from `sender_session` (the sender device whose session and
/// sender key are used: its LID form when known). The caller holds the sender's session lock.
pub async fn decrypt_message(
    stores: &mut SignalStoreAdapter,
    node: &Node,
    info: &MessageInfo,
    sender_session: &Jid,
) -> std::result::Result<DecryptOutcome, DecryptFailure> {
    let parts = enc_parts(node);
    if parts.is_empty() {
        return Ok(DecryptOutcome::Empty);
    }
    let chat = &info.source.chat;
    let mut merged: Option<wa::Message> = None;
    let mut retry_count = 0;
    let mut direct_ok = false;
    let mut any_new = false;
    for part in &parts {
        retry_count = retry_count.max(part.retry_count);
        if part.kind == EncKind::SenderKey && !info.source.is_group {
            log::warn!(target: "Client/Recv", "skmsg outside a group in {}", info.id);
            continue;
        }
        let plaintext = match decrypt_part(stores, part, chat, sender_session).await {
            Ok(p) => p,
            Err(e) if e.is_duplicate() => {
                log::debug!(target: "Client/Recv", "{} part of {} already decrypted", part.kind.as_str(), info.id);
                continue;
            }
            Err(error) => {
                return Err(DecryptFailure {
                    error,
                    kind: part.kind,
                    hide_on_fail: part.hide_on_fail,
                    after_direct_part: direct_ok,
                });
            }
        };
        any_new = true;
        if part.version == 3 {
            log::warn!(target: "Client/Recv", "unsupported v3 payload in {}", info.id);
            continue;
        }
        let decoded = wa::Message::decode(plaintext.as_slice()).map_err(|e| DecryptFailure {
            error: MessageError::Protobuf(e),
            kind: part.kind,
            hide_on_fail: part.hide_on_fail,
            after_direct_part: direct_ok,
        })?;
        if part.kind != EncKind::SenderKey {
            direct_ok = true;
        }
        if info.source.is_group {
            let skdm = decoded
                .sender_key_distribution_message
                .as_ref()
                .or_else(|| {
                    decoded
                        .device_sent_message
                        .as_ref()
                        .and_then(|d| d.message.as_ref())
                        .and_then(|m| m.sender_key_distribution_message.as_ref())
                });
            if let Some(skdm) = skdm {
                process_skdm(stores, chat, sender_session, skdm).await;
            }
        }
        match merged.as_mut() {
            None => merged = Some(decoded),
            Some(m) => {
                if let Err(e) = m.merge(plaintext.as_slice()) {
                    log::warn!(target: "Client/Recv", "cannot merge part of {}: {e}", info.id);
                }
            }
        }
    }
    let identity_changes = stores.identities.take_identity_changes();
    if !any_new {
        return Ok(DecryptOutcome::Duplicate);
    }
    let (message, device_sent) = match merged {
        Some(mut m) => {
            m.sender_key_distribution_message = None;
            if let Some(inner) = m
                .device_sent_message
                .as_mut()
                .and_then(|d| d.message.as_mut())
            {
                inner.sender_key_distribution_message = None;
            }
            let (m, meta) = unwrap_device_sent(m);
            let empty = m == wa::Message::default();
            ((!empty).then(|| Box::new(m)), meta)
        }
        None => (None, None),
    };
    Ok(DecryptOutcome::Decrypted {
        message,
        device_sent,
        retry_count,
        identity_changes,
    })
}
