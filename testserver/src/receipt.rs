//! `<receipt>` relay: delivery, read, played, retry and sender receipts go to the devices of the
//! user they address; the server acks each receipt.

use crate::jid::Jid;
use crate::session::{Me, Session};
use crate::stanza::Stanza;
use crate::state::{World, unix_now};

/// Handles a `<receipt>` from a logged-in client.
pub(crate) fn handle(s: &Session, w: &mut World, r: &Stanza) {
    let Some(me) = s.me.clone() else { return };
    let id = r.get_or_empty("id").to_owned();
    let to_raw = r.get_or_empty("to").to_owned();
    let ty = r.get("type").map(str::to_owned);
    let mut ack = Stanza::new("ack")
        .attr("class", "receipt")
        .attr("id", id.clone())
        .attr("from", to_raw.clone())
        .opt_attr("type", ty.clone());
    match (Jid::parse(&to_raw), id.is_empty()) {
        (Some(to), false) => {
            if let Err(code) = relay(w, &me, &to, r) {
                ack.set("error", code.to_string());
            }
        }
        _ => ack.set("error", "400"),
    }
    s.reply(w, ack);
}

fn relay(w: &mut World, me: &Me, to: &Jid, r: &Stanza) -> Result<(), u16> {
    let id = r.get_or_empty("id").to_owned();
    let ty = r.get("type");
    let lid_form = to.is_lid()
        || r.get("participant")
            .and_then(Jid::parse)
            .is_some_and(|p| p.is_lid());
    let me_dev = if lid_form {
        me.lid_device()
    } else {
        me.pn_device()
    };
    let mut out = Stanza::new("receipt").attr("id", id.clone()).attr(
        "t",
        r.get("t")
            .map(str::to_owned)
            .unwrap_or_else(|| unix_now().to_string()),
    );
    if let Some(t) = ty {
        out.set("type", t);
    }
    for kid in r.nodes() {
        out.push(kid.clone());
    }
    // (account, device filter) pairs to deliver to.
    let mut targets: Vec<(String, Option<u16>)> = Vec::new();
    if to.is_group() {
        if w.group_by_jid(to).is_none() {
            return Err(404);
        }
        let Some(author) = r.get("participant").and_then(Jid::parse) else {
            return Err(400);
        };
        let Some(owner) = w.resolve_owned(&author.to_user()) else {
            return Err(404);
        };
        out.set("from", to.to_string());
        out.set("participant", me_dev.to_string());
        let dev = (author.device != 0 || r.get("participant").is_some_and(|p| p.contains(':')))
            .then_some(author.device);
        targets.push((owner, if ty == Some("retry") { dev } else { None }));
    } else {
        let Some(owner) = w.resolve_owned(&to.to_user()) else {
            return Err(404);
        };
        if ty == Some("read-self") || (ty == Some("sender")) {
            // Receipts about one's own devices' messages stay within the account.
            out.set("from", me_dev.to_string());
            if let Some(rec) = r.get("recipient") {
                out.set("recipient", rec);
            }
            targets.push((me.phone.clone(), None));
        } else {
            out.set("from", me_dev.to_string());
            if let Some(p) = r.get("participant") {
                out.set("participant", p);
            }
            if let Some(rec) = r.get("recipient") {
                out.set("recipient", rec);
            }
            let dev = (ty == Some("retry") && to.device != 0).then_some(to.device);
            targets.push((owner, dev));
        }
    }
    for (owner, only) in targets {
        for dev in w.device_ids(&owner) {
            if owner == me.phone && dev == me.device {
                continue;
            }
            if only.is_some_and(|d| d != dev) {
                continue;
            }
            w.deliver(&owner, dev, "receipt", &id, out.clone());
        }
    }
    Ok(())
}
