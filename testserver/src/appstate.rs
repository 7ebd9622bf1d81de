//! `w:sync:app:state`: the server keeps each account's collections (encoded patches and the
//! latest snapshot reference) and serves them from a requested version; uploads append patches.
//! Patch contents are end-to-end encrypted between an account's devices; the server only orders
//! them.

use prost::Message as _;
use waproto::whatsapp as wa;

use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::World;

/// Most patches returned in one answer (then `has_more_patches="true"`).
const PAGE: usize = 50;
/// Largest single patch accepted.
const MAX_PATCH: usize = 4 * 1024 * 1024;
/// Known collection names.
pub(crate) const COLLECTIONS: &[&str] = &[
    "critical_block",
    "critical_unblock_low",
    "regular_high",
    "regular_low",
    "regular",
];

/// Handles a `w:sync:app:state` IQ.
pub(crate) fn handle(s: &Session, w: &mut World, iq: &Stanza) {
    let Some(me) = s.me.clone() else {
        return s.iq_error(w, iq, 401, "not-authorized");
    };
    if w.faults.take_app_state_failure(&me.phone) {
        log::info!(target: "TestServer/AppState", "{}: refusing an app-state IQ (fault)", me.phone);
        return s.iq_error(w, iq, 500, "internal-server-error");
    }
    let Some(sync) = iq.first("sync") else {
        return s.iq_error(w, iq, 400, "bad-request");
    };
    let mut out = Vec::new();
    let mut uploaded = Vec::new();
    for c in sync.all("collection") {
        let name = c.get_or_empty("name").to_owned();
        if !COLLECTIONS.contains(&name.as_str()) {
            out.push(error_collection(&name, 400, "bad-request"));
            continue;
        }
        let from: u64 = c.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
        let want_snapshot = c.get("return_snapshot") == Some("true");
        let patch = c.first("patch").and_then(Stanza::data).map(<[u8]>::to_vec);
        let Some(acc) = w.account_mut(&me.phone) else {
            return s.iq_error(w, iq, 404, "item-not-found");
        };
        let col = acc.app_state.entry(name.clone()).or_default();
        if let Some(p) = patch {
            if p.len() > MAX_PATCH {
                out.push(error_collection(&name, 413, "payload-too-large"));
                continue;
            }
            if from != col.version {
                out.push(error_collection(&name, 409, "conflict"));
                continue;
            }
            let Ok(mut decoded) = wa::SyncdPatch::decode(p.as_slice()) else {
                out.push(error_collection(&name, 400, "bad-request"));
                continue;
            };
            col.version += 1;
            let version = col.version;
            // Patches are served with their version, as the server assigned it.
            decoded.version = Some(wa::SyncdVersion {
                version: Some(version),
            });
            col.patches.insert(version, decoded.encode_to_vec());
            out.push(
                Stanza::new("collection")
                    .attr("name", name.clone())
                    .attr("version", version.to_string()),
            );
            uploaded.push((name, version));
            continue;
        }
        let mut node = Stanza::new("collection").attr("name", name.clone());
        let mut start = from;
        if want_snapshot && let Some((v, blob)) = &col.snapshot {
            node.push(Stanza::new("snapshot").bytes(blob.clone()));
            start = *v;
        }
        let pending: Vec<(u64, Vec<u8>)> = col
            .patches
            .range(start.saturating_add(1)..)
            .take(PAGE + 1)
            .map(|(v, p)| (*v, p.clone()))
            .collect();
        let more = pending.len() > PAGE;
        let served: Vec<(u64, Vec<u8>)> = pending.into_iter().take(PAGE).collect();
        let last = served.last().map(|(v, _)| *v).unwrap_or(start);
        node.set("version", last.to_string());
        if more {
            node.set("has_more_patches", "true");
        }
        if !served.is_empty() {
            node.push(
                Stanza::new("patches").children(
                    served
                        .into_iter()
                        .map(|(_, p)| Stanza::new("patch").bytes(p))
                        .collect::<Vec<_>>(),
                ),
            );
        }
        out.push(node);
    }
    s.iq_result(w, iq, vec![Stanza::new("sync").children(out)]);
    for (name, version) in uploaded {
        server_sync(w, &me.phone, me.device, &name, version);
    }
}

/// Tells the account's other devices that a collection changed (`server_sync`).
pub(crate) fn server_sync(w: &mut World, phone: &str, from_device: u16, name: &str, version: u64) {
    for dev in w.device_ids(phone) {
        if dev == from_device {
            continue;
        }
        let id = w.next_stanza_id();
        let n = Stanza::new("notification")
            .attr("from", crate::jid::PN)
            .attr("type", "server_sync")
            .attr("id", id.clone())
            .attr("t", crate::state::unix_now().to_string())
            .child(
                Stanza::new("collection")
                    .attr("name", name)
                    .attr("version", version.to_string()),
            );
        w.deliver(phone, dev, "notification", &id, n);
    }
}

fn error_collection(name: &str, code: u16, text: &str) -> Stanza {
    Stanza::new("collection")
        .attr("name", name)
        .attr("type", "error")
        .child(
            Stanza::new("error")
                .attr("code", code.to_string())
                .attr("text", text),
        )
}
