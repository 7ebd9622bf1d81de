//! `encrypt` namespace: pre-key upload, count, fetch, digest and signed pre-key rotation.

use crate::jid::{self, Jid};
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{SignedPreKey, World};

/// The key bundle type byte (Curve25519).
pub(crate) const KEY_TYPE: u8 = 5;
/// When the server count falls to this, it asks the device for more keys.
const LOW_WATERMARK: usize = 5;
/// Most one-time pre-keys kept per device.
const MAX_PREKEYS: usize = 2000;

/// Handles an `encrypt` IQ.
pub(crate) fn handle(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    let ty = iq.get_or_empty("type");
    if ty == "set" && iq.first("rotate").is_some() {
        return rotate(s, w, iq, &me);
    }
    if ty == "set" {
        return upload(s, w, iq, &me);
    }
    if let Some(_count) = iq.first("count") {
        let n = w
            .account(&me.phone)
            .and_then(|a| a.devices.get(&me.device))
            .map(|d| d.prekeys.len())
            .unwrap_or(0);
        return s.iq_result(
            w,
            iq,
            vec![Stanza::new("count").attr("value", n.to_string())],
        );
    }
    if let Some(key) = iq.first("key") {
        return fetch(s, w, iq, key);
    }
    if iq.first("digest").is_some() {
        return digest(s, w, iq, &me);
    }
    s.iq_error(w, iq, 400, "bad-request");
}

