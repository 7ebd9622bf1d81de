//! Pair-code (phone-number) linking: [`Client::pair_with_code`] sends
//! `companion_hello` and emits `PairingCode`; the phone's `link_code_companion_reg`
//! notification triggers `companion_finish`. Cryptography in [`wacore::pair_code`].

use std::sync::Arc;

use wacore::pair_code::{
    FinishRandomness, code_validity, companion_finish, normalize_phone_number, random_code,
    unwrap_ephemeral_pub, validate_code, wrap_ephemeral_pub,
};
use wacore::request::InfoQuery;
use wacore::types::events::Event;
use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

pub use wacore::pair_code::{PairCodeError, PairCodeOptions, PlatformId};

use crate::client::Client;
use crate::store::DeviceCommand;

/// Where a pair-code request stands.
#[derive(Default)]
pub(crate) enum PairCodeState {
    /// No request.
    #[default]
    Idle,
    /// `companion_hello` answered; waiting for the phone.
    Waiting {
        code: String,
        ephemeral_private: [u8; 32],
        phone_jid: Jid,
        pairing_ref: Vec<u8>,
    },
    /// Paired.
    Completed,
}

fn bytes_child(tag: &str, bytes: impl Into<Vec<u8>>) -> Node {
    NodeBuilder::new(tag).bytes(bytes.into()).build()
}

impl Client {
    /// Starts pair-code linking and returns the 8-character code to enter on the
    /// phone (WhatsApp > Linked devices > Link with phone number). Needs the socket
    /// (call after [`Client::wait_for_socket`]); runs alongside QR pairing.
    pub async fn pair_with_code(&self, options: PairCodeOptions) -> Result<String, PairCodeError> {
        let phone = normalize_phone_number(&options.phone_number)?;
        let code = match options.custom_code {
            Some(c) => {
                let c = c.to_ascii_uppercase();
                validate_code(&c)?;
                c
            }
            None => random_code(),
        };
        let ephemeral_private: [u8; 32] = rand::random();
        let ephemeral_public = wacore::pair_code::x25519_public(&ephemeral_private);
        let (salt, iv): ([u8; 32], [u8; 16]) = (rand::random(), rand::random());
        let code_for_kdf = code.clone();
        // PBKDF2 with 131072 rounds: keep it off the async threads.
        let wrapped = tokio::task::spawn_blocking(move || {
            wrap_ephemeral_pub(&ephemeral_public, &code_for_kdf, &salt, &iv)
        })
        .await
        .map_err(|e| PairCodeError::CryptoError(e.to_string()))?;

        let device = self.persistence_manager.get_device_snapshot().await;
        let phone_jid = Jid::pn(phone);
        let reg = NodeBuilder::new("link_code_companion_reg")
            .jid_attr("jid", phone_jid.clone())
            .attr("stage", "companion_hello")
            .attr(
                "should_show_push_notification",
                options.show_push_notification.to_string(),
            )
            .children([
                bytes_child(
                    "link_code_pairing_wrapped_companion_ephemeral_pub",
                    wrapped.to_vec(),
                ),
                bytes_child(
                    "companion_server_auth_key_pub",
                    device.noise_key.public_key.public_key_bytes().to_vec(),
                ),
                bytes_child("companion_platform_id", options.platform_id.wire_value()),
                bytes_child(
                    "companion_platform_display",
                    options.platform_display.clone(),
                ),
                bytes_child("link_code_pairing_nonce", vec![0u8]),
            ])
            .build();
        let response = self
            .send_iq(InfoQuery::set("md", vec![reg]))
            .await
            .map_err(|e| PairCodeError::RequestFailed(e.to_string()))?;
        let pairing_ref = response
            .get_optional_child("link_code_companion_reg")
            .and_then(|r| r.get_optional_child("link_code_pairing_ref"))
            .and_then(|r| r.content_bytes().or(r.content_str().map(str::as_bytes)))
            .map(<[u8]>::to_vec)
            .ok_or(PairCodeError::MissingPairingRef)?;
        if let Ok(mut s) = self.pairing.pair_code.lock() {
            *s = PairCodeState::Waiting {
                code: code.clone(),
                ephemeral_private,
                phone_jid,
                pairing_ref,
            };
        }
        log::info!(target: "Client/PairCode", "pair code issued");
        self.dispatch_event(Event::PairingCode {
            code: code.clone(),
            timeout: code_validity(),
        });
        Ok(code)
    }
}

