//! Retry receipts: asking a sender to re-encrypt a message we could not decrypt
//! ([`build_retry_receipt`]), and reading such a request for a message we sent
//! ([`parse_retry_receipt`]).
//!
//! ```text
//! <receipt id to type="retry" [participant] [recipient] [category="peer"]>
//!   <retry count id t v="1" error/>
//!   <registration>4 bytes</registration>
//!   [<keys><type/><identity/><key/><skey/><device-identity/></keys>]   (from the 2nd retry,
//!                                                                        or when forced)
//! </receipt>
//! ```
//! With `<keys>` the sender starts a fresh session from our bundle; without, it resends on its
//! current session (or fetches our bundle when it has none).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;
use wacore_libsignal::{PreKeyBundle, SignalProtocolError};

use crate::iq::prekey_bundle::{BundleError, parse_prekey_bundle, prekey_node};
use crate::message::MessageError;

/// Retry attempts after which we stop asking (WhatsApp Web gives up at 5).
pub const MAX_RETRY_COUNT: u32 = 5;

/// Why a message could not be decrypted, as the `error` of a retry receipt (WhatsApp Web's
/// Signal error codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RetryReason {
    /// Unknown.
    UnknownError = 0,
    /// No session exists.
    NoSession = 1,
    /// Invalid key.
    InvalidKey = 2,
    /// The pre-key id was not found.
    InvalidKeyId = 3,
    /// Invalid format or MAC.
    InvalidMessage = 4,
    /// Invalid signature.
    InvalidSignature = 5,
    /// A message from too far in the future.
    FutureMessage = 6,
    /// MAC mismatch.
    BadMac = 7,
    /// Invalid session.
    InvalidSession = 8,
    /// Invalid message key.
    InvalidMsgKey = 9,
}

impl RetryReason {
    /// The reason for a decryption error.
    pub fn from_error(e: &MessageError) -> Self {
        match e {
            MessageError::Decrypt { source, .. } => {
                match source {
                    SignalProtocolError::NoSession(_)
                    | SignalProtocolError::NoSenderKeyState(_) => Self::NoSession,
                    SignalProtocolError::InvalidPreKeyId(_)
                    | SignalProtocolError::InvalidSignedPreKeyId(_) => Self::InvalidKeyId,
                    SignalProtocolError::InvalidMac => Self::BadMac,
                    SignalProtocolError::InvalidSignature(_) => Self::InvalidSignature,
                    SignalProtocolError::MessageTooFarInFuture { .. } => Self::FutureMessage,
                    SignalProtocolError::BadKeyLength { .. }
                    | SignalProtocolError::BadKeyType(_) => Self::InvalidKey,
                    SignalProtocolError::InvalidState(_) | SignalProtocolError::NoSenderChain => {
                        Self::InvalidSession
                    }
                    _ => Self::InvalidMessage,
                }
            }
            MessageError::Padding(_) | MessageError::Protobuf(_) => Self::InvalidMessage,
            _ => Self::UnknownError,
        }
    }
}

/// Our keys for a retry receipt's `<keys>` (the sender builds a new session from them).
#[derive(Debug, Clone)]
pub struct RetryKeys {
    /// Our identity public key.
    pub identity: [u8; 32],
    /// A fresh one-time pre-key (id, public key).
    pub pre_key: (u32, [u8; 32]),
    /// Our signed pre-key (id, public key, signature).
    pub signed_pre_key: (u32, [u8; 32], [u8; 64]),
    /// Our serialized `ADVSignedDeviceIdentity`.
    pub device_identity: Vec<u8>,
}

/// Builds the retry receipt for the `<message>` `node` we failed to decrypt.
pub fn build_retry_receipt(
    node: &Node,
    count: u32,
    registration_id: u32,
    reason: RetryReason,
    keys: Option<&RetryKeys>,
) -> Option<Node> {
    let id = node.get_attr("id")?;
    let from = node.get_attr("from")?;
    let mut b = NodeBuilder::new("receipt")
        .attr("id", id.clone())
        .attr("to", from.clone())
        .attr("type", "retry");
    if let Some(p) = node.get_attr("participant") {
        b = b.attr("participant", p.clone());
    }
    if let Some(r) = node.get_attr("recipient") {
        b = b.attr("recipient", r.clone());
    }
    if node
        .get_attr("category")
        .is_some_and(|c| c.as_str() == "peer")
    {
        b = b.attr("category", "peer");
    }
    let mut retry = NodeBuilder::new("retry")
        .attr("count", count.to_string())
        .attr("id", id.clone())
        .attr("v", "1")
        .attr("error", (reason as u8).to_string());
    if let Some(t) = node.get_attr("t") {
        retry = retry.attr("t", t.clone());
    }
    let mut children = vec![
        retry.build(),
        NodeBuilder::new("registration")
            .bytes(registration_id.to_be_bytes().to_vec())
            .build(),
    ];
    if let Some(k) = keys {
        children.push(
            NodeBuilder::new("keys")
                .children([
                    NodeBuilder::new("type").bytes(vec![5]).build(),
                    NodeBuilder::new("identity")
                        .bytes(k.identity.to_vec())
                        .build(),
                    prekey_node(k.pre_key.0, &k.pre_key.1, None),
                    prekey_node(
                        k.signed_pre_key.0,
                        &k.signed_pre_key.1,
                        Some(&k.signed_pre_key.2),
                    ),
                    NodeBuilder::new("device-identity")
                        .bytes(k.device_identity.clone())
                        .build(),
                ])
                .build(),
        );
    }
    Some(b.children(children).build())
}

