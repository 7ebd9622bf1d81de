//! The phone's side of pairing: reading a scanned QR, answering a pair code, and building the
//! ADV identity it signs with the account key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use prost::Message as _;
use tokio::sync::oneshot;
use wacore_libsignal::{PrivateKey, PublicKey};
use waproto::whatsapp as wa;

use super::{PhoneCore, PhoneHandle};
use crate::crypto;
use crate::error::{Error, Result};
use crate::jid;
use crate::pairing::{self, PairedDevice};
use crate::stanza::Stanza;
use crate::state::{ConnId, Outbound, World, unix_now};

/// Prefix of the account signature over a device identity.
const ACCOUNT_SIG_PREFIX: [u8; 2] = [6, 0];
/// Prefix of the device signature.
const DEVICE_SIG_PREFIX: [u8; 2] = [6, 1];
/// PBKDF2 rounds for pair-code key wrapping.
const CODE_ROUNDS: u32 = 2 << 16;
/// The wa.me prefix clients put in front of QR data.
const QR_PREFIX: &str = "https://wa.me/settings/linked_devices#";

/// A parsed QR string.
struct Qr {
    reference: String,
    noise: Vec<u8>,
    identity: Vec<u8>,
    adv_secret: Vec<u8>,
}

fn parse_qr(qr: &str) -> Result<Qr> {
    let body = qr.trim().strip_prefix(QR_PREFIX).unwrap_or(qr.trim());
    let parts: Vec<&str> = body.split(',').collect();
    let [reference, noise, identity, adv, ..] = parts.as_slice() else {
        return Err(Error::MalformedQr(
            "expected at least 4 comma-separated fields".into(),
        ));
    };
    let dec = |f: &str, what: &str| {
        STANDARD
            .decode(f)
            .map_err(|_| Error::MalformedQr(format!("{what} is not base64")))
    };
    let q = Qr {
        reference: (*reference).to_owned(),
        noise: dec(noise, "noise key")?,
        identity: dec(identity, "identity key")?,
        adv_secret: dec(adv, "adv secret")?,
    };
    if q.noise.len() != 32 || q.identity.len() != 32 || q.adv_secret.len() != 32 {
        return Err(Error::MalformedQr("keys must be 32 bytes".into()));
    }
    Ok(q)
}

/// Starts pairing the companion showing `qr`.
pub(super) fn scan_qr(
    phone: &PhoneHandle,
    qr: &str,
) -> Result<oneshot::Receiver<Result<PairedDevice>>> {
    let q = parse_qr(qr)?;
    let mut w = phone.shared().world();
    let conn = pairing::find_by_ref(&w, &q.reference)
        .ok_or_else(|| Error::UnknownQrRef(q.reference.clone()))?;
    let keys_match = w
        .pending
        .get(&conn)
        .is_some_and(|p| p.noise_key == q.noise && p.identity == q.identity);
    if !keys_match {
        return Err(Error::Pairing(
            "QR keys do not match the companion's registration".into(),
        ));
    }
    let (tx, rx) = oneshot::channel();
    pair_success(phone.core(), &mut w, conn, &q.adv_secret, tx)?;
    Ok(rx)
}

/// Builds the signed device identity and sends pair-success.
fn pair_success(
    phone: &PhoneCore,
    w: &mut World,
    conn: ConnId,
    adv_secret: &[u8],
    done: oneshot::Sender<Result<PairedDevice>>,
) -> Result<()> {
    let companion_identity = w
        .pending
        .get(&conn)
        .map(|p| p.identity.clone())
        .unwrap_or_default();
    let acc = w
        .account_mut(&phone.phone)
        .ok_or_else(|| Error::UnknownAccount(phone.phone.clone()))?;
    let device = acc.allocate_device();
    let key_index = u32::from(device);
    let details = wa::AdvDeviceIdentity {
        raw_id: Some(u32::from_be_bytes(crypto::random_bytes::<4>())),
        timestamp: Some(unix_now()),
        key_index: Some(key_index),
        account_type: Some(0),
        device_type: Some(0),
    }
    .encode_to_vec();
    let mut msg = ACCOUNT_SIG_PREFIX.to_vec();
    msg.extend_from_slice(&details);
    msg.extend_from_slice(&companion_identity);
    let identity = &phone.keys.identity;
    let signature = identity
        .private_key()
        .calculate_signature(&msg, &mut rand::rng());
    let signed = wa::AdvSignedDeviceIdentity {
        details: Some(details),
        account_signature_key: Some(identity.public_key().public_key_bytes().to_vec()),
        account_signature: Some(signature.to_vec()),
        device_signature: None,
    }
    .encode_to_vec();
    let hmac = crypto::hmac_sha256(adv_secret, &signed);
    let container = wa::AdvSignedDeviceIdentityHmac {
        details: Some(signed),
        hmac: Some(hmac.to_vec()),
        account_type: None,
    }
    .encode_to_vec();
    pairing::send_pair_success(w, conn, &phone.phone, device, key_index, container, done)
}

