//! `<message>` routing: fan-out of per-device ciphertexts to every addressed device (the
//! sender's other devices included), group sender-key fan-out, de-duplication and the server ack.

use crate::jid::{self, Jid};
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{World, unix_now};

/// Attributes copied from the client's stanza onto every delivered copy.
const COPIED_ATTRS: &[&str] = &[
    "type",
    "edit",
    "category",
    "push_priority",
    "expiration",
    "mediatype",
];

/// Handles a `<message>` from a logged-in client.
pub(crate) fn handle(s: &Session, w: &mut World, msg: &Stanza) {
    let Some(me) = s.me.clone() else { return };
    let id = msg.get_or_empty("id").to_owned();
    let to_raw = msg.get_or_empty("to").to_owned();
    if id.is_empty() || id.len() > 128 {
        return nack(s, w, &id, &to_raw, 400);
    }
    let Some(to) = Jid::parse(&to_raw) else {
        return nack(s, w, &id, &to_raw, 400);
    };
    // A resend to one device (answering a retry receipt) reuses the original id: no dedup.
    if let Some(target) = msg.get("participant") {
        let result = match Jid::parse(target) {
            Some(t) => route_targeted(w, &me, &to, &t, msg),
            None => Err(400),
        };
        return match result {
            Ok(()) => ack(s, w, &id, &to_raw),
            Err(code) => nack(s, w, &id, &to_raw, code),
        };
    }
    let sender_key = format!("{}:{}", me.phone, to);
    if !w.first_sighting(&sender_key, &id) {
        log::debug!(target: "TestServer/Message", "duplicate message {id} from {}", me.phone);
        return ack(s, w, &id, &to_raw);
    }
    match route(w, &me, &to, msg) {
        Ok(()) => ack(s, w, &id, &to_raw),
        Err(code) => nack(s, w, &id, &to_raw, code),
    }
}

/// Routes a message from `me` to `to` (a user or a group); the error is the ack error code.
pub(crate) fn route(w: &mut World, me: &Me, to: &Jid, msg: &Stanza) -> Result<(), u16> {
    if to.is_group() {
        route_group(w, me, to, msg)
    } else if to.is_pn() || to.is_lid() {
        route_direct(w, me, to, msg)
    } else {
        Err(400)
    }
}

/// The server's ack for a message (single tick).
fn ack(s: &Session, w: &World, id: &str, to: &str) {
    let node = Stanza::new("ack")
        .attr("class", "message")
        .attr("id", id)
        .attr("from", to)
        .attr("t", unix_now().to_string());
    s.reply(w, node);
}

/// A negative ack carrying an error code.
fn nack(s: &Session, w: &World, id: &str, to: &str, code: u16) {
    log::debug!(target: "TestServer/Message", "nack {id} to {to}: {code}");
    let node = Stanza::new("ack")
        .attr("class", "message")
        .attr("id", id)
        .attr("from", if to.is_empty() { jid::PN } else { to })
        .attr("error", code.to_string());
    s.reply(w, node);
}

/// The skeleton of a delivered copy.
fn envelope(msg: &Stanza, from: String, notify: &str) -> Stanza {
    let mut out = Stanza::new("message")
        .attr("from", from)
        .attr("id", msg.get_or_empty("id"));
    for k in COPIED_ATTRS {
        if let Some(v) = msg.get(k) {
            out.set(*k, v);
        }
    }
    out.set("t", unix_now().to_string());
    if !notify.is_empty() {
        out.set("notify", notify);
    }
    out
}

/// Children every copy carries besides its own `<enc>` (device identity, reporting...).
fn common_children(msg: &Stanza) -> Vec<Stanza> {
    msg.nodes()
        .iter()
        .filter(|n| {
            matches!(
                n.tag.as_str(),
                "device-identity" | "meta" | "reporting" | "bot"
            )
        })
        .cloned()
        .collect()
}

/// The `<to>` entries of `<participants>`: device JID and its `<enc>`.
fn participant_encs(msg: &Stanza) -> Vec<(Jid, Stanza)> {
    let mut out = Vec::new();
    if let Some(p) = msg.first("participants") {
        for to in p.all("to") {
            let (Some(j), Some(enc)) = (to.get("jid").and_then(Jid::parse), to.first("enc")) else {
                continue;
            };
            out.push((j, enc.clone()));
        }
    }
    out
}

fn route_direct(w: &mut World, me: &Me, to: &Jid, msg: &Stanza) -> Result<(), u16> {
    let Some(peer) = w.resolve_owned(to) else {
        return Err(404);
    };
    if w.account(&peer).is_some_and(|a| {
        a.blocklist.contains(&me.pn_jid_user()) || a.blocklist.contains(&me.lid_jid_user())
    }) {
        // Blocked senders see a normal ack; nothing is delivered.
        return Ok(());
    }
    let lid_mode = to.is_lid();
    let from = if lid_mode {
        me.lid_device()
    } else {
        me.pn_device()
    };
    let notify = w
        .account(&me.phone)
        .map(|a| a.push_name.clone())
        .unwrap_or_default();
    let common = common_children(msg);
    let mut targets = participant_encs(msg);
    // A peer message (`category="peer"`) carries one top-level <enc> for the primary device.
    if targets.is_empty()
        && let Some(enc) = msg.first("enc")
    {
        targets.push((to.clone(), enc.clone()));
    }
    if targets.is_empty() {
        return Err(400);
    }
    for (dev_jid, enc) in targets {
        let Some(owner) = w.resolve_owned(&dev_jid.to_user()) else {
            continue;
        };
        if owner != peer && owner != me.phone {
            continue;
        }
        if owner == me.phone && dev_jid.device == me.device {
            continue;
        }
        if !w
            .account(&owner)
            .is_some_and(|a| a.devices.contains_key(&dev_jid.device))
        {
            continue;
        }
        let mut copy = envelope(msg, from.to_string(), &notify);
        if lid_mode {
            copy.set("sender_pn", Jid::user(&me.phone, jid::PN).to_string());
        } else {
            copy.set("sender_lid", Jid::user(&me.lid, jid::LID).to_string());
        }
        if owner == me.phone && peer != me.phone {
            copy.set("recipient", to.to_user().to_string());
        }
        copy.push(enc);
        for c in &common {
            copy.push(c.clone());
        }
        let id = msg.get_or_empty("id").to_owned();
        w.deliver(&owner, dev_jid.device, "message", &id, copy);
    }
    Ok(())
}

