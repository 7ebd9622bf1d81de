//! IQ (info/query) requests: the [`InfoQuery`] description the client turns into an
//! `<iq>` stanza, and the errors of parsing responses.

use std::time::Duration;

use wacore_binary::builder::NodeBuilder;
use wacore_binary::jid::{Jid, SERVER_JID};
use wacore_binary::node::{Node, NodeContent};

/// The `type` of an IQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoQueryType {
    /// `get`.
    Get,
    /// `set`.
    Set,
}

impl InfoQueryType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Set => "set",
        }
    }
}

/// An IQ request. The client assigns the `id` (unless given) and waits for the
/// matching `result`/`error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoQuery<'a> {
    /// `get` or `set`.
    pub query_type: InfoQueryType,
    /// The `xmlns` attribute.
    pub namespace: &'a str,
    /// The `to` attribute (usually the server, `s.whatsapp.net`).
    pub to: Jid,
    /// Optional `target` attribute.
    pub target: Option<Jid>,
    /// Children or payload.
    pub content: Option<NodeContent>,
    /// A fixed id (normally `None`: the client generates one).
    pub id: Option<String>,
    /// Overrides the client's default IQ timeout.
    pub timeout: Option<Duration>,
}

impl<'a> InfoQuery<'a> {
    /// A `get` to the server with the given namespace and children.
    pub fn get(namespace: &'a str, children: Vec<Node>) -> Self {
        Self::new(InfoQueryType::Get, namespace, children)
    }

    /// A `set` to the server with the given namespace and children.
    pub fn set(namespace: &'a str, children: Vec<Node>) -> Self {
        Self::new(InfoQueryType::Set, namespace, children)
    }

    fn new(query_type: InfoQueryType, namespace: &'a str, children: Vec<Node>) -> Self {
        Self {
            query_type,
            namespace,
            to: Jid::server_jid(SERVER_JID),
            target: None,
            content: (!children.is_empty()).then_some(NodeContent::Nodes(children)),
            id: None,
            timeout: None,
        }
    }

    /// Sets a per-request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends to another JID.
    #[must_use]
    pub fn with_to(mut self, to: Jid) -> Self {
        self.to = to;
        self
    }

    /// Builds the `<iq>` node with `id`.
    pub fn to_node(&self, id: &str) -> Node {
        let mut b = NodeBuilder::new("iq")
            .attr("id", id)
            .attr("xmlns", self.namespace)
            .attr("type", self.query_type.as_str())
            .jid_attr("to", self.to.clone());
        if let Some(target) = &self.target {
            b = b.jid_attr("target", target.clone());
        }
        b.apply_content(self.content.clone()).build()
    }
}

/// Why an IQ response could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IqParseError {
    /// A required child element is missing.
    #[error("missing <{tag}> in {context}")]
    MissingChild {
        /// The missing tag.
        tag: &'static str,
        /// Where it was expected.
        context: &'static str,
    },
    /// An attribute is missing or malformed.
    #[error("bad attribute {attr:?} in {context}: {reason}")]
    BadAttribute {
        /// The attribute.
        attr: &'static str,
        /// Where.
        context: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Content has the wrong shape or size.
    #[error("bad content in {context}: {reason}")]
    BadContent {
        /// Where.
        context: &'static str,
        /// What is wrong.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_iq_node() {
        let q = InfoQuery::get("w:p", vec![NodeBuilder::new("ping").build()])
            .with_timeout(Duration::from_secs(3));
        let node = q.to_node("abc-1");
        assert_eq!(node.tag, "iq");
        assert_eq!(node.get_attr("id").unwrap().as_str(), "abc-1");
        assert_eq!(node.get_attr("xmlns").unwrap().as_str(), "w:p");
        assert_eq!(node.get_attr("type").unwrap().as_str(), "get");
        let to = node.get_attr("to").unwrap().to_jid().unwrap();
        assert!(to.user.is_empty() && to.server == SERVER_JID);
        assert!(node.get_attr("target").is_none());
        assert_eq!(node.children().unwrap()[0].tag, "ping");
        assert_eq!(q.timeout, Some(Duration::from_secs(3)));
        let empty = InfoQuery::set("passive", vec![]).to_node("x");
        assert!(empty.content.is_none());
    }
}
