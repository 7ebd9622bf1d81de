//! `usync`: device lists, LID mapping, contact (on-WhatsApp) and status queries.

use crate::jid::{self, Jid};
use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::World;

/// Handles a `usync` IQ.
pub(crate) fn handle(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(usync) = iq.first("usync") else {
        return s.iq_error(w, iq, 400, "bad-request");
    };
    let protocols: Vec<String> = usync
        .first("query")
        .map(|q| q.nodes().iter().map(|n| n.tag.clone()).collect())
        .unwrap_or_default();
    let mut users = Vec::new();
    for u in usync.first("list").map(Stanza::nodes).unwrap_or(&[]) {
        if u.tag != "user" {
            continue;
        }
        users.push(answer_user(w, u, &protocols));
    }
    let mut head = Stanza::new("usync");
    for k in ["sid", "index", "last", "mode", "context"] {
        if let Some(v) = usync.get(k) {
            head.set(k, v);
        }
    }
    let result = Stanza::new("result").children(
        protocols
            .iter()
            .map(|p| Stanza::new(p.as_str()))
            .collect::<Vec<_>>(),
    );
    s.iq_result(
        w,
        iq,
        vec![
            head.child(result)
                .child(Stanza::new("list").children(users)),
        ],
    );
}

/// Normalises a `+1 (555) 123` style phone to digits.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn answer_user(w: &World, u: &Stanza, protocols: &[String]) -> Stanza {
    // The user is named by `jid`, or by a `<contact>` phone number.
    let contact_phone = u.first("contact").and_then(Stanza::text).map(digits);
    let jid = match (u.get("jid").and_then(Jid::parse), &contact_phone) {
        (Some(j), _) => j.to_user(),
        (None, Some(p)) if !p.is_empty() => Jid::user(p, jid::PN),
        _ => Jid::user("", jid::PN),
    };
    let phone = w.resolve(&jid).map(str::to_owned);
    let account = phone.as_deref().and_then(|p| w.account(p));
    let mut out = Stanza::new("user").attr("jid", jid.to_string());
    for p in protocols {
        match p.as_str() {
            "devices" => {
                let mut list = Stanza::new("device-list");
                if let Some(a) = account {
                    for d in a.devices.values() {
                        let mut dn = Stanza::new("device").attr("id", d.id.to_string());
                        if d.id != 0 {
                            dn.set("key-index", d.key_index.to_string());
                        }
                        list.push(dn);
                    }
                }
                let ts = crate::state::unix_now().to_string();
                out.push(
                    Stanza::new("devices")
                        .child(list)
                        .child(Stanza::new("key-index-list").attr("ts", ts)),
                );
            }
            "lid" => match account {
                Some(a) if jid.is_pn() => {
                    out.push(Stanza::new("lid").attr("val", a.lid_jid().to_string()))
                }
                _ => out.push(Stanza::new("lid")),
            },
            "contact" => {
                let ty = if account.is_some() { "in" } else { "out" };
                let mut c = Stanza::new("contact").attr("type", ty);
                if let Some(p) = &contact_phone {
                    c = c.bytes(format!("+{p}").into_bytes());
                }
                out.push(c);
            }
            "status" => match account {
                Some(a) if !a.status.is_empty() => out.push(
                    Stanza::new("status")
                        .attr("t", "0")
                        .bytes(a.status.as_bytes().to_vec()),
                ),
                _ => out.push(Stanza::new("status").attr("t", "0")),
            },
            "disappearing_mode" => out.push(
                Stanza::new("disappearing_mode")
                    .attr("duration", "0")
                    .attr("t", "0"),
            ),
            // Other protocols (business, bot, username, picture) have nothing to say here.
            _ => {}
        }
    }
    if account.is_none() && !protocols.iter().any(|p| p == "contact") {
        out.push(
            Stanza::new("error")
                .attr("code", "404")
                .attr("text", "item-not-found"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_strips_formatting() {
        assert_eq!(digits("+1 (555) 123-4"), "15551234");
    }
}
