//! The stanza dispatch table: tag -> handler.

use crate::session::Session;
use crate::stanza::Stanza;
use crate::state::World;

/// Handles one stanza from a client.
pub(crate) fn dispatch(s: &Session, w: &mut World, node: &Stanza) {
    log::debug!(target: "TestServer/Recv", "conn {} -> {node}", s.conn);
    match node.tag.as_str() {
        "iq" => crate::iq::handle(s, w, node),
        "message" if s.me.is_some() => crate::message::handle(s, w, node),
        "receipt" if s.me.is_some() => crate::receipt::handle(s, w, node),
        "ack" => on_ack(s, w, node),
        "presence" => crate::presence::presence(s, w, node),
        "chatstate" => crate::presence::chatstate(s, w, node),
        // Client telemetry and offline-batch requests need no answer.
        "ib" => {}
        "call" if s.me.is_some() => {
            let ack = Stanza::new("ack")
                .attr("class", "call")
                .attr("id", node.get_or_empty("id"));
            s.reply(w, ack);
        }
        other => {
            log::debug!(target: "TestServer/Recv", "unhandled stanza <{other}>");
            if let Some(id) = node.get("id") {
                let nack = Stanza::new("ack")
                    .attr("class", other)
                    .attr("id", id)
                    .attr("error", if s.me.is_some() { "501" } else { "401" });
                s.reply(w, nack);
            }
        }
    }
}

/// A client's `<ack>` removes the acked stanza from its device queue.
fn on_ack(s: &Session, w: &mut World, node: &Stanza) {
    let Some(me) = &s.me else { return };
    let id = node.get_or_empty("id");
    let class = node.get_or_empty("class");
    if !w.ack(&me.phone, me.device, class, id) {
        log::trace!(target: "TestServer/Recv", "ack for unknown {class} {id}");
    }
}
