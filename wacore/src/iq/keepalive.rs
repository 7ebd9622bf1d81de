//! Keepalive ping (`xmlns="w:p"`).

use wacore_binary::builder::NodeBuilder;
use wacore_binary::node::Node;

use super::IqSpec;
use crate::request::{InfoQuery, IqParseError};

/// `<iq xmlns="w:p" type="get"><ping/></iq>`; the response carries the server time.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepaliveIq;

/// The pong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveResponse {
    /// The server's clock (`t`, unix seconds), when sent.
    pub server_time: Option<i64>,
}

impl IqSpec for KeepaliveIq {
    type Response = KeepaliveResponse;

    fn build_iq(&self) -> InfoQuery<'static> {
        InfoQuery::get("w:p", vec![NodeBuilder::new("ping").build()])
    }

    fn parse_response(&self, response: &Node) -> Result<KeepaliveResponse, IqParseError> {
        let server_time = response
            .get_attr("t")
            .and_then(|v| v.as_str().parse::<i64>().ok());
        Ok(KeepaliveResponse { server_time })
    }
}
