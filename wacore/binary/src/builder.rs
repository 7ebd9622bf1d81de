//! Fluent construction of [`Node`]s.
//!
//! ```
//! use wacore_binary::builder::NodeBuilder;
//! use wacore_binary::jid::Jid;
//!
//! let node = NodeBuilder::new("message")
//!     .jid_attr("to", Jid::pn("15551234567"))
//!     .attr("type", "text")
//!     .attr("id", "3EB0ABCDEF")
//!     .children([NodeBuilder::new("body").string_content("Hello").build()])
//!     .build();
//! assert_eq!(node.to_string(), r#"<message to="15551234567@s.whatsapp.net" type="text" id="3EB0ABCDEF"><body>Hello</body></message>"#);
//! ```

use crate::jid::Jid;
use crate::node::{Attrs, Node, NodeContent, NodeValue};

/// Builds a [`Node`]; every setter consumes and returns the builder.
#[derive(Debug, Clone, Default)]
pub struct NodeBuilder {
    tag: String,
    attrs: Attrs,
    content: Option<NodeContent>,
}

impl NodeBuilder {
    /// A builder for a node with tag `tag`.
    pub fn new(tag: impl Into<String>) -> Self {
        Self {
            tag: tag.into(),
            attrs: Attrs::new(),
            content: None,
        }
    }

    /// Sets an attribute (replacing an earlier value of the same key, keeping its position).
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<NodeValue>) -> Self {
        self.attrs.insert(key, value);
        self
    }

    /// Sets a JID attribute without formatting it (encoded in its compact JID form).
    pub fn jid_attr(mut self, key: impl Into<String>, jid: Jid) -> Self {
        self.attrs.insert(key, NodeValue::Jid(jid));
        self
    }

    /// Sets several attributes in order.
    pub fn attrs<K, V>(mut self, attrs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<NodeValue>,
    {
        self.attrs.extend(attrs);
        self
    }

    /// Sets the content to these child nodes.
    pub fn children(mut self, children: impl IntoIterator<Item = Node>) -> Self {
        self.content = Some(NodeContent::Nodes(children.into_iter().collect()));
        self
    }

    /// Sets the content to raw bytes.
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.content = Some(NodeContent::Bytes(bytes.into()));
        self
    }

    /// Sets the content to text.
    pub fn string_content(mut self, s: impl Into<String>) -> Self {
        self.content = Some(NodeContent::String(s.into()));
        self
    }

    /// Sets (or clears, with `None`) the content.
    pub fn apply_content(mut self, content: Option<NodeContent>) -> Self {
        self.content = content;
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        Node {
            tag: self.tag,
            attrs: self.attrs,
            content: self.content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_everything_in_order() {
        let node = NodeBuilder::new("iq")
            .attr("id", "1")
            .attr("type", "get")
            .attrs([("xmlns", "w:g2"), ("id", "2")])
            .jid_attr("to", Jid::server_jid("s.whatsapp.net"))
            .bytes(vec![1, 2])
            .apply_content(None)
            .build();
        let keys: Vec<_> = node.attrs.keys().collect();
        assert_eq!(keys, ["id", "type", "xmlns", "to"]);
        assert_eq!(node.attrs.get("id").unwrap(), "2");
        assert_eq!(node.content, None);
        assert_eq!(
            NodeBuilder::new("a")
                .string_content("x")
                .build()
                .content_str(),
            Some("x")
        );
        let parent = NodeBuilder::new("p").children(vec![node.clone()]).build();
        assert_eq!(parent.get_optional_child("iq"), Some(&node));
    }
}
