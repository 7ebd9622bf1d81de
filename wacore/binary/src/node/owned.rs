//! Owned nodes.

use std::borrow::Cow;
use std::fmt;

use crate::attrs::AttrParser;
use crate::jid::Jid;
use crate::node::borrowed::{AttrsRef, NodeContentRef, NodeRef, ValueRef};

/// An attribute value: a string, or a JID kept structured (no formatting until needed; the
/// encoder writes it in its compact JID form).
#[derive(Debug, Clone)]
pub enum NodeValue {
    /// A string.
    String(String),
    /// A JID.
    Jid(Jid),
}

impl NodeValue {
    /// The value as a string (allocates only for a JID).
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            NodeValue::String(s) => Cow::Borrowed(s),
            NodeValue::Jid(j) => Cow::Owned(j.to_string()),
        }
    }

    /// The JID, if the value is one (no parsing).
    pub fn as_jid(&self) -> Option<&Jid> {
        match self {
            NodeValue::Jid(j) => Some(j),
            NodeValue::String(_) => None,
        }
    }

    /// The value as a JID: the JID itself, or the string parsed.
    pub fn to_jid(&self) -> Option<Jid> {
        match self {
            NodeValue::Jid(j) => Some(j.clone()),
            NodeValue::String(s) => s.parse().ok(),
        }
    }

    /// A borrowed view.
    pub fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            NodeValue::String(s) => ValueRef::String(Cow::Borrowed(s)),
            NodeValue::Jid(j) => ValueRef::Jid(j.as_jid_ref()),
        }
    }
}

impl Default for NodeValue {
    fn default() -> Self {
        NodeValue::String(String::new())
    }
}

impl PartialEq for NodeValue {
    /// Wire equality: a string equals a JID whose string form it is.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (NodeValue::String(a), NodeValue::String(b)) => a == b,
            (NodeValue::Jid(a), NodeValue::Jid(b)) => a == b,
            (NodeValue::String(s), NodeValue::Jid(j))
            | (NodeValue::Jid(j), NodeValue::String(s)) => j.display_eq(s),
        }
    }
}

impl Eq for NodeValue {}

impl PartialEq<str> for NodeValue {
    fn eq(&self, other: &str) -> bool {
        match self {
            NodeValue::String(s) => s == other,
            NodeValue::Jid(j) => j.display_eq(other),
        }
    }
}

impl PartialEq<&str> for NodeValue {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for NodeValue {
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

impl fmt::Display for NodeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeValue::String(s) => f.write_str(s),
            NodeValue::Jid(j) => fmt::Display::fmt(j, f),
        }
    }
}

impl From<String> for NodeValue {
    fn from(s: String) -> Self {
        NodeValue::String(s)
    }
}

impl From<&str> for NodeValue {
    fn from(s: &str) -> Self {
        NodeValue::String(s.to_owned())
    }
}

impl From<&String> for NodeValue {
    fn from(s: &String) -> Self {
        NodeValue::String(s.clone())
    }
}

impl From<Cow<'_, str>> for NodeValue {
    fn from(s: Cow<'_, str>) -> Self {
        NodeValue::String(s.into_owned())
    }
}

impl From<Jid> for NodeValue {
    fn from(j: Jid) -> Self {
        NodeValue::Jid(j)
    }
}

impl From<&Jid> for NodeValue {
    fn from(j: &Jid) -> Self {
        NodeValue::Jid(j.clone())
    }
}

impl From<bool> for NodeValue {
    fn from(b: bool) -> Self {
        NodeValue::String(if b { "true" } else { "false" }.to_owned())
    }
}

macro_rules! node_value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for NodeValue {
            fn from(n: $t) -> Self {
                NodeValue::String(n.to_string())
            }
        }
    )*};
}
node_value_from_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// Node attributes, in wire order. Keys are unique when built through [`insert`](Self::insert)
/// (which the builder uses); the decoder keeps whatever the wire holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs(Vec<(String, NodeValue)>);

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// No attributes, room for `n`.
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&NodeValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, replacing its value in place if present, else appending.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<NodeValue>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Appends without checking for an existing key.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<NodeValue>) {
        self.0.push((key.into(), value.into()));
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<NodeValue> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
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
    pub fn iter(&self) -> std::slice::Iter<'_, (String, NodeValue)> {
        self.0.iter()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The pairs as a slice.
    pub fn as_slice(&self) -> &[(String, NodeValue)] {
        &self.0
    }

    /// The pairs as a vector.
    pub fn into_inner(self) -> Vec<(String, NodeValue)> {
        self.0
    }
}

impl<K: Into<String>, V: Into<NodeValue>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut attrs = Attrs::new();
        attrs.extend(iter);
        attrs
    }
}

