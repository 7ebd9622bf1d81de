//! Borrowed nodes: what the decoder returns, pointing into the frame it read.

use std::borrow::Cow;
use std::fmt;

use crate::attrs::AttrParser;
use crate::jid::{Jid, JidRef};
use crate::node::owned::{Attrs, Node, NodeContent, NodeValue};

/// A decoded attribute value: a string or a JID, both borrowing from the frame where they can.
#[derive(Debug, Clone)]
pub enum ValueRef<'a> {
    /// A string.
    String(Cow<'a, str>),
    /// A JID.
    Jid(JidRef<'a>),
}

impl<'a> ValueRef<'a> {
    /// The value as a string (allocates only for a JID).
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            ValueRef::String(s) => Cow::Borrowed(s),
            ValueRef::Jid(j) => Cow::Owned(j.to_jid_string()),
        }
    }

    /// The JID, if the value is one (no parsing).
    pub fn as_jid(&self) -> Option<&JidRef<'a>> {
        match self {
            ValueRef::Jid(j) => Some(j),
            ValueRef::String(_) => None,
        }
    }

    /// The value as an owned JID: the JID itself, or the string parsed.
    pub fn to_jid(&self) -> Option<Jid> {
        match self {
            ValueRef::Jid(j) => Some(j.to_owned()),
            ValueRef::String(s) => s.parse().ok(),
        }
    }

    /// The owned value (a JID stays a JID).
    pub fn to_node_value(&self) -> NodeValue {
        match self {
            ValueRef::String(s) => NodeValue::String(s.as_ref().to_owned()),
            ValueRef::Jid(j) => NodeValue::Jid(j.to_owned()),
        }
    }
}

impl PartialEq for ValueRef<'_> {
    /// Wire equality: a string equals a JID whose string form it is.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ValueRef::String(a), ValueRef::String(b)) => a == b,
            (ValueRef::Jid(a), ValueRef::Jid(b)) => a == b,
            (ValueRef::String(s), ValueRef::Jid(j)) | (ValueRef::Jid(j), ValueRef::String(s)) => {
                j.display_eq(s)
            }
        }
    }
}

impl Eq for ValueRef<'_> {}

impl PartialEq<str> for ValueRef<'_> {
    fn eq(&self, other: &str) -> bool {
        match self {
            ValueRef::String(s) => s == other,
            ValueRef::Jid(j) => j.display_eq(other),
        }
    }
}

impl PartialEq<&str> for ValueRef<'_> {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<NodeValue> for ValueRef<'_> {
    fn eq(&self, other: &NodeValue) -> bool {
        *self == other.as_value_ref()
    }
}

impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::String(s) => f.write_str(s),
            ValueRef::Jid(j) => fmt::Display::fmt(j, f),
        }
    }
}

/// Decoded attributes, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrsRef<'a>(Vec<(Cow<'a, str>, ValueRef<'a>)>);

impl<'a> AttrsRef<'a> {
    /// From decoded pairs.
    pub fn from_vec(pairs: Vec<(Cow<'a, str>, ValueRef<'a>)>) -> Self {
        Self(pairs)
    }

    /// The value of `key` (the first, if the wire repeated it).
    pub fn get(&self, key: &str) -> Option<&ValueRef<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs in order.
    pub fn iter(&self) -> std::slice::Iter<'_, (Cow<'a, str>, ValueRef<'a>)> {
        self.0.iter()
    }

    /// The pairs as a slice.
    pub fn as_slice(&self) -> &[(Cow<'a, str>, ValueRef<'a>)] {
        &self.0
    }

    /// Owned attributes.
    pub fn to_owned(&self) -> Attrs {
        let mut attrs = Attrs::with_capacity(self.0.len());
        for (k, v) in &self.0 {
            attrs.push(k.as_ref(), v.to_node_value());
        }
        attrs
    }
}

