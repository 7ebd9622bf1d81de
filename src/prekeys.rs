//! Keeping enough one-time pre-keys on the server: after login (and on an
//! `encrypt` count notification) the client asks how many are left and uploads a
//! fresh batch of [`UPLOAD_PRE_KEY_COUNT`] (812, WhatsApp Web's `UPLOAD_KEYS_COUNT`; the
//! first login after pairing always finds 0) when fewer than [`MIN_PRE_KEY_COUNT`] remain.

use std::sync::Arc;

use wacore::iq::prekeys::{
    INITIAL_PRE_KEY_COUNT, MIN_PRE_KEY_COUNT, PreKeyCountIq, UploadPreKey, UploadPreKeysIq,
    UploadSignedPreKey,
};
use wacore_binary::node::Node;
use wacore_libsignal::{MAX_PRE_KEY_ID, generate_pre_keys};

use crate::client::Client;
use crate::error::IqError;
use crate::store::DeviceCommand;

/// Pre-keys per upload, as WhatsApp Web (`UPLOAD_KEYS_COUNT`).
pub(crate) const UPLOAD_PRE_KEY_COUNT: u32 = INITIAL_PRE_KEY_COUNT;

/// Why a pre-key upload failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreKeyError {
    /// The count or upload IQ failed.
    #[error("pre-key IQ failed: {0}")]
    Iq(#[from] IqError),
    /// Storing the generated keys failed.
    #[error("failed to store pre-keys: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// Checks the server's count and uploads a batch when it is low. Returns how many
/// keys were uploaded.
pub(crate) async fn upload_pre_keys_if_needed(client: &Arc<Client>) -> Result<u32, PreKeyError> {
    let count = client.execute(PreKeyCountIq).await?;
    log::debug!(target: "Client", "server has {count} pre-keys");
    if count >= MIN_PRE_KEY_COUNT {
        return Ok(0);
    }
    upload_pre_keys(client, UPLOAD_PRE_KEY_COUNT).await?;
    Ok(UPLOAD_PRE_KEY_COUNT)
}

/// Generates, stores and uploads `n` pre-keys.
pub(crate) async fn upload_pre_keys(client: &Arc<Client>, n: u32) -> Result<(), PreKeyError> {
    let device = client.persistence_manager.get_device_snapshot().await;
    let start = device.next_pre_key_id.max(1);
    let records = generate_pre_keys(start, n, &mut rand::rng());
    let backend = client.persistence_manager.backend();
    let batch: Vec<(u32, Vec<u8>)> = records.iter().map(|r| (r.id(), r.serialize())).collect();
    backend.store_prekeys_batch(&batch, false).await?;
    let iq = UploadPreKeysIq {
        registration_id: device.registration_id,
        identity: *device.identity_key.public_key.public_key_bytes(),
        pre_keys: records
            .iter()
            .map(|r| UploadPreKey {
                id: r.id(),
                public: *r.public_key().public_key_bytes(),
            })
            .collect(),
        signed_pre_key: UploadSignedPreKey {
            id: device.signed_pre_key_id,
            public: *device.signed_pre_key.public_key.public_key_bytes(),
            signature: device.signed_pre_key_signature,
        },
    };
    log::info!(target: "Client", "uploading {n} pre-keys");
    client.execute(iq).await?;
    backend.store_prekeys_batch(&batch, true).await?;
    let next = (start.saturating_sub(1).saturating_add(n) % MAX_PRE_KEY_ID) + 1;
    client
        .persistence_manager
        .process_command(DeviceCommand::SetNextPreKeyId(next))
        .await;
    Ok(())
}

/// `<notification type="encrypt"><count value=N/>`: top up when low.
pub(crate) fn handle_encrypt_notification(client: &Arc<Client>, node: &Node) {
    let low = node
        .get_optional_child("count")
        .and_then(|c| c.get_attr("value"))
        .and_then(|v| v.as_str().parse::<u32>().ok())
        .is_some_and(|n| n < MIN_PRE_KEY_COUNT);
    if low {
        let c = Arc::clone(client);
        tokio::spawn(async move {
            if let Err(e) = upload_pre_keys(&c, UPLOAD_PRE_KEY_COUNT).await {
                log::warn!(target: "Client", "pre-key top-up failed: {e}");
            }
        });
    }
}