/// Reads a big-endian unsigned integer of up to 4 bytes.
pub(crate) fn be_uint(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    Some(bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// Writes `v` as `len` big-endian bytes.
pub(crate) fn be_bytes(v: u32, len: usize) -> Vec<u8> {
    let full = v.to_be_bytes();
    full.get(4usize.saturating_sub(len)..)
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

fn parse_skey(n: &Stanza) -> Option<SignedPreKey> {
    let id = be_uint(n.first("id")?.data()?)?;
    let public = n.first("value")?.data()?.to_vec();
    let signature = n.first("signature")?.data()?.to_vec();
    (public.len() == 32 && signature.len() == 64).then_some(SignedPreKey {
        id,
        public,
        signature,
    })
}

fn upload(s: &Session, w: &mut World, iq: &Stanza, me: &Me) {
    let reg = iq
        .first("registration")
        .and_then(Stanza::data)
        .and_then(be_uint);
    let identity = iq
        .first("identity")
        .and_then(Stanza::data)
        .map(<[u8]>::to_vec);
    let skey = iq.first("skey").and_then(parse_skey);
    let mut keys = Vec::new();
    if let Some(list) = iq.first("list") {
        for k in list.all("key") {
            let id = k.first("id").and_then(Stanza::data).and_then(be_uint);
            let val = k.first("value").and_then(Stanza::data);
            match (id, val) {
                (Some(id), Some(v)) if v.len() == 32 => keys.push((id, v.to_vec())),
                _ => return s.iq_error(w, iq, 400, "bad-request"),
            }
        }
    }
    let Some(dev) = w.device_mut(&me.phone, me.device) else {
        return s.iq_error(w, iq, 404, "item-not-found");
    };
    if let Some(identity) = identity {
        if identity.len() != 32 {
            return s.iq_error(w, iq, 400, "bad-request");
        }
        dev.identity = identity;
    }
    if let Some(r) = reg {
        dev.registration_id = r;
    }
    if let Some(sk) = skey {
        dev.signed_prekey = Some(sk);
    }
    for (id, v) in keys {
        if dev.prekeys.len() >= MAX_PREKEYS {
            break;
        }
        dev.prekeys.insert(id, v);
    }
    log::debug!(target: "TestServer/PreKeys", "{}:{} has {} pre-keys", me.phone, me.device, dev.prekeys.len());
    s.iq_result(w, iq, vec![]);
}

fn rotate(s: &Session, w: &mut World, iq: &Stanza, me: &Me) {
    let Some(sk) = iq
        .first("rotate")
        .and_then(|r| r.first("skey"))
        .and_then(parse_skey)
    else {
        return s.iq_error(w, iq, 400, "bad-request");
    };
    match w.device_mut(&me.phone, me.device) {
        Some(dev) => {
            dev.signed_prekey = Some(sk);
            s.iq_result(w, iq, vec![]);
        }
        None => s.iq_error(w, iq, 404, "item-not-found"),
    }
}

fn skey_node(sk: &SignedPreKey) -> Stanza {
    Stanza::new("skey").children([
        Stanza::new("id").bytes(be_bytes(sk.id, 3)),
        Stanza::new("value").bytes(sk.public.clone()),
        Stanza::new("signature").bytes(sk.signature.clone()),
    ])
}

/// The bundle of one device, consuming one one-time pre-key; `None` if it has none to give.
pub(crate) fn take_bundle(w: &mut World, phone: &str, dev: u16) -> Option<Vec<Stanza>> {
    let d = w.device_mut(phone, dev)?;
    let sk = d.signed_prekey.clone()?;
    if d.identity.len() != 32 {
        return None;
    }
    let mut kids = vec![
        Stanza::new("registration").bytes(be_bytes(d.registration_id, 4)),
        Stanza::new("type").bytes(vec![KEY_TYPE]),
        Stanza::new("identity").bytes(d.identity.clone()),
        skey_node(&sk),
    ];
    let first = d.prekeys.keys().next().copied();
    if let Some(id) = first
        && let Some(v) = d.prekeys.remove(&id)
    {
        kids.push(Stanza::new("key").children([
            Stanza::new("id").bytes(be_bytes(id, 3)),
            Stanza::new("value").bytes(v),
        ]));
    }
    Some(kids)
}

fn fetch(s: &Session, w: &mut World, iq: &Stanza, key: &Stanza) {
    let mut users = Vec::new();
    let mut low = Vec::new();
    for u in key.all("user") {
        let raw = u.get_or_empty("jid");
        let node = Stanza::new("user").attr("jid", raw);
        let target = Jid::parse(raw).and_then(|j| w.resolve_owned(&j).map(|p| (p, j.device)));
        let bundle = target.as_ref().and_then(|(p, d)| take_bundle(w, p, *d));
        match bundle {
            Some(kids) => {
                users.push(node.children(kids));
                if let Some((p, d)) = target
                    && w.account(&p)
                        .and_then(|a| a.devices.get(&d))
                        .is_some_and(|x| x.prekeys.len() <= LOW_WATERMARK)
                {
                    low.push((p, d));
                }
            }
            None => users.push(
                node.child(
                    Stanza::new("error")
                        .attr("code", "404")
                        .attr("text", "item-not-found"),
                ),
            ),
        }
    }
    s.iq_result(w, iq, vec![Stanza::new("list").children(users)]);
    for (p, d) in low {
        notify_low(w, &p, d);
    }
}

/// Tells a device its server pre-key count is low (`<notification type="encrypt"><count/>`).
pub(crate) fn notify_low(w: &mut World, phone: &str, dev: u16) {
    let count = w
        .account(phone)
        .and_then(|a| a.devices.get(&dev))
        .map(|d| d.prekeys.len());
    let Some(count) = count else { return };
    let id = w.next_stanza_id();
    let n = Stanza::new("notification")
        .attr("from", jid::PN)
        .attr("type", "encrypt")
        .attr("id", id.clone())
        .attr("t", crate::state::unix_now().to_string())
        .child(Stanza::new("count").attr("value", count.to_string()));
    w.deliver(phone, dev, "notification", &id, n);
}

fn digest(s: &Session, w: &mut World, iq: &Stanza, me: &Me) {
    let Some(d) = w.account(&me.phone).and_then(|a| a.devices.get(&me.device)) else {
        return s.iq_error(w, iq, 404, "item-not-found");
    };
    let Some(sk) = d.signed_prekey.as_ref() else {
        return s.iq_error(w, iq, 404, "item-not-found");
    };
    let ids: Vec<Stanza> = d
        .prekeys
        .keys()
        .map(|id| Stanza::new("id").bytes(be_bytes(*id, 3)))
        .collect();
    let mut material = d.identity.clone();
    material.extend_from_slice(&sk.public);
    material.extend_from_slice(&sk.signature);
    for v in d.prekeys.values() {
        material.extend_from_slice(v);
    }
    let hash = crate::crypto::sha1(&material);
    let node = Stanza::new("digest").children([
        Stanza::new("registration").bytes(be_bytes(d.registration_id, 4)),
        Stanza::new("type").bytes(vec![KEY_TYPE]),
        Stanza::new("identity").bytes(d.identity.clone()),
        skey_node(sk),
        Stanza::new("list").children(ids),
        Stanza::new("hash").bytes(hash),
    ]);
    s.iq_result(w, iq, vec![node]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_helpers() {
        assert_eq!(be_bytes(0x010203, 3), vec![1, 2, 3]);
        assert_eq!(be_bytes(7, 4), vec![0, 0, 0, 7]);
        assert_eq!(be_uint(&[1, 2, 3]), Some(0x010203));
        assert_eq!(be_uint(&[]), None);
        assert_eq!(be_uint(&[1, 2, 3, 4, 5]), None);
    }
}