impl<'a, 'b> IntoIterator for &'b AttrsRef<'a> {
    type Item = &'b (Cow<'a, str>, ValueRef<'a>);
    type IntoIter = std::slice::Iter<'b, (Cow<'a, str>, ValueRef<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Decoded content.
#[derive(Debug, Clone)]
pub enum NodeContentRef<'a> {
    /// Bytes (borrowed from the frame).
    Bytes(Cow<'a, [u8]>),
    /// Text (a token, a packed number, a JID as text).
    String(Cow<'a, str>),
    /// Child nodes.
    Nodes(Vec<NodeRef<'a>>),
}

impl NodeContentRef<'_> {
    /// Owned content.
    pub fn to_owned(&self) -> NodeContent {
        match self {
            NodeContentRef::Bytes(b) => NodeContent::Bytes(b.to_vec()),
            NodeContentRef::String(s) => NodeContent::String(s.as_ref().to_owned()),
            NodeContentRef::Nodes(n) => {
                NodeContent::Nodes(n.iter().map(NodeRef::to_owned).collect())
            }
        }
    }
}

impl PartialEq for NodeContentRef<'_> {
    /// Wire equality: string content equals byte content with the same bytes.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (NodeContentRef::Bytes(a), NodeContentRef::Bytes(b)) => a == b,
            (NodeContentRef::String(a), NodeContentRef::String(b)) => a == b,
            (NodeContentRef::Nodes(a), NodeContentRef::Nodes(b)) => a == b,
            (NodeContentRef::String(s), NodeContentRef::Bytes(b))
            | (NodeContentRef::Bytes(b), NodeContentRef::String(s)) => s.as_bytes() == b.as_ref(),
            _ => false,
        }
    }
}

impl Eq for NodeContentRef<'_> {}

/// A decoded node, borrowing strings and bytes from the frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeRef<'a> {
    /// The tag.
    pub tag: Cow<'a, str>,
    /// Attributes in wire order.
    pub attrs: AttrsRef<'a>,
    /// Content, if any.
    pub content: Option<NodeContentRef<'a>>,
}

impl<'a> NodeRef<'a> {
    /// A node from its parts.
    pub fn new(
        tag: Cow<'a, str>,
        attrs: AttrsRef<'a>,
        content: Option<NodeContentRef<'a>>,
    ) -> Self {
        Self {
            tag,
            attrs,
            content,
        }
    }

    /// The owned node (copies strings and bytes).
    pub fn to_owned(&self) -> Node {
        Node {
            tag: self.tag.as_ref().to_owned(),
            attrs: self.attrs.to_owned(),
            content: self.content.as_ref().map(NodeContentRef::to_owned),
        }
    }

    /// A typed attribute reader that collects errors (see [`AttrParser`]).
    pub fn attrs(&self) -> AttrParser<'_> {
        AttrParser::new_ref(&self.attrs)
    }

    /// The value of attribute `key`.
    pub fn get_attr(&self, key: &str) -> Option<&ValueRef<'a>> {
        self.attrs.get(key)
    }

    /// The children, if the content is a node list.
    pub fn children(&self) -> Option<&[NodeRef<'a>]> {
        match &self.content {
            Some(NodeContentRef::Nodes(n)) => Some(n),
            _ => None,
        }
    }

    /// The first child with tag `tag`.
    pub fn get_optional_child(&self, tag: &str) -> Option<&NodeRef<'a>> {
        self.children()?.iter().find(|c| c.tag == tag)
    }

    /// Follows a path of tags from this node.
    pub fn get_optional_child_by_tag(&self, tags: &[&str]) -> Option<&NodeRef<'a>> {
        let mut node = self;
        for tag in tags {
            node = node.get_optional_child(tag)?;
        }
        Some(node)
    }

    /// All children with tag `tag`.
    pub fn get_children_by_tag<'s>(
        &'s self,
        tag: &'s str,
    ) -> impl Iterator<Item = &'s NodeRef<'a>> + 's {
        self.children()
            .unwrap_or_default()
            .iter()
            .filter(move |c| c.tag == tag)
    }

    /// The content as bytes (byte content, or the bytes of string content).
    pub fn content_bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Some(NodeContentRef::Bytes(b)) => Some(b),
            Some(NodeContentRef::String(s)) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The content as text (string content, or byte content that is valid UTF-8).
    pub fn content_str(&self) -> Option<&str> {
        match &self.content {
            Some(NodeContentRef::String(s)) => Some(s),
            Some(NodeContentRef::Bytes(b)) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }
}

impl PartialEq<Node> for NodeRef<'_> {
    /// Wire equality with an owned node, without converting either.
    fn eq(&self, other: &Node) -> bool {
        self.tag == other.tag.as_str()
            && self.attrs.len() == other.attrs.len()
            && self
                .attrs
                .iter()
                .zip(other.attrs.iter())
                .all(|((ka, va), (kb, vb))| ka == kb && va == vb)
            && match (&self.content, &other.content) {
                (None, None) => true,
                (Some(NodeContentRef::Nodes(a)), Some(NodeContent::Nodes(b))) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
                }
                (Some(NodeContentRef::Nodes(_)), _) | (_, Some(NodeContent::Nodes(_))) => false,
                (Some(a), Some(b)) => *a == b.as_content_ref(),
                _ => false,
            }
    }
}
