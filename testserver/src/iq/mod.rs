//! IQ dispatch by namespace; one file per IQ family.

pub(crate) mod misc;
pub(crate) mod prekeys;
pub(crate) mod usync;

use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::World;

/// Handles an `<iq>` from a client.
pub(crate) fn handle(s: &Session, w: &mut World, iq: &Stanza) {
    let ty = iq.get_or_empty("type");
    if ty == "result" || ty == "error" {
        // Answers to server-initiated IQs (pairing, server pings).
        crate::pairing::on_iq_answer(s, w, iq);
        return;
    }
    if iq.get("id").is_none_or(str::is_empty) {
        return s.iq_error(w, iq, 400, "bad-request");
    }
    if ty != "get" && ty != "set" {
        return s.iq_error(w, iq, 400, "bad-request");
    }
    let xmlns = iq.get_or_empty("xmlns");
    // Before login only pairing IQs are allowed.
    if s.me.is_none() && xmlns != "md" && xmlns != "w:p" {
        return s.iq_error(w, iq, 401, "not-authorized");
    }
    match xmlns {
        "encrypt" => prekeys::handle(s, w, iq),
        "usync" => usync::handle(s, w, iq),
        "w:p" => misc::ping(s, w, iq),
        "passive" => misc::passive(s, w, iq),
        "abt" | "w" => misc::props(s, w, iq),
        "blocklist" => misc::blocklist(s, w, iq),
        "privacy" => misc::privacy(s, w, iq),
        "w:profile:picture" => misc::picture(s, w, iq),
        "status" => misc::status(s, w, iq),
        "w:m" => misc::media_conn(s, w, iq),
        "w:stats"
        | "urn:xmpp:whatsapp:dirty"
        | "disappearing_mode"
        | "urn:xmpp:whatsapp:account" => misc::accept(s, w, iq),
        "md" => crate::pairing::handle_md(s, w, iq),
        "w:g2" => crate::groups::handle(s, w, iq),
        "w:sync:app:state" => crate::appstate::handle(s, w, iq),
        _ => {
            log::debug!(target: "TestServer/Iq", "unsupported xmlns {xmlns:?}");
            s.iq_error(w, iq, 501, "feature-not-implemented")
        }
    }
}