/// Checks the companion's device signature in its `pair-device-sign` answer.
pub(crate) fn verify_device_signature(
    signed_identity: &[u8],
    companion_identity: &[u8],
    account_key: &[u8],
) -> Result<()> {
    let signed = wa::AdvSignedDeviceIdentity::decode(signed_identity)
        .map_err(|_| Error::Pairing("pair-device-sign is not an ADVSignedDeviceIdentity".into()))?;
    let (Some(details), Some(dev_sig)) =
        (signed.details.as_ref(), signed.device_signature.as_ref())
    else {
        return Err(Error::Pairing(
            "pair-device-sign lacks details or device signature".into(),
        ));
    };
    let key = PublicKey::from_djb_public_key_bytes(companion_identity)
        .map_err(|_| Error::Pairing("bad companion identity key".into()))?;
    let mut msg = DEVICE_SIG_PREFIX.to_vec();
    msg.extend_from_slice(details);
    msg.extend_from_slice(companion_identity);
    // Clients omit the account key when answering; it is the one the phone sent.
    msg.extend_from_slice(account_key);
    if !key.verify_signature(&msg, dev_sig) {
        return Err(Error::Pairing(
            "companion device signature does not verify".into(),
        ));
    }
    Ok(())
}

/// Wraps a 32-byte key with the pair code: salt || iv || AES-CTR(PBKDF2(code, salt), key).
fn wrap_with_code(code: &str, key: &[u8; 32]) -> Vec<u8> {
    let salt = crypto::random_bytes::<32>();
    let iv = crypto::random_bytes::<16>();
    let k = crypto::pbkdf2_sha256(code.as_bytes(), &salt, CODE_ROUNDS);
    let mut out = salt.to_vec();
    out.extend_from_slice(&iv);
    out.extend(crypto::aes_ctr(&k, &iv, key));
    out
}

/// Unwraps a code-wrapped key.
fn unwrap_with_code(code: &str, wrapped: &[u8]) -> Option<[u8; 32]> {
    let salt = wrapped.get(..32)?;
    let iv: [u8; 16] = wrapped.get(32..48)?.try_into().ok()?;
    let ct = wrapped.get(48..80)?;
    let k = crypto::pbkdf2_sha256(code.as_bytes(), salt, CODE_ROUNDS);
    crypto::aes_ctr(&k, &iv, ct).try_into().ok()
}

/// The phone enters a companion's pair code: it answers with `primary_hello`.
pub(super) fn enter_code(
    phone: &PhoneHandle,
    code: &str,
) -> Result<oneshot::Receiver<Result<PairedDevice>>> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    if code.len() != 8 {
        return Err(Error::UnknownPairCode);
    }
    let mut w = phone.shared().world();
    let conns = pairing::find_by_code_phone(&w, phone.phone());
    let conn = conns.last().copied().ok_or(Error::UnknownPairCode)?;
    let wrapped = w
        .pending
        .get(&conn)
        .and_then(|p| p.code.as_ref())
        .map(|c| c.wrapped_ephemeral.clone());
    let companion_eph = wrapped
        .as_deref()
        .and_then(|wr| unwrap_with_code(&code, wr))
        .ok_or(Error::UnknownPairCode)?;
    let eph = PrivateKey::generate(&mut rand::rng());
    let eph_pub = *eph.public_key().public_key_bytes();
    let (tx, rx) = oneshot::channel();
    let Some(req) = w.pending.get_mut(&conn).and_then(|p| p.code.as_mut()) else {
        return Err(Error::UnknownPairCode);
    };
    req.primary_ephemeral = Some(eph.serialize());
    req.companion_ephemeral = Some(companion_eph);
    req.done = Some(tx);
    let pairing_ref = req.pairing_ref.clone();
    let identity_pub = phone
        .core()
        .keys
        .identity
        .public_key()
        .public_key_bytes()
        .to_vec();
    let id = w.next_stanza_id();
    let note = Stanza::new("notification")
        .attr("from", jid::PN)
        .attr("type", "link_code_companion_reg")
        .attr("id", id)
        .attr("t", unix_now().to_string())
        .child(
            Stanza::new("link_code_companion_reg")
                .attr("stage", "primary_hello")
                .children([
                    Stanza::new("link_code_pairing_wrapped_primary_ephemeral_pub")
                        .bytes(wrap_with_code(&code, &eph_pub)),
                    Stanza::new("primary_identity_pub").bytes(identity_pub),
                    Stanza::new("link_code_pairing_ref").bytes(pairing_ref.into_bytes()),
                ]),
        );
    w.send_conn(conn, Outbound::Stanza(note));
    Ok(rx)
}