/// A message for one device only (`participant` names it), as clients send when answering a
/// retry receipt: the top-level `<enc>`s and that device's `<to>` entry go to it alone.
fn route_targeted(w: &mut World, me: &Me, to: &Jid, target: &Jid, msg: &Stanza) -> Result<(), u16> {
    let owner = w.resolve_owned(&target.to_user()).ok_or(404u16)?;
    if !w
        .account(&owner)
        .is_some_and(|a| a.devices.contains_key(&target.device))
    {
        return Err(404);
    }
    let notify = w
        .account(&me.phone)
        .map(|a| a.push_name.clone())
        .unwrap_or_default();
    let mut copy = if to.is_group() {
        let group = w.group_by_jid(to).ok_or(404u16)?;
        if !group.participants.contains_key(&me.phone) || !group.participants.contains_key(&owner) {
            return Err(403);
        }
        let lid_mode = group.addressing_mode == "lid";
        let mut copy = envelope(msg, to.to_string(), &notify);
        let participant = if lid_mode {
            me.lid_device()
        } else {
            me.pn_device()
        };
        copy.set("participant", participant.to_string());
        copy.set("addressing_mode", if lid_mode { "lid" } else { "pn" });
        if lid_mode {
            copy.set("participant_pn", Jid::user(&me.phone, jid::PN).to_string());
        } else {
            copy.set("participant_lid", Jid::user(&me.lid, jid::LID).to_string());
        }
        copy
    } else if to.is_pn() || to.is_lid() {
        let peer = w.resolve_owned(&to.to_user()).ok_or(404u16)?;
        if owner != peer && owner != me.phone {
            return Err(400);
        }
        let from = if to.is_lid() {
            me.lid_device()
        } else {
            me.pn_device()
        };
        let mut copy = envelope(msg, from.to_string(), &notify);
        if to.is_lid() {
            copy.set("sender_pn", Jid::user(&me.phone, jid::PN).to_string());
        } else {
            copy.set("sender_lid", Jid::user(&me.lid, jid::LID).to_string());
        }
        if owner == me.phone && peer != me.phone {
            copy.set("recipient", to.to_user().to_string());
        }
        copy
    } else {
        return Err(400);
    };
    let mut any = false;
    for enc in msg.all("enc") {
        copy.push(enc.clone());
        any = true;
    }
    for (j, enc) in participant_encs(msg) {
        if j.device == target.device && w.resolve(&j.to_user()) == Some(owner.as_str()) {
            copy.push(enc);
            any = true;
        }
    }
    if !any {
        return Err(400);
    }
    for c in common_children(msg) {
        copy.push(c);
    }
    let id = msg.get_or_empty("id").to_owned();
    w.deliver(&owner, target.device, "message", &id, copy);
    Ok(())
}

fn route_group(w: &mut World, me: &Me, to: &Jid, msg: &Stanza) -> Result<(), u16> {
    let Some(group) = w.group_by_jid(to) else {
        return Err(404);
    };
    let Some(role) = group.participants.get(&me.phone).copied() else {
        return Err(403);
    };
    if group.announce && !role.is_admin() {
        return Err(403);
    }
    let lid_mode = group.addressing_mode == "lid";
    let members: Vec<String> = group.participants.keys().cloned().collect();
    let Some(sk) = msg
        .first("enc")
        .filter(|e| e.get("type") == Some("skmsg"))
        .cloned()
    else {
        return Err(400);
    };
    let notify = w
        .account(&me.phone)
        .map(|a| a.push_name.clone())
        .unwrap_or_default();
    let common = common_children(msg);
    let encs = participant_encs(msg);
    let participant = if lid_mode {
        me.lid_device()
    } else {
        me.pn_device()
    };
    let id = msg.get_or_empty("id").to_owned();
    for member in members {
        for dev in w.device_ids(&member) {
            if member == me.phone && dev == me.device {
                continue;
            }
            let mut copy = envelope(msg, to.to_string(), &notify);
            copy.set("participant", participant.to_string());
            copy.set("addressing_mode", if lid_mode { "lid" } else { "pn" });
            if lid_mode {
                copy.set("participant_pn", Jid::user(&me.phone, jid::PN).to_string());
            } else {
                copy.set("participant_lid", Jid::user(&me.lid, jid::LID).to_string());
            }
            // This device's own pkmsg/msg (sender key distribution), if the sender included one.
            for (j, enc) in &encs {
                if j.device == dev && w.resolve(&j.to_user()) == Some(member.as_str()) {
                    copy.push(enc.clone());
                }
            }
            copy.push(sk.clone());
            for c in &common {
                copy.push(c.clone());
            }
            w.deliver(&member, dev, "message", &id, copy);
        }
    }
    Ok(())
}
