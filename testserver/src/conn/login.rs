//! What the server does with a `ClientPayload` once the handshake is done: log a known device in
//! (`<success>`, then its offline queue and `<ib><offline count/>`), start pairing a new companion
//! (`pair-device`), or refuse with `<failure reason=...>`.

use prost::Message as _;
use waproto::whatsapp as wa;

use crate::jid::{self, Jid};
use crate::pairing::Pending;
use crate::session::Me;
use crate::stanza::Stanza;
use crate::state::{ConnId, Outbound, SignedPreKey, World, unix_now};

/// The outcome of a client's first payload.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Logged in as this device.
    Device(Me),
    /// An unpaired companion: `pair-device` was sent, pairing may follow.
    Pairing,
    /// Refused: a `<failure>` was queued, the connection closes after it.
    Refused(u16),
}

/// `<failure reason=...>`, what the server sends instead of `<success>`.
pub(crate) fn failure(reason: u16) -> Stanza {
    Stanza::new("failure")
        .attr("reason", reason.to_string())
        .attr("location", "testserver")
}

/// `<stream:error code=...>` with an optional child (`<conflict type=.../>`, ...).
pub(crate) fn stream_error(code: Option<u16>, child: Option<Stanza>) -> Stanza {
    let mut n = Stanza::new("stream:error");
    if let Some(c) = code {
        n.set("code", c.to_string());
    }
    if let Some(c) = child {
        n.push(c);
    }
    n
}

/// Decides what a freshly handshaken connection is, and queues the first stanzas to it.
pub(crate) fn admit(
    w: &mut World,
    conn: ConnId,
    client_static: &[u8; 32],
    payload: &wa::ClientPayload,
    pair_refs: usize,
) -> Admission {
    let admission = match (payload.username, payload.device_pairing_data.as_ref()) {
        (Some(user), _) => login(w, conn, client_static, payload, user),
        (None, Some(reg)) => register(w, conn, client_static, payload, reg, pair_refs),
        (None, None) => Admission::Refused(400),
    };
    if let Admission::Refused(reason) = admission {
        log::info!(target: "TestServer/Conn", "conn {conn}: login refused ({reason})");
        w.send_conn(conn, Outbound::Fatal(failure(reason)));
    }
    admission
}

fn login(
    w: &mut World,
    conn: ConnId,
    client_static: &[u8; 32],
    payload: &wa::ClientPayload,
    user: u64,
) -> Admission {
    let phone = user.to_string();
    if let Some(reason) = w.faults.refusal(&phone) {
        return Admission::Refused(reason);
    }
    let Ok(device) = u16::try_from(payload.device.unwrap_or(0)) else {
        return Admission::Refused(401);
    };
    let Some(acc) = w.account_mut(&phone) else {
        return Admission::Refused(401);
    };
    if let Some(name) = payload
        .push_name
        .as_ref()
        .filter(|n| !n.is_empty() && n.len() <= 256)
    {
        acc.push_name = name.clone();
    }
    let lid = acc.lid.clone();
    let push_name = acc.push_name.clone();
    let Some(dev) = acc.devices.get_mut(&device) else {
        return Admission::Refused(401);
    };
    // Device 0 is the simulated phone: no network client may log in as it.
    if device == 0 || dev.noise_key.as_slice() != client_static.as_slice() {
        return Admission::Refused(401);
    }
    let previous = dev.conn.replace(conn);
    dev.active = !payload.passive.unwrap_or(false);
    let queued: Vec<Stanza> = dev.queue.iter().map(|q| q.stanza.clone()).collect();
    if let Some(entry) = w.conns.get_mut(&conn) {
        entry.device = Some((phone.clone(), device));
    }
    if let Some(old) = previous.filter(|c| *c != conn) {
        log::info!(target: "TestServer/Conn", "{phone}:{device} logged in again; replacing conn {old}");
        let conflict = stream_error(None, Some(Stanza::new("conflict").attr("type", "replaced")));
        w.send_conn(old, Outbound::Fatal(conflict));
        if let Some(e) = w.conns.get_mut(&old) {
            e.device = None;
        }
    }
    let now = unix_now();
    let success = Stanza::new("success")
        .attr("t", now.to_string())
        .attr("props", "1")
        .attr("abprops", "1")
        .attr("location", "testserver")
        .attr("creation", now.to_string())
        .attr("lid", Jid::device(&lid, device, jid::LID).to_string())
        .opt_attr("display_name", (!push_name.is_empty()).then_some(push_name));
    w.send_conn(conn, Outbound::Stanza(success));
    let count = queued.len();
    for s in queued {
        w.send_conn(conn, Outbound::Stanza(s));
    }
    if w.faults.withhold_offline_end.contains(&phone) {
        log::info!(target: "TestServer/Conn", "conn {conn}: withholding the offline end marker (fault)");
    } else {
        let offline =
            Stanza::new("ib").child(Stanza::new("offline").attr("count", count.to_string()));
        w.send_conn(conn, Outbound::Stanza(offline));
    }
    log::info!(target: "TestServer/Conn", "conn {conn}: {phone}:{device} logged in; {count} queued stanza(s) flushed");
    Admission::Device(Me { phone, lid, device })
}

/// A big-endian unsigned integer of 1 to 4 bytes.
fn be(bytes: Option<&Vec<u8>>) -> Option<u32> {
    crate::iq::prekeys::be_uint(bytes?)
}

fn register(
    w: &mut World,
    conn: ConnId,
    client_static: &[u8; 32],
    payload: &wa::ClientPayload,
    reg: &wa::client_payload::DevicePairingRegistrationData,
    pair_refs: usize,
) -> Admission {
    if let Some(reason) = w.faults.refuse_all {
        return Admission::Refused(reason);
    }
    let identity = reg.e_ident.clone().unwrap_or_default();
    let (Some(registration_id), Some(skey_id)) =
        (be(reg.e_regid.as_ref()), be(reg.e_skey_id.as_ref()))
    else {
        return Admission::Refused(400);
    };
    let skey = reg.e_skey_val.clone().unwrap_or_default();
    let sig = reg.e_skey_sig.clone().unwrap_or_default();
    if identity.len() != 32 || skey.len() != 32 || sig.len() != 64 {
        return Admission::Refused(400);
    }
    let props = reg
        .device_props
        .as_deref()
        .and_then(|b| wa::DeviceProps::decode(b).ok());
    let platform = props
        .as_ref()
        .and_then(|p| p.platform_type)
        .and_then(|t| wa::device_props::PlatformType::try_from(t).ok())
        .map(|t| t.as_str_name().to_ascii_lowercase())
        .unwrap_or_else(|| "chrome".to_owned());
    let pending = Pending {
        refs: Vec::new(),
        noise_key: client_static.to_vec(),
        identity,
        registration_id,
        signed_prekey: Some(SignedPreKey {
            id: skey_id,
            public: skey,
            signature: sig,
        }),
        platform,
        push_name: payload.push_name.clone().unwrap_or_default(),
        code: None,
        awaiting: None,
    };
    crate::pairing::start(w, conn, pending, pair_refs);
    log::info!(target: "TestServer/Conn", "conn {conn}: new companion, waiting for pairing");
    Admission::Pairing
}
