//! Passive/active mode (`xmlns="passive"`). A freshly logged-in client is passive
//! (the server holds offline messages) until it sends `<active/>`.

use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// `<iq xmlns="passive" type="set"><active/></iq>` (or `<passive/>`).
#[derive(Debug, Clone, Copy)]
pub struct SetPassiveIq {
    /// `true` for passive, `false` for active.
    pub passive: bool,
}

impl IqSpec for SetPassiveIq {
    type Response = ();

    fn build_iq(&self) -> InfoQuery<'static> {
        let tag = if self.passive { "passive" } else { "active" };
        InfoQuery::set("passive", vec![NodeBuilder::new(tag).build()])
    }

    fn parse_response(&self, _response: &Node) -> Result<(), IqParseError> {
        Ok(())
    }
}
