//! Pairing a new companion: `pair-device` refs for its QR, pair-code registration
//! (`link_code_companion_reg`), `pair-success` with the phone-signed ADV identity, the
//! companion's `pair-device-sign` answer and the 515 reconnect.
//!
//! The phone's side of the exchange (signing, pair-code crypto) is in `phone/pair.rs`.

use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::jid::{self, Jid};
use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::{ConnId, Device, Outbound, SignedPreKey, World, unix_now};

/// What a phone learns when a companion finished pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedDevice {
    /// The companion's device JID in PN form (`phone:device@s.whatsapp.net`).
    pub jid: String,
    /// The companion's device JID in LID form.
    pub lid: String,
    /// Its device number.
    pub device: u16,
}

/// A pair-code request from a companion (`companion_hello`).
#[derive(Debug)]
pub(crate) struct CodeRequest {
    /// The account the companion claims.
    pub phone: String,
    /// salt(32) || iv(16) || AES-CTR(code key, companion ephemeral public).
    pub wrapped_ephemeral: Vec<u8>,
    /// The pairing ref the server handed out.
    pub pairing_ref: String,
    /// The phone's ephemeral secret once it entered the code.
    pub primary_ephemeral: Option<[u8; 32]>,
    /// The companion's ephemeral public key recovered with the code.
    pub companion_ephemeral: Option<[u8; 32]>,
    /// Who to tell when pairing completes.
    pub done: Option<oneshot::Sender<Result<PairedDevice>>>,
}

/// The pair-success IQ the server is waiting to see answered.
#[derive(Debug)]
pub(crate) struct Awaiting {
    /// Id of the pair-success IQ.
    pub iq_id: String,
    /// Account being paired.
    pub phone: String,
    /// Device number allocated.
    pub device: u16,
    /// ADV key index.
    pub key_index: u32,
    /// Who to tell when it completes.
    pub done: Option<oneshot::Sender<Result<PairedDevice>>>,
}

/// A companion that connected with a registration payload and is not paired yet.
#[derive(Debug)]
pub(crate) struct Pending {
    /// Refs sent in `pair-device` (any of them may appear in a scanned QR).
    pub refs: Vec<String>,
    /// The companion's Noise static public key.
    pub noise_key: Vec<u8>,
    /// Its Signal identity public key.
    pub identity: Vec<u8>,
    /// Its registration id.
    pub registration_id: u32,
    /// Its signed pre-key.
    pub signed_prekey: Option<SignedPreKey>,
    /// Platform name from its device props.
    pub platform: String,
    /// Its push name, if it sent one.
    pub push_name: String,
    /// A pair-code request, if it made one.
    pub code: Option<CodeRequest>,
    /// A pair-success in flight.
    pub awaiting: Option<Awaiting>,
}

/// A random base64-ish ref like the server's (`2@...`).
pub(crate) fn new_ref() -> String {
    let b = crate::keys::random32();
    let body: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("2@{body}")
}

/// Registers a pending companion and sends it `pair-device` with fresh refs.
pub(crate) fn start(w: &mut World, conn: ConnId, mut pending: Pending, ref_count: usize) {
    pending.refs = (0..ref_count.max(1)).map(|_| new_ref()).collect();
    let id = w.next_stanza_id();
    let refs: Vec<Stanza> = pending
        .refs
        .iter()
        .map(|r| Stanza::new("ref").bytes(r.as_bytes().to_vec()))
        .collect();
    let iq = Stanza::new("iq")
        .attr("from", jid::PN)
        .attr("type", "set")
        .attr("id", id)
        .attr("xmlns", "md")
        .child(Stanza::new("pair-device").children(refs));
    w.pending.insert(conn, pending);
    w.send_conn(conn, Outbound::Stanza(iq));
}

/// Finds the pending companion showing `qr_ref`.
pub(crate) fn find_by_ref(w: &World, qr_ref: &str) -> Option<ConnId> {
    w.pending
        .iter()
        .find(|(_, p)| p.refs.iter().any(|r| r == qr_ref))
        .map(|(c, _)| *c)
}

