//! Store-driven 1:1 operations, as libsignal's API: load the records, run the
//! synchronous core, check trust, then save. Nothing is saved when an
//! operation fails.

use crate::address::ProtocolAddress;
use crate::error::{Result, SignalProtocolError};
use crate::identity::IdentityKey;
use crate::protocol::{CiphertextMessage, PreKeySignalMessage, SignalMessage};
use crate::session_builder::initiate_session;
use crate::session_cipher::{
    PreKeyMaterial, decrypt_prekey_message, decrypt_signal_message, encrypt_message,
};
use crate::state::{PreKeyBundle, SessionRecord};
use crate::storage::{Direction, IdentityKeyStore, PreKeyStore, SessionStore, SignedPreKeyStore};

async fn check_trust(
    identity_store: &dyn IdentityKeyStore,
    remote: &ProtocolAddress,
    identity: &IdentityKey,
    direction: Direction,
) -> Result<()> {
    if identity_store
        .is_trusted_identity(remote, identity, direction)
        .await?
    {
        Ok(())
    } else {
        log::warn!("untrusted identity for {remote} ({direction:?})");
        Err(SignalProtocolError::UntrustedIdentity(remote.clone()))
    }
}

/// Starts a session with `remote` from its pre-key bundle (X3DH initiator).
pub async fn process_prekey_bundle(
    remote: &ProtocolAddress,
    session_store: &mut dyn SessionStore,
    identity_store: &mut dyn IdentityKeyStore,
    bundle: &PreKeyBundle,
) -> Result<()> {
    let their_identity = *bundle.identity_key();
    check_trust(identity_store, remote, &their_identity, Direction::Sending).await?;
    let our_identity = identity_store.get_identity_key_pair().await?;
    let our_registration_id = identity_store.get_local_registration_id().await?;
    let mut record = session_store
        .load_session(remote)
        .await?
        .unwrap_or_else(SessionRecord::new_fresh);
    initiate_session(
        &mut record,
        bundle,
        &our_identity,
        our_registration_id,
        &mut rand::rng(),
    )?;
    identity_store
        .save_identity(remote, &their_identity)
        .await?;
    session_store.store_session(remote, record).await
}

/// Encrypts `plaintext` for `remote` (`pkmsg` until the peer answers, `msg` after).
pub async fn message_encrypt(
    plaintext: &[u8],
    remote: &ProtocolAddress,
    session_store: &mut dyn SessionStore,
    identity_store: &mut dyn IdentityKeyStore,
) -> Result<CiphertextMessage> {
    let mut record = session_store
        .load_session(remote)
        .await?
        .ok_or_else(|| SignalProtocolError::NoSession(remote.to_string()))?;
    let their_identity = *record
        .session_state()
        .ok_or_else(|| SignalProtocolError::NoSession(remote.to_string()))?
        .remote_identity_key();
    check_trust(identity_store, remote, &their_identity, Direction::Sending).await?;
    let message = encrypt_message(&mut record, plaintext)?;
    identity_store
        .save_identity(remote, &their_identity)
        .await?;
    session_store.store_session(remote, record).await?;
    Ok(message)
}

/// Decrypts a message from `remote`, dispatching on its kind (`pkmsg` / `msg`).
pub async fn message_decrypt(
    ciphertext: &CiphertextMessage,
    remote: &ProtocolAddress,
    session_store: &mut dyn SessionStore,
    identity_store: &mut dyn IdentityKeyStore,
    pre_key_store: &mut dyn PreKeyStore,
    signed_pre_key_store: &dyn SignedPreKeyStore,
) -> Result<Vec<u8>> {
    match ciphertext {
        CiphertextMessage::SignalMessage(m) => {
            message_decrypt_signal(m, remote, session_store, identity_store).await
        }
        CiphertextMessage::PreKeySignalMessage(m) => {
            message_decrypt_prekey(
                m,
                remote,
                session_store,
                identity_store,
                pre_key_store,
                signed_pre_key_store,
            )
            .await
        }
    }
}

/// Decrypts a `PreKeySignalMessage` from `remote`, building the session if
/// needed and consuming the one-time pre-key it used.
pub async fn message_decrypt_prekey(
    message: &PreKeySignalMessage,
    remote: &ProtocolAddress,
    session_store: &mut dyn SessionStore,
    identity_store: &mut dyn IdentityKeyStore,
    pre_key_store: &mut dyn PreKeyStore,
    signed_pre_key_store: &dyn SignedPreKeyStore,
) -> Result<Vec<u8>> {
    let their_identity = *message.identity_key();
    check_trust(
        identity_store,
        remote,
        &their_identity,
        Direction::Receiving,
    )
    .await?;
    let mut record = session_store
        .load_session(remote)
        .await?
        .unwrap_or_else(SessionRecord::new_fresh);
    let known = record.has_session_state(u32::from(message.message_version()), message.base_key());
    let (signed_pre_key, one_time_pre_key) = if known {
        (None, None)
    } else {
        let spk = signed_pre_key_store
            .get_signed_pre_key(message.signed_pre_key_id())
            .await?;
        let opk = match message.pre_key_id() {
            Some(id) => pre_key_store.get_pre_key(id).await?,
            None => None,
        };
        (spk, opk)
    };
    let our_identity = identity_store.get_identity_key_pair().await?;
    let our_registration_id = identity_store.get_local_registration_id().await?;
    let material = PreKeyMaterial {
        our_identity: &our_identity,
        our_registration_id,
        signed_pre_key: signed_pre_key.as_ref(),
        one_time_pre_key: one_time_pre_key.as_ref(),
    };
    let result = decrypt_prekey_message(&mut record, message, &material, &mut rand::rng())?;
    identity_store
        .save_identity(remote, &their_identity)
        .await?;
    session_store.store_session(remote, record).await?;
    if let Some(id) = result.used_pre_key_id {
        pre_key_store.remove_pre_key(id).await?;
    }
    Ok(result.plaintext)
}

/// Decrypts a `SignalMessage` from `remote`.
pub async fn message_decrypt_signal(
    message: &SignalMessage,
    remote: &ProtocolAddress,
    session_store: &mut dyn SessionStore,
    identity_store: &mut dyn IdentityKeyStore,
) -> Result<Vec<u8>> {
    let mut record = session_store
        .load_session(remote)
        .await?
        .ok_or_else(|| SignalProtocolError::NoSession(remote.to_string()))?;
    let plaintext = decrypt_signal_message(&mut record, message, &mut rand::rng())?;
    let their_identity = *record
        .session_state()
        .ok_or_else(|| SignalProtocolError::NoSession(remote.to_string()))?
        .remote_identity_key();
    check_trust(
        identity_store,
        remote,
        &their_identity,
        Direction::Receiving,
    )
    .await?;
    identity_store
        .save_identity(remote, &their_identity)
        .await?;
    session_store.store_session(remote, record).await?;
    Ok(plaintext)
}
