//! The phone's Signal state: pairwise sessions with every device it talks to, the sender keys of
//! group members, its own sender key per group, and the helpers that encrypt and decrypt
//! WhatsApp's padded message plaintexts with them.
//!
//! Remote devices are keyed by account phone number and device number, so a peer that addresses
//! the phone by LID in one message and by phone number in the next keeps one session.

use std::collections::{HashMap, HashSet};

use wacore_libsignal::{
    CiphertextMessage, IdentityKey, PreKeyBundle, PreKeyMaterial, PreKeySignalMessage, PublicKey,
    SenderKeyDistributionMessage, SenderKeyRecord, SessionRecord, SignalMessage,
    decrypt_prekey_message, decrypt_signal_message, encrypt_message, initiate_session,
    sender_key_decrypt, sender_key_distribution, sender_key_encrypt,
    sender_key_process_distribution,
};

use super::PhoneKeys;
use crate::error::{Error, Result};
use crate::iq::prekeys::be_uint;
use crate::stanza::Stanza;

/// A remote device: (account phone number, device number).
pub(crate) type DeviceKey = (String, u16);

/// Everything the phone keeps for Signal.
#[derive(Debug, Default)]
pub(crate) struct SignalState {
    sessions: HashMap<DeviceKey, SessionRecord>,
    sender_keys: HashMap<(String, DeviceKey), SenderKeyRecord>,
    own_sender_keys: HashMap<String, SenderKeyRecord>,
    /// Devices that already hold the phone's sender key, per group.
    pub skdm_sent: HashMap<String, HashSet<DeviceKey>>,
}

fn crypto(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Crypto(format!("{what}: {e}"))
}

/// WhatsApp's plaintext padding: 1 to 16 bytes, each holding the pad length.
pub(crate) fn pad(mut plain: Vec<u8>) -> Vec<u8> {
    let n = (rand::random::<u8>() & 0x0f) + 1;
    plain.extend(std::iter::repeat_n(n, usize::from(n)));
    plain
}

/// Removes the padding; `None` when the last byte does not describe a valid pad.
pub(crate) fn unpad(mut plain: Vec<u8>) -> Option<Vec<u8>> {
    let n = usize::from(*plain.last()?);
    if n == 0 || n > plain.len() {
        return None;
    }
    plain.truncate(plain.len() - n);
    Some(plain)
}

/// Builds a pre-key bundle from the server's `<user>` answer children
/// (`registration`, `identity`, `skey`, optional `key`).
pub(crate) fn bundle_from_nodes(kids: &[Stanza], device: u16) -> Result<PreKeyBundle> {
    let find = |tag: &str| kids.iter().find(|k| k.tag == tag);
    let data = |n: Option<&Stanza>, what: &str| {
        n.and_then(Stanza::data)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| crypto("bundle", format!("no {what}")))
    };
    let reg = be_uint(&data(find("registration"), "registration")?)
        .ok_or_else(|| crypto("bundle", "registration"))?;
    let identity = data(find("identity"), "identity")?;
    let skey = find("skey").ok_or_else(|| crypto("bundle", "no skey"))?;
    let sk_id =
        be_uint(&data(skey.first("id"), "skey id")?).ok_or_else(|| crypto("bundle", "skey id"))?;
    let sk_pub = data(skey.first("value"), "skey value")?;
    let sk_sig = data(skey.first("signature"), "skey signature")?;
    let pre_key = match find("key") {
        Some(k) => {
            let id = be_uint(&data(k.first("id"), "key id")?)
                .ok_or_else(|| crypto("bundle", "key id"))?;
            let v = data(k.first("value"), "key value")?;
            Some((
                id,
                PublicKey::from_djb_public_key_bytes(&v).map_err(|e| crypto("bundle key", e))?,
            ))
        }
        None => None,
    };
    Ok(PreKeyBundle::new(
        reg,
        u32::from(device),
        pre_key,
        sk_id,
        PublicKey::from_djb_public_key_bytes(&sk_pub).map_err(|e| crypto("bundle skey", e))?,
        sk_sig,
        IdentityKey::from(
            PublicKey::from_djb_public_key_bytes(&identity)
                .map_err(|e| crypto("bundle identity", e))?,
        ),
    ))
}

impl SignalState {
    /// Whether a session with `dev` exists.
    pub fn has_session(&self, dev: &DeviceKey) -> bool {
        self.sessions
            .get(dev)
            .is_some_and(SessionRecord::has_usable_sender_chain)
    }