/// Finds the pending companion with a pair-code request for `phone`.
pub(crate) fn find_by_code_phone(w: &World, phone: &str) -> Vec<ConnId> {
    w.pending
        .iter()
        .filter(|(_, p)| p.code.as_ref().is_some_and(|c| c.phone == phone))
        .map(|(c, _)| *c)
        .collect()
}

/// Sends `pair-success` to a pending companion and remembers what to expect back.
pub(crate) fn send_pair_success(
    w: &mut World,
    conn: ConnId,
    phone: &str,
    device: u16,
    key_index: u32,
    device_identity_hmac: Vec<u8>,
    done: oneshot::Sender<Result<PairedDevice>>,
) -> Result<()> {
    let lid = w
        .account(phone)
        .map(|a| a.lid.clone())
        .ok_or_else(|| Error::UnknownAccount(phone.to_owned()))?;
    let platform = w
        .pending
        .get(&conn)
        .map(|p| p.platform.clone())
        .unwrap_or_default();
    let id = w.next_stanza_id();
    let iq = Stanza::new("iq")
        .attr("from", jid::PN)
        .attr("type", "set")
        .attr("id", id.clone())
        .attr("xmlns", "md")
        .attr("t", unix_now().to_string())
        .child(
            Stanza::new("pair-success").children([
                Stanza::new("device-identity").bytes(device_identity_hmac),
                Stanza::new("platform").attr(
                    "name",
                    if platform.is_empty() {
                        "web".to_owned()
                    } else {
                        platform
                    },
                ),
                Stanza::new("device")
                    .attr("jid", Jid::device(phone, device, jid::PN).to_string())
                    .attr("lid", Jid::device(&lid, device, jid::LID).to_string()),
            ]),
        );
    let Some(p) = w.pending.get_mut(&conn) else {
        return Err(Error::Pairing("the companion disconnected".into()));
    };
    p.awaiting = Some(Awaiting {
        iq_id: id,
        phone: phone.to_owned(),
        device,
        key_index,
        done: Some(done),
    });
    if !w.send_conn(conn, Outbound::Stanza(iq)) {
        return Err(Error::Pairing("the companion disconnected".into()));
    }
    Ok(())
}

/// Answers to server-initiated IQs: the companion's `pair-device-sign`.
pub(crate) fn on_iq_answer(s: &Session, w: &mut World, iq: &Stanza) {
    let id = iq.get_or_empty("id");
    let Some(p) = w.pending.get_mut(&s.conn) else {
        return;
    };
    if p.awaiting.as_ref().is_none_or(|a| a.iq_id != id) {
        return;
    }
    let Some(mut awaiting) = p.awaiting.take() else {
        return;
    };
    let done = awaiting.done.take();
    let signed = iq
        .first("pair-device-sign")
        .and_then(|n| n.first("device-identity"))
        .and_then(Stanza::data);
    let outcome = match signed {
        Some(bytes) if iq.get("type") == Some("result") => {
            finish(w, s.conn, &awaiting, bytes.to_vec())
        }
        _ => Err(Error::Pairing("companion rejected pair-success".into())),
    };
    if let Ok(paired) = &outcome {
        // The companion must reconnect and log in as the new device.
        w.send_conn(s.conn, Outbound::StreamError(515));
        crate::phone::on_companion_paired(&s.shared, w, &awaiting.phone, paired.device);
    }
    if let Some(tx) = done {
        let _ = tx.send(outcome);
    }
}

/// Stores the new device from the pending companion.
fn finish(
    w: &mut World,
    conn: ConnId,
    a: &Awaiting,
    signed_identity: Vec<u8>,
) -> Result<PairedDevice> {
    let account_key = w
        .phones
        .get(&a.phone)
        .map(|c| c.identity_public().to_vec())
        .unwrap_or_default();
    let companion = w
        .pending
        .get(&conn)
        .map(|p| p.identity.clone())
        .unwrap_or_default();
    crate::phone::verify_device_signature(&signed_identity, &companion, &account_key)?;
    let p = w
        .pending
        .remove(&conn)
        .ok_or_else(|| Error::Pairing("the companion disconnected".into()))?;
    let acc = w
        .account_mut(&a.phone)
        .ok_or_else(|| Error::UnknownAccount(a.phone.clone()))?;
    let mut d = Device::new(a.device, p.noise_key, p.identity, p.registration_id);
    d.signed_prekey = p.signed_prekey;
    d.key_index = a.key_index;
    d.platform = p.platform;
    d.adv_identity = signed_identity;
    acc.devices.insert(a.device, d);
    if acc.push_name.is_empty() && !p.push_name.is_empty() {
        acc.push_name = p.push_name;
    }
    let lid = acc.lid.clone();
    log::info!(target: "TestServer/Pair", "paired {}:{}", a.phone, a.device);
    Ok(PairedDevice {
        jid: Jid::device(&a.phone, a.device, jid::PN).to_string(),
        lid: Jid::device(&lid, a.device, jid::LID).to_string(),
        device: a.device,
    })
}

