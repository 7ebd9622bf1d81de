//! Presence (`available`/`unavailable`, subscriptions) and chat-state (`composing`/`paused`)
//! relay. Neither is queued: only online devices see them.

use crate::jid::Jid;
use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::{World, unix_now};

/// Handles `<presence>` from a client.
pub(crate) fn presence(s: &Session, w: &mut World, p: &Stanza) {
    let Some(me) = s.me.clone() else { return };
    if let Some(name) = p.get("name").filter(|n| !n.is_empty() && n.len() <= 256)
        && let Some(a) = w.account_mut(&me.phone)
    {
        a.push_name = name.to_owned();
    }
    match p.get("type") {
        Some("subscribe") => {
            let Some(target) = p.get("to").and_then(Jid::parse) else {
                return;
            };
            let Some(phone) = w.resolve_owned(&target.to_user()) else {
                return;
            };
            let key = target.to_user().to_string();
            if let Some(a) = w.account_mut(&me.phone) {
                a.presence_subs.insert(phone.clone());
            }
            let _ = key;
            if let Some(a) = w.account(&phone) {
                let node =
                    presence_node(&target.to_user().to_string(), &a.presence.0, a.presence.1);
                s.reply(w, node);
            }
        }
        Some(ty @ ("available" | "unavailable")) => {
            let now = unix_now();
            if let Some(a) = w.account_mut(&me.phone) {
                a.presence = (ty.to_owned(), now);
            }
            broadcast(w, &me.phone, ty, now);
        }
        _ => {}
    }
}

fn presence_node(from: &str, ty: &str, last: u64) -> Stanza {
    let mut n = Stanza::new("presence").attr("from", from).attr("type", ty);
    if ty == "unavailable" && last > 0 {
        n.set("last", last.to_string());
    }
    n
}

/// Tells every subscriber of `phone` about its presence.
fn broadcast(w: &World, phone: &str, ty: &str, t: u64) {
    let Some(acc) = w.account(phone) else { return };
    let pn = acc.pn_jid().to_string();
    let lid = acc.lid_jid().to_string();
    for (sub_phone, sub) in &w.accounts {
        if sub_phone == phone || !sub.presence_subs.contains(phone) {
            continue;
        }
        for dev in sub.devices.keys() {
            w.send_live(sub_phone, *dev, presence_node(&pn, ty, t));
            let _ = &lid;
        }
    }
}

/// Handles `<chatstate>` from a client.
pub(crate) fn chatstate(s: &Session, w: &mut World, c: &Stanza) {
    let Some(me) = s.me.clone() else { return };
    let Some(to) = c.get("to").and_then(Jid::parse) else {
        return;
    };
    let Some(state) = c.nodes().first().cloned() else {
        return;
    };
    if to.is_group() {
        let Some(g) = w.group_by_jid(&to) else { return };
        if !g.participants.contains_key(&me.phone) {
            return;
        }
        let lid = g.addressing_mode == "lid";
        let members: Vec<String> = g
            .participants
            .keys()
            .filter(|p| **p != me.phone)
            .cloned()
            .collect();
        let participant = if lid {
            me.lid_jid_user()
        } else {
            me.pn_jid_user()
        };
        for m in members {
            for dev in w.device_ids(&m) {
                let node = Stanza::new("chatstate")
                    .attr("from", to.to_string())
                    .attr("participant", participant.clone())
                    .child(state.clone());
                w.send_live(&m, dev, node);
            }
        }
        return;
    }
    let Some(peer) = w.resolve_owned(&to.to_user()) else {
        return;
    };
    let from = if to.is_lid() {
        me.lid_jid_user()
    } else {
        me.pn_jid_user()
    };
    for dev in w.device_ids(&peer) {
        let node = Stanza::new("chatstate")
            .attr("from", from.clone())
            .child(state.clone());
        w.send_live(&peer, dev, node);
    }
}