    /// Starts a session with `dev` from its bundle.
    pub fn start_session(
        &mut self,
        keys: &PhoneKeys,
        dev: &DeviceKey,
        bundle: &PreKeyBundle,
    ) -> Result<()> {
        let record = self
            .sessions
            .entry(dev.clone())
            .or_insert_with(SessionRecord::new_fresh);
        initiate_session(
            record,
            bundle,
            &keys.identity,
            keys.registration_id,
            &mut rand::rng(),
        )
        .map_err(|e| crypto("initiate session", e))
    }

    /// Encrypts a padded plaintext for `dev`; returns the `<enc>` type and bytes.
    pub fn encrypt(
        &mut self,
        dev: &DeviceKey,
        plaintext: &[u8],
    ) -> Result<(&'static str, Vec<u8>)> {
        let record = self
            .sessions
            .get_mut(dev)
            .ok_or_else(|| crypto("encrypt", "no session"))?;
        let msg = encrypt_message(record, plaintext).map_err(|e| crypto("encrypt", e))?;
        let ty = match msg {
            CiphertextMessage::PreKeySignalMessage(_) => "pkmsg",
            CiphertextMessage::SignalMessage(_) => "msg",
        };
        Ok((ty, msg.into_bytes()))
    }

    /// Decrypts a `pkmsg` or `msg` from `dev` (padding still on).
    pub fn decrypt(
        &mut self,
        keys: &PhoneKeys,
        dev: &DeviceKey,
        ty: &str,
        body: &[u8],
    ) -> Result<Vec<u8>> {
        let record = self
            .sessions
            .entry(dev.clone())
            .or_insert_with(SessionRecord::new_fresh);
        match ty {
            "pkmsg" => {
                let msg = PreKeySignalMessage::deserialize(body).map_err(|e| crypto("pkmsg", e))?;
                let one_time = msg
                    .pre_key_id()
                    .and_then(|id| keys.prekeys.iter().find(|k| k.id() == id));
                let material = PreKeyMaterial {
                    our_identity: &keys.identity,
                    our_registration_id: keys.registration_id,
                    signed_pre_key: Some(&keys.signed_prekey),
                    one_time_pre_key: one_time,
                };
                decrypt_prekey_message(record, &msg, &material, &mut rand::rng())
                    .map(|d| d.plaintext)
                    .map_err(|e| crypto("pkmsg", e))
            }
            "msg" => {
                let msg = SignalMessage::deserialize(body).map_err(|e| crypto("msg", e))?;
                decrypt_signal_message(record, &msg, &mut rand::rng()).map_err(|e| crypto("msg", e))
            }
            other => Err(crypto("decrypt", format!("unknown enc type {other:?}"))),
        }
    }

    /// Records a group member's sender key from its distribution message.
    pub fn process_skdm(&mut self, group: &str, sender: &DeviceKey, skdm: &[u8]) -> Result<()> {
        let msg = SenderKeyDistributionMessage::deserialize(skdm).map_err(|e| crypto("skdm", e))?;
        let record = self
            .sender_keys
            .entry((group.to_owned(), sender.clone()))
            .or_default();
        sender_key_process_distribution(record, &msg);
        Ok(())
    }

    /// Decrypts a `skmsg` from a group member (padding still on).
    pub fn group_decrypt(
        &mut self,
        group: &str,
        sender: &DeviceKey,
        body: &[u8],
    ) -> Result<Vec<u8>> {
        let record = self
            .sender_keys
            .get_mut(&(group.to_owned(), sender.clone()))
            .ok_or_else(|| crypto("skmsg", "no sender key from that member"))?;
        sender_key_decrypt(record, body).map_err(|e| crypto("skmsg", e))
    }

    /// The phone's distribution message for a group (creating its sender key on first use).
    pub fn own_skdm(&mut self, group: &str) -> Result<Vec<u8>> {
        let record = self.own_sender_keys.entry(group.to_owned()).or_default();
        sender_key_distribution(record, &mut rand::rng())
            .map(|m| m.serialized().to_vec())
            .map_err(|e| crypto("own skdm", e))
    }

    /// Encrypts a padded plaintext with the phone's sender key for a group.
    pub fn group_encrypt(&mut self, group: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let record = self.own_sender_keys.entry(group.to_owned()).or_default();
        if record.is_empty() {
            sender_key_distribution(record, &mut rand::rng()).map_err(|e| crypto("own skdm", e))?;
        }
        sender_key_encrypt(record, plaintext, &mut rand::rng())
            .map(|m| m.into_bytes())
            .map_err(|e| crypto("skmsg", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trips_and_rejects_bad_pads() {
        for _ in 0..50 {
            let p = pad(b"hello".to_vec());
            assert!(p.len() > 5 && p.len() <= 21);
            assert_eq!(unpad(p).unwrap(), b"hello");
        }
        assert!(unpad(vec![]).is_none());
        assert!(unpad(vec![1, 2, 9]).is_none());
        assert!(unpad(vec![0]).is_none());
    }
}