/// A retry request for a message we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryRequest {
    /// The message to resend.
    pub message_id: String,
    /// Which retry this is (1 = first).
    pub count: u32,
    /// The original message's timestamp (`t`), if given.
    pub timestamp: Option<i64>,
    /// The requester's registration id.
    pub registration_id: Option<u32>,
    /// The requester's keys, when it wants a fresh session.
    pub bundle: Option<PreKeyBundle>,
    /// The requester's reason code.
    pub reason: Option<u32>,
}

/// Why a retry receipt could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryError {
    /// No `<retry>` child or no id.
    #[error("retry receipt without <retry id>")]
    MissingRetry,
    /// The `<keys>` bundle is unusable.
    #[error("bad keys in retry receipt: {0}")]
    BadKeys(#[from] BundleError),
}

/// Reads a retry receipt; `device_id` is the Signal device id for the bundle (WhatsApp: 0).
pub fn parse_retry_receipt(node: &Node, device_id: u32) -> Result<RetryRequest, RetryError> {
    let retry = node
        .get_optional_child("retry")
        .ok_or(RetryError::MissingRetry)?;
    let mut a = retry.attrs();
    let message_id = a
        .optional_string("id")
        .map(|s| s.into_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| node.get_attr("id").map(|v| v.as_str().into_owned()))
        .ok_or(RetryError::MissingRetry)?;
    let count = a
        .optional_u64("count")
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(1);
    let timestamp = a.optional_i64("t");
    let reason = a.optional_u64("error").and_then(|c| u32::try_from(c).ok());
    let registration_id = match node
        .get_optional_child("registration")
        .and_then(Node::content_bytes)
    {
        Some(&[x, y, z, w]) => Some(u32::from_be_bytes([x, y, z, w])),
        _ => None,
    };
    let bundle = match node.get_optional_child("keys") {
        Some(_) => Some(parse_prekey_bundle(node, device_id)?),
        None => None,
    };
    Ok(RetryRequest {
        message_id,
        count,
        timestamp,
        registration_id,
        bundle,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> RetryKeys {
        RetryKeys {
            identity: [1; 32],
            pre_key: (7, [2; 32]),
            signed_pre_key: (1, [3; 32], [4; 64]),
            device_identity: vec![9, 9],
        }
    }

    #[test]
    fn builds_and_parses_retry_receipts() {
        let msg = NodeBuilder::new("message")
            .attr("id", "M1")
            .attr("from", "1203@g.us")
            .attr("participant", "77:2@lid")
            .attr("t", "1700000000")
            .build();
        let r = build_retry_receipt(&msg, 1, 0x01020304, RetryReason::NoSession, None).unwrap();
        assert_eq!(r.get_attr("type").unwrap().as_str(), "retry");
        assert_eq!(r.get_attr("participant").unwrap().as_str(), "77:2@lid");
        let req = parse_retry_receipt(&r, 0).unwrap();
        assert_eq!(req.message_id, "M1");
        assert_eq!(req.count, 1);
        assert_eq!(req.timestamp, Some(1_700_000_000));
        assert_eq!(req.registration_id, Some(0x01020304));
        assert_eq!(req.reason, Some(1));
        assert!(req.bundle.is_none());

        let r2 = build_retry_receipt(&msg, 2, 42, RetryReason::BadMac, Some(&keys())).unwrap();
        let req = parse_retry_receipt(&r2, 0).unwrap();
        let b = req.bundle.unwrap();
        assert_eq!(b.registration_id(), 42);
        assert_eq!(b.pre_key_id(), Some(7));
        assert_eq!(b.signed_pre_key_id(), 1);
        assert_eq!(req.count, 2);
    }

    #[test]
    fn rejects_bad_retry_receipts() {
        let none = NodeBuilder::new("receipt").attr("type", "retry").build();
        assert_eq!(parse_retry_receipt(&none, 0), Err(RetryError::MissingRetry));
        let bad_keys = NodeBuilder::new("receipt")
            .attr("id", "X")
            .children([
                NodeBuilder::new("retry").attr("id", "X").build(),
                NodeBuilder::new("keys").build(),
            ])
            .build();
        assert!(matches!(
            parse_retry_receipt(&bad_keys, 0),
            Err(RetryError::BadKeys(_))
        ));
    }

    #[test]
    fn reasons_follow_signal_errors() {
        let e = MessageError::Decrypt {
            enc_type: "msg",
            source: SignalProtocolError::InvalidMac,
        };
        assert_eq!(RetryReason::from_error(&e), RetryReason::BadMac);
        let e = MessageError::Decrypt {
            enc_type: "skmsg",
            source: SignalProtocolError::NoSenderKeyState("x".into()),
        };
        assert_eq!(RetryReason::from_error(&e), RetryReason::NoSession);
    }
}
