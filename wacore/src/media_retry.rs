//! Media retry: asking the sender's phone to upload again media the server no longer has
//! (a download answered 404/410), and reading its answer.
//!
//! Wire facts (WhatsApp Web, as whatsmeow `mediaretry.go` and Baileys `messages-media.ts`):
//! - Key: HKDF-SHA256 of the message's media key, no salt, info
//!   `"WhatsApp Media Retry Notification"`, 32 bytes; AES-256-GCM with a random 12-byte IV and
//!   the message id as associated data.
//! - Request: `<receipt id=MSG-ID to=OUR-USER-JID type="server-error"><encrypt><enc_p>
//!   GCM(ServerErrorReceipt{stanza_id})</enc_p><enc_iv>IV</enc_iv></encrypt><rmr jid=CHAT
//!   from_me="true|false" [participant=SENDER]/></receipt>`.
//! - Answer: `<notification type="mediaretry" id=MSG-ID ...><rmr jid from_me participant/>`
//!   with either `<encrypt><enc_p>GCM(MediaRetryNotification)</enc_p><enc_iv/></encrypt>`
//!   (`result` SUCCESS carries the new `direct_path`) or `<error code=.../>`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use prost::Message as _;
use sha2::Sha256;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use waproto::whatsapp as wa;

/// HKDF info of the media-retry key.
pub const MEDIA_RETRY_INFO: &[u8] = b"WhatsApp Media Retry Notification";

/// Why a media-retry request could not be built or its answer read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaRetryError {
    /// The media key is not 32 bytes.
    #[error("media key is {len} bytes, expected 32")]
    InvalidMediaKey {
        /// Its length.
        len: usize,
    },
    /// The notification lacks a part it needs.
    #[error("media-retry notification malformed: {0}")]
    Malformed(&'static str),
    /// AES-GCM refused the ciphertext (wrong key, wrong message id, tampered).
    #[error("media-retry payload for {message_id} does not decrypt")]
    Decrypt {
        /// The message id used as associated data.
        message_id: String,
    },
    /// The decrypted payload is not a `MediaRetryNotification`.
    #[error("media-retry payload does not decode: {0}")]
    Protobuf(String),
    /// The payload answers another message.
    #[error("media-retry payload is for {got}, expected {expected}")]
    WrongMessage {
        /// The id we asked about.
        expected: String,
        /// The id in the payload.
        got: String,
    },
}

/// The message whose media is asked for again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRetryTarget {
    /// Message id.
    pub message_id: String,
    /// Chat JID.
    pub chat: Jid,
    /// Whether we sent the message.
    pub from_me: bool,
    /// The sender, in groups.
    pub participant: Option<Jid>,
}

/// What the phone answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaRetryOutcome {
    /// The media was uploaded again; download it from this path (same key and hashes).
    Reuploaded {
        /// The new direct path.
        direct_path: String,
    },
    /// The phone no longer has the media.
    NotFound,
    /// The phone could not decrypt our request (wrong media key).
    DecryptionError,
    /// The phone failed for another reason (`result` GENERAL_ERROR or unknown).
    GeneralError,
    /// The server answered with `<error code>` instead of an encrypted payload.
    ServerError {
        /// The code.
        code: u16,
    },
}

/// The retry key for a media key.
pub fn media_retry_key(media_key: &[u8]) -> Result<[u8; 32], MediaRetryError> {
    if media_key.len() != 32 {
        return Err(MediaRetryError::InvalidMediaKey {
            len: media_key.len(),
        });
    }
    let mut out = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    let _ = Hkdf::<Sha256>::new(None, media_key).expand(MEDIA_RETRY_INFO, &mut out);
    Ok(out)
}

fn seal(key: &[u8; 32], iv: &[u8; 12], message_id: &str, plain: &[u8]) -> Vec<u8> {
    let cipher = aes_gcm::Aes256Gcm::new(&(*key).into());
    cipher
        .encrypt(
            &(*iv).into(),
            Payload {
                msg: plain,
                aad: message_id.as_bytes(),
            },
        )
        // AES-GCM encryption only fails for inputs over 64 GiB.
        .unwrap_or_default()
}

fn open(
    key: &[u8; 32],
    iv: &[u8],
    message_id: &str,
    ct: &[u8],
) -> Result<Vec<u8>, MediaRetryError> {
    let iv: [u8; 12] = iv
        .try_into()
        .map_err(|_| MediaRetryError::Malformed("enc_iv is not 12 bytes"))?;
    aes_gcm::Aes256Gcm::new(&(*key).into())
        .decrypt(
            &iv.into(),
            Payload {
                msg: ct,
                aad: message_id.as_bytes(),
            },
        )
        .map_err(|_| MediaRetryError::Decrypt {
            message_id: message_id.to_owned(),
        })
}