/// The companion's `companion_finish`: derive the ADV secret and send pair-success.
pub(crate) fn on_companion_finish(
    w: &mut World,
    conn: ConnId,
    bundle: Vec<u8>,
    companion_identity: Vec<u8>,
) {
    let Some(req) = w.pending.get_mut(&conn).and_then(|p| p.code.as_mut()) else {
        return;
    };
    let done = req.done.take();
    let phone_no = req.phone.clone();
    let outcome = finish_code(w, conn, &bundle, &companion_identity);
    let phone = w.phones.get(&phone_no).cloned();
    let result: Result<()> = match (outcome, phone, done) {
        (Ok(adv_secret), Some(core), Some(done)) => {
            match pair_success(&core, w, conn, &adv_secret, done) {
                Ok(()) => return,
                Err(e) => Err(e),
            }
        }
        (Err(e), _, Some(done)) => {
            let _ = done.send(Err(Error::Pairing(e.to_string())));
            Err(e)
        }
        _ => Err(Error::Pairing(
            "no phone is waiting for this pair code".into(),
        )),
    };
    if let Err(e) = result {
        log::warn!(target: "TestServer/Pair", "pair code finish failed: {e}");
    }
}

fn finish_code(
    w: &World,
    conn: ConnId,
    bundle: &[u8],
    companion_identity: &[u8],
) -> Result<Vec<u8>> {
    let p = w
        .pending
        .get(&conn)
        .ok_or_else(|| Error::Pairing("companion gone".into()))?;
    let req = p
        .code
        .as_ref()
        .ok_or_else(|| Error::Pairing("no pair-code request".into()))?;
    let (Some(eph), Some(comp_eph)) = (req.primary_ephemeral, req.companion_ephemeral) else {
        return Err(Error::Pairing("pair code not entered yet".into()));
    };
    let core = w
        .phones
        .get(&req.phone)
        .ok_or_else(|| Error::UnknownAccount(req.phone.clone()))?;
    let eph = PrivateKey::from_bytes(eph);
    let comp_eph = PublicKey::from_djb_public_key_bytes(&comp_eph)
        .map_err(|e| Error::Pairing(e.to_string()))?;
    let shared = eph.calculate_agreement(&comp_eph);
    let salt = bundle
        .get(..32)
        .ok_or_else(|| Error::Pairing("short key bundle".into()))?;
    let iv: [u8; 12] = bundle
        .get(32..44)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| Error::Pairing("short key bundle".into()))?;
    let ct = bundle.get(44..).unwrap_or(&[]);
    let key = crypto::hkdf(
        &shared,
        Some(salt),
        b"link_code_pairing_key_bundle_encryption_key",
        32,
    )?;
    let plain = crypto::gcm_decrypt(&key, &iv, &[], ct)?;
    let (Some(cid), Some(pid), Some(random)) =
        (plain.get(..32), plain.get(32..64), plain.get(64..96))
    else {
        return Err(Error::Pairing("key bundle has the wrong size".into()));
    };
    let my_identity = core.keys.identity.public_key().public_key_bytes();
    if cid != companion_identity || cid != p.identity.as_slice() || pid != my_identity.as_slice() {
        return Err(Error::Pairing("key bundle identities do not match".into()));
    }
    let cid_key =
        PublicKey::from_djb_public_key_bytes(cid).map_err(|e| Error::Pairing(e.to_string()))?;
    let identity_shared = core
        .keys
        .identity
        .private_key()
        .calculate_agreement(&cid_key);
    let mut ikm = shared.to_vec();
    ikm.extend_from_slice(&identity_shared);
    ikm.extend_from_slice(random);
    crypto::hkdf(&ikm, None, b"adv_secret", 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_wrapping_round_trips() {
        let key = [9u8; 32];
        let wrapped = wrap_with_code("ABCD1234", &key);
        assert_eq!(wrapped.len(), 80);
        assert_eq!(unwrap_with_code("ABCD1234", &wrapped), Some(key));
        assert_ne!(unwrap_with_code("ZZZZ1234", &wrapped), Some(key));
    }

    #[test]
    fn qr_parsing() {
        let k = STANDARD.encode([1u8; 32]);
        let qr = format!("{QR_PREFIX}2@abc,{k},{k},{k},1");
        let q = parse_qr(&qr).unwrap();
        assert_eq!(q.reference, "2@abc");
        assert!(parse_qr("a,b").is_err());
        assert!(parse_qr(&format!("r,{k},{k},AAAA")).is_err());
    }
}
