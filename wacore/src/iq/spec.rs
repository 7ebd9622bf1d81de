//! The [`IqSpec`] trait.

use wacore_binary::node::Node;

use crate::request::{InfoQuery, IqParseError};

/// A reusable IQ: how to build the request and how to read the response.
pub trait IqSpec {
    /// The parsed response.
    type Response;

    /// Builds the request (the client fills in the id).
    fn build_iq(&self) -> InfoQuery<'static>;

    /// Parses a `type="result"` response. (`type="error"` responses never reach
    /// this: the client turns them into an error first.)
    fn parse_response(&self, response: &Node) -> Result<Self::Response, IqParseError>;
}
