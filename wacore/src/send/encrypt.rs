//! Per-device Signal encryption of an outgoing message: one `<to jid><enc/></to>` per device,
//! starting sessions from fetched pre-key bundles where there is none yet.

use std::collections::HashMap;

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;
use wacore_libsignal::{
    CiphertextMessage, PreKeyBundle, SignalProtocolError, message_encrypt, process_prekey_bundle,
};

use super::error::{Result, SendError};
use super::padding::pad_message;
use crate::signal::{SignalStoreAdapter, protocol_address};

/// `pkmsg` (a `PreKeySignalMessage`) or `msg` (a `SignalMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncType {
    /// `pkmsg`: the session is not acknowledged yet.
    PreKey,
    /// `msg`.
    Whisper,
    /// `skmsg`: a sender-key (group) message.
    SenderKey,
}

impl EncType {
    /// The `type` attribute of `<enc>`.
    pub fn as_str(self) -> &'static str {
        match self {
            EncType::PreKey => "pkmsg",
            EncType::Whisper => "msg",
            EncType::SenderKey => "skmsg",
        }
    }
}

/// One device to encrypt for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceTarget {
    /// The JID written on the wire (`<to jid>`).
    pub wire: Jid,
    /// The JID whose session is used (the LID form when known).
    pub session: Jid,
    /// Whether this is one of our own devices (it gets the device-sent copy).
    pub own: bool,
}

/// Extra `<enc>` attributes (`mediatype`, `decrypt-fail`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncAttrs {
    /// `mediatype`.
    pub media_type: Option<&'static str>,
    /// `decrypt-fail="hide"`.
    pub hide_on_fail: bool,
}

/// Builds an `<enc v="2" type>` node.
pub fn enc_node(enc_type: EncType, ciphertext: Vec<u8>, attrs: &EncAttrs) -> Node {
    let mut b = NodeBuilder::new("enc")
        .attr("v", "2")
        .attr("type", enc_type.as_str());
    if let Some(mt) = attrs.media_type {
        b = b.attr("mediatype", mt);
    }
    if attrs.hide_on_fail {
        b = b.attr("decrypt-fail", "hide");
    }
    b.bytes(ciphertext).build()
}

/// Encrypts `padded` for the device `session`, first starting a session from `bundle` when one
/// is given. The caller holds the device's session lock.
pub async fn encrypt_for_device(
    stores: &mut SignalStoreAdapter,
    session: &Jid,
    bundle: Option<&PreKeyBundle>,
    padded: &[u8],
) -> std::result::Result<(EncType, Vec<u8>), SignalProtocolError> {
    let address = protocol_address(session);
    if let Some(bundle) = bundle {
        process_prekey_bundle(
            &address,
            &mut stores.sessions,
            &mut stores.identities,
            bundle,
        )
        .await?;
    }
    let message = message_encrypt(
        padded,
        &address,
        &mut stores.sessions,
        &mut stores.identities,
    )
    .await?;
    Ok(match message {
        CiphertextMessage::PreKeySignalMessage(m) => (EncType::PreKey, m.serialized().to_vec()),
        CiphertextMessage::SignalMessage(m) => (EncType::Whisper, m.serialized().to_vec()),
    })
}

/// The `<to>` nodes for every device, and whether any is a `pkmsg` (then the stanza must carry
/// our `<device-identity>`). Devices without a session and without a bundle in `bundles`, and
/// devices whose encryption fails, are skipped and returned in `failed`: a message is still
/// sent to the others, as WhatsApp Web does.
#[derive(Debug, Default)]
pub struct ParticipantNodes {
    /// `<to jid><enc/></to>` per device.
    pub nodes: Vec<Node>,
    /// Whether any `<enc>` is a `pkmsg`.
    pub includes_prekey: bool,
    /// Devices left out, with why.
    pub failed: Vec<(Jid, SendError)>,
}

/// Encrypts `plaintext` (own devices get `own_plaintext` when given: the device-sent copy) for
/// each target, padding each copy. Locking is the caller's: this is used with the session locks
/// of every target held, or from a single-threaded context (tests, benches).
pub async fn encrypt_for_devices(
    stores: &mut SignalStoreAdapter,
    targets: &[DeviceTarget],
    plaintext: &[u8],
    own_plaintext: Option<&[u8]>,
    bundles: &HashMap<Jid, PreKeyBundle>,
    attrs: &EncAttrs,
) -> Result<ParticipantNodes> {
    let mut out = ParticipantNodes::default();
    for target in targets {
        let pt = match (target.own, own_plaintext) {
            (true, Some(own)) => own,
            _ => plaintext,
        };
        let bundle = bundles
            .get(&target.wire)
            .or_else(|| bundles.get(&target.session));
        if bundle.is_none()
            && !stores
                .has_session(&protocol_address(&target.session))
                .await
                .map_err(|e| SendError::Encrypt {
                    device: target.wire.clone(),
                    source: e,
                })?
        {
            out.failed.push((
                target.wire.clone(),
                SendError::NoSession(target.wire.clone()),
            ));
            continue;
        }
        let padded = pad_message(pt.to_vec(), &mut rand::rng());
        match encrypt_for_device(stores, &target.session, bundle, &padded).await {
            Ok((ty, ciphertext)) => {
                out.includes_prekey |= ty == EncType::PreKey;
                out.nodes.push(
                    NodeBuilder::new("to")
                        .jid_attr("jid", target.wire.clone())
                        .children([enc_node(ty, ciphertext, attrs)])
                        .build(),
                );
            }
            Err(SignalProtocolError::Storage(e)) => {
                return Err(SendError::Encrypt {
                    device: target.wire.clone(),
                    source: SignalProtocolError::Storage(e),
                });
            }
            Err(e) => {
                log::warn!(target: "Client/Send", "encrypting for {} failed: {e}", target.wire);
                out.failed.push((
                    target.wire.clone(),
                    SendError::Encrypt {
                        device: target.wire.clone(),
                        source: e,
                    },
                ));
            }
        }
    }
    Ok(out)
}