/// Builds the `server-error` receipt asking for `target`'s media again, with the given IV.
pub fn build_media_retry_receipt_with_iv(
    own_user: &Jid,
    target: &MediaRetryTarget,
    media_key: &[u8],
    iv: [u8; 12],
) -> Result<Node, MediaRetryError> {
    let key = media_retry_key(media_key)?;
    let receipt = wa::ServerErrorReceipt {
        stanza_id: Some(target.message_id.clone()),
    };
    let ct = seal(&key, &iv, &target.message_id, &receipt.encode_to_vec());
    let mut rmr = NodeBuilder::new("rmr")
        .jid_attr("jid", target.chat.clone())
        .attr("from_me", if target.from_me { "true" } else { "false" });
    if let Some(p) = &target.participant {
        rmr = rmr.jid_attr("participant", p.clone());
    }
    Ok(NodeBuilder::new("receipt")
        .attr("id", target.message_id.clone())
        .jid_attr("to", own_user.to_non_ad())
        .attr("type", "server-error")
        .children([
            NodeBuilder::new("encrypt")
                .children([
                    NodeBuilder::new("enc_p").bytes(ct).build(),
                    NodeBuilder::new("enc_iv").bytes(iv.to_vec()).build(),
                ])
                .build(),
            rmr.build(),
        ])
        .build())
}

/// [`build_media_retry_receipt_with_iv`] with a random IV.
pub fn build_media_retry_receipt(
    own_user: &Jid,
    target: &MediaRetryTarget,
    media_key: &[u8],
) -> Result<Node, MediaRetryError> {
    let iv: [u8; 12] = rand::random();
    build_media_retry_receipt_with_iv(own_user, target, media_key, iv)
}

/// Encrypts a `MediaRetryNotification` as a phone answers (used by test servers and tests).
pub fn encrypt_media_retry_notification(
    media_key: &[u8],
    message_id: &str,
    notification: &wa::MediaRetryNotification,
    iv: [u8; 12],
) -> Result<Vec<u8>, MediaRetryError> {
    let key = media_retry_key(media_key)?;
    Ok(seal(&key, &iv, message_id, &notification.encode_to_vec()))
}

/// Decrypts the `enc_p` of a retry request (what the phone does with our receipt); returns
/// the requested stanza id.
pub fn decrypt_media_retry_request(
    media_key: &[u8],
    message_id: &str,
    ciphertext: &[u8],
    iv: &[u8],
) -> Result<String, MediaRetryError> {
    let key = media_retry_key(media_key)?;
    let plain = open(&key, iv, message_id, ciphertext)?;
    let r = wa::ServerErrorReceipt::decode(plain.as_slice())
        .map_err(|e| MediaRetryError::Protobuf(e.to_string()))?;
    Ok(r.stanza_id.unwrap_or_default())
}

