//! Logging out: asking the server to remove this companion device (`xmlns="md"`).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::Jid;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// `<iq xmlns="md" type="set"><remove-companion-device jid=".." reason="user_initiated"/></iq>`.
#[derive(Debug, Clone)]
pub struct RemoveCompanionDeviceIq {
    /// Our device JID.
    pub jid: Jid,
}

impl IqSpec for RemoveCompanionDeviceIq {
    type Response = ();

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::set(
            "md",
            vec![
                NodeBuilder::new("remove-companion-device")
                    .jid_attr("jid", self.jid.clone())
                    .attr("reason", "user_initiated")
                    .build(),
            ],
        )
    }

    fn parse_response(&self, _response: &Node) -> Result<(), IqParseError> {
        Ok(())
    }
}
