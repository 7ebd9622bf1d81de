//! Per-connection context handed to stanza handlers.

use std::sync::Arc;

use crate::jid::{self, Jid};
use crate::stanza::Stanza;
use crate::state::{ConnId, Outbound, Shared, World};

/// The device a connection is logged in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Me {
    /// Account phone number.
    pub phone: String,
    /// Account LID user.
    pub lid: String,
    /// Device number.
    pub device: u16,
}

impl Me {
    /// This device's PN JID.
    pub fn pn_device(&self) -> Jid {
        Jid::device(&self.phone, self.device, jid::PN)
    }

    /// This device's LID JID.
    pub fn lid_device(&self) -> Jid {
        Jid::device(&self.lid, self.device, jid::LID)
    }
}

/// Context for one connection's handlers.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// Connection id in the registry.
    pub conn: ConnId,
    /// Shared server state.
    pub shared: Arc<Shared>,
    /// The logged-in device (`None` while unpaired).
    pub me: Option<Me>,
}

impl Session {
    /// Queues a stanza for this connection (in order with everything else it is sent).
    pub fn reply(&self, world: &World, stanza: Stanza) {
        world.send_conn(self.conn, Outbound::Stanza(stanza));
    }

    /// Sends `<iq type="result">` for a request, with optional children.
    pub fn iq_result(&self, world: &World, req: &Stanza, kids: Vec<Stanza>) {
        self.reply(world, iq_result(req).children(kids));
    }

    /// Sends `<iq type="error"><error code text/></iq>` for a request.
    pub fn iq_error(&self, world: &World, req: &Stanza, code: u16, text: &str) {
        self.reply(world, iq_error(req, code, text));
    }
}

/// The skeleton of an IQ result answering `req`.
pub(crate) fn iq_result(req: &Stanza) -> Stanza {
    Stanza::new("iq")
        .attr("from", req.get("to").unwrap_or(jid::PN))
        .attr("id", req.get_or_empty("id"))
        .attr("type", "result")
}

/// An IQ error answering `req`.
pub(crate) fn iq_error(req: &Stanza, code: u16, text: &str) -> Stanza {
    Stanza::new("iq")
        .attr("from", req.get("to").unwrap_or(jid::PN))
        .attr("id", req.get_or_empty("id"))
        .attr("type", "error")
        .child(
            Stanza::new("error")
                .attr("code", code.to_string())
                .attr("text", text),
        )
}

impl Me {
    /// The PN user JID as a string.
    pub fn pn_jid_user(&self) -> String {
        Jid::user(&self.phone, jid::PN).to_string()
    }

    /// The LID user JID as a string.
    pub fn lid_jid_user(&self) -> String {
        Jid::user(&self.lid, jid::LID).to_string()
    }
}