/// `md` IQs from clients: pair-code stages and companion removal.
pub(crate) fn handle_md(s: &Session, w: &mut World, iq: &Stanza) {
    if let Some(reg) = iq.first("link_code_companion_reg") {
        return link_code(s, w, iq, reg);
    }
    if let Some(rm) = iq.first("remove-companion-device") {
        let Some(me) = s.me.clone() else {
            return s.iq_error(w, iq, 401, "not-authorized");
        };
        let target = rm.get("jid").and_then(Jid::parse);
        let dev = target.map(|t| t.device).unwrap_or(me.device);
        s.iq_result(w, iq, vec![]);
        let conn = w
            .account(&me.phone)
            .and_then(|a| a.devices.get(&dev))
            .and_then(|d| d.conn);
        if dev != 0
            && let Some(a) = w.account_mut(&me.phone)
        {
            a.devices.remove(&dev);
        }
        if let Some(c) = conn {
            let removed = crate::conn::login::stream_error(
                Some(401),
                Some(Stanza::new("conflict").attr("type", "device_removed")),
            );
            w.send_conn(c, Outbound::Fatal(removed));
        }
        return;
    }
    s.iq_error(w, iq, 501, "feature-not-implemented")
}

fn link_code(s: &Session, w: &mut World, iq: &Stanza, reg: &Stanza) {
    let stage = reg.get_or_empty("stage");
    let Some(pending) = w.pending.get_mut(&s.conn) else {
        return s.iq_error(w, iq, 400, "bad-request");
    };
    match stage {
        "companion_hello" => {
            let phone = reg
                .get("jid")
                .and_then(Jid::parse)
                .map(|j| j.user)
                .unwrap_or_default();
            let wrapped = reg
                .first("link_code_pairing_wrapped_companion_ephemeral_pub")
                .and_then(Stanza::data)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            if wrapped.len() != 80 {
                return s.iq_error(w, iq, 400, "bad-request");
            }
            let pairing_ref = new_ref();
            pending.code = Some(CodeRequest {
                phone: phone.clone(),
                wrapped_ephemeral: wrapped,
                pairing_ref: pairing_ref.clone(),
                primary_ephemeral: None,
                companion_ephemeral: None,
                done: None,
            });
            if w.account(&phone).is_none() {
                return s.iq_error(w, iq, 404, "item-not-found");
            }
            let node = Stanza::new("link_code_companion_reg")
                .child(Stanza::new("link_code_pairing_ref").bytes(pairing_ref.into_bytes()));
            s.iq_result(w, iq, vec![node]);
        }
        "companion_finish" => {
            let bundle = reg
                .first("link_code_pairing_wrapped_key_bundle")
                .and_then(Stanza::data)
                .map(<[u8]>::to_vec);
            let ident = reg
                .first("companion_identity_public")
                .and_then(Stanza::data)
                .map(<[u8]>::to_vec);
            let (Some(bundle), Some(ident)) = (bundle, ident) else {
                return s.iq_error(w, iq, 400, "bad-request");
            };
            if pending
                .code
                .as_ref()
                .is_none_or(|c| c.primary_ephemeral.is_none())
            {
                return s.iq_error(w, iq, 400, "bad-request");
            }
            s.iq_result(w, iq, vec![]);
            crate::phone::on_companion_finish(w, s.conn, bundle, ident);
        }
        _ => s.iq_error(w, iq, 400, "bad-request"),
    }
}