/// Reads a `mediaretry` notification for `message_id` with the message's media key.
pub fn parse_media_retry_notification(
    node: &Node,
    message_id: &str,
    media_key: &[u8],
) -> Result<MediaRetryOutcome, MediaRetryError> {
    if let Some(err) = node.get_optional_child("error") {
        let code = err
            .get_attr("code")
            .and_then(|c| c.as_str().parse::<u16>().ok())
            .unwrap_or(0);
        return Ok(MediaRetryOutcome::ServerError { code });
    }
    let enc = node
        .get_optional_child("encrypt")
        .ok_or(MediaRetryError::Malformed("no <encrypt> and no <error>"))?;
    let ct = enc
        .get_optional_child("enc_p")
        .and_then(Node::content_bytes)
        .ok_or(MediaRetryError::Malformed("no <enc_p>"))?;
    let iv = enc
        .get_optional_child("enc_iv")
        .and_then(Node::content_bytes)
        .ok_or(MediaRetryError::Malformed("no <enc_iv>"))?;
    let key = media_retry_key(media_key)?;
    let plain = open(&key, iv, message_id, ct)?;
    let n = wa::MediaRetryNotification::decode(plain.as_slice())
        .map_err(|e| MediaRetryError::Protobuf(e.to_string()))?;
    if let Some(got) = n.stanza_id.as_deref()
        && got != message_id
    {
        return Err(MediaRetryError::WrongMessage {
            expected: message_id.to_owned(),
            got: got.to_owned(),
        });
    }
    use wa::media_retry_notification::ResultType;
    Ok(match n.result.and_then(|r| ResultType::try_from(r).ok()) {
        Some(ResultType::Success) => match n.direct_path {
            Some(p) if !p.is_empty() => MediaRetryOutcome::Reuploaded { direct_path: p },
            _ => return Err(MediaRetryError::Malformed("SUCCESS without a direct path")),
        },
        Some(ResultType::NotFound) => MediaRetryOutcome::NotFound,
        Some(ResultType::DecryptionError) => MediaRetryOutcome::DecryptionError,
        _ => MediaRetryOutcome::GeneralError,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> MediaRetryTarget {
        MediaRetryTarget {
            message_id: "3EB0AABBCCDD".into(),
            chat: "120363000000000001@g.us".parse().unwrap(),
            from_me: false,
            participant: Some("15550001111@s.whatsapp.net".parse().unwrap()),
        }
    }

    fn answer(inner: Vec<Node>) -> Node {
        NodeBuilder::new("notification")
            .attr("type", "mediaretry")
            .attr("id", "3EB0AABBCCDD")
            .children(inner)
            .build()
    }

    fn encrypted(key: &[u8], id: &str, n: &wa::MediaRetryNotification) -> Node {
        let ct = encrypt_media_retry_notification(key, id, n, [7; 12]).unwrap();
        NodeBuilder::new("encrypt")
            .children([
                NodeBuilder::new("enc_p").bytes(ct).build(),
                NodeBuilder::new("enc_iv").bytes(vec![7; 12]).build(),
            ])
            .build()
    }

    #[test]
    fn receipt_shape_and_request_round_trip() {
        let own: Jid = "15550002222:3@s.whatsapp.net".parse().unwrap();
        let mk = [9u8; 32];
        let node = build_media_retry_receipt(&own, &target(), &mk).unwrap();
        assert_eq!(node.tag, "receipt");
        assert_eq!(
            node.get_attr("type").map(|v| v.as_str().into_owned()),
            Some("server-error".into())
        );
        assert_eq!(
            node.get_attr("to").map(|v| v.as_str().into_owned()),
            Some("15550002222@s.whatsapp.net".into())
        );
        let rmr = node.get_optional_child("rmr").unwrap();
        assert_eq!(
            rmr.get_attr("participant").map(|v| v.as_str().into_owned()),
            Some("15550001111@s.whatsapp.net".into())
        );
        let enc = node.get_optional_child("encrypt").unwrap();
        let ct = enc
            .get_optional_child("enc_p")
            .unwrap()
            .content_bytes()
            .unwrap();
        let iv = enc
            .get_optional_child("enc_iv")
            .unwrap()
            .content_bytes()
            .unwrap();
        assert_eq!(
            decrypt_media_retry_request(&mk, "3EB0AABBCCDD", ct, iv).unwrap(),
            "3EB0AABBCCDD"
        );
        // The id is bound as associated data, the key by HKDF.
        assert!(decrypt_media_retry_request(&mk, "3EB0OTHER", ct, iv).is_err());
        assert!(decrypt_media_retry_request(&[8; 32], "3EB0AABBCCDD", ct, iv).is_err());
    }

    #[test]
    fn notification_outcomes() {
        use wa::media_retry_notification::ResultType;
        let mk = [5u8; 32];
        let ok = wa::MediaRetryNotification {
            stanza_id: Some("3EB0AABBCCDD".into()),
            direct_path: Some("/v/t62.7119-24/new".into()),
            result: Some(ResultType::Success as i32),
            message_secret: None,
        };
        let n = answer(vec![encrypted(&mk, "3EB0AABBCCDD", &ok)]);
        assert_eq!(
            parse_media_retry_notification(&n, "3EB0AABBCCDD", &mk).unwrap(),
            MediaRetryOutcome::Reuploaded {
                direct_path: "/v/t62.7119-24/new".into()
            }
        );
        assert!(matches!(
            parse_media_retry_notification(&n, "3EB0AABBCCDD", &[6; 32]),
            Err(MediaRetryError::Decrypt { .. })
        ));
        let missing = wa::MediaRetryNotification {
            result: Some(ResultType::NotFound as i32),
            direct_path: None,
            ..ok.clone()
        };
        let n = answer(vec![encrypted(&mk, "3EB0AABBCCDD", &missing)]);
        assert_eq!(
            parse_media_retry_notification(&n, "3EB0AABBCCDD", &mk).unwrap(),
            MediaRetryOutcome::NotFound
        );
        let other = wa::MediaRetryNotification {
            stanza_id: Some("3EB0ELSE".into()),
            ..ok.clone()
        };
        let n = answer(vec![encrypted(&mk, "3EB0AABBCCDD", &other)]);
        assert!(matches!(
            parse_media_retry_notification(&n, "3EB0AABBCCDD", &mk),
            Err(MediaRetryError::WrongMessage { .. })
        ));
        let n = answer(vec![NodeBuilder::new("error").attr("code", "404").build()]);
        assert_eq!(
            parse_media_retry_notification(&n, "3EB0AABBCCDD", &mk).unwrap(),
            MediaRetryOutcome::ServerError { code: 404 }
        );
        assert!(matches!(
            parse_media_retry_notification(&answer(vec![]), "3EB0AABBCCDD", &mk),
            Err(MediaRetryError::Malformed(_))
        ));
        assert_eq!(
            media_retry_key(&[1; 31]),
            Err(MediaRetryError::InvalidMediaKey { len: 31 })
        );
    }
}