/// The phone entered the code: finish (in a task, since it awaits an IQ answer).
pub(crate) async fn handle_notification(client: &Arc<Client>, node: &Node) {
    let Some(reg) = node.get_optional_child("link_code_companion_reg").cloned() else {
        log::warn!(target: "Client/PairCode", "notification without link_code_companion_reg");
        return;
    };
    let c = Arc::clone(client);
    tokio::spawn(async move {
        if let Err(e) = finish(&c, &reg).await {
            log::error!(target: "Client/PairCode", "pair code finish failed: {e}");
        }
    });
}

async fn finish(client: &Arc<Client>, reg: &Node) -> Result<(), PairCodeError> {
    let (code, ephemeral_private, phone_jid, pairing_ref) = match client.pairing.pair_code.lock() {
        Ok(s) => match &*s {
            PairCodeState::Waiting {
                code,
                ephemeral_private,
                phone_jid,
                pairing_ref,
            } => (
                code.clone(),
                *ephemeral_private,
                phone_jid.clone(),
                pairing_ref.clone(),
            ),
            _ => return Err(PairCodeError::NotWaiting),
        },
        Err(_) => return Err(PairCodeError::NotWaiting),
    };
    let child_bytes = |tag: &'static str| {
        reg.get_optional_child(tag)
            .and_then(Node::content_bytes)
            .map(<[u8]>::to_vec)
    };
    if child_bytes("link_code_pairing_ref").as_deref() != Some(pairing_ref.as_slice()) {
        return Err(PairCodeError::CryptoError("pairing ref mismatch".into()));
    }
    let wrapped =
        child_bytes("link_code_pairing_wrapped_primary_ephemeral_pub").unwrap_or_default();
    let primary_identity = child_bytes("primary_identity_pub").unwrap_or_default();
    let primary_identity: [u8; 32] =
        primary_identity
            .as_slice()
            .try_into()
            .map_err(|_| PairCodeError::InvalidWrappedData {
                expected: 32,
                got: primary_identity.len(),
            })?;
    let primary_ephemeral =
        tokio::task::spawn_blocking(move || unwrap_ephemeral_pub(&wrapped, &code))
            .await
            .map_err(|e| PairCodeError::CryptoError(e.to_string()))??;

    let device = client.persistence_manager.get_device_snapshot().await;
    let identity_pub = *device.identity_key.public_key.public_key_bytes();
    let out = companion_finish(
        &ephemeral_private,
        &device.identity_key.private_key.serialize(),
        &identity_pub,
        &primary_ephemeral,
        &primary_identity,
        &FinishRandomness::random(),
    )?;
    client
        .persistence_manager
        .process_command(DeviceCommand::SetAdvSecretKey(out.adv_secret))
        .await;
    let finish = NodeBuilder::new("link_code_companion_reg")
        .jid_attr("jid", phone_jid)
        .attr("stage", "companion_finish")
        .children([
            bytes_child(
                "link_code_pairing_wrapped_key_bundle",
                out.wrapped_key_bundle.clone(),
            ),
            bytes_child("companion_identity_public", identity_pub.to_vec()),
            bytes_child("link_code_pairing_ref", pairing_ref),
        ])
        .build();
    client
        .send_iq(InfoQuery::set("md", vec![finish]))
        .await
        .map_err(|e| PairCodeError::RequestFailed(e.to_string()))?;
    log::info!(target: "Client/PairCode", "companion_finish sent; waiting for pair-success");
    Ok(())
}
