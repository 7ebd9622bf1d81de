//! The server's view of a protocol node: a tag, string attributes and bytes or child content.
//!
//! All protocol handlers work on [`Stanza`]; `codec.rs` converts to and from the binary node
//! format of `wacore-binary`. Attribute values (JIDs included) are plain strings, as on the wire
//! after decoding.

use std::fmt::{self, Write as _};

/// Content of a stanza.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Content {
    /// No content.
    #[default]
    None,
    /// Raw bytes (a string content decodes to its UTF-8 bytes).
    Bytes(Vec<u8>),
    /// Child nodes.
    Nodes(Vec<Stanza>),
}

/// One protocol node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Stanza {
    /// Node tag (`message`, `iq`, ...).
    pub tag: String,
    /// Attributes in wire order.
    pub attrs: Vec<(String, String)>,
    /// Content.
    pub content: Content,
}

impl Stanza {
    /// A node with a tag and nothing else.
    pub fn new(tag: impl Into<String>) -> Self {
        Stanza {
            tag: tag.into(),
            attrs: Vec::new(),
            content: Content::None,
        }
    }

    /// Adds (or replaces) an attribute.
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// Adds an attribute when `value` is `Some`.
    pub fn opt_attr(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.attr(key, v),
            None => self,
        }
    }

    /// Sets (or replaces) an attribute in place.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        if let Some(slot) = self.attrs.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.attrs.push((key, value));
        }
    }

    /// Appends one child.
    pub fn child(mut self, child: Stanza) -> Self {
        self.push(child);
        self
    }

    /// Appends a child in place (turning bytes or empty content into a child list).
    pub fn push(&mut self, child: Stanza) {
        match &mut self.content {
            Content::Nodes(v) => v.push(child),
            _ => self.content = Content::Nodes(vec![child]),
        }
    }

    /// Appends children.
    pub fn children(mut self, kids: impl IntoIterator<Item = Stanza>) -> Self {
        for k in kids {
            self.push(k);
        }
        self
    }

    /// Sets byte content.
    pub fn bytes(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.content = Content::Bytes(data.into());
        self
    }

    /// The value of an attribute.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of an attribute, or `""`.
    pub fn get_or_empty(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }

    /// Child nodes (empty when the content is not a list).
    pub fn nodes(&self) -> &[Stanza] {
        match &self.content {
            Content::Nodes(v) => v,
            _ => &[],
        }
    }

    /// The first child with that tag.
    pub fn first(&self, tag: &str) -> Option<&Stanza> {
        self.nodes().iter().find(|n| n.tag == tag)
    }

    /// Every child with that tag.
    pub fn all<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Stanza> + 'a {
        self.nodes().iter().filter(move |n| n.tag == tag)
    }

    /// Byte content, if any.
    pub fn data(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Byte content as UTF-8 text.
    pub fn text(&self) -> Option<&str> {
        self.data().and_then(|b| std::str::from_utf8(b).ok())
    }
}

impl fmt::Display for Stanza {
    /// An XML-like rendering for logs (bytes shown as length or short text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        render(self, &mut s, 0);
        f.write_str(&s)
    }
}

fn render(n: &Stanza, out: &mut String, depth: usize) {
    if depth > 16 {
        out.push_str("<…/>");
        return;
    }
    let _ = write!(out, "<{}", n.tag);
    for (k, v) in &n.attrs {
        let _ = write!(out, " {k}=\"{v}\"");
    }
    match &n.content {
        Content::None => out.push_str("/>"),
        Content::Bytes(b) => match std::str::from_utf8(b) {
            Ok(t) if t.len() <= 64 && t.chars().all(|c| !c.is_control()) => {
                let _ = write!(out, ">{t}</{}>", n.tag);
            }
            _ => {
                let _ = write!(out, "><!-- {} bytes --></{}>", b.len(), n.tag);
            }
        },
        Content::Nodes(kids) => {
            out.push('>');
            for k in kids {
                render(k, out, depth + 1);
            }
            let _ = write!(out, "</{}>", n.tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads_back() {
        let n = Stanza::new("iq")
            .attr("id", "1")
            .attr("type", "get")
            .child(Stanza::new("ping"))
            .child(Stanza::new("ref").bytes(b"abc".to_vec()));
        assert_eq!(n.get("type"), Some("get"));
        assert!(n.first("ping").is_some());
        assert_eq!(n.first("ref").and_then(Stanza::text), Some("abc"));
        assert_eq!(
            n.to_string(),
            "<iq id=\"1\" type=\"get\"><ping/><ref>abc</ref></iq>"
        );
    }

    #[test]
    fn set_replaces() {
        let mut n = Stanza::new("a").attr("k", "1");
        n.set("k", "2");
        assert_eq!(n.attrs.len(), 1);
        assert_eq!(n.get("k"), Some("2"));
    }
}