impl<K: Into<String>, V: Into<NodeValue>> Extend<(K, V)> for Attrs {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Attrs {
    type Item = (String, NodeValue);
    type IntoIter = std::vec::IntoIter<(String, NodeValue)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = &'a (String, NodeValue);
    type IntoIter = std::slice::Iter<'a, (String, NodeValue)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Node content: bytes, a string, or child nodes.
#[derive(Debug, Clone)]
pub enum NodeContent {
    /// Raw bytes (an encrypted payload, a protobuf...).
    Bytes(Vec<u8>),
    /// Text.
    String(String),
    /// Child nodes.
    Nodes(Vec<Node>),
}

impl NodeContent {
    /// A borrowed view.
    pub fn as_content_ref(&self) -> NodeContentRef<'_> {
        match self {
            NodeContent::Bytes(b) => NodeContentRef::Bytes(Cow::Borrowed(b)),
            NodeContent::String(s) => NodeContentRef::String(Cow::Borrowed(s)),
            NodeContent::Nodes(n) => {
                NodeContentRef::Nodes(n.iter().map(Node::as_node_ref).collect())
            }
        }
    }
}

impl PartialEq for NodeContent {
    /// Wire equality: string content equals byte content with the same bytes.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (NodeContent::Bytes(a), NodeContent::Bytes(b)) => a == b,
            (NodeContent::String(a), NodeContent::String(b)) => a == b,
            (NodeContent::Nodes(a), NodeContent::Nodes(b)) => a == b,
            (NodeContent::String(s), NodeContent::Bytes(b))
            | (NodeContent::Bytes(b), NodeContent::String(s)) => s.as_bytes() == b.as_slice(),
            _ => false,
        }
    }
}

impl Eq for NodeContent {}

impl From<Vec<u8>> for NodeContent {
    fn from(b: Vec<u8>) -> Self {
        NodeContent::Bytes(b)
    }
}

impl From<String> for NodeContent {
    fn from(s: String) -> Self {
        NodeContent::String(s)
    }
}

impl From<Vec<Node>> for NodeContent {
    fn from(n: Vec<Node>) -> Self {
        NodeContent::Nodes(n)
    }
}

/// A protocol node: `<tag attrs...>content</tag>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The tag (`message`, `iq`, `enc`, ...).
    pub tag: String,
    /// Attributes in wire order.
    pub attrs: Attrs,
    /// Content, if any.
    pub content: Option<NodeContent>,
}

impl Node {
    /// A node from its parts.
    pub fn new(tag: impl Into<String>, attrs: Attrs, content: Option<NodeContent>) -> Self {
        Self {
            tag: tag.into(),
            attrs,
            content,
        }
    }

    /// A typed attribute reader that collects errors (see [`AttrParser`]).
    pub fn attrs(&self) -> AttrParser<'_> {
        AttrParser::new(&self.attrs)
    }

    /// The value of attribute `key`.
    pub fn get_attr(&self, key: &str) -> Option<&NodeValue> {
        self.attrs.get(key)
    }

    /// The children, if the content is a node list.
    pub fn children(&self) -> Option<&[Node]> {
        match &self.content {
            Some(NodeContent::Nodes(n)) => Some(n),
            _ => None,
        }
    }

    /// The first child with tag `tag`.
    pub fn get_optional_child(&self, tag: &str) -> Option<&Node> {
        self.children()?.iter().find(|c| c.tag == tag)
    }

    /// Follows a path of tags from this node: `["list", "item"]` is the first `<item>` of the
    /// first `<list>` child.
    pub fn get_optional_child_by_tag(&self, tags: &[&str]) -> Option<&Node> {
        let mut node = self;
        for tag in tags {
            node = node.get_optional_child(tag)?;
        }
        Some(node)
    }

    /// All children with tag `tag`.
    pub fn get_children_by_tag<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children()
            .unwrap_or_default()
            .iter()
            .filter(move |c| c.tag == tag)
    }

    /// The content as bytes (byte content, or the bytes of string content).
    pub fn content_bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Some(NodeContent::Bytes(b)) => Some(b),
            Some(NodeContent::String(s)) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// The content as text (string content, or byte content that is valid UTF-8).
    pub fn content_str(&self) -> Option<&str> {
        match &self.content {
            Some(NodeContent::String(s)) => Some(s),
            Some(NodeContent::Bytes(b)) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// A borrowed view (for encoding or comparing without cloning).
    pub fn as_node_ref(&self) -> NodeRef<'_> {
        NodeRef {
            tag: Cow::Borrowed(&self.tag),
            attrs: AttrsRef::from_vec(
                self.attrs
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), v.as_value_ref()))
                    .collect(),
            ),
            content: self.content.as_ref().map(NodeContent::as_content_ref),
        }
    }
}

impl PartialEq<NodeRef<'_>> for Node {
    fn eq(&self, other: &NodeRef<'_>) -> bool {
        other == self
    }
}
